// Package nn is the harness's one layer library: the dense (linear) layer with optional LoRA
// adapters, layer normalisation, dropout and GELU that the classic models (baselines) and the
// behavior language model (internal/lm) are built from. Each model chooses its own weight
// initialisation (Init); biases start at zero, layer-norm gains at one and offsets at zero.
package nn

import (
	"fmt"
	"math"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX convention for graph code.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
	"github.com/gomlx/gomlx/pkg/ml/layers"
)

// NegInf is the additive attention bias of a masked key: large enough to zero its weight, finite
// so that a query whose keys are all masked (a padding position) gets uniform weights, not NaN.
const NegInf = -1e9

// Init makes the initializer of a variable created in ctx's scope (it draws from ctx's random
// number generator, which engine.SeedContext seeds).
type Init func(ctx *context.Context) initializers.VariableInitializer

// Normal initialises N(0, std).
func Normal(std float64) Init {
	return func(ctx *context.Context) initializers.VariableInitializer {
		return initializers.RandomNormalFn(ctx, std)
	}
}

// XavierUniform is Glorot & Bengio's uniform initialisation.
func XavierUniform(ctx *context.Context) initializers.VariableInitializer {
	return initializers.XavierUniformFn(ctx)
}

// Matrix returns the float32 [rows, cols] variable name of ctx's scope, initialised with init on
// first use.
func Matrix(ctx *context.Context, g *Graph, name string, rows, cols int, init Init) *Node {
	return ctx.WithInitializer(init(ctx)).VariableWithShape(name, shapes.Make(dtypes.Float32, rows, cols)).ValueGraph(g)
}

// ZeroVector returns the zero-initialised float32 [n] variable name of ctx's scope.
func ZeroVector(ctx *context.Context, g *Graph, name string, n int) *Node {
	return ctx.WithInitializer(initializers.Zero).VariableWithShape(name, shapes.Make(dtypes.Float32, n)).ValueGraph(g)
}

// LoRA configures low-rank adapters (Hu et al. 2021) on dense layers: each frozen projection W
// gets a trainable delta (Alpha/Rank)·A·B with A [in, Rank] (random) and B [Rank, out] (zero, so
// training starts from the base model). Rank 0 turns LoRA off. It is the one LoRA option type of
// the harness: the YAML `lora:` of the LM methods, and what the backbones receive.
type LoRA struct {
	// Rank of the adapters (0 = off, full fine-tuning) [0].
	Rank int `yaml:"rank" json:"rank"`
	// Alpha scales the adapters' output by Alpha/Rank [16].
	Alpha float64 `yaml:"alpha" json:"alpha"`
}

// Validate reports the first invalid field, naming its YAML key.
func (l LoRA) Validate() error {
	if l.Rank < 0 {
		return fmt.Errorf("lora.rank: must be >= 0 (0 = off), got %d", l.Rank)
	}
	if l.Rank > 0 && !(l.Alpha > 0) {
		return fmt.Errorf("lora.alpha: must be > 0, got %g", l.Alpha)
	}
	return nil
}

// Names of the LoRA adapter variables.
const (
	LoRAA = "lora_a"
	LoRAB = "lora_b"
)

// IsLoRAVariable reports whether a variable's scope-and-name ("/lm/block_0/attention/query/lora_a")
// is a LoRA adapter.
func IsLoRAVariable(scopeAndName string) bool {
	name := scopeAndName[strings.LastIndex(scopeAndName, "/")+1:]
	return name == LoRAA || name == LoRAB
}

// Dense applies x·W + b over the last axis of x (any rank >= 2) in ctx's scope: W "weights"
// [in, out] initialised with init, b "biases" zero; plus the LoRA delta (Alpha/Rank)·x·A·B when
// lora.Rank > 0 (A N(0, 1/sqrt(in)), B zero).
func Dense(ctx *context.Context, x *Node, out int, init Init, lora LoRA) *Node {
	g := x.Graph()
	dims := x.Shape().Dimensions
	in := dims[len(dims)-1]
	w := Matrix(ctx, g, "weights", in, out, init)
	b := ZeroVector(ctx, g, "biases", out)
	flat := Reshape(x, -1, in)
	y := Add(Dot(flat, w), InsertAxes(b, 0))
	if lora.Rank > 0 {
		a := Matrix(ctx, g, LoRAA, in, lora.Rank, Normal(1/math.Sqrt(float64(in))))
		bb := ctx.WithInitializer(initializers.Zero).VariableWithShape(LoRAB, shapes.Make(dtypes.Float32, lora.Rank, out)).ValueGraph(g)
		y = Add(y, MulScalar(Dot(Dot(flat, a), bb), lora.Alpha/float64(lora.Rank)))
	}
	outDims := append(append([]int(nil), dims[:len(dims)-1]...), out)
	return Reshape(y, outDims...)
}

// LayerNorm normalises the last axis with a learned gain and offset (epsilon 1e-5, as PyTorch),
// in ctx's sub-scope "layer_norm".
func LayerNorm(ctx *context.Context, x *Node) *Node {
	return layers.LayerNormalization(ctx.In("layer_norm"), x, -1).Epsilon(1e-5).Done()
}

// Dropout zeroes each value with probability rate and rescales the rest by 1/(1-rate) when train
// is true; it is the identity otherwise. It draws from ctx's random number generator.
func Dropout(ctx *context.Context, x *Node, rate float64, train bool) *Node {
	if !train || rate <= 0 {
		return x
	}
	u := ctx.RandomUniform(x.Graph(), x.Shape())
	keep := GreaterOrEqual(u, ConstAs(u, rate))
	return Where(keep, MulScalar(x, 1/(1-rate)), ZerosLike(x))
}

// GELU is x·Φ(x) with the error function (PyTorch's default, exact GELU).
func GELU(x *Node) *Node {
	return Mul(MulScalar(x, 0.5), AddScalar(Erf(MulScalar(x, 1/math.Sqrt2)), 1))
}
