package results

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestCurrentEnvDirty checks the dirty flag on a scratch repository: a modified result file under
// results/ (what a concurrent reference run writes) leaves the checkout clean; a modified source
// file makes it dirty.
func TestCurrentEnvDirty(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@t"}, args...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	write("main.go", "package main\n")
	write("results/main/cells/a.json", "{}\n")
	git("init", "-q")
	git("add", ".")
	git("commit", "-q", "-m", "init")
	t.Chdir(filepath.Join(dir, "results")) // from a subfolder too
	if e := CurrentEnv(); e.GitDirty || len(e.GitCommit) != 40 {
		t.Fatalf("fresh checkout: %+v, want a clean 40-digit commit", e)
	}
	write("results/main/cells/a.json", "{\"changed\": true}\n")
	if e := CurrentEnv(); e.GitDirty {
		t.Error("a modified file under results/ marks the checkout dirty")
	}
	write("main.go", "package main // changed\n")
	if e := CurrentEnv(); !e.GitDirty {
		t.Error("a modified source file does not mark the checkout dirty")
	}
}
