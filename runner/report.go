package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/config"
	"github.com/behaviorlm/harness/internal/metrics"
	"github.com/behaviorlm/harness/internal/results"
	"github.com/behaviorlm/harness/reports"
)

// writeReport reads the experiment's stored cells, writes report.md (and its plots and CSV) and
// the manifest, prints the report, and returns the current results of the planned cells; it
// fails after writing when a cell was refused (its sidecar failed validation).
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
		return in.Cells, fmt.Errorf("%d cell(s) refused: their per-sample sidecar failed validation and they are left out of the report (re-run them with -force -only)", len(in.Refused))
	}
	return in.Cells, nil
}

// currentResults reads the experiment's stored cells and returns the report's input (the
// current results of the planned cells, with their validated per-sample outcomes; a cell whose
// sidecar fails validation is refused) and the manifest.
func currentResults(cfg *config.Config, e *config.Experiment, cells []*cell, out string, stderr io.Writer) (reports.Input, *results.Manifest) {
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
			if o, err := results.LoadOutcomes(c.path, r); err != nil {
				fmt.Fprintf(stderr, "runner: refusing %v\n", err)
				entry.State, entry.Reason = results.StateMissing, oneLine("refused: "+err.Error(), 300)
				refused = append(refused, c.id+": "+err.Error())
				break
			} else if o != nil {
				outcomes[c.id] = o
			}
			cur = append(cur, r)
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

// list prints the experiments and their sizes.
func list(cfg *config.Config, stdout io.Writer) int {
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "experiment\tcells\tdata sets\tmethods\tk\tseeds\tdescription")
	for _, e := range cfg.Experiments {
		var ks, seeds []string
		for _, k := range e.TailShots {
			ks = append(ks, config.KString(k))
		}
		for _, s := range e.Seeds {
			seeds = append(seeds, fmt.Sprint(s))
		}
		var names []string
		for _, v := range e.Variants {
			names = append(names, v.Name)
		}
		fmt.Fprintf(w, "%s\t%d\t%s\t%d: %s\t%s\t%s\t%s\n", e.Name, e.NumCells(), strings.Join(e.Datasets, ","),
			len(names), strings.Join(names, ","), strings.Join(ks, ","), strings.Join(seeds, ","), oneLine(e.Description, 80))
	}
	w.Flush()
	return exitOK
}

// printStats prints the statistics table of one data set ("all": every data set of the
// experiment), using the experiment's sample config, tail-shot counts and first seed.
func printStats(cfg *config.Config, e *config.Experiment, name string, stdout, stderr io.Writer) int {
	names := []string{name}
	if name == "all" {
		names = e.Datasets
	}
	var rows []reports.StatsRow
	for _, n := range names {
		ds, ok := cfg.Dataset(n)
		if !ok {
			fmt.Fprintf(stderr, "runner: -stats: unknown data set %q (defined: %s, or all)\n", n, strings.Join(cfg.DatasetNames(), ", "))
			return exitUsage
		}
		log, err := datasets.Load(ds.Spec)
		if err != nil {
			fmt.Fprintf(stderr, "runner: -stats: %v\n", err)
			return exitFailed
		}
		row := reports.StatsRow{}
		for _, k := range e.TailShots {
			task, err := datasets.BuildTask(log, e.Data, k, e.Seeds[0])
			if err != nil {
				fmt.Fprintf(stderr, "runner: -stats: %s: %v\n", n, err)
				return exitFailed
			}
			row.Stats = datasets.ComputeStats(log, task)
			row.Stats.Dataset = n
			row.TailTrainAfterK = append(row.TailTrainAfterK, row.Stats.TailTrainAfterK)
		}
		rows = append(rows, row)
	}
	t, err := reports.StatsTable(e.TailShots, rows)
	if err != nil {
		fmt.Fprintf(stderr, "runner: -stats: %v\n", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "Data set statistics (sample config of experiment %s: history_len %d, split %g/%g/%g, anchor_min_share %g; tail shots chosen with seed %d)\n\n",
		e.Name, e.Data.HistoryLen, e.Data.Split.Train, e.Data.Split.Valid, e.Data.Split.Test, e.Data.AnchorMinShare, e.Seeds[0])
	fmt.Fprint(stdout, t)
	kt, err := reports.KnowledgeTable(rows)
	if err != nil {
		fmt.Fprintf(stderr, "runner: -stats: %v\n", err)
		return exitFailed
	}
	if kt != "" {
		cutoff := "none"
		if e.Data.KnowledgeCutoff != "" {
			cutoff = e.Data.KnowledgeCutoff
		}
		fmt.Fprintf(stdout, "\nKnowledge population (data.knowledge_users %g, knowledge_seed %d, knowledge_cutoff %s): its users pretrain the behavior LM and are not in the task; users and events above count the task users.\n\n",
			e.Data.KnowledgeUsers, e.Data.KnowledgeSeed, cutoff)
		fmt.Fprint(stdout, kt)
	}
	return exitOK
}

// merge copies the experiment's cell files from other results folders into out. A cell already
// in out is kept when it is ok with its planned config; otherwise an ok source file with the
// planned config replaces it.
func merge(dirs []string, out, exp string, cells []*cell, stderr io.Writer) error {
	copied := 0
	for _, dir := range dirs {
		for _, c := range cells {
			rel, err := filepath.Rel(out, c.path)
			if err != nil {
				return err
			}
			src := filepath.Join(dir, rel)
			r, err := results.Read(src)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				fmt.Fprintf(stderr, "runner: -merge: skipping %v\n", err)
				continue
			}
			if r.ConfigHash != c.hash || r.Status != results.StatusOK {
				continue
			}
			if _, err := results.LoadOutcomes(src, r); err != nil {
				fmt.Fprintf(stderr, "runner: -merge: skipping %v\n", err)
				continue
			}
			if have, _ := current(c); have {
				continue
			}
			if err := results.Write(c.path, r); err != nil {
				return err
			}
			copied++
		}
	}
	fmt.Fprintf(stderr, "runner: -merge: copied %d cell results of %s into %s\n", copied, exp, out)
	return nil
}
