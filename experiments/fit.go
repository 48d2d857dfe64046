package experiments

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/method"
	"github.com/behaviorlm/harness/internal/train"
)

// scoreBatch is the batch size of inference (scoring test samples and difficulties).
const scoreBatch = 256

// fitStage fine-tunes the loaded model on samples through train.RunStage (validation on the first
// tp.ValidSamples valid samples of task), recording the stage's info keys after infoPrefix.
//
// When the backbone saves its trained state (Loaded.SaveTrained) and env.ArtifactDir is set, the
// stage's state is written to <ArtifactDir>/<name> after training; with env.ReuseArtifacts it is
// loaded from there instead of training, where present (a Cached stage without info keys).
func fitStage(env method.Env, name, infoPrefix string, m *Loaded, task *datasets.Task, samples []datasets.Sample, tp TrainParams,
	loss LossParams, resample bool, info map[string]float64) (method.Stage, error) {
	var artifacts string // where this stage's trained state is saved, if the backbone saves it
	if env.ArtifactDir != "" && m.SaveTrained != nil {
		artifacts = filepath.Join(env.ArtifactDir, name)
	}
	if artifacts != "" && env.ReuseArtifacts {
		start := time.Now()
		ok, err := m.LoadTrained(artifacts)
		if err != nil {
			return method.Stage{}, fmt.Errorf("%s: %w", name, err)
		}
		if ok {
			env.Log("%s: loaded the trained state from %s instead of training", name, artifacts)
			return method.Stage{Name: name, Seconds: time.Since(start).Seconds(), Cached: true}, nil
		}
		env.Log("%s: no saved state in %s: training", name, artifacts)
	}
	st, _, err := train.RunStage(env, train.Stage{
		Name: name, InfoPrefix: infoPrefix, Ctx: m.Ctx, Model: m.Model, NumClasses: m.NumClasses, Params: tp,
		Train: m.Encode(samples), TrainLabels: datasets.Targets(samples), Valid: task.Valid, Encode: m.encodeLabelled,
		Loss: loss.Loss(task.ClassCounts(samples)), Resample: resample, Trainable: m.Trainable,
	}, info)
	if err != nil {
		return st, err
	}
	if artifacts != "" && !env.ReuseArtifacts {
		if err := m.SaveTrained(artifacts); err != nil {
			return method.Stage{}, fmt.Errorf("%s: saving the trained state: %w", name, err)
		}
		env.Log("%s: saved the trained state to %s", name, artifacts)
	}
	return st, nil
}

// encodeLabelled encodes samples with their targets.
func (m *Loaded) encodeLabelled(samples []datasets.Sample) (train.Inputs, []int32) {
	return m.Encode(samples), datasets.Targets(samples)
}

// load loads a method's backbone (named name in the backbones section) for task and starts the
// method's output with the backbone's stages and info.
func load(env method.Env, kind, name string, b Backbone, task *datasets.Task, opts LoadOptions) (*Loaded, *method.Output, error) {
	m, err := b.Load(env, task, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: loading backbone %s: %w", kind, name, err)
	}
	info := make(map[string]float64, len(m.Info)+8)
	for k, v := range m.Info {
		info[k] = v
	}
	return m, &method.Output{Stages: m.Stages, Info: info}, nil
}

// predict scores task.Test with m as the "predict" stage and completes out.
func predict(env method.Env, m *Loaded, task *datasets.Task, out *method.Output) (*method.Output, error) {
	scores, st, err := score(env, "predict", m, task.Test)
	if err != nil {
		return nil, err
	}
	out.TestScores = scores
	out.Stages = append(out.Stages, st)
	return out, nil
}

// score returns the model's scores [N][C] of samples, timed as a stage.
func score(env method.Env, name string, m *Loaded, samples []datasets.Sample) ([][]float32, method.Stage, error) {
	if err := env.Err(); err != nil {
		return nil, method.Stage{}, fmt.Errorf("cancelled before %s: %w", name, err)
	}
	start := time.Now()
	scores, err := train.Predict(env.Backend, m.Ctx, m.Model, m.Encode(samples), scoreBatch)
	if err != nil {
		return nil, method.Stage{}, fmt.Errorf("%s: %w", name, err)
	}
	return scores, method.Stage{Name: name, Seconds: time.Since(start).Seconds()}, nil
}
