package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/behaviorlm/harness/internal/config"
	"github.com/behaviorlm/harness/internal/results"
	"github.com/behaviorlm/harness/reports"
)

// writeReport reads the experiment's stored cells, writes report.md (and its plot) and the
// manifest, prints the report, and returns the current results of the planned cells.
func writeReport(cfg *config.Config, e *config.Experiment, cells []*cell, out string, stdout, stderr io.Writer) ([]*results.Cell, error) {
	stored, errs := results.ReadAll(out, e.Name)
	for _, err := range errs {
		fmt.Fprintf(stderr, "runner: warning: %v\n", err)
	}
	byID := map[string]*results.Cell{}
	for _, r := range stored {
		if r.Experiment == e.Name {
			byID[r.ID()] = r
		}
	}
	var cur []*results.Cell
	var missing, stale []string
	m := &results.Manifest{Experiment: e.Name, ConfigFile: cfg.Path}
	if b, err := os.ReadFile(cfg.Path); err == nil {
		sum := sha256.Sum256(b)
		m.ConfigSHA256 = hex.EncodeToString(sum[:])
	}
	expDir := results.ExperimentDir(out, e.Name)
	for _, c := range cells {
		rel, _ := filepath.Rel(expDir, c.path)
		entry := results.ManifestEntry{ID: c.id, Path: filepath.ToSlash(rel), ConfigHash: c.hash}
		r := byID[c.id]
		switch {
		case r == nil:
			entry.State = results.StateMissing
			missing = append(missing, c.id)
		case r.ConfigHash != c.hash:
			entry.State = results.StateStale
			stale = append(stale, c.id)
		default:
			entry.State, entry.Reason = r.Status, oneLine(r.Reason, 300)
			cur = append(cur, r)
		}
		m.Cells = append(m.Cells, entry)
	}
	rep, err := reports.Render(reports.Input{Experiment: e, ConfigFile: cfg.Path, Cells: cur, Missing: missing, Stale: stale})
	if err != nil {
		return nil, err
	}
	if err := reports.Write(expDir, rep); err != nil {
		return nil, err
	}
	if err := results.WriteManifest(out, m); err != nil {
		return nil, err
	}
	fmt.Fprint(stdout, rep.Markdown)
	fmt.Fprintf(stderr, "runner: report written to %s\n", filepath.Join(expDir, "report.md"))
	return cur, nil
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
