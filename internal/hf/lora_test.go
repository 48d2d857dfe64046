package hf

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/internal/engine"
	"github.com/behaviorlm/harness/internal/train"
)

func allTargets() *LoRAConfig {
	return &LoRAConfig{Rank: 4, Alpha: 8, Dropout: 0.1, Target: Projections(), Seed: 7}
}

func maxAbsDiff3(a, b [][][]float32) float64 {
	worst := 0.0
	for i := range a {
		for j := range a[i] {
			for k := range a[i][j] {
				worst = max(worst, math.Abs(float64(a[i][j][k]-b[i][j][k])))
			}
		}
	}
	return worst
}

func TestLoRAZeroBLeavesLogitsUnchanged(t *testing.T) {
	backend := newBackend(t)
	seqs := [][]int{{304, 72, 101, 108}, {304, 277, 272}}
	for _, fl := range flavours {
		base, baseCtx := loadFixture(t, fl, nil)
		want := runForward(t, backend, base, baseCtx, seqs)
		m, ctx := loadFixture(t, fl, allTargets())
		got := runForward(t, backend, m, ctx, seqs)
		if d := maxAbsDiff3(got, want); d != 0 {
			t.Errorf("%s: fresh LoRA (B=0) changed logits by %g", fl, d)
		}
		// Setting one B to non-zero must change them (the adapters are really in the graph).
		v := ctx.GetVariableByScopeAndName("/hf/model/layers/1/mlp/down_proj/lora", "B")
		if v == nil {
			t.Fatal("LoRA variable B of layer 1 down_proj not found")
		}
		ones := make([]float32, v.Shape().Size())
		for i := range ones {
			ones[i] = 0.1
		}
		if err := v.SetValue(tensors.FromFlatDataAndDimensions(ones, v.Shape().Dimensions...)); err != nil {
			t.Fatal(err)
		}
		if d := maxAbsDiff3(runForward(t, backend, m, ctx, seqs), want); d < 1e-3 {
			t.Errorf("%s: non-zero B changed logits by only %g", fl, d)
		}
	}
}

func TestLoRAConfigErrors(t *testing.T) {
	for _, l := range []*LoRAConfig{
		{Rank: 0, Alpha: 1, Target: []string{"q_proj"}},
		{Rank: 2, Alpha: 1, Target: []string{"qkv_proj"}},
		{Rank: 2, Alpha: 1},
		{Rank: 2, Alpha: 1, Dropout: 1, Target: []string{"q_proj"}},
	} {
		m, err := Load(fixtureDir("llama"))
		if err != nil {
			t.Fatal(err)
		}
		m.LoRA = l
		if err := m.Init(context.New()); err == nil {
			t.Errorf("Init accepted LoRA config %+v", *l)
		}
	}
	for scope, want := range map[string]bool{
		"/hf/model/layers/0/self_attn/q_proj/lora/A": true,
		"/hf/model/layers/0/self_attn/q_proj/weight": false,
		"/hf/model/layers/0/self_attn/lora_proj/x":   false,
	} {
		if IsLoRAScope(scope) != want {
			t.Errorf("IsLoRAScope(%q) = %v", scope, !want)
		}
	}
}

// snapshotVars copies every variable's value, by scope and name.
func snapshotVars(t *testing.T, ctx *context.Context) map[string][]float32 {
	t.Helper()
	out := map[string][]float32{}
	for v := range ctx.IterVariables() {
		if !strings.HasPrefix(v.Scope(), "/hf") {
			continue
		}
		val, err := v.Value()
		if err != nil {
			t.Fatal(err)
		}
		data, err := tensors.CopyFlatData[float32](val)
		if err != nil {
			t.Fatal(err)
		}
		out[v.ScopeAndName()] = data
	}
	return out
}

// trainingSet is a tiny next-behavior task on the fixture: prompts and the index of their target.
func trainingSet(t *testing.T, m *Model, length int) (train.Inputs, []int32) {
	t.Helper()
	texts := []string{"History: Home, Office. Next behavior:", "History: Gym, Bar. Next behavior:",
		"History: Coffee Shop. Next behavior:", "Next:"}
	var prompts [][]int
	for _, s := range texts {
		ids, err := m.Tokenizer.Encode(s, true)
		if err != nil {
			t.Fatal(err)
		}
		prompts = append(prompts, ids)
	}
	tokens, mask := PadPrompts(prompts, length, 0)
	in := train.Inputs{N: len(prompts), Arrays: []train.Array{{Shape: []int{length}}, {Shape: []int{length}}}}
	for i := range prompts {
		in.Arrays[0].Data = append(in.Arrays[0].Data, tokens[i]...)
		in.Arrays[1].Data = append(in.Arrays[1].Data, mask[i]...)
	}
	return in, []int32{2, 1, 0, 3}
}

