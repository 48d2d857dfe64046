package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/behaviorlm/harness/internal/results"
)

// configName is the experiments file looked for when -config is not given.
const configName = "experiments.yaml"

// locate resolves the default -config: experiments.yaml in the current folder, else in the
// nearest parent folder that holds it next to go.mod (the module root). When found above, the
// runner changes into that folder (chdir; nil in tests) so the paths inside the file and the
// default -out resolve as from the root, after making the relative paths the user gave
// (-out, -merge, -repeat) absolute. It also sets o.root.
func locate(o *options, chdir func(string) error, stderr io.Writer) error {
	defer func() { o.root = moduleRoot(o.configPath) }()
	if o.configSet {
		return nil
	}
	if _, err := os.Stat(o.configPath); err == nil {
		return nil
	}
	cwd, err := os.Getwd()
	if err != nil {
		return err
	}
	for dir := cwd; ; {
		if moduleRoot(filepath.Join(dir, configName)) != "" {
			if chdir == nil {
				o.configPath = filepath.Join(dir, configName)
				return nil
			}
			abs := func(p string) string {
				if p == "" || filepath.IsAbs(p) {
					return p
				}
				return filepath.Join(cwd, p)
			}
			if o.outSet {
				o.out = abs(o.out)
			}
			for i := range o.merge {
				o.merge[i] = abs(o.merge[i])
			}
			o.repeat = abs(o.repeat)
			if err := chdir(dir); err != nil {
				return err
			}
			fmt.Fprintf(stderr, "runner: using %s (working in %s)\n", filepath.Join(dir, configName), dir)
			return nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	if o.repeat != "" {
		return nil // -repeat reads the config recorded in the cell file, not experiments.yaml
	}
	return fmt.Errorf("%s not found in %s or any parent folder: run from the repository root (the folder with go.mod), or give -config", configName, cwd)
}

// moduleRoot returns the absolute folder of the config file when it holds go.mod too, else "".
func moduleRoot(configPath string) string {
	if _, err := os.Stat(configPath); err != nil {
		return ""
	}
	dir, err := filepath.Abs(filepath.Dir(configPath))
	if err != nil {
		return ""
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		return ""
	}
	return dir
}

// referenceDir returns the committed reference results folder (<root>/results), or "".
func referenceDir(o *options) string {
	if o.root == "" {
		return ""
	}
	return filepath.Join(o.root, "results")
}

// resolved returns the absolute form of path with symlinks resolved as far as the path exists.
func resolved(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	rest := ""
	for p := abs; ; {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(r, rest)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return abs
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
}

// within reports whether path is dir or inside it (both resolved).
func within(path, dir string) bool {
	rel, err := filepath.Rel(resolved(dir), resolved(path))
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// guardReference refuses writes into the committed reference results unless -reference is given:
// a user's run never modifies them.
func guardReference(o *options) error {
	ref := referenceDir(o)
	if ref == "" || o.reference || !within(o.out, ref) {
		return nil
	}
	return fmt.Errorf("-out %s: that folder holds the committed reference results, which a run never modifies; "+
		"use the default -out %s or another folder (maintainers regenerating the reference results add -reference)", o.out, defaultOut)
}

// referenceTolerance is the largest absolute metric difference from a committed reference cell
// reported as "within tolerance" when the commit or backend differs (every metric is in [0, 1];
// seed-to-seed standard deviations of the committed results are about 0.005-0.03).
const referenceTolerance = 0.02

// compareReference compares the current ok cells of out with the committed reference cells of the
// same experiment that judge as the same cell (same config and data): bit-identical metrics are
// expected on the same commit and backend; otherwise the largest difference of each differing
// cell is printed with the tolerance. It prints nothing when out is the reference folder.
func compareReference(o *options, exp string, cells []*cell, env results.Env, stderr io.Writer) {
	ref := referenceDir(o)
	if ref == "" || within(o.out, ref) {
		return
	}
	refCells := results.ExperimentDir(ref, exp)
	rel, _ := filepath.Rel(o.root, filepath.Join(refCells, "cells"))
	type diff struct {
		id, metric string
		ref, now   float64
		sameBuild  bool
	}
	var same, noRef int
	var diffs []diff
	for _, c := range cells {
		v := judge(c, c.path)
		if v.state != results.StatusOK {
			continue
		}
		rc, err := filepath.Rel(results.ExperimentDir(o.out, exp), c.path)
		if err != nil {
			continue
		}
		rv := judge(c, filepath.Join(refCells, rc))
		if rv.state != results.StatusOK {
			noRef++
			continue
		}
		a, b := flatMetrics(rv.stored.Metrics), flatMetrics(v.stored.Metrics)
		worst := diff{id: c.id, sameBuild: rv.stored.Env.GitCommit == env.GitCommit && !env.GitDirty && rv.stored.Backend == v.stored.Backend}
		for k, x := range a {
			y := b[k]
			if math.Float64bits(x) != math.Float64bits(y) && (worst.metric == "" || math.Abs(y-x) > math.Abs(worst.now-worst.ref)) {
				worst.metric, worst.ref, worst.now = k, x, y
			}
		}
		if worst.metric == "" {
			same++
		} else {
			diffs = append(diffs, worst)
		}
	}
	if same+len(diffs) == 0 {
		if noRef > 0 || len(cells) > 0 {
			fmt.Fprintf(stderr, "runner: no committed reference cells in %s to compare with (none committed for this experiment, or their config or data differ)\n", rel)
		}
		return
	}
	fmt.Fprintf(stderr, "runner: compared with the committed reference %s: %d of %d cells bit-identical", rel, same, same+len(diffs))
	if noRef > 0 {
		fmt.Fprintf(stderr, " (%d cells have no reference)", noRef)
	}
	fmt.Fprintln(stderr)
	if len(diffs) == 0 {
		return
	}
	fmt.Fprintf(stderr, "runner: bit-identical metrics are expected on the same commit and backend; elsewhere differences up to %g are within tolerance. Largest difference per cell:\n", referenceTolerance)
	tw := tabwriter.NewWriter(stderr, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  cell\tmetric\treference\tthis run\tdiff\t")
	for _, d := range diffs {
		note := "within tolerance"
		switch {
		case d.sameBuild:
			note = "NOT REPRODUCED (same commit and backend)"
		case math.Abs(d.now-d.ref) > referenceTolerance:
			note = "beyond tolerance"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%.6f\t%.6f\t%+.6f\t%s\n", d.id, d.metric, d.ref, d.now, d.now-d.ref, note)
	}
	tw.Flush()
}
