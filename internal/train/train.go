// Package train is the harness's one classifier training loop: every model (the fine-tuned
// language model, GRU4Rec, SASRec, BERT4Rec) maps host int32 input arrays to logits
// [batch, numClasses] and is trained by [Fit] and scored by [Predict].
//
// Fit trains with [AdamW] (decoupled weight decay on variables of rank >= 2), a warmup + cosine,
// linear or constant learning-rate schedule ([LearningRate]), optional global-norm gradient
// clipping ([ClipGlobalNorm]), one of several imbalance-aware losses, early stopping on the
// validation cross-entropy and restoring of the selected parameters. [RunStage] is the one way a
// method runs a training stage through Fit: it cuts the validation subset, wires cancellation and
// progress lines, and records the stage (with its validation curve) and its info keys.
//
// The files hold one concern each: fit.go the loop, optimizer.go AdamW and clipping, schedule.go
// the learning rate and step counts, selection.go model selection and early stopping,
// batching.go the batch order and batch tensors, loss.go the losses, stage.go RunStage. Graphs are compiled once per Fit (fixed batch shape: a short last batch is padded and
// masked), and runs are bit-identical for the same seeds.
package train

import (
	"fmt"
	"time"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/internal/method"
)

// Array is one host input with a common leading dimension N: Shape excludes N, Data has
// N*prod(Shape) values.
type Array struct {
	Shape []int
	Data  []int32
}

// Inputs holds N examples as parallel arrays (e.g. history ids [N,T], weekday [N,T], hour [N,T]).
type Inputs struct {
	N      int
	Arrays []Array
}

// rowSize returns prod(a.Shape): the number of values per example.
func (a Array) rowSize() int {
	n := 1
	for _, d := range a.Shape {
		n *= d
	}
	return n
}

// Validate checks that every array holds exactly N examples and has positive dimensions.
func (in Inputs) Validate() error {
	if in.N < 0 {
		return fmt.Errorf("inputs: negative N=%d", in.N)
	}
	if len(in.Arrays) == 0 {
		return fmt.Errorf("inputs: no arrays")
	}
	for i, a := range in.Arrays {
		for _, d := range a.Shape {
			if d <= 0 {
				return fmt.Errorf("inputs: array %d has non-positive dimension in shape %v", i, a.Shape)
			}
		}
		if want := in.N * a.rowSize(); len(a.Data) != want {
			return fmt.Errorf("inputs: array %d (shape %v) has %d values, want N*%d = %d", i, a.Shape, len(a.Data), a.rowSize(), want)
		}
	}
	return nil
}

// Subset returns the examples at idx (host copy), used for batching and stage-2 subsets. Indices
// may repeat. It panics if an index is out of range, like slice indexing.
func (in Inputs) Subset(idx []int) Inputs {
	out := Inputs{N: len(idx), Arrays: make([]Array, len(in.Arrays))}
	for i, a := range in.Arrays {
		row := a.rowSize()
		data := make([]int32, len(idx)*row)
		for j, k := range idx {
			copy(data[j*row:(j+1)*row], a.Data[k*row:(k+1)*row])
		}
		out.Arrays[i] = Array{Shape: append([]int(nil), a.Shape...), Data: data}
	}
	return out
}

// ModelFn builds logits [batch, numClasses] (float32) from one node per Inputs array, in order.
// train is true while training (dropout on); ctx.IsTraining(g) agrees with it, so GoMLX layers such
// as layers.Dropout behave accordingly. ctx is unchecked (variables are created on first use and
// reused afterwards), so the same ModelFn serves training, evaluation and later Fit calls.
type ModelFn func(ctx *context.Context, inputs []*graph.Node, train bool) *graph.Node

// Loss selects the training loss. Validation always uses plain cross-entropy.
type Loss struct {
	// Kind is "ce" (default when empty), "class-balanced" (Cui et al. 2019 effective-number
	// weights, Beta), "focal" (Lin et al. 2017, Gamma) or "logit-adjust" (Menon et al. 2021: train on
	// logits + Tau*log(prior)).
	Kind string
	// Beta is the class-balanced hyperparameter, in (0, 1) (typically 0.99 to 0.9999).
	Beta float64
	// Gamma is the focal-loss focusing parameter, >= 0 (0 gives cross-entropy; typically 2).
	Gamma float64
	// Tau scales the log-prior offsets of logit adjustment, > 0 (typically 1).
	Tau float64
	// ClassCounts holds the training-target counts per class (needed by class-balanced and
	// logit-adjust; len must be numClasses).
	ClassCounts []int
}

