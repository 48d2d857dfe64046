package train

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestParamsValidateNamesKey(t *testing.T) {
	good := Params{Epochs: 1, MaxSteps: 10, BatchSize: 8, LR: 1e-3, Schedule: ScheduleCosine}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid params: %v", err)
	}
	for key, edit := range map[string]func(*Params){
		"max_steps":     func(p *Params) { p.Epochs, p.MaxSteps = 0, 0 },
		"batch_size":    func(p *Params) { p.BatchSize = 0 },
		"lr":            func(p *Params) { p.LR = 0 },
		"weight_decay":  func(p *Params) { p.WeightDecay = -1 },
		"warmup_steps":  func(p *Params) { p.WarmupSteps = -1 },
		"grad_clip":     func(p *Params) { p.GradClip = -1 },
		"patience":      func(p *Params) { p.Patience = -1 },
		"eval_every":    func(p *Params) { p.EvalEvery = -1 },
		"valid_samples": func(p *Params) { p.ValidSamples = -1 },
		"schedule":      func(p *Params) { p.Schedule = "step" },
		"select":        func(p *Params) { p.Select = "f1" },
	} {
		p := good
		edit(&p)
		if err := p.Validate(); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: error %v does not name the key", key, err)
		}
	}
	for key, l := range map[string]LossParams{
		"loss.kind":  {Kind: "hinge"},
		"loss.beta":  {Kind: LossClassBalanced, Beta: 1},
		"loss.tau":   {Kind: LossLogitAdjust, Tau: 0},
		"loss.gamma": {Kind: LossFocal, Gamma: -1},
	} {
		if err := l.Validate(); err == nil || !strings.HasPrefix(err.Error(), key) {
			t.Errorf("%s: error %v does not name the key", key, err)
		}
	}
}

func TestParamsConfigCopiesEveryField(t *testing.T) {
	p := Params{Epochs: 2, MaxSteps: 30, BatchSize: 16, LR: 0.5, WeightDecay: 0.1, Schedule: ScheduleLinear,
		WarmupSteps: 3, GradClip: 4, Patience: 5, EvalEvery: 6, ValidSamples: 7, Select: SelectAcc}
	want := Config{Epochs: 2, MaxSteps: 30, BatchSize: 16, LR: 0.5, WeightDecay: 0.1, Schedule: ScheduleLinear,
		WarmupSteps: 3, GradClip: 4, Patience: 5, EvalEvery: 6, Select: SelectAcc}
	if diff := cmp.Diff(want, p.Config(), cmpopts.IgnoreFields(Config{}, "Progress", "Trainable", "Stop")); diff != "" {
		t.Errorf("Config() (-want +got):\n%s", diff)
	}
	l := LossParams{Kind: LossFocal, Beta: 0.9, Gamma: 1.5, Tau: 2}
	if got := l.Loss([]int{1, 2}); got.Kind != l.Kind || got.Beta != l.Beta || got.Gamma != l.Gamma || got.Tau != l.Tau || len(got.ClassCounts) != 2 {
		t.Errorf("Loss() = %+v", got)
	}
}
