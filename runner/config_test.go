package main

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/behaviorlm/harness/experiments"
	"github.com/behaviorlm/harness/internal/config"
)

// TestShippedConfig decodes the repository's experiments.yaml with the real method kinds and
// checks the grids the harness promises.
func TestShippedConfig(t *testing.T) {
	d, err := defaultDeps()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load("../experiments.yaml", d.registry)
	if err != nil {
		t.Fatal(err)
	}
	get := func(name string) *config.Experiment {
		e, err := cfg.Experiment(name)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	if cfg.Experiments[0].Name != "quick" {
		t.Errorf("first experiment is %s; quick must be first (it is the default)", cfg.Experiments[0].Name)
	}
	quick := get("quick")
	if !slices.Equal(quick.Datasets, []string{"nyc", "geolife"}) || !slices.Equal(quick.TailShots, []int{5}) ||
		!slices.Equal(quick.Seeds, []uint64{1}) || !slices.Equal(variantNames(quick), []string{"pop", "sasrec", "uniform", "behaviorlm"}) {
		t.Errorf("quick grid: %v %v %v %v", quick.Datasets, variantNames(quick), quick.TailShots, quick.Seeds)
	}
	mainExp := get("main")
	wantMain := []string{"zero-shot", "uniform", "class-balanced", "focal", "resample", "logit-adjust", "behaviorlm",
		"pop", "markov", "gru4rec", "sasrec", "bert4rec"}
	if got := variantNames(mainExp); !sameSet(got, wantMain) || len(mainExp.Seeds) != 3 || !slices.Equal(mainExp.TailShots, []int{5}) ||
		!slices.Equal(mainExp.Datasets, []string{"nyc", "geolife"}) {
		t.Errorf("main grid: %v %v %v %v", mainExp.Datasets, got, mainExp.TailShots, mainExp.Seeds)
	}
	shots := get("tailshots")
	if !slices.Equal(shots.TailShots, []int{5, 10, 20, 50, 0}) || !slices.Contains(shots.Tables, "tailshots") ||
		!sameSet(variantNames(shots), []string{"behaviorlm", "uniform", "class-balanced", "sasrec", "pop"}) {
		t.Errorf("tailshots grid: %v %v %v", variantNames(shots), shots.TailShots, shots.Tables)
	}
	abl := get("ablations")
	if !slices.Contains(abl.Tables, "ablation") || len(abl.Variants) < 9 {
		t.Errorf("ablations: tables %v, variants %v", abl.Tables, variantNames(abl))
	}
	swept := 0
	for _, v := range abl.Variants {
		if strings.Contains(v.Name, "[per_class=") {
			swept++
		}
	}
	if swept < 2 {
		t.Errorf("ablations do not sweep per_class: %v", variantNames(abl))
	}
	// Ablation entries merge the behaviorlm entry deeply: only the named setting differs.
	full, _ := abl.Variant("behaviorlm")
	s1, _ := abl.Variant("stage1-only")
	want := *full.Params.(*experiments.BehaviorLMParams)
	want.Stage2.Skip = true
	if got := *s1.Params.(*experiments.BehaviorLMParams); !reflect.DeepEqual(got, want) {
		t.Errorf("stage1-only = %+v, want behaviorlm with stage2.skip = %+v", got, want)
	}
	ci := get("ci")
	if len(ci.Thresholds) == 0 {
		t.Error("ci has no thresholds")
	}
	for _, name := range []string{"pop", "markov", "uniform", "behaviorlm"} {
		if _, ok := ci.Variant(name); !ok {
			t.Errorf("ci lacks %s", name)
		}
	}
}

func variantNames(e *config.Experiment) []string {
	var out []string
	for _, v := range e.Variants {
		out = append(out, v.Name)
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
