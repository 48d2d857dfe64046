package main

import (
	"reflect"
	"testing"

	"github.com/behaviorlm/harness/experiments"
	"github.com/behaviorlm/harness/internal/results"
)

// TestReferencedBackbonesAreDeclared checks that a cell records exactly the backbones its
// parameter type declares (method.BackboneUser), not every backbone whose name some string
// parameter happens to equal.
func TestReferencedBackbonesAreDeclared(t *testing.T) {
	backbones := map[string]results.BackboneConfig{
		"lm":   {Kind: "behavior-lm", Params: 1},
		"hard": {Kind: "behavior-lm", Params: 2}, // same name as the select rule "hard"
	}
	p := experiments.DefaultBehaviorLMParams()
	p.Backbone = "lm"
	p.Select = "hard"
	if got, want := referenced(p, backbones), map[string]results.BackboneConfig{"lm": backbones["lm"]}; !reflect.DeepEqual(got, want) {
		t.Errorf("behaviorlm: referenced %v, want %v", got, want)
	}
	z := experiments.DefaultZeroShotParams()
	z.Backbone = "hard"
	if got := referenced(z, backbones); len(got) != 1 || got["hard"].Params != 2 {
		t.Errorf("zero-shot: referenced %v, want only hard", got)
	}
	if got := referenced(&struct{ Name string }{"lm"}, backbones); got != nil {
		t.Errorf("a parameter type without backbones: referenced %v, want none", got)
	}
}
