package experiments

import (
	"reflect"
	"strings"
	"testing"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/config"
	"github.com/behaviorlm/harness/internal/engine"
	"github.com/behaviorlm/harness/internal/lm"
	"github.com/behaviorlm/harness/internal/method"
	"github.com/behaviorlm/harness/internal/nn"
)

const testYAML = `
datasets:
  syn: {loader: synthetic}
backbones:
  behavior-lm: {kind: behavior-lm, dim: 32, layers: 1, pretrain: {max_steps: 5, lr: 0.001}}
methods:
  zero-shot: {kind: zero-shot}
  uniform: {kind: finetune, lr: 0.002}
  class-balanced: {kind: finetune, loss: {kind: class-balanced, beta: 0.99}}
  focal: {kind: finetune, loss: {kind: focal}}
  resample: {kind: finetune, resample: true}
  logit-adjust: {kind: finetune, loss: {kind: logit-adjust, tau: 0.5}}
  uniform-lora: {kind: finetune, lora: {rank: 4, alpha: 8}}
  behaviorlm: {kind: behaviorlm, per_class: 10, select: mixed, stage1: {epochs: 2, lr: 0.0001}}
  stage1-only: {kind: behaviorlm, stage2: {skip: true}}
  stage2-only: {kind: behaviorlm, stage1: {skip: true}}
  stage1-all: {kind: behaviorlm, stage1: {data: all}}
  no-pretrain: {kind: behaviorlm, pretrained: false}
experiments:
  all:
    datasets: [syn]
    methods: [zero-shot, uniform, class-balanced, focal, resample, logit-adjust, uniform-lora, behaviorlm, stage1-only, stage2-only, stage1-all, no-pretrain]
    tail_shots: [5]
    seeds: [1]
`

func TestYAMLDecoding(t *testing.T) {
	reg := config.Registry{Methods: Factories(), Backbones: BackboneFactories()}
	c, err := config.Parse([]byte(testYAML), "experiments.yaml", reg)
	if err != nil {
		t.Fatal(err)
	}
	bb := c.BackboneParams()["behavior-lm"].(*BehaviorLMBackbone)
	wantBB := DefaultBehaviorLMBackbone()
	wantBB.Dim, wantBB.Layers, wantBB.Pretrain.MaxSteps, wantBB.Pretrain.LR = 32, 1, 5, 0.001
	if !reflect.DeepEqual(bb, wantBB) {
		t.Errorf("backbone = %+v, want %+v", bb, wantBB)
	}
	e, err := c.Experiment("all")
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]any{}
	for _, v := range e.Variants {
		params[v.Name] = v.Params
		if _, err := c.NewMethod(reg, v); err != nil {
			t.Errorf("%s: %v", v.Name, err)
		}
	}
	if p := params["uniform"].(*FinetuneParams); p.LR != 0.002 || p.Loss.Kind != "ce" || p.Backbone != "behavior-lm" || p.Pretrained != nil {
		t.Errorf("uniform = %+v", p)
	}
	if p := params["class-balanced"].(*FinetuneParams); p.Loss != (LossParams{Kind: "class-balanced", Beta: 0.99, Gamma: 2, Tau: 1}) {
		t.Errorf("class-balanced loss = %+v", p.Loss)
	}
	if p := params["logit-adjust"].(*FinetuneParams); p.Loss.Kind != "logit-adjust" || p.Loss.Tau != 0.5 {
		t.Errorf("logit-adjust loss = %+v", p.Loss)
	}
	if p := params["resample"].(*FinetuneParams); !p.Resample {
		t.Error("resample not set")
	}
	if p := params["uniform-lora"].(*FinetuneParams); p.LoRA != (nn.LoRA{Rank: 4, Alpha: 8}) {
		t.Errorf("lora = %+v", p.LoRA)
	}
	p := params["behaviorlm"].(*BehaviorLMParams)
	def := DefaultBehaviorLMParams()
	if p.PerClass != 10 || p.Select != "mixed" || p.Stage1.Epochs != 2 || p.Stage1.LR != 0.0001 || p.Stage1.MaxSteps != def.Stage1.MaxSteps || p.Stage1.Data != "anchor" {
		t.Errorf("behaviorlm = %+v", p)
	}
	if !params["stage1-only"].(*BehaviorLMParams).Stage2.Skip || !params["stage2-only"].(*BehaviorLMParams).Stage1.Skip {
		t.Error("stage skips not decoded")
	}
	if params["stage1-all"].(*BehaviorLMParams).Stage1.Data != "all" {
		t.Error("stage1.data not decoded")
	}
	if pre := params["no-pretrain"].(*BehaviorLMParams).Pretrained; pre == nil || *pre {
		t.Errorf("pretrained = %v, want false", pre)
	}

	for _, bad := range []struct{ yaml, want string }{
		{"{kind: behaviorlm, select: hardest}", "select"},
		{"{kind: behaviorlm, stage1: {data: tail}}", "stage1.data"},
		{"{kind: behaviorlm, stage1: {skip: true}, stage2: {skip: true}}", "skip"},
		{"{kind: finetune, loss: {kind: hinge}}", "loss.kind"},
		{"{kind: finetune, backbone: gpt}", `no backbone named "gpt"`},
		{"{kind: finetune, lora: {rank: -1}}", "lora.rank"},
		{"{kind: finetune, epoch: 3}", `unknown key "epoch"`},
	} {
		y := strings.Replace(testYAML, "{kind: finetune, lr: 0.002}", bad.yaml, 1)
		if _, err := config.Parse([]byte(y), "experiments.yaml", reg); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: error %v, want one mentioning %q", bad.yaml, err, bad.want)
		}
	}
}

