package baselines

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/engine"
	"github.com/behaviorlm/harness/internal/method"
	"github.com/behaviorlm/harness/internal/train"
)

// neural is one neural baseline ready to run: its training options, input encoding, model and
// (bert4rec) training-set augmentation.
type neural struct {
	name  string
	tp    TrainParams
	enc   encoding
	model train.ModelFn
	// augment, when set, extends the encoded training set (bert4rec's cloze samples).
	augment func(in train.Inputs, labels []int32, rng *rand.Rand) (train.Inputs, []int32)
}

// run trains the model on task.Train (early stopping on the first ValidSamples valid samples) and
// scores task.Test. GoMLX panics are returned as errors.
func (n *neural) run(env method.Env, task *datasets.Task) (out *method.Output, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("%s: %v", n.name, r)
		}
	}()
	if env.Backend == nil {
		return nil, fmt.Errorf("%s: no backend in env", n.name)
	}
	if env.Ctx != nil {
		if err := env.Ctx.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", n.name, err)
		}
	}
	logf := env.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	c := task.NumClasses()

	trainIn, trainLabels := n.enc.encode(task.Train)
	if n.augment != nil {
		rng := rand.New(rand.NewPCG(env.Seed, 0xc1023))
		trainIn, trainLabels = n.augment(trainIn, trainLabels, rng)
	}
	valid := task.Valid
	if n.tp.ValidSamples > 0 && len(valid) > n.tp.ValidSamples {
		valid = valid[:n.tp.ValidSamples]
	}
	validIn, validLabels := n.enc.encode(valid)
	testIn, _ := n.enc.encode(task.Test)

	counts := make([]int, c)
	for _, l := range trainLabels {
		counts[l]++
	}
	cfg := train.Config{
		Epochs:      n.tp.Epochs,
		MaxSteps:    n.tp.MaxSteps,
		BatchSize:   n.tp.BatchSize,
		LR:          n.tp.LR,
		WeightDecay: n.tp.WeightDecay,
		Schedule:    n.tp.Schedule,
		WarmupSteps: n.tp.WarmupSteps,
		GradClip:    n.tp.GradClip,
		Patience:    n.tp.Patience,
		EvalEvery:   n.tp.EvalEvery,
		Resample:    n.tp.Resample,
		Seed:        env.Seed,
		Stop:        stopFunc(env),
		Loss: train.Loss{Kind: n.tp.Loss.Kind, Beta: n.tp.Loss.Beta, Gamma: n.tp.Loss.Gamma, Tau: n.tp.Loss.Tau,
			ClassCounts: counts},
		Progress: func(p train.Progress) {
			logf("%s: epoch %d step %d/%d train loss %.4f valid loss %.4f acc %.4f elapsed %s eta %s",
				n.name, p.Epoch, p.Step, p.TotalSteps, p.TrainLoss, p.ValidLoss, p.ValidAcc,
				p.Elapsed.Round(time.Second), p.ETA.Round(time.Second))
		},
	}
	ctx := context.New()
	engine.SeedContext(ctx, env.Seed)
	start := time.Now()
	res, err := train.Fit(env.Backend, ctx, n.model, c, trainIn, trainLabels, validIn, validLabels, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: train: %w", n.name, err)
	}
	trainTime := time.Since(start)
	start = time.Now()
	scores, err := train.Predict(env.Backend, ctx, n.model, testIn, n.tp.BatchSize)
	if err != nil {
		return nil, fmt.Errorf("%s: predict: %w", n.name, err)
	}
	predictTime := time.Since(start)
	return &method.Output{
		TestScores: scores,
		Stages: []method.Stage{
			{Name: "train", Seconds: trainTime.Seconds(), Steps: res.Steps, Loss: res.FinalTrainLoss, Elapsed: trainTime},
			{Name: "predict", Seconds: predictTime.Seconds(), Elapsed: predictTime},
		},
		Info: map[string]float64{
			"train_examples":  float64(trainIn.N),
			"best_valid_loss": res.BestValidLoss,
			"best_valid_acc":  res.BestValidAcc,
			"best_step":       float64(res.BestStep),
			"parameters":      float64(countParameters(ctx)),
		},
	}, nil
}

// countParameters returns the number of float values in ctx's model variables (the optimizer's
// state is deleted by Fit; the integer RNG state is not counted).
func countParameters(ctx *context.Context) int {
	n := 0
	for v := range ctx.IterVariables() {
		if v.DType().IsFloat() {
			n += v.Shape().Size()
		}
	}
	return n
}

// stopFunc makes training stop promptly when the runner's context is cancelled (SIGINT).
func stopFunc(env method.Env) func() error {
	if env.Ctx == nil {
		return nil
	}
	return env.Ctx.Err
}
