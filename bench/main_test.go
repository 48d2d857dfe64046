package main

import (
	"strings"
	"testing"

	"github.com/behaviorlm/harness/internal/hf"
)

// TestRunOne runs a training, a pretraining and an evaluation benchmark for one step each: it
// checks that the drivers build the models through the packages' public entry points and report
// a measurement (timings are meaningless at this size).
func TestRunOne(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles three models")
	}
	o := options{classes: 13, steps: 1, backend: "go"}
	for _, b := range []struct{ name, unit string }{
		{"sasrec-train", "samples/s"}, {"lm-pretrain", "tokens/s"}, {"lm-eval", "samples/s"},
	} {
		r, err := runOne(b.name, o, "")
		if err != nil {
			t.Fatalf("%s: %v", b.name, err)
		}
		if r.Bench != b.name || r.Unit != b.unit || r.PeakRSSMB <= 0 || !strings.Contains(r.Backend, "go") {
			t.Errorf("%s: result %+v", b.name, r)
		}
	}
}

func TestRunOneErrors(t *testing.T) {
	if _, err := runOne("nope-train", options{classes: 5, steps: 1, backend: "go"}, ""); err == nil {
		t.Error("unknown model: no error")
	}
	if _, err := runOne("sasrec-fly", options{classes: 5, steps: 1, backend: "go"}, ""); err == nil {
		t.Error("unknown kind: no error")
	}
	if _, err := runOne("sasrec-train", options{classes: 5, steps: 0, backend: "go"}, ""); err == nil {
		t.Error("zero steps: no error")
	}
}

// TestHFCheckpoint checks that the hf-forward benchmark's checkpoint is one internal/hf accepts
// (Load validates every tensor's name and shape against config.json) at the benchmark's widths.
func TestHFCheckpoint(t *testing.T) {
	dir := t.TempDir()
	if err := hfCheckpoint(dir); err != nil {
		t.Fatal(err)
	}
	m, err := hf.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := m.Config
	if c.HiddenSize != hfHidden || c.NumHiddenLayers != hfLayers || c.NumKeyValueHeads != hfKVHeads || c.IntermediateSize != hfMLP {
		t.Errorf("config %+v, want hidden %d, %d layers, %d kv heads, MLP %d", c, hfHidden, hfLayers, hfKVHeads, hfMLP)
	}
	if got, want := m.NumParameters(), hfVocab*hfHidden+hfHidden+hfLayers*(2*hfHidden+
		hfHidden*hfHidden+hfHidden+2*(hfHidden/hfHeads*hfKVHeads)*(hfHidden+1)+hfHidden*hfHidden+3*hfMLP*hfHidden); got != want {
		t.Errorf("%d parameters, want %d", got, want)
	}
}
