package main

import (
	"testing"

	"github.com/behaviorlm/harness/experiments"
	"github.com/behaviorlm/harness/internal/config"
	"github.com/behaviorlm/harness/internal/results"
)

// TestRepeatKeepsFieldsLeftOut checks that -repeat reads a recorded config as it was recorded: a
// parameter that the file leaves out (omitempty and zero when it was written) stays zero even
// though its default is not zero today. Decoding onto today's defaults made every LM cell
// written before select: acc became the fine-tuning default fail its config hash check.
func TestRepeatKeepsFieldsLeftOut(t *testing.T) {
	reg, err := registry()
	if err != nil {
		t.Fatal(err)
	}
	old := experiments.DefaultFinetuneParams()
	old.Select = "" // as recorded before the default became acc
	plain, err := config.Plain(old)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := plain.(map[string]any)["select"]; ok {
		t.Fatal("test premise: select is omitempty, so an empty select is left out of the record")
	}
	r := &results.Cell{Config: results.CellConfig{Method: "uniform", Kind: "finetune", Params: plain}}
	if r.ConfigHash, err = r.Config.Hash(); err != nil {
		t.Fatal(err)
	}
	c, _, err := cellFromRecord(reg, "experiments.yaml", r)
	if err != nil {
		t.Fatalf("cellFromRecord: %v", err)
	}
	if got := c.variant.Params.(*experiments.FinetuneParams).Select; got != "" {
		t.Errorf("select = %q, want the recorded empty value", got)
	}
}
