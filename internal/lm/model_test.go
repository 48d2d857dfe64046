package lm

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX convention for graph code.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/internal/engine"
)

// TestClassifierMatchesFullForward checks the shortcut of the classifier (the last block computes
// only the answer position) against the full forward pass read at the last position, and that a
// prompt's score does not depend on the tokens of other prompts of the batch.
func TestClassifierMatchesFullForward(t *testing.T) {
	task := syntheticTask(t, 6, 20, 10)
	tok, _ := NewTokenizer(task.Behaviors)
	rend, _ := NewRenderer(tok, 5, false)
	m, err := NewModel(Config{Dim: 16, Layers: 2, Heads: 2, FFNDim: 32}, rend, LoRA{})
	if err != nil {
		t.Fatal(err)
	}
	backend, err := engine.New("go")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.New()
	engine.SeedContext(ctx, 1)
	in := m.Inputs(task.Test[:4])
	exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, tokens *Node) (*Node, *Node) {
		ctx = ctx.Checked(false)
		short := m.Classifier()(ctx, []*Node{tokens}, false)
		l := tokens.Shape().Dimensions[1]
		h := m.Hidden(ctx, tokens, false)
		full := m.BehaviorLogits(ctx, Reshape(Slice(h, AxisRange(), AxisRange(l-1, l), AxisRange()), 4, 16))
		return short, full
	})
	if err != nil {
		t.Fatal(err)
	}
	outs, err := exec.Exec(tensors.FromFlatDataAndDimensions(in.Arrays[0].Data, 4, rend.Len()))
	if err != nil {
		t.Fatal(err)
	}
	short, full := tensors.MustCopyFlatData[float32](outs[0]), tensors.MustCopyFlatData[float32](outs[1])
	for i := range short {
		if math.Abs(float64(short[i]-full[i])) > 1e-5 {
			t.Fatalf("logit %d: classifier %g, full forward %g", i, short[i], full[i])
		}
	}
	// Change the second prompt: the first prompt's logits stay the same.
	changed := append([]int32(nil), in.Arrays[0].Data...)
	for j := rend.Len(); j < 2*rend.Len(); j++ {
		changed[j] = BosID
	}
	outs2, err := exec.Exec(tensors.FromFlatDataAndDimensions(changed, 4, rend.Len()))
	if err != nil {
		t.Fatal(err)
	}
	again := tensors.MustCopyFlatData[float32](outs2[0])
	for c := 0; c < m.NumBehaviors(); c++ {
		if again[c] != short[c] {
			t.Fatalf("logits of prompt 0 changed with prompt 1: %g vs %g", again[c], short[c])
		}
	}
}

// TestCausalMask checks that the hidden state of a position does not depend on later tokens (so
// the pretraining loss at a position never sees the behavior it predicts).
func TestCausalMask(t *testing.T) {
	task := syntheticTask(t, 6, 20, 10)
	tok, _ := NewTokenizer(task.Behaviors)
	rend, _ := NewRenderer(tok, 5, false)
	m, err := NewModel(Config{Dim: 16, Layers: 2, Heads: 2, FFNDim: 32}, rend, LoRA{})
	if err != nil {
		t.Fatal(err)
	}
	backend, err := engine.New("go")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.New()
	engine.SeedContext(ctx, 1)
	exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, tokens *Node) *Node {
		return m.Hidden(ctx.Checked(false), tokens, false)
	})
	if err != nil {
		t.Fatal(err)
	}
	l := rend.Len()
	in := m.Inputs(task.Test[:1]).Arrays[0].Data
	hidden := func(tokens []int32) []float32 {
		out, err := exec.Exec(tensors.FromFlatDataAndDimensions(tokens, 1, l))
		if err != nil {
			t.Fatal(err)
		}
		return tensors.MustCopyFlatData[float32](out[0])
	}
	base := hidden(in)
	p := rend.BehaviorPositions()[2] // an hour token; p+1 holds the behavior predicted there
	changed := append([]int32(nil), in...)
	changed[p+1] = tok.BehaviorID((func() int32 { c, _ := tok.BehaviorOf(in[p+1]); return (c + 1) % int32(tok.NumBehaviors()) })())
	after := hidden(changed)
	for i := 0; i < (p+1)*16; i++ {
		if base[i] != after[i] {
			t.Fatalf("hidden value %d (position %d) changed when token %d changed", i, i/16, p+1)
		}
	}
	same := true
	for i := (p + 1) * 16; i < len(base); i++ {
		same = same && base[i] == after[i]
	}
	if same {
		t.Error("changing a token changed no later hidden state")
	}
}
