package lm

import (
	"testing"

	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/engine"
	"github.com/behaviorlm/harness/internal/method"
	"github.com/behaviorlm/harness/internal/train"
)

// syntheticTask builds a small long-tailed task.
func syntheticTask(t testing.TB, users, events, behaviors int) *datasets.Task {
	t.Helper()
	log, err := datasets.Synthetic(datasets.SyntheticConfig{Users: users, EventsPerUser: events, Behaviors: behaviors, Seed: 3, Zipf: 1.2, Sequential: 0.6, HourStructure: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	cfg := datasets.DefaultSampleConfig()
	cfg.HistoryLen = 8
	task, err := datasets.BuildTask(log, cfg, 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	return task
}

func testEnv(t testing.TB, seed uint64) method.Env {
	t.Helper()
	b, err := engine.New("go")
	if err != nil {
		t.Fatal(err)
	}
	return method.Env{Backend: b, Seed: seed, Logf: t.Logf}
}

// popAccuracy is the test accuracy of predicting the most frequent training target.
func popAccuracy(task *datasets.Task) float64 {
	counts := task.ClassCounts(task.Train)
	best := 0
	for c, n := range counts {
		if n > counts[best] {
			best = c
		}
	}
	hits := 0
	for _, s := range task.Test {
		if int(s.Target) == best {
			hits++
		}
	}
	return float64(hits) / float64(len(task.Test))
}

func accuracy(scores [][]float32, samples []datasets.Sample) float64 {
	hits := 0
	for i, row := range scores {
		best := 0
		for c, v := range row {
			if v > row[best] {
				best = c
			}
		}
		if int32(best) == samples[i].Target {
			hits++
		}
	}
	return float64(hits) / float64(len(samples))
}

// TestPretrainAndFinetuneBeatPop trains a small LM briefly on synthetic data: the pretraining loss
// falls, and after fine-tuning with train.Fit the test accuracy beats the most-popular baseline.
func TestPretrainAndFinetuneBeatPop(t *testing.T) {
	task := syntheticTask(t, 30, 80, 30)
	env := testEnv(t, 1)
	cfg := Config{Dim: 32, Layers: 1, Heads: 2, FFNDim: 64, Dropout: 0}
	pcfg := PretrainConfig{Epochs: 20, BatchSize: 32, LR: 5e-3, WarmupSteps: 5, GradClip: 1}
	m, ctx, res, err := Build(env, task, Options{Model: cfg, Pretrain: pcfg, Pretrained: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("pretrain: %+v", *res)
	if !(res.FinalLoss < res.FirstLoss-0.3) {
		t.Errorf("pretraining loss did not fall: first %.3f, final %.3f", res.FirstLoss, res.FinalLoss)
	}
	fit, acc, pop := finetuneAndScore(t, env, task, m, ctx)
	t.Logf("fine-tune: %d steps, valid loss %.3f; test accuracy %.3f, pop %.3f", fit.Steps, fit.BestValidLoss, acc, pop)
	if acc <= pop+0.05 {
		t.Errorf("test accuracy %.3f does not beat pop %.3f", acc, pop)
	}
}

// finetuneAndScore fine-tunes m's classifier briefly with train.Fit (3 epochs, early stopping on
// the validation set) and returns the fit with the test accuracy and the most-popular baseline's.
func finetuneAndScore(t testing.TB, env method.Env, task *datasets.Task, m *Model, ctx *context.Context) (fit *train.Result, acc, pop float64) {
	t.Helper()
	fit, err := train.Fit(env.Backend, ctx, m.Classifier(), m.NumBehaviors(), m.Inputs(task.Train), datasets.Targets(task.Train),
		m.Inputs(task.Valid), datasets.Targets(task.Valid), train.Config{Epochs: 3, BatchSize: 32, LR: 1e-3, Patience: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	scores, err := train.Predict(env.Backend, ctx, m.Classifier(), m.Inputs(task.Test), 64)
	if err != nil {
		t.Fatal(err)
	}
	return fit, accuracy(scores, task.Test), popAccuracy(task)
}
