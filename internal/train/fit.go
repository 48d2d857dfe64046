package train

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/catch"
)

// Fit trains the variables in ctx with AdamW. Labels are class ids in [0,numClasses). valid may
// have N==0 (then no early stopping).
// It returns an error (not a panic) for NaN/Inf loss, naming the step, and for shape mistakes
// (GoMLX panics are recovered into errors).
//
// When valid is not empty, the parameters of the selected evaluation (cfg.Select: the lowest
// validation loss, or the highest validation accuracy) are restored at the end. Set the
// parameter-initialisation seed with engine.SeedContext before the first Fit on a new context;
// cfg.Seed drives the batch order. backend should come from engine.New, which installs the
// gradient overrides the pure-Go backend needs. Methods call it through RunStage.
func Fit(backend backends.Backend, ctx *context.Context, model ModelFn, numClasses int,
	train Inputs, trainLabels []int32, valid Inputs, validLabels []int32, cfg Config) (res *Result, err error) {
	defer catch.Panic(&err, "train.Fit")
	if err := checkData("train", train, trainLabels, numClasses); err != nil {
		return nil, err
	}
	if train.N == 0 {
		return nil, fmt.Errorf("train.Fit: no training examples")
	}
	if valid.N > 0 {
		if err := checkData("valid", valid, validLabels, numClasses); err != nil {
			return nil, err
		}
		if len(valid.Arrays) != len(train.Arrays) {
			return nil, fmt.Errorf("train.Fit: valid has %d arrays, train has %d", len(valid.Arrays), len(train.Arrays))
		}
	}
	loss, err := newLossSetup(cfg.Loss, numClasses)
	if err != nil {
		return nil, fmt.Errorf("train.Fit: %w", err)
	}
	if err := checkConfig(&cfg); err != nil {
		return nil, fmt.Errorf("train.Fit: %w", err)
	}

	f, cleanup, err := newFitter(backend, ctx, model, numClasses, train, trainLabels, valid.N > 0, cfg, loss)
	defer func() {
		if cerr := cleanup(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if err != nil {
		return nil, err
	}
	return f.run(valid, validLabels)
}

// newFitter prepares a Fit: it resets the optimizer state and creates the executors. cleanup must
// be called (also on error) to release them and the optimizer state.
func newFitter(backend backends.Backend, ctx *context.Context, model ModelFn, numClasses int,
	train Inputs, trainLabels []int32, withValid bool, cfg Config, loss *lossSetup) (f *fitter, cleanup func() error, err error) {
	f = &fitter{
		backend: backend, ctx: ctx, model: model, numClasses: numClasses,
		train: train, labels: trainLabels, cfg: cfg, loss: loss,
		opt: AdamW{Scope: OptimizerScope, WeightDecay: cfg.WeightDecay},
	}
	f.batch, f.stepsPerEpoch, f.totalSteps = Steps(train.N, cfg.BatchSize, cfg.Epochs, cfg.MaxSteps)
	optCtx := ctx.InAbsPath(OptimizerScope)
	cleanup = func() error {
		if f.exec != nil {
			f.exec.Finalize()
		}
		f.eval.Finalize()
		if err := optCtx.DeleteVariablesInScope(); err != nil {
			return fmt.Errorf("train.Fit: freeing optimizer state: %w", err)
		}
		return nil
	}
	if err := optCtx.DeleteVariablesInScope(); err != nil {
		return f, cleanup, fmt.Errorf("train.Fit: resetting optimizer state: %w", err)
	}
	f.exec, err = context.NewExec(backend, ctx, f.stepGraph)
	if err != nil {
		return f, cleanup, fmt.Errorf("train.Fit: creating training executor: %w", err)
	}
	if withValid {
		f.eval, err = NewPredictor(backend, ctx, model, numClasses, cfg.BatchSize)
		if err != nil {
			return f, cleanup, fmt.Errorf("train.Fit: %w", err)
		}
	}
	return f, cleanup, nil
}

// checkData validates one data set against its labels.
func checkData(name string, in Inputs, labels []int32, numClasses int) error {
	if numClasses <= 0 {
		return fmt.Errorf("train.Fit: numClasses must be positive, got %d", numClasses)
	}
	if err := in.Validate(); err != nil {
		return fmt.Errorf("train.Fit: %s %w", name, err)
	}
	if len(labels) != in.N {
		return fmt.Errorf("train.Fit: %s has %d examples but %d labels", name, in.N, len(labels))
	}
	for i, l := range labels {
		if l < 0 || int(l) >= numClasses {
			return fmt.Errorf("train.Fit: %s label %d of example %d is outside [0,%d)", name, l, i, numClasses)
		}
	}
	return nil
}

// checkConfig validates cfg and fills in defaults.
func checkConfig(cfg *Config) error {
	if cfg.Epochs < 0 || cfg.MaxSteps < 0 {
		return fmt.Errorf("negative Epochs (%d) or MaxSteps (%d)", cfg.Epochs, cfg.MaxSteps)
	}
	if cfg.Epochs == 0 && cfg.MaxSteps == 0 {
		return fmt.Errorf("set Epochs or MaxSteps")
	}
	if cfg.BatchSize <= 0 {
		return fmt.Errorf("BatchSize must be positive, got %d", cfg.BatchSize)
	}
	if !(cfg.LR > 0) || math.IsInf(cfg.LR, 0) {
		return fmt.Errorf("LR must be positive and finite, got %g", cfg.LR)
	}
	if cfg.WeightDecay < 0 || cfg.GradClip < 0 || cfg.WarmupSteps < 0 || cfg.Patience < 0 || cfg.EvalEvery < 0 {
		return fmt.Errorf("negative WeightDecay, GradClip, WarmupSteps, Patience or EvalEvery")
	}
	switch cfg.Schedule {
	case "":
		cfg.Schedule = ScheduleCosine
	case ScheduleCosine, ScheduleLinear, ScheduleConstant:
	default:
		return fmt.Errorf("unknown Schedule %q (want %q, %q or %q)", cfg.Schedule, ScheduleCosine, ScheduleLinear, ScheduleConstant)
	}
	switch cfg.Select {
	case "", SelectLoss, SelectAcc:
	default:
		return fmt.Errorf("unknown Select %q (want %q or %q)", cfg.Select, SelectLoss, SelectAcc)
	}
	return nil
}

// fitter holds the state of one Fit.
type fitter struct {
	backend    backends.Backend
	ctx        *context.Context
	model      ModelFn
	numClasses int
	train      Inputs
	labels     []int32
	cfg        Config
	loss       *lossSetup
	opt        AdamW

	batch, stepsPerEpoch, totalSteps int

	exec *context.Exec
	eval *Predictor
	// trained lists the variables the step graph updates, in gradient order (set while building).
	trained []*context.Variable
}

// Number of leading scalar/label inputs of the step graph before the model's arrays.
const numStepInputs = 6

// stepGraph builds one training step. Inputs: lr, bias corrections 1/(1-beta1^t) and
// 1/(1-beta2^t), 1/(number of real examples), labels [B], example weights [B], then the model's
// arrays. Outputs: the loss and the global gradient norm (before clipping).
func (f *fitter) stepGraph(ctx *context.Context, in []*graph.Node) []*graph.Node {
	g := in[0].Graph()
	lr, bc1, bc2, invDenom, labels, weights := in[0], in[1], in[2], in[3], in[4], in[5]
	mctx := ctx.Checked(false)
	mctx.SetTraining(g, true)
	logits := f.model(mctx, in[numStepInputs:], true)
	checkLogits(logits, f.batch, f.numClasses)
	loss := f.loss.graph(logits, labels, weights, invDenom)

	// The variables to train: trainable, used by this graph, accepted by cfg.Trainable.
	f.trained = TrainedVariables(ctx, g, f.cfg.Trainable)
	values := make([]*graph.Node, len(f.trained))
	for i, v := range f.trained {
		values[i] = v.ValueGraph(g)
	}
	if len(values) == 0 {
		panic(errors.New("no trainable variables: the model created none, or Config.Trainable rejected all"))
	}
	grads := graph.Gradient(loss, values...)

	gnorm := GlobalNorm(grads)
	if f.cfg.GradClip > 0 {
		ClipGlobalNorm(grads, gnorm, f.cfg.GradClip)
	}
	f.opt.Update(ctx, f.trained, grads, lr, bc1, bc2)
	return []*graph.Node{loss, gnorm}
}

// checkLogits panics (recovered into an error) unless logits is float32 [batch, numClasses].
func checkLogits(logits *graph.Node, batch, numClasses int) {
	if logits == nil {
		panic(errors.New("model returned nil logits"))
	}
	if logits.DType() != dtypes.Float32 || logits.Rank() != 2 ||
		logits.Shape().Dimensions[0] != batch || logits.Shape().Dimensions[1] != numClasses {
		panic(fmt.Errorf("model returned logits %s, want (Float32)[%d %d] ([batch, numClasses])", logits.Shape(), batch, numClasses))
	}
}

// run executes the training loop.
func (f *fitter) run(valid Inputs, validLabels []int32) (*Result, error) {
	cfg := f.cfg
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x7261696e)) // "rain"
	res := &Result{PlannedSteps: f.totalSteps}
	start := time.Now()
	var best map[*context.Variable]*tensors.Tensor
	sel := newSelector(cfg.Select, cfg.Patience)
	var lossSum float64
	var lossCount int
	lastEvalStep := -1

	var byClass [][]int
	if cfg.Resample {
		byClass = datasets.IndicesByClass(f.labels, f.numClasses)
	}
	step := 0
	epoch := 0

	// evaluate records a curve point; it returns true when early stopping says stop.
	evaluate := func() (bool, error) {
		lastEvalStep = step
		p := Progress{Epoch: epoch, Step: step, TotalSteps: f.totalSteps, Elapsed: time.Since(start)}
		if lossCount > 0 {
			p.TrainLoss = lossSum / float64(lossCount)
		}
		lossSum, lossCount = 0, 0
		if step > 0 {
			p.ETA = time.Duration(float64(p.Elapsed) / float64(step) * float64(f.totalSteps-step))
		}
		stop := false
		if f.eval != nil {
			vl, va, err := f.validate(valid, validLabels)
			if err != nil {
				return false, fmt.Errorf("train.Fit: validation at step %d: %w", step, err)
			}
			p.ValidLoss, p.ValidAcc, p.Validated = vl, va, true
			var selected bool
			selected, stop = sel.observe(vl, va)
			if selected {
				res.BestValidLoss, res.BestValidAcc, res.BestStep = vl, va, step
				if best, err = snapshot(f.trained); err != nil {
					return false, fmt.Errorf("train.Fit: saving best parameters: %w", err)
				}
			}
			res.MinValidLoss = sel.bestLoss
		}
		p.EarlyStop, p.Patience = stop, cfg.Patience
		res.Curve = append(res.Curve, p)
		res.FinalTrainLoss = p.TrainLoss
		if cfg.Progress != nil {
			cfg.Progress(p)
		}
		return stop, nil
	}

	stopped := false
	for step < f.totalSteps && !stopped {
		epoch++
		order := epochOrder(rng, f.train.N, cfg.Resample, byClass)
		for b := 0; b < f.stepsPerEpoch && step < f.totalSteps; b++ {
			if cfg.Stop != nil {
				if err := cfg.Stop(); err != nil {
					return nil, fmt.Errorf("train.Fit: stopped at step %d of %d: %w", step, f.totalSteps, err)
				}
			}
			idx := order[b*f.batch : min((b+1)*f.batch, len(order))]
			l, err := f.step(idx, step)
			if err != nil {
				return nil, err
			}
			step++
			res.Steps = step
			if math.IsNaN(l) || math.IsInf(l, 0) {
				return nil, fmt.Errorf("train.Fit: training loss is %v at step %d of %d (epoch %d); lower the learning rate or check the model", l, step, f.totalSteps, epoch)
			}
			lossSum += l
			lossCount++
			if cfg.EvalEvery > 0 && step%cfg.EvalEvery == 0 {
				if stopped, err = evaluate(); err != nil {
					return nil, err
				}
				if stopped {
					break
				}
			}
		}
		if cfg.EvalEvery == 0 && !stopped {
			var err error
			if stopped, err = evaluate(); err != nil {
				return nil, err
			}
		}
	}
	if lastEvalStep != step {
		if _, err := evaluate(); err != nil {
			return nil, err
		}
	}
	res.StoppedEarly = stopped && step < f.totalSteps
	if err := restore(best); err != nil {
		return nil, fmt.Errorf("train.Fit: restoring best parameters: %w", err)
	}
	return res, nil
}

