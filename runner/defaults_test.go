package main

import (
	"os"
	"reflect"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/behaviorlm/harness/baselines"
	"github.com/behaviorlm/harness/experiments"
	"github.com/behaviorlm/harness/internal/config"
)

// TestShippedDefaultsMatchGo checks that every default that experiments.yaml writes out (the
// x-shared blocks, the behavior-lm backbone and the method entries that restate their kind's
// defaults) equals the Go default it restates: each entry is decoded onto a zero parameter struct
// (so a key left out reads as zero) and compared with the kind's defaults.
func TestShippedDefaultsMatchGo(t *testing.T) {
	b, err := os.ReadFile("../experiments.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]map[string]any // section -> entry -> value (merges resolved)
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	finetune := experiments.DefaultFinetuneParams()
	for _, c := range []struct {
		section, entry string
		zero, want     any
	}{
		{"x-shared", "scratch-train", &baselines.TrainParams{}, &baselines.DefaultSASRecParams().TrainParams},
		// x-shared.finetune leaves the loss to each method entry (checked with uniform below).
		{"x-shared", "finetune", &experiments.FinetuneParams{Loss: finetune.Loss}, finetune},
		{"backbones", "behavior-lm", &experiments.BehaviorLMBackbone{}, experiments.DefaultBehaviorLMBackbone()},
		{"methods", "markov", &baselines.MarkovParams{}, baselines.DefaultMarkovParams()},
		{"methods", "gru4rec", &baselines.GRU4RecParams{}, baselines.DefaultGRU4RecParams()},
		{"methods", "sasrec", &baselines.SASRecParams{}, baselines.DefaultSASRecParams()},
		{"methods", "bert4rec", &baselines.BERT4RecParams{}, baselines.DefaultBERT4RecParams()},
		{"methods", "zero-shot", &experiments.ZeroShotParams{}, experiments.DefaultZeroShotParams()},
		{"methods", "uniform", &experiments.FinetuneParams{}, finetune},
		{"methods", "behaviorlm", &experiments.BehaviorLMParams{}, experiments.DefaultBehaviorLMParams()},
	} {
		entry, ok := doc[c.section][c.entry].(map[string]any)
		if !ok {
			t.Errorf("%s.%s: not a mapping in experiments.yaml", c.section, c.entry)
			continue
		}
		delete(entry, "kind")
		if err := config.FromPlain(entry, c.zero); err != nil {
			t.Errorf("%s.%s: %v", c.section, c.entry, err)
			continue
		}
		if !reflect.DeepEqual(c.zero, c.want) {
			t.Errorf("%s.%s restates\n%+v\nbut the Go default is\n%+v", c.section, c.entry, c.zero, c.want)
		}
	}
}
