package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// The committed reports are exactly what -report rebuilds from the committed cells: report.md,
// cells.csv and every plot, byte for byte, and no other report file is left over.
func TestCommittedReportsRebuildByteForByte(t *testing.T) {
	d, err := defaultDeps()
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir("..") // the repository root, as `go run ./runner` sees it
	exps, err := filepath.Glob(filepath.Join("results", "*", "report.md"))
	if err != nil || len(exps) == 0 {
		t.Fatalf("no committed reports: %v", err)
	}
	for _, rep := range exps {
		dir := filepath.Dir(rep)
		exp := filepath.Base(dir)
		t.Run(exp, func(t *testing.T) {
			out := t.TempDir()
			if err := os.CopyFS(filepath.Join(out, exp, "cells"), os.DirFS(filepath.Join(dir, "cells"))); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := invoke(t, context.Background(), d, "-exp", exp, "-report", "-out", out)
			if code != exitOK {
				t.Fatalf("-report: exit %d\n%s", code, stderr)
			}
			want, got := reportFiles(t, dir), reportFiles(t, filepath.Join(out, exp))
			if len(want) != len(got) {
				t.Errorf("report files: committed %v, rebuilt %v", fileNames(want), fileNames(got))
			}
			for name, b := range got {
				if w, ok := want[name]; !ok {
					t.Errorf("%s/%s is rebuilt but not committed", dir, name)
				} else if !bytes.Equal(w, b) {
					t.Errorf("%s/%s differs from what -report rebuilds (run go run ./runner -exp %s -report)", dir, name, exp)
				}
			}
		})
	}
}

// reportFiles reads the files -report writes in an experiment folder (all but cells/ and the
// manifest, which names the experiments file's hash).
func reportFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		if e.IsDir() || e.Name() == "manifest.json" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

func fileNames(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