// step runs one training step on the examples idx (padded to the batch size) and returns the loss.
func (f *fitter) step(idx []int, step int) (float64, error) {
	nReal := len(idx)
	padded := padIndices(idx, f.batch)
	labels := make([]int32, f.batch)
	weights := make([]float32, f.batch)
	for i, k := range padded {
		labels[i] = f.labels[k]
		if i < nReal {
			weights[i] = f.loss.exampleWeight(labels[i])
		}
	}
	args := f.opt.StepInputs(LearningRate(f.cfg.Schedule, f.cfg.LR, f.cfg.WarmupSteps, step, f.totalSteps), step)
	args = append(args,
		tensors.FromScalar(float32(1/float64(nReal))),
		tensors.FromFlatDataAndDimensions(labels, f.batch),
		tensors.FromFlatDataAndDimensions(weights, f.batch),
	)
	args = append(args, batchTensors(f.train, padded)...)
	outs, err := f.exec.Exec(args...)
	if err != nil {
		return 0, fmt.Errorf("train.Fit: step %d: %w", step+1, err)
	}
	l := float64(tensors.MustCopyFlatData[float32](outs[0])[0])
	for _, o := range outs {
		o.FinalizeAll()
	}
	return l, nil
}

// validate returns the mean cross-entropy and accuracy on the validation set.
func (f *fitter) validate(valid Inputs, labels []int32) (loss, acc float64, err error) {
	logits, err := f.eval.Predict(valid)
	if err != nil {
		return 0, 0, err
	}
	correct := 0
	for i, row := range logits {
		l, ok := CrossEntropy(row, labels[i])
		if math.IsNaN(l) || math.IsInf(l, 0) {
			return 0, 0, fmt.Errorf("validation loss of example %d is %v", i, l)
		}
		loss += l
		if ok {
			correct++
		}
	}
	return loss / float64(valid.N), float64(correct) / float64(valid.N), nil
}
