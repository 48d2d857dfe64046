package experiments

import (
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
	m, out, err := load(env, KindFinetune, f.p.Backbone, f.backbone, task, LoadOptions{Pretrained: f.p.Pretrained, LoRA: f.p.LoRA})
	if err != nil {
		return nil, err
	}
	st, err := fitStage(env, "finetune", "", m, task, task.Train, f.p.TrainParams, f.p.Loss, f.p.Resample, out.Info)
	if err != nil {
		return nil, err
	}
	out.Stages = append(out.Stages, st)
	return predict(env, m, task, out)
}

// zeroShot scores the test samples with the pretrained backbone, without fine-tuning.
type zeroShot struct {
	p        ZeroShotParams
	backbone Backbone
}

// Run implements method.Method.
func (z *zeroShot) Run(env method.Env, task *datasets.Task) (*method.Output, error) {
	m, out, err := load(env, KindZeroShot, z.p.Backbone, z.backbone, task, LoadOptions{})
	if err != nil {
		return nil, err
	}
	return predict(env, m, task, out)
}
