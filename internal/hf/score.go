package hf

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX convention for graph code.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// ScoreMode selects how a Scorer scores a candidate name after a prompt.
type ScoreMode string

const (
	// ScoreFull is the sum of the log-probabilities of all the name's tokens, teacher-forced after
	// the prompt (tree-shaped passes, see Candidates).
	ScoreFull ScoreMode = "full"
	// ScoreFirstToken is the logit of the name's first token at the prompt's last position: one
	// pass over the prompt and a [hidden, candidates] head. It ranks candidates as the
	// log-probability of their first token does, and needs distinct first tokens.
	ScoreFirstToken ScoreMode = "first-token"
	// ScoreAuto is ScoreFirstToken when the candidates' first tokens are distinct, else ScoreFull.
	ScoreAuto ScoreMode = "auto"
)

// Scorer scores candidate names after prompts with a Model: scores [B, C], higher = more likely.
//
// Cost per batch of B prompts of length P, C candidates: first-token mode is one forward pass over
// P tokens plus a [hidden, C] product. Full mode makes one pass per trie group g over P + N_g
// tokens (N_g trie nodes, at most MaxNodes; attention is (P+N_g)^2 per layer) and computes
// full-vocabulary logits at K_g <= N_g+1 positions; the naive alternative is C passes over
// P + len(name) tokens. E.g. 292 names of ~3 tokens with P = 256: about 3 passes of ~512 tokens
// instead of 292 passes of ~259 (~50x fewer token-layers).
type Scorer struct {
	Model      *Model
	Candidates *Candidates
	// Mode is the resolved mode: ScoreFull or ScoreFirstToken.
	Mode ScoreMode
}

// NewScorer resolves mode (ScoreAuto picks first-token when the first tokens are distinct) and
// returns a scorer of cands with m.
func NewScorer(m *Model, cands *Candidates, mode ScoreMode) (*Scorer, error) {
	switch mode {
	case ScoreAuto, "":
		mode = ScoreFull
		if cands.DistinctFirstTokens() {
			mode = ScoreFirstToken
		}
	case ScoreFirstToken:
		if !cands.DistinctFirstTokens() {
			return nil, fmt.Errorf("score mode %s: candidates share first tokens; use %s", mode, ScoreFull)
		}
	case ScoreFull:
	default:
		return nil, fmt.Errorf("unknown score mode %q (auto, first-token, full)", mode)
	}
	for _, ids := range cands.Tokens {
		for _, id := range ids {
			if id >= m.Config.VocabSize {
				return nil, fmt.Errorf("candidate token id %d is outside the model's vocabulary (%d)", id, m.Config.VocabSize)
			}
		}
	}
	return &Scorer{Model: m, Candidates: cands, Mode: mode}, nil
}

// Graph builds the scores [B, C] of all candidates after left-padded prompts tokens, mask (int32
// [B, T], mask 1 on real tokens; every prompt needs at least one). Its signature fits a train.Fit
// model function: the scores serve as class logits (softmax over candidates).
func (s *Scorer) Graph(ctx *context.Context, tokens, mask *Node, train bool) *Node {
	if s.Mode == ScoreFirstToken {
		return s.firstTokenGraph(ctx, tokens, mask, train)
	}
	var total *Node
	for gi := range s.Candidates.groups {
		part := s.groupGraph(ctx, &s.Candidates.groups[gi], tokens, mask, train)
		if total == nil {
			total = part
		} else {
			total = Add(total, part)
		}
	}
	return total
}

// ModelFn adapts Graph to train.Fit's model function: inputs[0] are the tokens and inputs[1] the
// mask, both [B, T] int32.
func (s *Scorer) ModelFn() func(ctx *context.Context, inputs []*Node, train bool) *Node {
	return func(ctx *context.Context, inputs []*Node, train bool) *Node {
		if len(inputs) != 2 {
			panic(fmt.Errorf("hf scorer: want 2 inputs (tokens, mask), got %d", len(inputs)))
		}
		return s.Graph(ctx, inputs[0], inputs[1], train)
	}
}

func (s *Scorer) firstTokenGraph(ctx *context.Context, tokens, mask *Node, train bool) *Node {
	g := tokens.Graph()
	m := s.Model
	dims := tokens.Shape().Dimensions
	b, t := dims[0], dims[1]
	positions, allowed := CausalInputs(g, mask)
	hidden := m.Hidden(ctx, tokens, positions, allowed, train)
	last := Reshape(Slice(hidden, AxisRange(), AxisElem(t-1), AxisRange()), b, m.Config.HiddenSize)
	first := s.Candidates.FirstTokens()
	idx := make([]int32, len(first))
	for i, id := range first {
		idx[i] = int32(id)
	}
	rows := Gather(m.headWeight(ctx, g), Reshape(Const(g, idx), len(idx), 1)) // [C, D]
	return DotGeneral(last, []int{1}, nil, rows, []int{1}, nil)
}

