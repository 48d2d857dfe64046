package train

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/internal/catch"
)

// Predict returns logits [N][numClasses] (inference mode), batched. The number of classes is taken
// from the model's output.
func Predict(backend backends.Backend, ctx *context.Context, model ModelFn, in Inputs, batchSize int) (logits [][]float32, err error) {
	defer catch.Panic(&err, "train.Predict")
	p, err := NewPredictor(backend, ctx, model, 0, batchSize)
	if err != nil {
		return nil, err
	}
	defer p.Finalize()
	return p.Predict(in)
}

// Predictor computes a model's logits in inference mode, reusing its compiled graph across calls
// (one compilation per distinct batch size). It is what Predict uses; keep one when scoring many
// input sets with the same model.
type Predictor struct {
	exec       *context.Exec
	batchSize  int
	numClasses int // 0 = whatever the model returns
	batch      int // batch size of the graph being built (for checks)
}

// NewPredictor returns a Predictor for model with the variables in ctx. numClasses, when positive,
// is checked against the model's output.
func NewPredictor(backend backends.Backend, ctx *context.Context, model ModelFn, numClasses, batchSize int) (p *Predictor, err error) {
	defer catch.Panic(&err, "train.NewPredictor")
	if batchSize <= 0 {
		return nil, fmt.Errorf("train.NewPredictor: batch size must be positive, got %d", batchSize)
	}
	p = &Predictor{batchSize: batchSize, numClasses: numClasses}
	p.exec, err = context.NewExec(backend, ctx, func(ctx *context.Context, in []*graph.Node) *graph.Node {
		g := in[0].Graph()
		mctx := ctx.Checked(false)
		mctx.SetTraining(g, false)
		logits := model(mctx, in, false)
		if logits == nil {
			panic(fmt.Errorf("model returned nil logits"))
		}
		if logits.Rank() != 2 || logits.Shape().Dimensions[0] != in[0].Shape().Dimensions[0] ||
			(p.numClasses > 0 && logits.Shape().Dimensions[1] != p.numClasses) || logits.DType() != dtypes.Float32 {
			panic(fmt.Errorf("model returned logits %s, want (Float32)[%d numClasses=%d]", logits.Shape(), in[0].Shape().Dimensions[0], p.numClasses))
		}
		return logits
	})
	if err != nil {
		return nil, fmt.Errorf("train.NewPredictor: %w", err)
	}
	return p, nil
}

// Predict returns the logits [in.N][numClasses] of the examples in in.
func (p *Predictor) Predict(in Inputs) (logits [][]float32, err error) {
	defer catch.Panic(&err, "train.Predict")
	if err := in.Validate(); err != nil {
		return nil, fmt.Errorf("train.Predict: %w", err)
	}
	if in.N == 0 {
		return nil, nil
	}
	batch := min(p.batchSize, in.N)
	logits = make([][]float32, 0, in.N)
	idx := make([]int, 0, batch)
	for start := 0; start < in.N; start += batch {
		idx = idx[:0]
		for k := start; k < min(start+batch, in.N); k++ {
			idx = append(idx, k)
		}
		nReal := len(idx)
		outs, err := p.exec.Exec(batchTensors(in, padIndices(idx, batch))...)
		if err != nil {
			return nil, fmt.Errorf("train.Predict: examples %d-%d: %w", start, start+nReal-1, err)
		}
		flat := tensors.MustCopyFlatData[float32](outs[0])
		numClasses := outs[0].Shape().Dimensions[1]
		for _, o := range outs {
			o.FinalizeAll()
		}
		for i := range nReal {
			logits = append(logits, flat[i*numClasses:(i+1)*numClasses:(i+1)*numClasses])
		}
	}
	return logits, nil
}

// Finalize releases the compiled graphs.
func (p *Predictor) Finalize() {
	if p != nil && p.exec != nil {
		p.exec.Finalize()
	}
}
