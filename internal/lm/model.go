package lm

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX convention for graph code.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/nn"
	"github.com/behaviorlm/harness/internal/train"
)

// Scope is the context scope (under the root) holding the model's variables.
const Scope = "lm"

// Model is the decoder-only transformer over a renderer's prompts: token embeddings plus learned
// positions, Layers pre-norm blocks (causal multi-head self-attention with 1/sqrt(head dim)
// scaling and padding keys masked, then a GELU feed-forward layer), a final layer norm, and a head
// tied to the behavior rows of the token embedding plus a per-behavior bias.
type Model struct {
	cfg  Config
	rend *Renderer
	lora LoRA
}

// NewModel returns the model of cfg over rend's prompts, with LoRA adapters when lora.Rank > 0.
// cfg.HistoryLen is ignored: the renderer fixes the prompt length.
func NewModel(cfg Config, rend *Renderer, lora LoRA) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	if err := lora.Validate(); err != nil {
		return nil, fmt.Errorf("lm: %w", err)
	}
	if rend == nil {
		return nil, fmt.Errorf("lm: model needs a renderer")
	}
	return &Model{cfg: cfg, rend: rend, lora: lora}, nil
}

// Config returns the model's configuration.
func (m *Model) Config() Config { return m.cfg }

// Renderer returns the model's prompt renderer.
func (m *Model) Renderer() *Renderer { return m.rend }

// NumBehaviors returns the number of classes the model scores.
func (m *Model) NumBehaviors() int { return m.rend.tok.NumBehaviors() }

// Inputs renders samples as the model's inputs.
func (m *Model) Inputs(samples []datasets.Sample) train.Inputs { return m.rend.Inputs(samples) }

// Trainable returns the train.Config.Trainable predicate: nil (everything) without LoRA, else only
// the LoRA adapters.
func (m *Model) Trainable() func(scope string) bool {
	if m.lora.Rank == 0 {
		return nil
	}
	return nn.IsLoRAVariable
}

// Classifier returns the model as a train.ModelFn: prompts [B, Len] -> behavior logits [B, C] at
// the answer position.
func (m *Model) Classifier() train.ModelFn {
	return func(ctx *context.Context, inputs []*Node, training bool) *Node {
		h := m.hidden(ctx, inputs[0], training, true) // [B, 1, D]
		return m.behaviorLogits(ctx, Reshape(h, h.Shape().Dimensions[0], m.cfg.Dim))
	}
}

// Hidden returns the final-layer-norm outputs [B, L, D] of prompts tokens [B, L].
func (m *Model) Hidden(ctx *context.Context, tokens *Node, training bool) *Node {
	return m.hidden(ctx, tokens, training, false)
}

// BehaviorLogits scores hidden states [..., D] against every behavior: [..., C].
func (m *Model) BehaviorLogits(ctx *context.Context, h *Node) *Node {
	return m.behaviorLogits(ctx, h)
}

// hidden runs the transformer on tokens [B, L]. With lastOnly the final block computes only the
// last position (keys and values still cover all positions) and the result is [B, 1, D].
func (m *Model) hidden(ctx *context.Context, tokens *Node, training, lastOnly bool) *Node {
	ctx = ctx.In(Scope)
	g := tokens.Graph()
	dims := tokens.Shape().Dimensions
	b, l, d := dims[0], dims[1], m.cfg.Dim
	if l != m.rend.Len() {
		panic(fmt.Errorf("lm: prompts have %d tokens, the model's renderer makes %d", l, m.rend.Len()))
	}
	x := Gather(m.inputTable(ctx, g), InsertAxes(tokens, -1)) // [B, L, D]
	pos := table(ctx.In("positions"), g, l, d)
	x = Add(x, BroadcastToDims(InsertAxes(pos, 0), b, l, d))
	x = nn.Dropout(ctx.In("drop_embedding"), x, m.cfg.Dropout, training)
	real := NotEqual(tokens, ScalarZero(g, dtypes.Int32)) // PadID == 0
	for i := 0; i < m.cfg.Layers; i++ {
		x = m.block(ctx.Inf("block_%d", i), x, real, training, lastOnly && i == m.cfg.Layers-1)
	}
	return nn.LayerNorm(ctx.In("final"), x)
}

// block is one pre-norm transformer block: x += Drop(Attn(LN(x))); x += Drop(FFN(LN(x))). With
// lastOnly only the last query position is computed and x becomes [B, 1, D].
func (m *Model) block(ctx *context.Context, x, real *Node, training, lastOnly bool) *Node {
	dims := x.Shape().Dimensions
	b, l, d := dims[0], dims[1], dims[2]
	heads := m.cfg.Heads
	dh := d / heads
	residualStd := initStd / math.Sqrt(2*float64(m.cfg.Layers))
	rate := m.cfg.Dropout

	actx := ctx.In("attention")
	y := nn.LayerNorm(ctx.In("ln_attention"), x)
	yq, lq := y, l
	if lastOnly {
		yq, lq = Slice(y, AxisRange(), AxisRange(l-1, l), AxisRange()), 1
		x = Slice(x, AxisRange(), AxisRange(l-1, l), AxisRange())
	}
	q := Reshape(nn.Dense(actx.In("query"), yq, d, nn.Normal(initStd), m.lora), b, lq, heads, dh)
	k := Reshape(nn.Dense(actx.In("key"), y, d, nn.Normal(initStd), m.lora), b, l, heads, dh)
	v := Reshape(nn.Dense(actx.In("value"), y, d, nn.Normal(initStd), m.lora), b, l, heads, dh)
	scores := MulScalar(Einsum("bqhd,bkhd->bhqk", q, k), 1/math.Sqrt(float64(dh)))
	scores = Add(scores, BroadcastToDims(attentionBias(real, lq), b, heads, lq, l))
	weights := nn.Dropout(actx.In("dropout"), Softmax(scores, -1), rate, training)
	att := Reshape(Einsum("bhqk,bkhd->bqhd", weights, v), b, lq, d)
	att = nn.Dense(actx.In("output"), att, d, nn.Normal(residualStd), m.lora)
	x = Add(x, nn.Dropout(ctx.In("drop_attention"), att, rate, training))

	h := nn.Dense(ctx.In("ffn1"), nn.LayerNorm(ctx.In("ln_ffn"), x), m.cfg.FFNDim, nn.Normal(initStd), m.lora)
	h = nn.Dense(ctx.In("ffn2"), nn.GELU(h), d, nn.Normal(residualStd), m.lora)
	return Add(x, nn.Dropout(ctx.In("drop_ffn"), h, rate, training))
}

