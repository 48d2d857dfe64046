package experiments

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/config"
	"github.com/behaviorlm/harness/internal/engine"
	"github.com/behaviorlm/harness/internal/hf"
	"github.com/behaviorlm/harness/internal/method"
	"github.com/behaviorlm/harness/internal/nn"
)

// hfFixture is internal/hf's tiny Qwen2-style test checkpoint (made by reference/hf/make_fixture.py).
const hfFixture = "../internal/hf/testdata/qwen2"

func TestRenderHFPrompt(t *testing.T) {
	names := []string{"Coffee Shop", "Office"}
	got := RenderHFPrompt(names, []datasets.Step{{Behavior: 0, Weekday: 1, Hour: 9}, {Behavior: 1, Weekday: 1, Hour: 12}},
		datasets.Step{Weekday: 2, Hour: 7})
	want := "Recent behaviors of a user, oldest first:\nMonday 09:00 Coffee Shop\nMonday 12:00 Office\nTuesday 07:00"
	if got != want {
		t.Errorf("RenderHFPrompt = %q, want %q", got, want)
	}
}

// hfTask builds a small task on synthetic data, with histories of three events.
func hfTask(t *testing.T, sc datasets.SyntheticConfig) *datasets.Task {
	t.Helper()
	log, err := datasets.Synthetic(sc)
	if err != nil {
		t.Fatal(err)
	}
	cfg := datasets.DefaultSampleConfig()
	cfg.HistoryLen = 3
	task, err := datasets.BuildTask(log, cfg, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	return task
}

func TestHFBackboneFinetune(t *testing.T) {
	backend, err := engine.New("go")
	if err != nil {
		t.Fatal(err)
	}
	task := hfTask(t, datasets.SyntheticConfig{Users: 6, EventsPerUser: 24, Behaviors: 5, Zipf: 1.2, Sequential: 0.6, HourStructure: 0.2, Seed: 1})
	bb := DefaultHFBackbone()
	bb.Path = hfFixture
	bb.MaxPromptTokens = 60 // forces dropping old events: three events take more with the fixture's small vocabulary
	p := DefaultFinetuneParams()
	p.Backbone = "tiny"
	p.MaxSteps, p.BatchSize, p.EvalEvery, p.ValidSamples, p.WarmupSteps = 3, 8, 3, 8, 0
	m, err := Factories()[KindFinetune].New(p, map[string]any{"tiny": bb})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	env := method.Env{Ctx: context.Background(), Backend: backend, Seed: 1, CacheDir: t.TempDir(),
		Logf: func(f string, a ...any) { lines = append(lines, f) }}
	out, err := m.Run(env, task)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.TestScores) != len(task.Test) || len(out.TestScores[0]) != task.NumClasses() {
		t.Fatalf("scores %d x %d, want %d x %d", len(out.TestScores), len(out.TestScores[0]), len(task.Test), task.NumClasses())
	}
	if out.Info["score_full"] != 1 {
		t.Errorf("synthetic names b000.. share first tokens, want full scoring; info %v", out.Info)
	}
	if len(out.Stages) == 0 || out.Stages[0].Name != "load-checkpoint" {
		t.Errorf("stages %+v", out.Stages)
	}

	// The other LM methods run on the same backbone unchanged.
	blm := DefaultBehaviorLMParams()
	blm.Backbone, blm.PerClass, blm.Candidates = "tiny", 4, 8
	for _, st := range []*TrainParams{&blm.Stage1.TrainParams, &blm.Stage2.TrainParams} {
		st.MaxSteps, st.BatchSize, st.EvalEvery, st.ValidSamples, st.WarmupSteps = 2, 8, 2, 8, 0
	}
	for kind, params := range map[string]any{KindZeroShot: &ZeroShotParams{Backbone: "tiny"}, KindBehaviorLM: blm} {
		m, err := Factories()[kind].New(params, map[string]any{"tiny": bb})
		if err != nil {
			t.Fatal(err)
		}
		out, err := m.Run(env, task)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if len(out.TestScores) != len(task.Test) {
			t.Errorf("%s: %d test scores, want %d", kind, len(out.TestScores), len(task.Test))
		}
	}

	// The encoder keeps prompts within max_prompt_tokens by dropping the oldest events.
	b, err := bb.NewBackbone()
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := b.Load(env, task, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in := loaded.Encode(task.Test[:4])
	if len(in.Arrays) != 2 || in.Arrays[0].Shape[0] > 64 {
		t.Errorf("encoded arrays %+v", in.Arrays[0].Shape)
	}
	if loaded.Trainable == nil || !loaded.Trainable("/hf/model/layers/0/self_attn/q_proj/lora/A") || loaded.Trainable("/hf/model/norm/weight") {
		t.Error("default LoRA: Trainable should select only adapters")
	}
}

func TestHFBackboneParams(t *testing.T) {
	bb := DefaultHFBackbone()
	if _, err := bb.NewBackbone(); err == nil || !strings.Contains(err.Error(), "path") {
		t.Errorf("missing path: err = %v", err)
	}
	bb.Path = hfFixture
	bb.LoRA = hf.LoRAConfig{}
	b, err := bb.NewBackbone()
	if err != nil {
		t.Fatal(err)
	}
	task := &datasets.Task{Behaviors: []string{"Office", "Home"}}
	loaded, err := b.Load(method.Env{Seed: 1}, task, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Trainable != nil {
		t.Error("lora.rank 0: want full fine-tuning (nil Trainable)")
	}
	loaded, err = b.Load(method.Env{Seed: 1}, task, LoadOptions{LoRA: nn.LoRA{Rank: 2, Alpha: 4}})
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Trainable == nil {
		t.Error("method lora.rank 2 should add adapters")
	}
}

func TestHFBackboneYAML(t *testing.T) {
	const doc = `
datasets:
  syn: {loader: synthetic}
backbones:
  qwen05: {kind: hf, path: /models/Qwen2-0.5B, score: full, lora: {rank: 8, alpha: 16, target: [q_proj, v_proj]}}
methods:
  uniform: {kind: finetune, backbone: qwen05, lora: {rank: 4}}
experiments:
  e: {datasets: syn, methods: [uniform], tail_shots: 5, seeds: 1}
`
	reg := config.Registry{Methods: Factories(), Backbones: map[string]method.BackboneFactory{
		BackboneKindHF: {Params: func() any { return DefaultHFBackbone() }}}}
	cfg, err := config.Parse([]byte(doc), "test.yaml", reg)
	if err != nil {
		t.Fatal(err)
	}
	bb := cfg.BackboneParams()["qwen05"].(*HFBackbone)
	if bb.Path != "/models/Qwen2-0.5B" || bb.Score != hf.ScoreFull || bb.LoRA.Rank != 8 || bb.LoRA.Alpha != 16 ||
		bb.LoRA.Dropout != hf.DefaultLoRA().Dropout || bb.NameSuffix != "\n" || !bb.Pretrained {
		t.Errorf("decoded %+v", *bb)
	}
	bad := strings.Replace(doc, "score: full", "scor: full", 1)
	if _, err := config.Parse([]byte(bad), "test.yaml", reg); err == nil || !strings.Contains(err.Error(), "scor") {
		t.Errorf("unknown key: err = %v", err)
	}
}

// TestHFSaveAdapterRoundTrip: with save_adapter, fine-tuning writes the adapter in PEFT's layout
// into the artefact folder, and a run with ReuseArtifacts loads it instead of training and gives
// bit-identical test scores.
func TestHFSaveAdapterRoundTrip(t *testing.T) {
	backend, err := engine.New("go")
	if err != nil {
		t.Fatal(err)
	}
	task := hfTask(t, datasets.SyntheticConfig{Users: 6, EventsPerUser: 24, Behaviors: 5})
	bb := DefaultHFBackbone()
	bb.Path, bb.MaxPromptTokens, bb.SaveAdapter = hfFixture, 60, true
	p := DefaultFinetuneParams()
	p.Backbone, p.LR = "tiny", 0.05
	p.MaxSteps, p.BatchSize, p.EvalEvery, p.ValidSamples, p.WarmupSteps = 3, 8, 3, 8, 0
	run := func(env method.Env) *method.Output {
		t.Helper()
		m, err := Factories()[KindFinetune].New(p, map[string]any{"tiny": bb})
		if err != nil {
			t.Fatal(err)
		}
		out, err := m.Run(env, task)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	dir := t.TempDir()
	env := method.Env{Ctx: context.Background(), Backend: backend, Seed: 1, CacheDir: t.TempDir(), ArtifactDir: dir}
	trained := run(env)
	for _, f := range []string{hf.AdapterConfigFile, hf.AdapterWeightsFile} {
		if _, err := os.Stat(filepath.Join(dir, "finetune", f)); err != nil {
			t.Errorf("adapter file: %v", err)
		}
	}
	env.ReuseArtifacts = true
	reloaded := run(env)
	st := reloaded.Stages[1]
	if st.Name != "finetune" || !st.Cached || st.Steps != 0 {
		t.Errorf("reloaded finetune stage %+v: want cached, no steps", st)
	}
	for i := range trained.TestScores {
		for c := range trained.TestScores[i] {
			if trained.TestScores[i][c] != reloaded.TestScores[i][c] {
				t.Fatalf("sample %d behavior %d: reloaded score %g, trained %g", i, c, reloaded.TestScores[i][c], trained.TestScores[i][c])
			}
		}
	}
	// The untrained model scores differently: the comparison above can fail.
	zs, err := Factories()[KindZeroShot].New(&ZeroShotParams{Backbone: "tiny"}, map[string]any{"tiny": bb})
	if err != nil {
		t.Fatal(err)
	}
	base, err := zs.Run(env, task)
	if err != nil {
		t.Fatal(err)
	}
	diff := 0.0
	for i := range base.TestScores {
		for c := range base.TestScores[i] {
			diff = max(diff, math.Abs(float64(base.TestScores[i][c]-trained.TestScores[i][c])))
		}
	}
	if diff < 1e-4 {
		t.Errorf("fine-tuning moved scores by only %g: the round trip would not notice a failed load", diff)
	}

	bb.LoRA.Rank = 0
	if _, err := bb.NewBackbone(); err == nil || !strings.Contains(err.Error(), "save_adapter") {
		t.Errorf("save_adapter with full fine-tuning: err %v, want a save_adapter error", err)
	}
}

// TestHFRecordedConfigKeepsNameSuffix: the hf default name suffix "\n" must survive the plain form
// that result files record and hash, and the decoding that -repeat does from it (yaml.v3 alone
// turned it into "", so a repeated hf cell scored other candidate strings and its hash did not
// tell "\n" from "").
func TestHFRecordedConfigKeepsNameSuffix(t *testing.T) {
	p := DefaultHFBackbone()
	plain, err := config.Plain(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := plain.(map[string]any)["name_suffix"]; got != "\n" {
		t.Fatalf("recorded name_suffix %q, want %q", got, "\n")
	}
	back := &HFBackbone{}
	if err := config.FromPlain(plain, back); err != nil {
		t.Fatal(err)
	}
	if back.NameSuffix != "\n" || back.NamePrefix != p.NamePrefix {
		t.Errorf("decoded prefix %q suffix %q, want %q %q", back.NamePrefix, back.NameSuffix, p.NamePrefix, "\n")
	}
}
