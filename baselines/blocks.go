package baselines

import (
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX convention for graph code.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/internal/nn"
)

// Building blocks shared by the neural models, on internal/nn's layers. Initialisation (mirrored by
// reference/models.py): embedding tables N(0, 1/dim), dense weights Xavier-uniform, biases zero,
// layer-norm gain one and offset zero (epsilon 1e-5, as PyTorch). Dropout is applied only when
// train is true.

// embeddingTable returns the [vocab, dim] table variable "embeddings" of ctx's scope.
func embeddingTable(ctx *context.Context, g *Graph, vocab, dim int) *Node {
	return nn.Matrix(ctx, g, "embeddings", vocab, dim, nn.Normal(1/math.Sqrt(float64(dim))))
}

// lookup gathers the rows of table for integer ids of any shape: the result has shape
// ids.Shape() + [dim].
func lookup(table, ids *Node) *Node {
	return Gather(table, InsertAxes(ids, -1))
}

// weight returns a trainable [in, out] matrix, Xavier-uniform initialised.
func weight(ctx *context.Context, g *Graph, name string, in, out int) *Node {
	return nn.Matrix(ctx, g, name, in, out, nn.XavierUniform)
}

// dense applies x·W + b over the last axis of x (any rank >= 2), in ctx's scope (W
// Xavier-uniform).
func dense(ctx *context.Context, x *Node, out int) *Node {
	return nn.Dense(ctx, x, out, nn.XavierUniform, nn.LoRA{})
}

// attentionBias turns a [B, L] padding mask (true = real item) into an additive [B, 1, L, L]
// attention bias: 0 where the query may attend the key, nn.NegInf elsewhere. Keys that are padding are
// masked, and with causal also keys after the query.
func attentionBias(present *Node, causal bool) *Node {
	g := present.Graph()
	dims := present.Shape().Dimensions
	b, l := dims[0], dims[1]
	allowed := BroadcastToDims(Reshape(present, b, 1, 1, l), b, 1, l, l)
	if causal {
		q := Iota(g, shapes.Make(dtypes.Int32, l, l), 0)
		k := Iota(g, shapes.Make(dtypes.Int32, l, l), 1)
		lower := BroadcastToDims(Reshape(GreaterOrEqual(q, k), 1, 1, l, l), b, 1, l, l)
		allowed = LogicalAnd(allowed, lower)
	}
	zeros := Zeros(g, shapes.Make(dtypes.Float32, b, 1, l, l))
	return Where(allowed, zeros, AddScalar(zeros, nn.NegInf))
}

// selfAttention is multi-head scaled dot-product attention (scale 1/sqrt(head dim)) of queries
// xq [B, Lq, D] over keys and values from x [B, L, D], with query/key/value/output projections and
// dropout on the attention weights; attnBias is [B, 1, Lq, L]. Heads are folded into the batch axis
// (simplego runs 3-D batched matmuls faster than 4-D ones).
func selfAttention(ctx *context.Context, xq, x, attnBias *Node, heads int, rate float64, train bool) *Node {
	dims := x.Shape().Dimensions
	b, l, d := dims[0], dims[1], dims[2]
	lq := xq.Shape().Dimensions[1]
	dh := d / heads
	split := func(name string, v *Node, n int) *Node {
		y := dense(ctx.In(name), v, d)
		if heads == 1 {
			return y
		}
		y = TransposeAllAxes(Reshape(y, b, n, heads, dh), 0, 2, 1, 3) // [B, H, n, dh]
		return Reshape(y, b*heads, n, dh)
	}
	q, k, v := split("query", xq, lq), split("key", x, l), split("value", x, l)
	scores := MulScalar(Einsum("bqd,bkd->bqk", q, k), 1/math.Sqrt(float64(dh)))
	scores = Add(scores, Reshape(BroadcastToDims(attnBias, b, heads, lq, l), b*heads, lq, l))
	weights := nn.Dropout(ctx.In("attention_dropout"), Softmax(scores, -1), rate, train)
	out := Einsum("bqk,bkd->bqd", weights, v) // [B*H, Lq, dh]
	if heads > 1 {
		out = TransposeAllAxes(Reshape(out, b, heads, lq, dh), 0, 2, 1, 3)
	}
	return dense(ctx.In("output"), Reshape(out, b, lq, d), d)
}

