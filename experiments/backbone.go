package experiments

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/lm"
	"github.com/behaviorlm/harness/internal/method"
	"github.com/behaviorlm/harness/internal/nn"
	"github.com/behaviorlm/harness/internal/results"
	"github.com/behaviorlm/harness/internal/train"
)

// Backbone is a language model family the LM methods fine-tune: behavior-lm (lmBackbone) and hf
// (hfBackbone, a Hugging Face checkpoint whose behavior names span several tokens) implement it,
// and the methods do not depend on which.
type Backbone interface {
	// Load returns a model for task: its (pretrained, unless opts say otherwise) weights in a
	// fresh context seeded with env.Seed, plus how to encode samples and score them.
	Load(env method.Env, task *datasets.Task, opts LoadOptions) (*Loaded, error)
}

// BackboneSpec is implemented by the parameter struct of every backbone kind (the value a
// method.BackboneFactory returns): it validates the parameters and builds the backbone.
type BackboneSpec interface {
	NewBackbone() (Backbone, error)
}

// LoadOptions are the method's requests to the backbone.
type LoadOptions struct {
	// Pretrained, when not nil, overrides the backbone's own pretrained setting.
	Pretrained *bool
	// LoRA adds adapters (Rank > 0); Loaded.Trainable then selects only them.
	LoRA nn.LoRA
}

// Loaded is a model ready for fine-tuning and scoring.
type Loaded struct {
	// Ctx holds the model's variables.
	Ctx *context.Context
	// Encode turns samples into the model's inputs.
	Encode func(samples []datasets.Sample) train.Inputs
	// Model returns one score per behavior [batch, NumClasses] at the answer position.
	Model train.ModelFn
	// NumClasses is the number of behaviors scored (task.NumClasses()).
	NumClasses int
	// Trainable is train.Config.Trainable: nil trains every variable, with LoRA only the adapters.
	Trainable func(scope string) bool
	// Stages are the timed preparation steps (e.g. "pretrain", possibly cached).
	Stages []method.Stage
	// Info holds numbers worth recording (e.g. the number of parameters).
	Info map[string]float64
	// SaveTrained and LoadTrained, when set, write the state a fine-tuning stage trained to a
	// folder and read it back (false when the folder holds none); see fitStage. The hf backbone
	// sets them with save_adapter: the LoRA adapter in PEFT's layout.
	SaveTrained func(dir string) error
	LoadTrained func(dir string) (bool, error)
}

// BehaviorLMBackbone is the parameter struct of the behavior-lm backbone kind: the harness's own
// small transformer (internal/lm), pretrained on the training-period event streams.
type BehaviorLMBackbone struct {
	// Model size and prompt options.
	lm.Config `yaml:",inline"`
	// Pretrained false skips pretraining: the model starts from random weights [true].
	Pretrained bool `yaml:"pretrained"`
	// Pretrain configures pretraining.
	Pretrain lm.PretrainConfig `yaml:"pretrain"`
}

// DefaultBehaviorLMBackbone returns the behavior-lm defaults (sized for 2 CPU cores).
func DefaultBehaviorLMBackbone() *BehaviorLMBackbone {
	return &BehaviorLMBackbone{Config: lm.DefaultConfig(), Pretrained: true, Pretrain: lm.DefaultPretrainConfig()}
}

// NewBackbone validates the parameters and returns the backbone.
func (p *BehaviorLMBackbone) NewBackbone() (Backbone, error) {
	if err := p.Config.Validate(); err != nil {
		return nil, err
	}
	if err := p.Pretrain.Validate(); err != nil {
		return nil, fmt.Errorf("pretrain.%w", err)
	}
	c := *p
	return &lmBackbone{params: c}, nil
}

type lmBackbone struct{ params BehaviorLMBackbone }

// Load builds (or loads from the cache) the pretrained behavior LM for task.
func (b *lmBackbone) Load(env method.Env, task *datasets.Task, opts LoadOptions) (*Loaded, error) {
	pretrained := b.params.Pretrained
	if opts.Pretrained != nil {
		pretrained = *opts.Pretrained
	}
	m, ctx, res, err := lm.Build(env, task, lm.Options{
		Model: b.params.Config, Pretrain: b.params.Pretrain, Pretrained: pretrained,
		LoRA: opts.LoRA,
	})
	if err != nil {
		return nil, err
	}
	out := &Loaded{Ctx: ctx, Encode: m.Inputs, Model: m.Classifier(), NumClasses: m.NumBehaviors(), Trainable: m.Trainable(),
		Info: map[string]float64{"prompt_tokens": float64(m.Renderer().Len())}}
	if res != nil {
		out.Stages = append(out.Stages, method.Stage{Name: "pretrain", Seconds: res.Seconds, Steps: res.Steps, FinalLoss: results.Float(res.FinalLoss), Cached: res.Cached})
		out.Info["pretrain_windows"] = float64(res.Windows)
		if res.HeldOut != nil {
			out.Info["pretrain_heldout_loss"], out.Info["pretrain_heldout_acc"] = res.HeldOut.Loss, res.HeldOut.Acc
		}
	}
	return out, nil
}

// resolveBackbone finds the named backbone in the decoded backbones section.
func resolveBackbone(name string, backbones map[string]any) (Backbone, error) {
	v, ok := backbones[name]
	if !ok {
		names := make([]string, 0, len(backbones))
		for n := range backbones {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("backbone: no backbone named %q in the backbones section (defined: %s)", name, strings.Join(names, ", "))
	}
	spec, ok := v.(BackboneSpec)
	if !ok {
		return nil, fmt.Errorf("backbone: %q has parameters of type %T, which is not a language-model backbone", name, v)
	}
	b, err := spec.NewBackbone()
	if err != nil {
		return nil, fmt.Errorf("backbones.%s: %w", name, err)
	}
	return b, nil
}
