package main

import (
	"path/filepath"
	"testing"
)

func TestArtifactDir(t *testing.T) {
	for in, want := range map[string]string{
		"results/main/cells/nyc/uniform/k5-seed1.json": "results/main/artifacts/nyc/uniform/k5-seed1",
		"/tmp/o/cells/x/cells/nyc/m/kall-seed2.json":   "/tmp/o/cells/x/artifacts/nyc/m/kall-seed2",
		"copy/k5-seed1.json":                           "copy/k5-seed1.artifacts",
	} {
		if got := artifactDir(filepath.FromSlash(in)); got != filepath.FromSlash(want) {
			t.Errorf("artifactDir(%q) = %q, want %q", in, got, want)
		}
	}
}