func TestLoRATrainsOnlyAdaptersAndRoundTrips(t *testing.T) {
	backend := newBackend(t)
	for _, fl := range flavours {
		t.Run(fl, func(t *testing.T) {
			m, ctx := loadFixture(t, fl, allTargets())
			engine.SeedContext(ctx, 3)
			// Init freezes the base weights; undo that so that the Trainable predicate alone has to
			// keep them fixed.
			for v := range ctx.IterVariables() {
				if strings.HasPrefix(v.Scope(), "/hf") && !IsLoRAScope(v.ScopeAndName()) {
					if v.Trainable {
						t.Errorf("base weight %s is trainable after Init with LoRA", v.ScopeAndName())
					}
					v.SetTrainable(true)
				}
			}
			cands, err := NewCandidates(m.Tokenizer, []string{"Coffee Shop", "Home Office", "Gym", "Bar"}, " ", "", 0)
			if err != nil {
				t.Fatal(err)
			}
			s, err := NewScorer(m, cands, ScoreFull)
			if err != nil {
				t.Fatal(err)
			}
			in, labels := trainingSet(t, m, 16)
			before := snapshotVars(t, ctx)
			res, err := train.Fit(backend, ctx, s.ModelFn(), len(cands.Names), in, labels, train.Inputs{}, nil,
				train.Config{MaxSteps: 6, BatchSize: 4, LR: 0.05, Schedule: train.ScheduleConstant, Seed: 1,
					Trainable: m.Trainable()})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d LoRA steps, final train loss %.3f", fl, res.Steps, res.FinalTrainLoss)
			after := snapshotVars(t, ctx)
			changedLoRA := 0
			for name, old := range before {
				changed := false
				for i := range old {
					if old[i] != after[name][i] {
						changed = true
						break
					}
				}
				switch {
				case IsLoRAScope(name) && changed:
					changedLoRA++
				case !IsLoRAScope(name) && changed:
					t.Errorf("base weight %s changed during LoRA training", name)
				}
			}
			if want := len(m.loraTargets()) * 2; changedLoRA != want {
				t.Errorf("%d of %d LoRA variables changed", changedLoRA, want)
			}

			// Save, load into a fresh context, compare scores.
			dir := filepath.Join(t.TempDir(), "adapter")
			if err := m.SaveAdapter(ctx, dir); err != nil {
				t.Fatal(err)
			}
			prompts := make([][]int, 2)
			for i := range prompts {
				prompts[i] = trimPad(in.Arrays[0].Data[16*i:16*(i+1)], in.Arrays[1].Data[16*i:16*(i+1)])
			}
			want, err := s.Score(backend, ctx, prompts, 2)
			if err != nil {
				t.Fatal(err)
			}
			m2, err := Load(fixtureDir(fl))
			if err != nil {
				t.Fatal(err)
			}
			if m2.LoRA, err = ReadAdapterConfig(dir); err != nil {
				t.Fatal(err)
			}
			ctx2 := context.New()
			if err := m2.Init(ctx2); err != nil {
				t.Fatal(err)
			}
			s2, err := NewScorer(m2, cands, ScoreFull)
			if err != nil {
				t.Fatal(err)
			}
			fresh, err := s2.Score(backend, ctx2, prompts, 2)
			if err != nil {
				t.Fatal(err)
			}
			if err := m2.LoadAdapter(ctx2, dir); err != nil {
				t.Fatal(err)
			}
			got, err := s2.Score(backend, ctx2, prompts, 2)
			if err != nil {
				t.Fatal(err)
			}
			freshDiff := 0.0
			for i := range want {
				for c := range want[i] {
					if got[i][c] != want[i][c] {
						t.Errorf("prompt %d candidate %d: loaded adapter scores %g, trained %g", i, c, got[i][c], want[i][c])
					}
					freshDiff = max(freshDiff, math.Abs(float64(fresh[i][c]-want[i][c])))
				}
			}
			if freshDiff < 1e-4 {
				t.Errorf("training moved scores by only %g: the round trip test would not notice a failed load", freshDiff)
			}
		})
	}
}

func trimPad(tokens, mask []int32) []int {
	var out []int
	for i, tok := range tokens {
		if mask[i] != 0 {
			out = append(out, int(tok))
		}
	}
	return out
}

func TestLoadAdapterErrors(t *testing.T) {
	m, ctx := loadFixture(t, "llama", allTargets())
	dir := t.TempDir()
	if err := m.SaveAdapter(ctx, dir); err != nil {
		t.Fatal(err)
	}
	// Rank mismatch.
	m2, ctx2 := loadFixture(t, "llama", &LoRAConfig{Rank: 2, Alpha: 4, Target: Projections()})
	if err := m2.LoadAdapter(ctx2, dir); err == nil || !strings.Contains(err.Error(), "rank") {
		t.Errorf("rank mismatch: err = %v", err)
	}
	// Truncated weights file.
	path := filepath.Join(dir, AdapterWeightsFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data[:len(data)-100], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := m.LoadAdapter(ctx, dir); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("truncated adapter: err = %v, want the file named", err)
	}
}

func TestFullFineTuneUpdatesAllWeights(t *testing.T) {
	backend := newBackend(t)
	m, ctx := loadFixture(t, "qwen2", nil)
	engine.SeedContext(ctx, 5)
	cands, err := NewCandidates(m.Tokenizer, []string{"Office", "Home", "Gym", "Bar"}, "", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewScorer(m, cands, ScoreFirstToken)
	if err != nil {
		t.Fatal(err)
	}
	in, labels := trainingSet(t, m, 16)
	before := snapshotVars(t, ctx)
	if _, err := train.Fit(backend, ctx, s.ModelFn(), len(cands.Names), in, labels, train.Inputs{}, nil,
		train.Config{MaxSteps: 2, BatchSize: 4, LR: 0.01, Schedule: train.ScheduleConstant, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	after := snapshotVars(t, ctx)
	for name, old := range before {
		same := true
		for i := range old {
			if old[i] != after[name][i] {
				same = false
				break
			}
		}
		if same {
			t.Errorf("weight %s did not change in full fine-tuning", name)
		}
	}
}
