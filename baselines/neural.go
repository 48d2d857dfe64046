package baselines

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/gomlx/gomlx/pkg/core/tensors"
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
	sel := &accSelector{ctx: ctx, on: n.tp.Select == "acc" && validIn.N > 0, acc: -1}
	cfg := n.tp.Config()
	cfg.Resample, cfg.Seed, cfg.Loss = n.tp.Resample, env.Seed, n.tp.Loss.Loss(counts)
	if env.Ctx != nil {
		cfg.Stop = env.Ctx.Err // stop training promptly on SIGINT
	}
	cfg.Progress = func(p train.Progress) {
		logf("%s: epoch %d step %d/%d train loss %.4f valid loss %.4f acc %.4f elapsed %s eta %s",
			n.name, p.Epoch, p.Step, p.TotalSteps, p.TrainLoss, p.ValidLoss, p.ValidAcc,
			p.Elapsed.Round(time.Second), p.ETA.Round(time.Second))
		sel.observe(p)
	}
	start := time.Now()
	res, err := train.Fit(env.Backend, ctx, n.model, c, trainIn, trainLabels, validIn, validLabels, cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: train: %w", n.name, err)
	}
	selectedStep, selectedAcc := float64(res.BestStep), res.BestValidAcc
	if sel.on {
		if err := sel.restore(); err != nil {
			return nil, fmt.Errorf("%s: %w", n.name, err)
		}
		selectedStep, selectedAcc = float64(sel.step), sel.acc
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
			"selected_step":   selectedStep,
			"selected_acc":    selectedAcc,
			"parameters":      float64(countParameters(ctx)),
		},
	}, nil
}

// accSelector keeps a copy of the model parameters at the evaluation with the highest validation
// accuracy (the first one on ties) and restores them after Fit.
type accSelector struct {
	ctx  *context.Context
	on   bool
	acc  float64
	step int
	best map[*context.Variable]*tensors.Tensor
	err  error
}

func (s *accSelector) observe(p train.Progress) {
	if !s.on || s.err != nil || p.ValidAcc <= s.acc {
		return
	}
	s.acc, s.step = p.ValidAcc, p.Step
	s.best, s.err = snapshotModel(s.ctx)
}

func (s *accSelector) restore() error {
	if s.err != nil {
		return fmt.Errorf("saving the most accurate parameters: %w", s.err)
	}
	for v, t := range s.best {
		if err := v.SetValue(t); err != nil {
			return fmt.Errorf("restoring %s: %w", v.ScopeAndName(), err)
		}
	}
	return nil
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

// snapshotModel copies the current values of the model variables.
func snapshotModel(ctx *context.Context) (map[*context.Variable]*tensors.Tensor, error) {
	snap := map[*context.Variable]*tensors.Tensor{}
	for _, v := range modelVariables(ctx) {
		val, err := v.Value()
		if err != nil {
			return nil, fmt.Errorf("variable %s: %w", v.ScopeAndName(), err)
		}
		c, err := val.LocalClone()
		if err != nil {
			return nil, fmt.Errorf("variable %s: %w", v.ScopeAndName(), err)
		}
		snap[v] = c
	}
	return snap, nil
}

// countParameters returns the number of values in the model variables.
func countParameters(ctx *context.Context) int {
	n := 0
	for _, v := range modelVariables(ctx) {
		n += v.Shape().Size()
	}
	return n
}
