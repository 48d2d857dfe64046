package baselines

import (
	"fmt"
	"math/rand/v2"
	"strings"
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

// run trains the model on task.Train (validation on the first ValidSamples valid samples) and
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

	// Loss weights and priors come from the labels actually trained on.
	counts := make([]int, c)
	for _, l := range trainLabels {
		counts[l]++
	}
	ctx := context.New()
	engine.SeedContext(ctx, env.Seed)
	cfg := n.tp.Config()
	cfg.Resample, cfg.Seed, cfg.Loss = n.tp.Resample, env.Seed, n.tp.Loss.Loss(counts)
	if env.Ctx != nil {
		cfg.Stop = env.Ctx.Err // stop training promptly on SIGINT
	}
	cfg.Progress = func(p train.Progress) { logf("%s", p.Report(n.name)) }
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
			"best_valid_loss": res.MinValidLoss,
			"selected_step":   float64(res.BestStep),
			"selected_acc":    res.BestValidAcc,
			"parameters":      float64(countParameters(ctx)),
		},
	}, nil
}

// modelVariables returns ctx's float variables outside the optimizer's scope.
func modelVariables(ctx *context.Context) []*context.Variable {
	var vars []*context.Variable
	for v := range ctx.IterVariables() {
		if v.DType().IsFloat() && !strings.HasPrefix(v.Scope(), train.OptimizerScope) {
			vars = append(vars, v)
		}
	}
	return vars
}

// countParameters returns the number of values in the model variables.
func countParameters(ctx *context.Context) int {
	n := 0
	for _, v := range modelVariables(ctx) {
		n += v.Shape().Size()
	}
	return n
}