// groupGraph scores the candidates of one trie group: [B, C], zero in the columns of candidates
// outside the group.
func (s *Scorer) groupGraph(ctx *context.Context, grp *trieGroup, tokens, mask *Node, train bool) *Node {
	g := tokens.Graph()
	m := s.Model
	dims := tokens.Shape().Dimensions
	b, p := dims[0], dims[1]
	n := len(grp.tokens)
	l := p + n
	numC := len(s.Candidates.Names)

	nodeTokens := make([]int32, n)
	depth := make([]int32, n)
	for j := range nodeTokens {
		nodeTokens[j] = int32(grp.tokens[j])
		depth[j] = int32(grp.depth[j])
	}
	tokens = ConvertDType(tokens, dtypes.Int32)
	mask = ConvertDType(mask, dtypes.Int32)
	full := Concatenate([]*Node{tokens, BroadcastToDims(Reshape(Const(g, nodeTokens), 1, n), b, n)}, 1)

	promptPos, _ := CausalInputs(g, mask)
	promptLen := ReduceAndKeep(mask, ReduceSum, 1) // [B, 1]
	nodePos := Add(BroadcastToDims(promptLen, b, n), BroadcastToDims(Reshape(Const(g, depth), 1, n), b, n))
	nodePos = SubScalar(nodePos, 1)
	positions := Concatenate([]*Node{promptPos, nodePos}, 1)

	layout := tensors.FromFlatDataAndDimensions(grp.treeLayout(p), l, l)
	keyReal := Concatenate([]*Node{NotEqual(mask, ZerosLike(mask)), Ones(g, shapes.Make(dtypes.Bool, b, n))}, 1)
	allowed := LogicalAnd(
		BroadcastToDims(Reshape(ConstTensor(g, layout), 1, l, l), b, l, l),
		BroadcastToDims(Reshape(keyReal, b, 1, l), b, l, l))

	hidden := m.Hidden(ctx, full, positions, allowed, train) // [B, L, D]
	parentPos, nodeParent := grp.parents(p)
	k := len(parentPos)
	pidx := make([]int32, k)
	for i, pos := range parentPos {
		pidx[i] = int32(pos)
	}
	hp := Gather(TransposeAllAxes(hidden, 1, 0, 2), Reshape(Const(g, pidx), k, 1)) // [K, B, D]
	logp := LogSoftmax(m.Logits(ctx, hp), -1)                                      // [K, B, V]
	sel := make([]int32, 2*n)
	for j := 0; j < n; j++ {
		sel[2*j], sel[2*j+1] = int32(nodeParent[j]), int32(grp.tokens[j])
	}
	nodeLogp := Gather(TransposeAllAxes(logp, 0, 2, 1), Reshape(Const(g, sel), n, 2)) // [N, B]

	// paths[j, c] = 1 when node j lies on candidate c's path.
	paths := make([]float32, n*numC)
	for j, cands := range grp.terminal {
		for _, c := range cands {
			for a := j; a >= 0; a = grp.parent[a] {
				paths[a*numC+c] = 1
			}
		}
	}
	pathsT := ConstTensor(g, tensors.FromFlatDataAndDimensions(paths, n, numC))
	return DotGeneral(nodeLogp, []int{0}, nil, pathsT, []int{0}, nil) // [B, C]
}

// Score returns scores [len(prompts)][C] for token-id prompts, computed in batches of batchSize.
// Prompts are left-padded to one length (the longest, rounded up to a multiple of 8) and the last
// batch is filled up with copies of the first prompt, so that one graph is compiled.
func (s *Scorer) Score(backend backends.Backend, ctx *context.Context, prompts [][]int, batchSize int) (scores [][]float32, err error) {
	defer recoverError(&err, "hf: score")
	if batchSize <= 0 {
		return nil, fmt.Errorf("batch size must be positive, got %d", batchSize)
	}
	if len(prompts) == 0 {
		return nil, nil
	}
	maxLen := 0
	for i, p := range prompts {
		if len(p) == 0 {
			return nil, fmt.Errorf("prompt %d is empty", i)
		}
		maxLen = max(maxLen, len(p))
	}
	maxLen = (maxLen + 7) / 8 * 8
	exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, tokens, mask *Node) *Node {
		return s.Graph(ctx, tokens, mask, false)
	})
	if err != nil {
		return nil, err
	}
	defer exec.Finalize()
	for start := 0; start < len(prompts); start += batchSize {
		batch := make([][]int, batchSize)
		for i := range batch {
			batch[i] = prompts[0]
			if start+i < len(prompts) {
				batch[i] = prompts[start+i]
			}
		}
		tokens, mask := PadPrompts(batch, maxLen, 0)
		out, err := exec.Exec(tokens, mask)
		if err != nil {
			return nil, err
		}
		rows := out[0].Value().([][]float32)
		for i := 0; i < batchSize && start+i < len(prompts); i++ {
			scores = append(scores, rows[i])
		}
		out[0].FinalizeAll()
	}
	return scores, nil
}

// PadPrompts left-pads (and, when longer, left-truncates, keeping the most recent tokens) every
// sequence to exactly length tokens: tokens and mask [B][length] as LeftPad.
func PadPrompts(seqs [][]int, length, padID int) (tokens, mask [][]int32) {
	cut := make([][]int, len(seqs))
	for i, s := range seqs {
		if len(s) > length {
			s = s[len(s)-length:]
		}
		cut[i] = s
	}
	tokens, mask = LeftPad(append(cut, make([]int, length)), padID)
	return tokens[:len(seqs)], mask[:len(seqs)]
}
