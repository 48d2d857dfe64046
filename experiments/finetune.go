package experiments

import (
	"fmt"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/method"
)

// finetune fine-tunes the backbone on all training samples.
type finetune struct {
	p        FinetuneParams
	backbone Backbone
}

// Run implements method.Method.
func (f *finetune) Run(env method.Env, task *datasets.Task) (*method.Output, error) {
	m, err := f.backbone.Load(env, task, LoadOptions{Pretrained: f.p.Pretrained, LoRA: f.p.LoRA})
	if err != nil {
		return nil, fmt.Errorf("finetune: loading backbone %s: %w", f.p.Backbone, err)
	}
	out := &method.Output{Stages: m.Stages, Info: copyInfo(m.Info)}
	st, err := fitStage(env, "finetune", "", m, task, task.Train, f.p.TrainParams, f.p.Loss, f.p.Resample, out.Info)
	if err != nil {
		return nil, err
	}
	out.Stages = append(out.Stages, st)
	scores, st, err := score(env, "predict", m, task.Test)
	if err != nil {
		return nil, err
	}
	out.TestScores = scores
	out.Stages = append(out.Stages, st)
	return out, nil
}

// zeroShot scores the test samples with the pretrained backbone, without fine-tuning.
type zeroShot struct {
	p        ZeroShotParams
	backbone Backbone
}

// Run implements method.Method.
func (z *zeroShot) Run(env method.Env, task *datasets.Task) (*method.Output, error) {
	m, err := z.backbone.Load(env, task, LoadOptions{})
	if err != nil {
		return nil, fmt.Errorf("zero-shot: loading backbone %s: %w", z.p.Backbone, err)
	}
	out := &method.Output{Stages: m.Stages, Info: copyInfo(m.Info)}
	scores, st, err := score(env, "predict", m, task.Test)
	if err != nil {
		return nil, err
	}
	out.TestScores = scores
	out.Stages = append(out.Stages, st)
	return out, nil
}

func copyInfo(in map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(in)+8)
	for k, v := range in {
		out[k] = v
	}
	return out
}
