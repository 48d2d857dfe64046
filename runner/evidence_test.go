package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/behaviorlm/harness/internal/results"
)

// runGate runs experiment gate of testConfig with a fake method and returns the config's path, the
// output folder, and the deps and context of the run for further invocations.
func runGate(t *testing.T) (cfg, out string, d deps, ctx context.Context) {
	t.Helper()
	cfg, out = setup(t, testConfig)
	d = testDeps(&fake{})
	ctx = context.Background()
	if code, _, stderr := invoke(t, ctx, d, "-config", cfg, "-out", out, "-exp", "gate"); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	return cfg, out, d, ctx
}

// Every ok cell gets a per-sample sidecar whose recomputed metrics equal the cell's; -report
// refuses a cell whose sidecar was changed and says so.
func TestSidecarWrittenAndTamperRefused(t *testing.T) {
	cfg, out, d, ctx := runGate(t)
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
	if code != exitFailed || !strings.Contains(stderr, "refusing") || !strings.Contains(stderr, "SHA-256") {
		t.Errorf("-report did not refuse the tampered cell (exit %d):\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "refused") || !strings.Contains(stdout, "syn1/rep/2/1") {
		t.Errorf("report does not list the refused cell:\n%s", stdout)
	}
}

// -compare prints the paired table from stored cells, here by the bootstrap over test samples
// (the cells have sidecars), and rejects unknown variants.
func TestCompareFlag(t *testing.T) {
	cfg, out, d, ctx := runGate(t)
	code, stdout, stderr := invoke(t, ctx, d, "-config", cfg, "-out", out, "-exp", "gate", "-compare", "rep,pop")
	if code != exitOK || !strings.Contains(stdout, "## syn1: rep − pop") || !strings.Contains(stdout, "bootstrap, 1 seed, 1000 resamples") {
		t.Errorf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if code, _, _ := invoke(t, ctx, d, "-config", cfg, "-out", out, "-exp", "gate", "-compare", "rep,nope"); code != exitUsage {
		t.Errorf("unknown variant: exit %d, want %d", code, exitUsage)
	}
	if code, _, _ := invoke(t, ctx, d, "-config", cfg, "-out", out, "-exp", "gate", "-compare", "rep"); code != exitUsage {
		t.Errorf("one variant: exit %d, want %d", code, exitUsage)
	}
}

// -merge carries each cell's sidecar along.
func TestMergeCarriesSidecar(t *testing.T) {
	cfg, out, d, ctx := runGate(t)
	dst := t.TempDir()
	if code, _, stderr := invoke(t, ctx, d, "-config", cfg, "-out", dst, "-exp", "gate", "-merge", out); code != exitOK {
		t.Fatalf("merge: exit %d\n%s", code, stderr)
	}
	path := results.CellPath(dst, "gate", "syn1", "rep", 2, 1)
	c, err := results.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if o, err := results.LoadOutcomes(path, c); err != nil || o == nil {
		t.Errorf("merged cell's sidecar: %v, %v", o, err)
	}
}