// tinyBackbones is a backbone small enough for unit tests.
func tinyBackbones() map[string]any {
	bb := DefaultBehaviorLMBackbone()
	bb.Config = lm.Config{Dim: 16, Layers: 1, Heads: 2, FFNDim: 32, Dropout: 0.1}
	bb.Pretrain = lm.PretrainConfig{Epochs: 1, MaxSteps: 4, BatchSize: 16, LR: 3e-3, GradClip: 1}
	return map[string]any{"behavior-lm": bb}
}

func tinyTrain(tp *TrainParams) {
	tp.Epochs, tp.MaxSteps, tp.BatchSize, tp.EvalEvery, tp.ValidSamples = 1, 3, 16, 0, 50
}

func synthTask(t *testing.T) *datasets.Task {
	t.Helper()
	log, err := datasets.Synthetic(datasets.SyntheticConfig{Users: 10, EventsPerUser: 40, Behaviors: 25, Zipf: 1.2, Sequential: 0.6, HourStructure: 0.2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	cfg := datasets.DefaultSampleConfig()
	cfg.HistoryLen = 6
	task, err := datasets.BuildTask(log, cfg, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	return task
}

func run(t *testing.T, kind string, params any, task *datasets.Task, seed uint64) *method.Output {
	t.Helper()
	m, err := Factories()[kind].New(params, tinyBackbones())
	if err != nil {
		t.Fatal(err)
	}
	b, err := engine.New("go")
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.Run(method.Env{Backend: b, Seed: seed}, task)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.TestScores) != len(task.Test) || len(out.TestScores[0]) != task.NumClasses() {
		t.Fatalf("%s: scores %dx%d, want %dx%d", kind, len(out.TestScores), len(out.TestScores[0]), len(task.Test), task.NumClasses())
	}
	return out
}

func stageNames(out *method.Output) string {
	var n []string
	for _, s := range out.Stages {
		n = append(n, s.Name)
	}
	return strings.Join(n, ",")
}

func TestFinetuneDeterministicAndZeroShot(t *testing.T) {
	task := synthTask(t)
	p := DefaultFinetuneParams()
	tinyTrain(&p.TrainParams)
	a := run(t, KindFinetune, p, task, 1)
	b := run(t, KindFinetune, p, task, 1)
	if !reflect.DeepEqual(a.TestScores, b.TestScores) {
		t.Error("finetune: same seed, different scores")
	}
	if got := stageNames(a); got != "pretrain,finetune,predict" {
		t.Errorf("finetune stages %s", got)
	}
	z := run(t, KindZeroShot, DefaultZeroShotParams(), task, 1)
	if got := stageNames(z); got != "pretrain,predict" {
		t.Errorf("zero-shot stages %s", got)
	}
	if reflect.DeepEqual(z.TestScores, a.TestScores) {
		t.Error("fine-tuning did not change the zero-shot scores")
	}
	p.LoRA = nn.LoRA{Rank: 2, Alpha: 4}
	l := run(t, KindFinetune, p, task, 1)
	if reflect.DeepEqual(l.TestScores, a.TestScores) || reflect.DeepEqual(l.TestScores, z.TestScores) {
		t.Error("LoRA fine-tuning gave the scores of full fine-tuning or of no fine-tuning")
	}
	p.LoRA = nn.LoRA{}
	off := false
	p.Pretrained = &off
	if got := stageNames(run(t, KindFinetune, p, task, 1)); got != "finetune,predict" {
		t.Errorf("pretrained=false stages %s", got)
	}
}

func TestBehaviorLMStagesAndSubset(t *testing.T) {
	task := synthTask(t)
	p := DefaultBehaviorLMParams()
	tinyTrain(&p.Stage1.TrainParams)
	tinyTrain(&p.Stage2.TrainParams)
	p.PerClass, p.Candidates = 4, 0
	counts := task.ClassCounts(task.Train)
	want, anchors := 0, 0
	for c, n := range counts {
		want += min(n, p.PerClass)
		if task.Anchor[c] {
			anchors += n
		}
	}
	out := run(t, KindBehaviorLM, p, task, 1)
	if got := stageNames(out); got != "pretrain,stage1,difficulty,stage2,predict" {
		t.Errorf("stages %s", got)
	}
	if got := out.Info["stage2_train_samples"]; got != float64(want) {
		t.Errorf("stage2_train_samples %v, want %d", got, want)
	}
	if got := out.Info["stage1_train_samples"]; got != float64(anchors) {
		t.Errorf("stage1_train_samples %v, want %d (anchor-target samples)", got, anchors)
	}
	if out.Info["difficulty_mean_selected"] < out.Info["difficulty_mean_scored"] {
		t.Errorf("hard selection picked easier than average samples: %v", out.Info)
	}

	p.Stage1.Skip = true
	if got := stageNames(run(t, KindBehaviorLM, p, task, 1)); got != "pretrain,difficulty,stage2,predict" {
		t.Errorf("stage1.skip stages %s", got)
	}
	p.Stage1.Skip, p.Stage2.Skip = false, true
	if got := stageNames(run(t, KindBehaviorLM, p, task, 1)); got != "pretrain,stage1,predict" {
		t.Errorf("stage2.skip stages %s", got)
	}
	p.Stage2.Skip, p.Stage1.Data = false, "all"
	if got := run(t, KindBehaviorLM, p, task, 1).Info["stage1_train_samples"]; got != float64(len(task.Train)) {
		t.Errorf("stage1.data=all: %v samples, want %d", got, len(task.Train))
	}
	p.Stage1.Data, p.Select, p.Candidates = "anchor", SelectRandom, 5
	out = run(t, KindBehaviorLM, p, task, 1)
	if out.Info["difficulty_scored"] != 0 || out.Info["stage2_train_samples"] != float64(want) {
		t.Errorf("random selection: %v", out.Info)
	}
}