// Loss kinds.
const (
	LossCE            = "ce"
	LossClassBalanced = "class-balanced"
	LossFocal         = "focal"
	LossLogitAdjust   = "logit-adjust"
)

// Config configures Fit.
type Config struct {
	// Epochs is the number of passes over the training data; MaxSteps > 0 caps the total number of
	// steps. At least one of them must be positive (Epochs == 0 with MaxSteps > 0 runs MaxSteps).
	Epochs   int
	MaxSteps int
	// BatchSize is the number of examples per step (capped at the number of training examples).
	BatchSize int
	// LR is the peak learning rate; WeightDecay the decoupled AdamW weight decay, applied to
	// variables of rank >= 2 (matrices, embeddings) only, not to biases and norm scales (AdamW).
	LR, WeightDecay float64
	// Schedule is "cosine" (default when empty), "linear" or "constant", after WarmupSteps steps of
	// linear warmup from LR/WarmupSteps to LR.
	Schedule    string
	WarmupSteps int
	// GradClip > 0 clips the global gradient norm to this value.
	GradClip float64
	// Patience > 0 stops training after that many validation evaluations (one per epoch unless
	// EvalEvery is set) without improvement of the validation loss. 0 = off.
	Patience int
	// EvalEvery > 0 evaluates on the validation set every that many steps (0 = once per epoch).
	EvalEvery int
	// Resample draws class-balanced batches (each example's class uniform over the classes present
	// in the training labels, the example uniform within its class) instead of shuffling.
	Resample bool
	// Seed drives shuffling/resampling (param init seed is set by the caller via
	// engine.SeedContext).
	Seed uint64
	// Trainable, when set, is called with each variable's scope and name (e.g. "/model/dense/weights")
	// and only variables it returns true for are trained; nil trains all. Variables already marked
	// non-trainable (Variable.Trainable == false) are never trained. Used for LoRA and freezing.
	Trainable func(scope string) bool
	// Progress, when set, is called after each validation evaluation (or each epoch without a
	// validation set).
	Progress func(Progress)
	// Loss selects the training loss.
	Loss Loss
	// Select is the model-selection rule: SelectLoss ("" or "loss") restores the parameters of
	// the evaluation with the lowest validation cross-entropy, SelectAcc ("acc") those with the
	// highest validation accuracy (the first on ties). Early stopping (Patience) counts
	// evaluations without a lower validation loss either way.
	Select string
	// Stop, when set, is called before every step; a non-nil error stops Fit, which returns it
	// wrapped (so errors.Is(err, context.Canceled) holds for Stop: ctx.Err). Used to interrupt.
	Stop func() error
}

// Progress is one point of the training curve.
type Progress struct {
	Epoch, Step, TotalSteps int
	// TrainLoss is the mean training loss over the steps since the previous point.
	TrainLoss float64
	// ValidLoss (cross-entropy) and ValidAcc (top-1 accuracy) are zero without a validation set.
	ValidLoss, ValidAcc float64
	Elapsed, ETA        time.Duration
	// Validated says that ValidLoss and ValidAcc were measured; EarlyStop that training stops
	// after this point (Config.Patience evaluations without a lower validation loss).
	Validated, EarlyStop bool
	Patience             int
}

// Report is the point as the one progress line format of every method (method.Progress).
func (p Progress) Report(stage string) method.Progress {
	return method.Progress{Stage: stage, Step: p.Step, Steps: p.TotalSteps, TrainLoss: p.TrainLoss, Valid: p.Validated,
		ValidLoss: p.ValidLoss, ValidAcc: p.ValidAcc, Elapsed: p.Elapsed, ETA: p.ETA, EarlyStop: p.EarlyStop, Patience: p.Patience}
}

// Result summarises a Fit.
type Result struct {
	// Steps is the number of optimisation steps taken; PlannedSteps the number planned (Epochs
	// passes over the examples, capped at MaxSteps): the budget a selected step is judged against.
	Steps, PlannedSteps int
	// BestValidLoss and BestValidAcc are the validation cross-entropy and accuracy of the selected
	// evaluation (Config.Select: the lowest loss, or the highest accuracy; zero without a
	// validation set).
	BestValidLoss, BestValidAcc float64
	// MinValidLoss is the lowest validation cross-entropy seen (what Patience watches; equal to
	// BestValidLoss under loss selection; zero without a validation set).
	MinValidLoss float64
	// BestStep is the step of that evaluation (0 without a validation set).
	BestStep int
	// FinalTrainLoss is the mean training loss over the last curve interval.
	FinalTrainLoss float64
	// Curve has one point per evaluation.
	Curve []Progress
	// StoppedEarly reports whether Patience ended training before the planned steps.
	StoppedEarly bool
}