// transformerBlock is a pre-norm transformer block:
//
//	x = x + Dropout(Attention(LN(x)));  x = x + Dropout(FFN(LN(x))),
//
// with FFN(y) = W2·act(W1·y) of inner size ffn (act = ReLU, or GELU when gelu is true). x is
// [B, L, D] and attnBias [B, 1, L, L]. When queryPos ([B] int32) is not nil, the block computes
// only the output at that position of each example, [B, D], attending over all positions with
// attnBias [B, 1, 1, L]: the last block of a model that reads one position needs nothing else,
// and this is exactly the same value at a fraction of the cost.
func transformerBlock(ctx *context.Context, x, attnBias, queryPos *Node, heads, ffn int, rate float64, gelu, train bool) *Node {
	dims := x.Shape().Dimensions
	b, d := dims[0], dims[2]
	normed := nn.LayerNorm(ctx.In("ln_attention"), x)
	xq, nq := x, normed
	if queryPos != nil {
		xq = InsertAxes(selectPosition(x, queryPos), 1)
		nq = InsertAxes(selectPosition(normed, queryPos), 1)
	}
	a := selfAttention(ctx.In("attention"), nq, normed, attnBias, heads, rate, train)
	x = Add(xq, nn.Dropout(ctx.In("drop_attention"), a, rate, train))
	h := dense(ctx.In("ffn1"), nn.LayerNorm(ctx.In("ln_ffn"), x), ffn)
	if gelu {
		h = nn.GELU(h)
	} else {
		h = Max(h, ZerosLike(h))
	}
	h = dense(ctx.In("ffn2"), nn.Dropout(ctx.In("drop_ffn_inner"), h, rate, train), d)
	x = Add(x, nn.Dropout(ctx.In("drop_ffn"), h, rate, train))
	if queryPos != nil {
		return Reshape(x, b, d)
	}
	return x
}

// keyBias returns the additive [B, 1, 1, L] attention bias of one query that may attend every
// non-padding key (present: [B, L], true = real item).
func keyBias(present *Node) *Node {
	dims := present.Shape().Dimensions
	zeros := Zeros(present.Graph(), shapes.Make(dtypes.Float32, dims[0], 1, 1, dims[1]))
	return Where(Reshape(present, dims[0], 1, 1, dims[1]), zeros, AddScalar(zeros, nn.NegInf))
}

// timeEmbedding returns the sum of weekday and hour embeddings for [B, L] weekday (0 = padding,
// 1..7) and hour (0 = padding, 1..24) ids: [B, L, dim].
func timeEmbedding(ctx *context.Context, weekday, hour *Node, dim int) *Node {
	g := weekday.Graph()
	wd := lookup(embeddingTable(ctx.In("weekday"), g, 8, dim), weekday)
	hr := lookup(embeddingTable(ctx.In("hour"), g, 25, dim), hour)
	return Add(wd, hr)
}

// selectPosition returns x[:, pos, :] of a [B, L, D] tensor for a [B] int32 position per example,
// as a one-hot contraction (no Slice, whose gradient simplego cannot compute).
func selectPosition(x, pos *Node) *Node {
	l := x.Shape().Dimensions[1]
	return Einsum("bld,bl->bd", x, OneHot(pos, l, dtypes.Float32))
}

// classLogits scores a [B, D] representation against all C classes: with tied item embeddings
// (itemTable [C+extra, D] whose row c+1 is class c) logits = h·E[c+1] + bias_c, else a dense layer.
func classLogits(ctx *context.Context, h, itemTable *Node, numClasses int) *Node {
	g := h.Graph()
	if itemTable == nil {
		return dense(ctx.In("output"), h, numClasses)
	}
	ids := AddScalar(Iota(g, shapes.Make(dtypes.Int32, numClasses), 0), 1)
	rows := lookup(itemTable, ids) // [C, D]
	logits := Einsum("bd,cd->bc", h, rows)
	return Add(logits, InsertAxes(nn.ZeroVector(ctx.In("output"), g, "biases", numClasses), 0))
}
