package main

import (
	"strings"
	"testing"
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
