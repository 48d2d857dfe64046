package train

import (
	"fmt"
	"math"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
)

// OptimizerScope is the absolute context scope holding AdamW's moment variables during a Fit. They
// are deleted when Fit starts and when it returns, so every Fit starts with a fresh optimizer.
const OptimizerScope = "/train_adamw"

// PretrainOptimizerScope is the absolute context scope of pretraining's AdamW moments (lm.Pretrain).
const PretrainOptimizerScope = "/pretrain_adamw"

// AdamW constants (PyTorch defaults).
const (
	AdamBeta1   = 0.9
	AdamBeta2   = 0.999
	AdamEpsilon = 1e-8
)

// AdamW is the harness's AdamW optimizer (Loshchilov & Hutter 2019, PyTorch's formulation): per
// variable p with gradient g,
//
//	m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²
//	p = p·(1 - lr·WeightDecay)   (only when p has rank >= 2)
//	p = p - lr · (m·bc1) / (sqrt(v·bc2) + ε)
//
// with the bias corrections bc1 = 1/(1-β1^t) and bc2 = 1/(1-β2^t) of step t (1-based) computed on
// the host in float64 (see AdamW.StepInputs). Moments live in float32 under Scope.
//
// The decay rule is the usual one (as in BERT and GPT training recipes): weight matrices and
// embedding tables (rank >= 2) decay; biases and layer-norm gains and offsets (rank 1) do not.
// Every trained model of the harness goes through it: pretraining (lm.Pretrain), fine-tuning and
// the classic baselines (Fit).
type AdamW struct {
	// Scope is the absolute context scope of the moment variables.
	Scope string
	// WeightDecay is the decoupled weight decay (0 = plain Adam) of the variables of rank >= 2.
	WeightDecay float64
}

// StepInputs returns the host scalars of 0-based step step: the learning rate lr and the bias
// corrections, in the order Update takes them.
func (AdamW) StepInputs(lr float64, step int) []any {
	t := float64(step + 1)
	return []any{
		tensors.FromScalar(float32(lr)),
		tensors.FromScalar(float32(1 / (1 - math.Pow(AdamBeta1, t)))),
		tensors.FromScalar(float32(1 / (1 - math.Pow(AdamBeta2, t)))),
	}
}

// Update adds to the graph the AdamW update of vars with their gradients grads (same order), with
// learning rate lr and bias corrections bc1, bc2 (scalar float32 graph inputs, see StepInputs).
// The moment variables are named by position, so vars must come in the same order every time the
// graph is built.
func (o AdamW) Update(ctx *context.Context, vars []*context.Variable, grads []*graph.Node, lr, bc1, bc2 *graph.Node) {
	g := lr.Graph()
	octx := ctx.InAbsPath(o.Scope).Checked(false).WithInitializer(initializers.Zero)
	for i, v := range vars {
		gr := grads[i]
		if gr.DType() != dtypes.Float32 {
			gr = graph.ConvertDType(gr, dtypes.Float32)
		}
		mVar := octx.VariableWithShape(fmt.Sprintf("m%04d", i), shapes.Make(dtypes.Float32, v.Shape().Dimensions...)).SetTrainable(false)
		vVar := octx.VariableWithShape(fmt.Sprintf("v%04d", i), shapes.Make(dtypes.Float32, v.Shape().Dimensions...)).SetTrainable(false)
		m := graph.Add(graph.MulScalar(mVar.ValueGraph(g), AdamBeta1), graph.MulScalar(gr, 1-AdamBeta1))
		s := graph.Add(graph.MulScalar(vVar.ValueGraph(g), AdamBeta2), graph.MulScalar(graph.Square(gr), 1-AdamBeta2))
		mVar.SetValueGraph(m)
		vVar.SetValueGraph(s)
		update := graph.Div(graph.Mul(m, bc1), graph.AddScalar(graph.Sqrt(graph.Mul(s, bc2)), AdamEpsilon))
		p := v.ValueGraph(g)
		pf := p
		if pf.DType() != dtypes.Float32 {
			pf = graph.ConvertDType(pf, dtypes.Float32)
		}
		if o.WeightDecay > 0 && v.Shape().Rank() >= 2 {
			pf = graph.Mul(pf, graph.OneMinus(graph.MulScalar(lr, o.WeightDecay)))
		}
		pf = graph.Sub(pf, graph.Mul(lr, update))
		if pf.DType() != p.DType() {
			pf = graph.ConvertDType(pf, p.DType())
		}
		v.SetValueGraph(pf)
	}
}

// TrainedVariables returns the variables of ctx that a training graph g updates, in a fixed order:
// trainable float variables that g uses, outside every AdamW moment scope, and accepted by accept
// (nil = all) by their scope and name.
func TrainedVariables(ctx *context.Context, g *graph.Graph, accept func(scopeAndName string) bool) []*context.Variable {
	var vars []*context.Variable
	for v := range ctx.IterVariables() {
		if !v.Trainable || !v.DType().IsFloat() || !v.InUseByGraph(g) || isMoment(v) {
			continue
		}
		if accept != nil && !accept(v.ScopeAndName()) {
			continue
		}
		vars = append(vars, v)
	}
	return vars
}

// isMoment reports whether v is one of AdamW's moment variables (SetTrainable(false) already
// excludes them; the scope check keeps a caller's non-standard scope safe too).
func isMoment(v *context.Variable) bool {
	return strings.HasPrefix(v.Scope(), OptimizerScope) || strings.HasPrefix(v.Scope(), PretrainOptimizerScope)
}

// GlobalNorm returns the L2 norm of all of grads together (a scalar).
func GlobalNorm(grads []*graph.Node) *graph.Node {
	var sq *graph.Node
	for _, gr := range grads {
		s := graph.ReduceAllSum(graph.Square(gr))
		if sq == nil {
			sq = s
		} else {
			sq = graph.Add(sq, s)
		}
	}
	return graph.Sqrt(sq)
}

// ClipGlobalNorm scales grads in place by min(1, maxNorm/(norm+1e-6)), where norm is their
// GlobalNorm, so that their global norm is at most maxNorm.
func ClipGlobalNorm(grads []*graph.Node, norm *graph.Node, maxNorm float64) {
	g := norm.Graph()
	scale := graph.Min(graph.ScalarOne(g, dtypes.Float32),
		graph.Div(graph.Scalar(g, dtypes.Float32, maxNorm), graph.AddScalar(norm, 1e-6)))
	for i := range grads {
		grads[i] = graph.Mul(grads[i], scale)
	}
}
