package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runBinIn runs the runner binary in dir and returns its exit status, stdout and stderr.
func runBinIn(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, runnerBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOMLX_BACKEND=go")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), stdout.String(), stderr.String()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return 0, stdout.String(), stderr.String()
}

// moduleDir makes a folder that looks like a clone: go.mod, experiments.yaml and a committed
// results/ folder with one file.
func moduleDir(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "go.mod"), []byte("module example.com/clone\n"), 0o644)
	writeConfig(t, root, relConfig)
	os.MkdirAll(filepath.Join(root, "results", "good"), 0o755)
	os.WriteFile(filepath.Join(root, "results", "good", "report.md"), []byte("committed\n"), 0o644)
	return root
}

// TestFromASubdirectory: without -config the runner finds experiments.yaml in the module root
// above the current folder, writes its default output there, and keeps a relative -out relative
// to where it was started (issue 14: "open experiments.yaml: no such file or directory").
func TestFromASubdirectory(t *testing.T) {
	root := moduleDir(t)
	sub := filepath.Join(root, "internal", "pkg")
	os.MkdirAll(sub, 0o755)
	code, _, stderr := runBinIn(t, sub, "-exp", "good")
	if code != 0 || !strings.Contains(stderr, filepath.Join(root, "experiments.yaml")) {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(root, defaultOut, "good", "report.md")); err != nil {
		t.Errorf("default -out not in the module root: %v", err)
	}
	if code, _, stderr := runBinIn(t, sub, "-exp", "good", "-out", "mine"); code != 0 {
		t.Fatalf("-out mine: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(sub, "mine", "good", "report.md")); err != nil {
		t.Errorf("relative -out not relative to the starting folder: %v", err)
	}
	outside := t.TempDir()
	code, _, stderr = runBinIn(t, outside, "-exp", "good")
	if code != exitUsage || !strings.Contains(stderr, "run from the repository root") {
		t.Errorf("outside a module: exit %d, want %d with a hint\n%s", code, exitUsage, stderr)
	}
}

// TestReferenceResultsProtected: a run never modifies the committed reference results
// (<module root>/results) unless -reference says so (issue 14: `-exp main -seeds 1` rewrote
// results/main/report.md).
func TestReferenceResultsProtected(t *testing.T) {
	root := moduleDir(t)
	before := snapshot(t, filepath.Join(root, "results"))
	for _, args := range [][]string{{"-exp", "good", "-out", "results"}, {"-exp", "good", "-seeds", "1", "-out", "./results/"}, {"-exp", "good", "-report", "-out", "results"}} {
		code, _, stderr := runBinIn(t, root, args...)
		if code != exitUsage || !strings.Contains(stderr, "committed reference results") {
			t.Errorf("%v: exit %d, want %d\n%s", args, code, exitUsage, stderr)
		}
	}
	link := filepath.Join(t.TempDir(), "link")
	os.Symlink(filepath.Join(root, "results"), link)
	if code, _, stderr := runBinIn(t, root, "-exp", "good", "-out", link); code != exitUsage {
		t.Errorf("-out through a symlink to results/: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := runBinIn(t, root, "-exp", "good"); code != 0 {
		t.Errorf("default -out: exit %d\n%s", code, stderr)
	}
	// -compare only reads: it may read the committed results (it finds no cells of good there).
	if code, _, stderr := runBinIn(t, root, "-exp", "good", "-out", "results", "-compare", "pop,pop"); strings.Contains(stderr, "committed reference results") {
		t.Errorf("-compare refused to read the committed results: exit %d\n%s", code, stderr)
	}
	after := snapshot(t, filepath.Join(root, "results"))
	if len(after) != len(before) || after[filepath.Join("good", "report.md")] != "committed\n" {
		t.Errorf("committed results changed: %v", after)
	}
	if code, _, stderr := runBinIn(t, root, "-exp", "good", "-out", "results", "-reference"); code != 0 {
		t.Errorf("-reference: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(root, "results", "good", "cells")); err != nil {
		t.Errorf("-reference did not write the reference folder: %v", err)
	}
}

// TestFrontDoor clones the repository (its committed HEAD) into a temporary folder and runs the
// README's first command there, as a newcomer would, on the tiny ci experiment: it must build,
// say so, train and evaluate every cell, compare with the committed reference, and leave every
// committed file as it was (issue 14: it trained nothing, after a silent build, and runs could
// rewrite committed reports).
func TestFrontDoor(t *testing.T) {
	if testing.Short() {
		t.Skip("clones and builds the repository")
	}
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Skip("not in a git checkout:", err)
	}
	clone := filepath.Join(t.TempDir(), "clone")
	if out, err := exec.Command("git", "clone", "-q", strings.TrimSpace(string(top)), clone).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	readme, err := os.ReadFile(filepath.Join(clone, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(readme), "```sh\n")
	if !ok {
		t.Fatal("README.md has no sh block")
	}
	first, _, _ := strings.Cut(block, "\n")
	first, _, _ = strings.Cut(first, "#")
	first = strings.TrimSpace(first)
	if first == "" {
		t.Fatal("README.md's first command is empty")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", first+" -exp ci")
	cmd.Dir = clone
	cmd.Env = append(os.Environ(), "GOMLX_BACKEND=go", "GOFLAGS=-buildvcs=false")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &bytes.Buffer{}, &stderr
	t0 := time.Now()
	err = cmd.Run()
	t.Logf("%q -exp ci: %v in %v", first, err, time.Since(t0).Round(time.Second))
	if err != nil {
		t.Fatalf("%s -exp ci: %v\n%s", first, err, stderr.String())
	}
	log := stderr.String()
	for _, want := range []string{"first build", "cells run (0 failed), 0 already done", "committed reference"} {
		if !strings.Contains(log, want) {
			t.Errorf("output lacks %q:\n%s", want, log)
		}
	}
	cells, _ := filepath.Glob(filepath.Join(clone, defaultOut, "ci", "cells", "*", "*", "*.json"))
	if len(cells) == 0 {
		t.Errorf("no trained cells under %s/ci", defaultOut)
	}
	status, err := exec.Command("git", "-C", clone, "status", "--porcelain", "--untracked-files=all").Output()
	if err != nil {
		t.Fatal(err)
	}
	if len(status) > 0 {
		t.Errorf("the run changed or added files git sees:\n%s", status)
	}
}

// TestReferenceComparison: a run ends by comparing its cells with the committed reference cells
// of the same config and data: bit-identical ones are counted, and a differing one is printed
// with its largest difference and the tolerance.
func TestReferenceComparison(t *testing.T) {
	root := moduleDir(t)
	if code, _, stderr := runBinIn(t, root, "-exp", "good"); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	ran := filepath.Join(root, defaultOut, "good", "cells")
	ref := filepath.Join(root, "results", "good", "cells")
	if err := os.CopyFS(ref, os.DirFS(ran)); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runBinIn(t, root, "-exp", "good", "-force")
	if code != 0 || !strings.Contains(stderr, "compared with the committed reference results/good/cells: 1 of 1 cells bit-identical") {
		t.Errorf("identical reference: exit %d\n%s", code, stderr)
	}
	// A reference cell that differs: its metric edited, and its per-sample sidecar dropped (else
	// the sidecar, which re-scores to the old metric, makes the edited cell invalid).
	editCell(t, filepath.Join(ref, "syn", "pop", "k2-seed1.json"), func(m map[string]any) {
		o := m["metrics"].(map[string]any)["tail"].(map[string]any)
		o["ndcg@5"] = o["ndcg@5"].(float64) + 0.01
		delete(m, "outcomes")
	})
	// On the same commit and backend a difference is a failure to reproduce.
	code, _, stderr = runBinIn(t, root, "-exp", "good", "-force")
	if code != 0 || !strings.Contains(stderr, "NOT REPRODUCED (same commit and backend)") {
		t.Errorf("differing reference, same build: exit %d\n%s", code, stderr)
	}
	// From another commit, a small difference is within the tolerance.
	editCell(t, filepath.Join(ref, "syn", "pop", "k2-seed1.json"), func(m map[string]any) {
		m["env"].(map[string]any)["git_commit"] = "0123456789abcdef"
	})
	code, _, stderr = runBinIn(t, root, "-exp", "good", "-force")
	for _, want := range []string{"0 of 1 cells bit-identical", "within tolerance", "tail.ndcg@5", "-0.010000", "up to 0.02"} {
		if code != 0 || !strings.Contains(stderr, want) {
			t.Errorf("differing reference: exit %d, want %q in\n%s", code, want, stderr)
		}
	}
}
