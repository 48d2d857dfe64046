package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/behaviorlm/harness/internal/results"
)

// Every ok cell gets a per-sample sidecar whose recomputed metrics equal the cell's; -report
// refuses a cell whose sidecar was changed and says so.
func TestSidecarWrittenAndTamperRefused(t *testing.T) {
	cfg, out := setup(t, testConfig)
	d := testDeps(&fake{})
	ctx := context.Background()
	if code, _, stderr := invoke(t, ctx, d, "-config", cfg, "-out", out, "-exp", "gate"); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	path := results.CellPath(out, "gate", "syn1", "rep", 2, 1)
	c, err := results.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Outcomes == nil {
		t.Fatal("cell has no sidecar link")
	}
	o, err := results.LoadOutcomes(path, c)
	if err != nil || o == nil || o.Len() != c.Metrics.Overall.N {
		t.Fatalf("sidecar: %v, %v", o, err)
	}
	sp := results.SidecarPath(path)
	data, _ := os.ReadFile(sp)
	data[len(data)-5] ^= 0xff
	if err := os.WriteFile(sp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := invoke(t, ctx, d, "-config", cfg, "-out", out, "-exp", "gate", "-report")
	if !strings.Contains(stderr, "refusing") || !strings.Contains(stderr, "SHA-256") {
		t.Errorf("-report did not refuse the tampered cell (exit %d):\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "refused") || !strings.Contains(stdout, "syn1/rep/2/1") {
		t.Errorf("report does not list the refused cell:\n%s", stdout)
	}
}
