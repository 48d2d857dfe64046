package experiments

import (
	"fmt"
	"math"
	"path/filepath"
	"time"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/method"
	"github.com/behaviorlm/harness/internal/train"
)

// scoreBatch is the batch size of inference (scoring test samples and difficulties).
const scoreBatch = 256

// logf returns env.Logf, or a no-op.
func logf(env method.Env) func(string, ...any) {
	if env.Logf != nil {
		return env.Logf
	}
	return func(string, ...any) {}
}

// cancelled returns env.Ctx's error, if any (checked between stages: train.Fit itself runs to
// completion).
func cancelled(env method.Env, before string) error {
	if env.Ctx != nil && env.Ctx.Err() != nil {
		return fmt.Errorf("cancelled before %s: %w", before, env.Ctx.Err())
	}
	return nil
}

// fitStage fine-tunes the loaded model on samples with train.Fit (validation on the first
// tp.ValidSamples valid samples of task) and returns the timed stage.
func fitStage(env method.Env, name string, m *Loaded, task *datasets.Task, samples []datasets.Sample, tp TrainParams, loss LossParams, resample bool) (method.Stage, *train.Result, error) {
	if err := cancelled(env, name); err != nil {
		return method.Stage{}, nil, err
	}
	if len(samples) == 0 {
		return method.Stage{}, nil, fmt.Errorf("%s: no training samples", name)
	}
	valid := task.Valid
	if tp.ValidSamples > 0 && len(valid) > tp.ValidSamples {
		valid = valid[:tp.ValidSamples]
	}
	cfg := tp.Config()
	cfg.Resample, cfg.Seed, cfg.Trainable = resample, env.Seed, m.Trainable
	cfg.Loss = loss.Loss(task.ClassCounts(samples))
	if env.Ctx != nil {
		cfg.Stop = env.Ctx.Err // stop training promptly on SIGINT
	}
	log := logf(env)
	cfg.Progress = func(p train.Progress) {
		log("%s: epoch %d step %d/%d train loss %.4f valid loss %.4f acc %.4f, elapsed %s, ETA %s", name, p.Epoch, p.Step, p.TotalSteps,
			p.TrainLoss, p.ValidLoss, p.ValidAcc, p.Elapsed.Round(time.Second), p.ETA.Round(time.Second))
	}
	var artifacts string // where this stage's trained state is saved, if the backbone saves it
	if env.ArtifactDir != "" && m.SaveTrained != nil {
		artifacts = filepath.Join(env.ArtifactDir, name)
	}
	if artifacts != "" && env.ReuseArtifacts {
		start := time.Now()
		ok, err := m.LoadTrained(artifacts)
		if err != nil {
			return method.Stage{}, nil, fmt.Errorf("%s: %w", name, err)
		}
		if ok {
			log("%s: loaded the trained state from %s instead of training", name, artifacts)
			el := time.Since(start)
			return method.Stage{Name: name, Seconds: el.Seconds(), Elapsed: el, Cached: true}, &train.Result{MinValidLoss: math.NaN()}, nil
		}
		log("%s: no saved state in %s: training", name, artifacts)
	}
	log("%s: fine-tuning on %d samples (%d valid)", name, len(samples), len(valid))
	start := time.Now()
	res, err := train.Fit(env.Backend, m.Ctx, m.Model, m.NumClasses, m.Encode(samples), datasets.Targets(samples),
		m.Encode(valid), datasets.Targets(valid), cfg)
	if err != nil {
		return method.Stage{}, nil, fmt.Errorf("%s: %w", name, err)
	}
	el := time.Since(start)
	if artifacts != "" && !env.ReuseArtifacts {
		if err := m.SaveTrained(artifacts); err != nil {
			return method.Stage{}, nil, fmt.Errorf("%s: saving the trained state: %w", name, err)
		}
		log("%s: saved the trained state to %s", name, artifacts)
	}
	return method.Stage{Name: name, Seconds: el.Seconds(), Elapsed: el, Steps: res.Steps, Loss: res.FinalTrainLoss}, res, nil
}

// score returns the model's scores [N][C] of samples, timed as a stage.
func score(env method.Env, name string, m *Loaded, samples []datasets.Sample) ([][]float32, method.Stage, error) {
	if err := cancelled(env, name); err != nil {
		return nil, method.Stage{}, err
	}
	start := time.Now()
	scores, err := train.Predict(env.Backend, m.Ctx, m.Model, m.Encode(samples), scoreBatch)
	if err != nil {
		return nil, method.Stage{}, fmt.Errorf("%s: %w", name, err)
	}
	el := time.Since(start)
	return scores, method.Stage{Name: name, Seconds: el.Seconds(), Elapsed: el}, nil
}

// crossEntropy returns -log softmax(logits)[target].
func crossEntropy(logits []float32, target int32) float64 {
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = math.Max(mx, float64(v))
	}
	var sum float64
	for _, v := range logits {
		sum += math.Exp(float64(v) - mx)
	}
	return mx + math.Log(sum) - float64(logits[target])
}
