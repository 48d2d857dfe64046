package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/behaviorlm/harness/internal/config"
	"github.com/behaviorlm/harness/internal/metrics"
	"github.com/behaviorlm/harness/internal/results"
	"github.com/behaviorlm/harness/reports"
)

// writeReport reads the planned cells' files (judged by judge; loadData must have run), writes
// report.md (and its plots and CSV) and the manifest, prints the report, and returns the current
// results of the planned cells; it fails after writing when a cell was refused (its sidecar failed
// validation).
func writeReport(cfg *config.Config, e *config.Experiment, cells []*cell, out string, stdout, stderr io.Writer) ([]*results.Cell, error) {
	in, m := currentResults(cfg, e, cells, out, stderr)
	rep, err := reports.Render(in)
	if err != nil {
		return nil, err
	}
	expDir := results.ExperimentDir(out, e.Name)
	if err := reports.Write(expDir, rep); err != nil {
		return nil, err
	}
	if err := results.WriteManifest(out, m); err != nil {
		return nil, err
	}
	fmt.Fprint(stdout, rep.Markdown)
	fmt.Fprintf(stderr, "runner: report written to %s\n", filepath.Join(expDir, "report.md"))
	if len(in.Refused) > 0 {
		return in.Cells, fmt.Errorf("%d cell(s) refused: their per-sample sidecar failed validation and they are left out of the report (re-run the experiment: they run again)", len(in.Refused))
	}
	return in.Cells, nil
}

// currentResults judges the planned cells' files and returns the report's input (the current
// results of the planned cells with their validated per-sample outcomes; a cell whose sidecar
// fails validation is refused) and the manifest.
func currentResults(cfg *config.Config, e *config.Experiment, cells []*cell, out string, stderr io.Writer) (reports.Input, *results.Manifest) {
	var cur []*results.Cell
	var missing, stale, refused []string
	outcomes := map[string]*metrics.Outcomes{}
	m := &results.Manifest{Experiment: e.Name, ConfigFile: cfg.Path}
	if b, err := os.ReadFile(cfg.Path); err == nil {
		sum := sha256.Sum256(b)
		m.ConfigSHA256 = hex.EncodeToString(sum[:])
	}
	expDir := results.ExperimentDir(out, e.Name)
	for _, c := range cells {
		rel, _ := filepath.Rel(expDir, c.path)
		entry := results.ManifestEntry{ID: c.id, Path: filepath.ToSlash(rel), ConfigHash: c.hash}
		v := judge(c, c.path)
		entry.State, entry.Reason = v.state, v.reason
		switch {
		case v.refused:
			fmt.Fprintf(stderr, "runner: refusing %s: %s\n", c.id, v.reason)
			refused = append(refused, c.id+": "+v.reason)
		case v.state == results.StateMissing:
			missing = append(missing, c.id)
		case v.state == results.StateStale:
			stale = append(stale, c.id)
			fmt.Fprintf(stderr, "runner: warning: %s: %s\n", c.id, v.reason)
		default:
			cur = append(cur, v.stored)
			if v.outcomes != nil {
				outcomes[c.id] = v.outcomes
			}
		}
		m.Cells = append(m.Cells, entry)
	}
	return reports.Input{Experiment: e, ConfigFile: cfg.Path, Cells: cur, Missing: missing, Stale: stale,
		Outcomes: outcomes, Refused: refused}, m
}

// check compares the thresholds with the current results, prints the outcome and reports
// whether every threshold was met.
func check(e *config.Experiment, cur []*results.Cell, stdout, stderr io.Writer) bool {
	rs, err := reports.Check(e, cur)
	if err != nil {
		fmt.Fprintf(stderr, "runner: -check: %v\n", err)
		return false
	}
	failed := 0
	for _, r := range rs {
		if !r.Pass {
			failed++
		}
	}
	fmt.Fprintf(stdout, "\n## CI gate: %d of %d thresholds met\n\n", len(rs)-failed, len(rs))
	table, err := reports.CheckTable(rs, failed > 0)
	if err != nil {
		fmt.Fprintf(stderr, "runner: -check: %v\n", err)
		return false
	}
	if failed > 0 {
		fmt.Fprintf(stdout, "Fell short:\n\n")
	}
	fmt.Fprint(stdout, table)
	if failed > 0 {
		fmt.Fprintf(stderr, "runner: -check: %d of %d thresholds fell short\n", failed, len(rs))
		return false
	}
	return true
}
