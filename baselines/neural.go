package baselines

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/catch"
	"github.com/behaviorlm/harness/internal/engine"
	"github.com/behaviorlm/harness/internal/method"
	"github.com/behaviorlm/harness/internal/train"
)

// neural is one neural baseline ready to run: its training options, input encoding, model and
// (bert4rec) training-set augmentation.
type neural struct {
	name  string // the method kind, for errors
	tp    TrainParams
	enc   encoding
	model train.ModelFn
	// augment, when set, extends the encoded training set (bert4rec's cloze samples).
	augment func(in train.Inputs, labels []int32, rng *rand.Rand) (train.Inputs, []int32)
}

// runNeural runs the neural baseline n of the given kind on task, after checking its parameters
// (invalid is their validation error) and the task.
func runNeural(env method.Env, task *datasets.Task, kind string, invalid error, n *neural) (*method.Output, error) {
	if invalid != nil {
		return nil, fmt.Errorf("%s: %w", kind, invalid)
	}
	if err := checkTask(task); err != nil {
		return nil, fmt.Errorf("%s: %w", kind, err)
	}
	n.name = kind
	return n.run(env, task)
}

// run trains the model on task.Train through train.RunStage (validation on the first
// ValidSamples valid samples) and scores task.Test. GoMLX panics are returned as errors.
func (n *neural) run(env method.Env, task *datasets.Task) (out *method.Output, err error) {
	defer catch.Panic(&err, n.name)
	if env.Backend == nil {
		return nil, fmt.Errorf("%s: no backend in env", n.name)
	}
	if err := env.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", n.name, err)
	}
	c := task.NumClasses()
	samples := task.Train
	if n.tp.KnowledgeSamples {
		if task.Knowledge == nil {
			return nil, fmt.Errorf("%s: knowledge_samples: the data set has no knowledge population (set data.knowledge_users)", n.name)
		}
		samples = append(task.KnowledgeSamples(), task.Train...)
	}
	trainIn, trainLabels := n.enc.encode(samples)
	if n.augment != nil {
		rng := rand.New(rand.NewPCG(env.Seed, 0xc1023))
		trainIn, trainLabels = n.augment(trainIn, trainLabels, rng)
	}
	// Loss weights and priors come from the labels actually trained on.
	counts := make([]int, c)
	for _, l := range trainLabels {
		counts[l]++
	}
	ctx := context.New()
	engine.SeedContext(ctx, env.Seed)
	info := map[string]float64{}
	st, _, err := train.RunStage(env, train.Stage{
		Name: "train", Ctx: ctx, Model: n.model, NumClasses: c, Params: n.tp.Params,
		Train: trainIn, TrainLabels: trainLabels, Valid: task.Valid, Encode: n.enc.encode,
		Loss: n.tp.Loss.Loss(counts), Resample: n.tp.Resample,
	}, info)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", n.name, err)
	}
	info["parameters"] = float64(countParameters(ctx))
	start := time.Now()
	testIn, _ := n.enc.encode(task.Test)
	scores, err := train.Predict(env.Backend, ctx, n.model, testIn, n.tp.BatchSize)
	if err != nil {
		return nil, fmt.Errorf("%s: predict: %w", n.name, err)
	}
	return &method.Output{
		TestScores: scores,
		Stages:     []method.Stage{st, {Name: "predict", Seconds: time.Since(start).Seconds()}},
		Info:       info,
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