// attentionBias turns the [B, L] mask of real (non-padding) tokens into the additive [B, 1, Lq, L]
// bias of causal attention for the last Lq query positions: 0 where the query may attend the key
// (a real key at or before the query), nn.NegInf elsewhere.
func attentionBias(real *Node, lq int) *Node {
	g := real.Graph()
	dims := real.Shape().Dimensions
	b, l := dims[0], dims[1]
	allowed := BroadcastToDims(Reshape(real, b, 1, 1, l), b, 1, lq, l)
	q := AddScalar(Iota(g, shapes.Make(dtypes.Int32, lq, l), 0), l-lq)
	k := Iota(g, shapes.Make(dtypes.Int32, lq, l), 1)
	causal := BroadcastToDims(Reshape(GreaterOrEqual(q, k), 1, 1, lq, l), b, 1, lq, l)
	allowed = LogicalAnd(allowed, causal)
	zeros := Zeros(g, shapes.Make(dtypes.Float32, b, 1, lq, l))
	return Where(allowed, zeros, AddScalar(zeros, nn.NegInf))
}

// tokenTable returns the token embedding variable: one row per token of the prompts' vocabulary,
// or, with word names, one row per template or time token followed by one per word.
func (m *Model) tokenTable(ctx *context.Context, g *Graph) *Node {
	tok := m.rend.tok
	if tok.WordNames() {
		return table(ctx.In("tokens"), g, tok.TimeAndTemplateTokens()+tok.NumWords(), m.cfg.Dim)
	}
	return table(ctx.In("tokens"), g, tok.VocabSize(), m.cfg.Dim)
}

// inputTable returns the embedding of every prompt token id [VocabSize, D]: the token table, or,
// with word names, its template and time rows followed by each behavior's mean word embedding.
func (m *Model) inputTable(ctx *context.Context, g *Graph) *Node {
	emb := m.tokenTable(ctx, g)
	tok := m.rend.tok
	if !tok.WordNames() {
		return emb
	}
	base := tok.TimeAndTemplateTokens()
	words := Slice(emb, AxisRange(base, base+tok.NumWords()), AxisRange())
	behaviors := Dot(Const(g, m.nameMatrix(true)), words) // [C, D]
	return Concatenate([]*Node{Slice(emb, AxisRange(0, base), AxisRange()), behaviors}, 0)
}

// nameMatrix returns the [C, W] matrix of the behaviors' name words: 1 (or 1/len with mean) where
// word w is in behavior c's name.
func (m *Model) nameMatrix(mean bool) [][]float32 {
	tok := m.rend.tok
	mat := make([][]float32, tok.NumBehaviors())
	for c := range mat {
		mat[c] = make([]float32, tok.NumWords())
		ids := tok.NameWordIDs(int32(c))
		for _, w := range ids {
			if mean {
				mat[c][w] = 1 / float32(len(ids))
			} else {
				mat[c][w] = 1
			}
		}
	}
	return mat
}

// behaviorLogits is the tied head: h [..., D] · E[behaviors]ᵀ + bias -> [..., C]. With word names
// it is each behavior's sum of word log-probabilities, log_softmax(h · E[words]ᵀ + bias) · Nᵀ
// with N the name matrix.
func (m *Model) behaviorLogits(ctx *context.Context, h *Node) *Node {
	ctx = ctx.In(Scope)
	g := h.Graph()
	tok := m.rend.tok
	emb := m.tokenTable(ctx, g)
	dims := h.Shape().Dimensions
	flat := Reshape(h, -1, m.cfg.Dim)
	var logits *Node
	if tok.WordNames() {
		base := tok.TimeAndTemplateTokens()
		words := Slice(emb, AxisRange(base, base+tok.NumWords()), AxisRange()) // [W, D]
		wordLogits := Add(Einsum("nd,wd->nw", flat, words), InsertAxes(nn.ZeroVector(ctx.In("head"), g, "biases", tok.NumWords()), 0))
		logits = Einsum("nw,cw->nc", LogSoftmax(wordLogits, -1), Const(g, m.nameMatrix(false)))
	} else {
		first := tok.FirstBehaviorID()
		rows := Slice(emb, AxisRange(first, first+tok.NumBehaviors()), AxisRange()) // [C, D]
		logits = Add(Einsum("nd,cd->nc", flat, rows), InsertAxes(nn.ZeroVector(ctx.In("head"), g, "biases", tok.NumBehaviors()), 0))
	}
	outDims := append(append([]int(nil), dims[:len(dims)-1]...), tok.NumBehaviors())
	return Reshape(logits, outDims...)
}
