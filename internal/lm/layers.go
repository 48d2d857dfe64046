package lm

import (
	"math"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX convention for graph code.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
	"github.com/gomlx/gomlx/pkg/ml/layers"
)

// Building blocks of the transformer. Initialisation follows GPT-2: embeddings and projections
// N(0, 0.02), the projections that write into the residual stream N(0, 0.02/sqrt(2·layers)),
// biases zero, layer-norm gain one and offset zero.

// initStd is the standard deviation of the embedding and projection initialisation.
const initStd = 0.02

// negInf is the additive attention bias of a masked key: finite, so that a query whose keys are
// all masked (a padding position) gets uniform weights rather than NaN.
const negInf = -1e9

// Names of the LoRA adapter variables; Trainable recognises them by these names.
const (
	loraA = "lora_a"
	loraB = "lora_b"
)

// IsLoRAVariable reports whether a variable's scope-and-name ("/lm/block_0/attention/query/lora_a")
// is a LoRA adapter.
func IsLoRAVariable(scopeAndName string) bool {
	_, name, _ := cutLast(scopeAndName, "/")
	return name == loraA || name == loraB
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return "", s, false
}

// table returns the [rows, dim] variable "embeddings" of ctx's scope.
func table(ctx *context.Context, g *Graph, rows, dim int) *Node {
	ctx = ctx.WithInitializer(initializers.RandomNormalFn(ctx, initStd))
	return ctx.VariableWithShape("embeddings", shapes.Make(dtypes.Float32, rows, dim)).ValueGraph(g)
}

// zeroVector returns a zero-initialised [n] variable of ctx's scope.
func zeroVector(ctx *context.Context, g *Graph, name string, n int) *Node {
	return ctx.WithInitializer(initializers.Zero).VariableWithShape(name, shapes.Make(dtypes.Float32, n)).ValueGraph(g)
}

// linear applies x·W + b over the last axis of x (any rank >= 2) in ctx's scope, with W
// N(0, std) initialised, plus the LoRA delta (alpha/rank)·x·A·B when lora.Rank > 0.
func linear(ctx *context.Context, x *Node, out int, std float64, lora LoRA) *Node {
	g := x.Graph()
	dims := x.Shape().Dimensions
	in := dims[len(dims)-1]
	w := ctx.WithInitializer(initializers.RandomNormalFn(ctx, std)).
		VariableWithShape("weights", shapes.Make(dtypes.Float32, in, out)).ValueGraph(g)
	b := zeroVector(ctx, g, "biases", out)
	flat := Reshape(x, -1, in)
	y := Add(Dot(flat, w), InsertAxes(b, 0))
	if lora.Rank > 0 {
		a := ctx.WithInitializer(initializers.RandomNormalFn(ctx, 1/math.Sqrt(float64(in)))).
			VariableWithShape(loraA, shapes.Make(dtypes.Float32, in, lora.Rank)).ValueGraph(g)
		bb := ctx.WithInitializer(initializers.Zero).
			VariableWithShape(loraB, shapes.Make(dtypes.Float32, lora.Rank, out)).ValueGraph(g)
		y = Add(y, MulScalar(Dot(Dot(flat, a), bb), lora.Alpha/float64(lora.Rank)))
	}
	outDims := append(append([]int(nil), dims[:len(dims)-1]...), out)
	return Reshape(y, outDims...)
}

// layerNorm normalises the last axis with a learned gain and offset (epsilon 1e-5).
func layerNorm(ctx *context.Context, x *Node) *Node {
	return layers.LayerNormalization(ctx.In("layer_norm"), x, -1).Epsilon(1e-5).Done()
}

// dropout zeroes each value with probability rate and rescales the rest by 1/(1-rate) when train
// is true; it is the identity otherwise. It draws from ctx's random number generator, which
// engine.SeedContext seeds.
func dropout(ctx *context.Context, x *Node, rate float64, train bool) *Node {
	if !train || rate <= 0 {
		return x
	}
	u := ctx.RandomUniform(x.Graph(), x.Shape())
	keep := GreaterOrEqual(u, ConstAs(u, rate))
	return Where(keep, MulScalar(x, 1/(1-rate)), ZerosLike(x))
}

// geluExact is x·Φ(x) with the error function (PyTorch's default GELU).
func geluExact(x *Node) *Node {
	return Mul(MulScalar(x, 0.5), AddScalar(Erf(MulScalar(x, 1/math.Sqrt2)), 1))
}
