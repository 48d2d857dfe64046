package hf

import (
	"fmt"
	"math"
	"strconv"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX convention for graph code.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// maskedScore is added to attention logits of keys a query may not see. It is finite so that a
// query with no visible key (a left-padding position) gets a uniform distribution instead of NaN.
const maskedScore = -1e30

// param returns the value node of a variable that Init created; it panics (caught at the API
// boundary) when the variable is missing, i.e. when Init was not called on this context.
func (m *Model) param(ctx *context.Context, g *Graph, name string, path ...string) *Node {
	sc := m.scoped(ctx, path...)
	v := sc.GetVariableByScopeAndName(sc.Scope(), name)
	if v == nil {
		panic(fmt.Errorf("variable %s/%s does not exist: call Model.Init on this context first", sc.Scope(), name))
	}
	return v.ValueGraph(g)
}

// Forward runs the causal language model on a batch of (typically left-padded) token sequences:
// tokens and mask are int32 [B, T], mask 1 for real tokens and 0 for padding. Positions count the
// real tokens (0 at a sequence's first real token). It returns logits [B, T, vocab_size]; logits
// at padding positions are meaningless. train enables LoRA dropout.
func (m *Model) Forward(ctx *context.Context, tokens, mask *Node, train bool) *Node {
	positions, allowed := CausalInputs(tokens.Graph(), mask)
	return m.Logits(ctx, m.Hidden(ctx, tokens, positions, allowed, train))
}

// CausalInputs derives from a padding mask [B, T] (1 = real token) the position ids [B, T] int32
// (number of real tokens before each one; 0 on padding) and the attention pattern [B, T, T] bool:
// query q may see key k when k <= q and k is a real token.
func CausalInputs(g *Graph, mask *Node) (positions, allowed *Node) {
	dims := mask.Shape().Dimensions
	b, t := dims[0], dims[1]
	maskF := ConvertDType(mask, dtypes.Float32)
	// inclusive[i, j] = 1 if i <= j, so (mask @ inclusive)[b, j] = number of real tokens up to j.
	inclusive := ConvertDType(GreaterOrEqual(Iota(g, shapes.Make(dtypes.Int32, t, t), 1), Iota(g, shapes.Make(dtypes.Int32, t, t), 0)), dtypes.Float32)
	count := DotGeneral(maskF, []int{1}, nil, inclusive, []int{0}, nil)
	positions = ConvertDType(Max(SubScalar(count, 1), ZerosLike(count)), dtypes.Int32)
	causal := GreaterOrEqual(Iota(g, shapes.Make(dtypes.Int32, t, t), 0), Iota(g, shapes.Make(dtypes.Int32, t, t), 1)) // [q, k]: k <= q
	keyReal := NotEqual(mask, ZerosLike(mask))
	allowed = LogicalAnd(
		BroadcastToDims(Reshape(causal, 1, t, t), b, t, t),
		BroadcastToDims(Reshape(keyReal, b, 1, t), b, t, t))
	return positions, allowed
}

// Hidden runs the embedding and the decoder layers and returns the final-normalised hidden states
// [B, L, hidden_size]. tokens and positions are int32 [B, L]; allowed is bool [B, L, L]
// (query, key): whether a query may attend to a key. This general form serves causal prompts and
// the tree-shaped batches of candidate scoring alike.
func (m *Model) Hidden(ctx *context.Context, tokens, positions, allowed *Node, train bool) *Node {
	g := tokens.Graph()
	c := m.Config
	dims := tokens.Shape().Dimensions
	b, l := dims[0], dims[1]
	embed := m.param(ctx, g, "weight", "model", "embed_tokens")
	x := Gather(embed, Reshape(ConvertDType(tokens, dtypes.Int32), b, l, 1)) // [B, L, D]
	cos, sin := m.rotary(g, positions)
	bias := Where(allowed, ZerosLike(ConvertDType(allowed, dtypes.Float32)), BroadcastToDims(Scalar(g, dtypes.Float32, maskedScore), b, l, l))
	for i := 0; i < c.NumHiddenLayers; i++ {
		layer := []string{"model", "layers", strconv.Itoa(i)}
		h := m.rmsNorm(ctx, g, x, append(layer[:3:3], "input_layernorm")...)
		x = Add(x, m.attention(ctx, h, cos, sin, bias, layer, train))
		h = m.rmsNorm(ctx, g, x, append(layer[:3:3], "post_attention_layernorm")...)
		x = Add(x, m.mlp(ctx, h, layer, train))
	}
	return m.rmsNorm(ctx, g, x, "model", "norm")
}

// Logits applies the language-model head (lm_head, or the embedding matrix when tied) to hidden
// states [..., hidden_size], giving [..., vocab_size].
func (m *Model) Logits(ctx *context.Context, hidden *Node) *Node {
	return DotGeneral(hidden, []int{hidden.Rank() - 1}, nil, m.headWeight(ctx, hidden.Graph()), []int{1}, nil)
}

// headWeight is the [vocab, hidden] output matrix.
func (m *Model) headWeight(ctx *context.Context, g *Graph) *Node {
	if m.tiedHead {
		return m.param(ctx, g, "weight", "model", "embed_tokens")
	}
	return m.param(ctx, g, "weight", "lm_head")
}

// rmsNorm is transformers' LlamaRMSNorm: x / sqrt(mean(x^2) + eps) * weight, over the last axis.
func (m *Model) rmsNorm(ctx *context.Context, g *Graph, x *Node, path ...string) *Node {
	w := m.param(ctx, g, "weight", path...)
	variance := ReduceAndKeep(Square(x), ReduceMean, -1)
	// Rsqrt has no gradient in GoMLX v0.26; divide by Sqrt instead (same value up to rounding).
	normed := Div(x, Sqrt(AddScalar(variance, m.Config.RMSNormEps)))
	return Mul(normed, ExpandLeftToRank(w, x.Rank()))
}

// rotary returns cos and sin [B, L, head_dim] of the rotary embedding for positions [B, L]:
// angle = position * inv_freq, duplicated over both halves of the head (transformers' layout).
func (m *Model) rotary(g *Graph, positions *Node) (cos, sin *Node) {
	inv := m.Config.InvFreq()
	half := len(inv)
	full := make([]float32, 2*half)
	for i, f := range inv {
		full[i], full[i+half] = float32(f), float32(f)
	}
	dims := positions.Shape().Dimensions
	b, l := dims[0], dims[1]
	pos := Reshape(ConvertDType(positions, dtypes.Float32), b, l, 1)
	freqs := Const(g, full)
	angles := Mul(BroadcastToDims(pos, b, l, 2*half), BroadcastToDims(Reshape(freqs, 1, 1, 2*half), b, l, 2*half))
	return Cos(angles), Sin(angles)
}

// applyRotary rotates x [B, L, H, hd] by cos, sin [B, L, hd]: x*cos + rotate_half(x)*sin, where
// rotate_half(x) = concat(-x[hd/2:], x[:hd/2]).
func applyRotary(x, cos, sin *Node) *Node {
	dims := x.Shape().Dimensions
	hd := dims[3]
	x1 := Slice(x, AxisRange(), AxisRange(), AxisRange(), AxisRange(0, hd/2))
	x2 := Slice(x, AxisRange(), AxisRange(), AxisRange(), AxisRange(hd/2, hd))
	rot := Concatenate([]*Node{Neg(x2), x1}, 3)
	bc := func(t *Node) *Node {
		return BroadcastToDims(Reshape(t, dims[0], dims[1], 1, hd), dims...)
	}
	return Add(Mul(x, bc(cos)), Mul(rot, bc(sin)))
}

// attention is grouped-query self-attention with rotary positions, scaled by 1/sqrt(head_dim).
// bias [B, L, L] is 0 where a query may see a key and maskedScore elsewhere.
func (m *Model) attention(ctx *context.Context, x, cos, sin, bias *Node, layer []string, train bool) *Node {
	c := m.Config
	dims := x.Shape().Dimensions
	b, l := dims[0], dims[1]
	nh, nkv, hd := c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim
	grp := nh / nkv
	q := Reshape(m.linear(ctx, x, layer, "q_proj", train), b, l, nh, hd)
	k := Reshape(m.linear(ctx, x, layer, "k_proj", train), b, l, nkv, hd)
	v := Reshape(m.linear(ctx, x, layer, "v_proj", train), b, l, nkv, hd)
	q = applyRotary(q, cos, sin)
	k = applyRotary(k, cos, sin)
	// Query head h uses key/value head h / grp (transformers' repeat_kv).
	q5 := Reshape(q, b, l, nkv, grp, hd)
	// scores [B, nkv, Lq, grp, Lk]
	scores := DotGeneral(q5, []int{4}, []int{0, 2}, k, []int{3}, []int{0, 2})
	scores = MulScalar(scores, 1/math.Sqrt(float64(hd)))
	scores = Add(scores, BroadcastToDims(Reshape(bias, b, 1, l, 1, l), b, nkv, l, grp, l))
	probs := Softmax(scores, -1)
	// out [B, nkv, Lq, grp, hd]
	out := DotGeneral(probs, []int{4}, []int{0, 1}, v, []int{1}, []int{0, 2})
	out = Reshape(TransposeAllAxes(out, 0, 2, 1, 3, 4), b, l, nh*hd)
	return m.linear(ctx, out, layer, "o_proj", train)
}

// mlp is the SwiGLU feed-forward block: down(silu(gate(x)) * up(x)).
func (m *Model) mlp(ctx *context.Context, x *Node, layer []string, train bool) *Node {
	gate := m.linear(ctx, x, layer, "gate_proj", train)
	up := m.linear(ctx, x, layer, "up_proj", train)
	return m.linear(ctx, Mul(Mul(gate, Sigmoid(gate)), up), layer, "down_proj", train)
}

// linear applies the projection proj of a layer to x [..., in]: x W^T (+ b), plus the LoRA term
// when the projection is targeted.
func (m *Model) linear(ctx *context.Context, x *Node, layer []string, proj string, train bool) *Node {
	g := x.Graph()
	path := append(layer[:len(layer):len(layer)], projModule(proj), proj)
	w := m.param(ctx, g, "weight", path...)
	last := x.Rank() - 1
	y := DotGeneral(x, []int{last}, nil, w, []int{1}, nil)
	if m.hasBias[proj] {
		y = Add(y, ExpandLeftToRank(m.param(ctx, g, "bias", path...), y.Rank()))
	}
	if m.LoRA != nil && m.LoRA.targets(proj) {
		lctx := m.scoped(ctx, path...).In(LoRAScope)
		va := lctx.GetVariableByScopeAndName(lctx.Scope(), "A")
		vb := lctx.GetVariableByScopeAndName(lctx.Scope(), "B")
		if va == nil || vb == nil {
			panic(fmt.Errorf("LoRA variables missing under %s: call Model.Init with Model.LoRA set", lctx.Scope()))
		}
		xin := x
		if train && m.LoRA.Dropout > 0 {
			keep := 1 - m.LoRA.Dropout
			rnd := lctx.RandomUniform(g, x.Shape())
			xin = Where(LessThan(rnd, ConstAs(rnd, keep)), DivScalar(x, keep), ZerosLike(x))
		}
		down := DotGeneral(xin, []int{last}, nil, va.ValueGraph(g), []int{1}, nil) // [..., r]
		up := DotGeneral(down, []int{last}, nil, vb.ValueGraph(g), []int{1}, nil)  // [..., out]
		y = Add(y, MulScalar(up, m.LoRA.Scale()))
	}
	return y
}
