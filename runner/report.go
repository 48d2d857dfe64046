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

// writeReport reads the planned cells' files (judged by judge; loadData must have run), writes report.md (and its plot) and the
// manifest, prints the report, and returns the current results of the planned cells.
func writeReport(cfg *config.Config, e *config.Experiment, cells []*cell, out string, stdout, stderr io.Writer) ([]*results.Cell, error) {
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
		v := judge(c, c.path)
		entry.State, entry.Reason = v.state, v.reason
		switch v.state {
		case results.StateMissing:
			missing = append(missing, c.id)
		case results.StateStale:
			stale = append(stale, c.id)
			fmt.Fprintf(stderr, "runner: warning: %s: %s\n", c.id, v.reason)
		default:
			cur = append(cur, v.stored)
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
