// Package reports turns stored cell results into a markdown report, a long-form CSV and SVG
// plots: a legend, the main tables (one per data set, or per data set and group when wide), the
// tail-shot table and plot, the ablation tables with paired differences to the reference, the
// claims table and the data set statistics table, as an experiment's `tables:` and `claims:` ask.
//
// Every number is the mean ± sample standard deviation (n-1) over seeds, "0.412 ± 0.010"; a cell
// with fewer seeds than planned shows "(n=2)"; "-" marks no result or a group without samples;
// the best mean of each column (at the shown precision) is bold. Paired differences come from
// package stats. Reports contain no timestamps or timings, so the same results always give
// byte-identical reports.
package reports

import (
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"

	"github.com/behaviorlm/harness/internal/config"
	"github.com/behaviorlm/harness/internal/metrics"
	"github.com/behaviorlm/harness/internal/results"
)

// Input is what a report is made from.
type Input struct {
	Experiment *config.Experiment
	// ConfigFile names the experiments file.
	ConfigFile string
	// Cells are the current results (status ok or failed) of the experiment's planned cells.
	Cells []*results.Cell
	// Missing and Stale list planned cells without a result, or with a result for another config.
	Missing, Stale []string
	// Outcomes holds the validated per-sample outcomes of the cells that have a sidecar, by cell
	// id; Refused lists cells left out because their sidecar failed validation ("id: reason").
	Outcomes map[string]*metrics.Outcomes
	Refused  []string
}

// Output is a rendered report: report.md and the files it links to (name -> content).
type Output struct {
	Markdown string
	Files    map[string][]byte
}

// Render builds the report of an experiment.
func Render(in Input) (*Output, error) {
	e := in.Experiment
	out := &Output{Files: map[string][]byte{}}
	var b strings.Builder
	writeHeader(&b, in)
	writeLegend(&b, e, legendMetrics(e))
	groups := group(in.Cells)
	ev := newEvidence(in, groups)
	if e.Claims != nil {
		if err := claimsSection(&b, e, ev); err != nil {
			return nil, fmt.Errorf("report %s: claims: %w", e.Name, err)
		}
	}
	for _, table := range e.Tables {
		var err error
		switch table {
		case "main":
			err = mainTables(&b, e, groups, out)
		case "tailshots":
			err = tailshotTable(&b, e, groups, out)
		case "ablation":
			err = ablationTables(&b, e, groups, ev, out)
		case "stats":
			err = statsSection(&b, e, in.Cells)
		default:
			err = fmt.Errorf("unknown table %q", table)
		}
		if err != nil {
			return nil, fmt.Errorf("report %s: %s table: %w", e.Name, table, err)
		}
	}
	if err := budgetSection(&b, e, in.Cells); err != nil {
		return nil, fmt.Errorf("report %s: training budget: %w", e.Name, err)
	}
	csv, err := CellsCSV(in.Cells)
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", e.Name, err)
	}
	out.Files["cells.csv"] = csv
	out.Markdown = b.String()
	return out, nil
}

// Write stores the report as <dir>/report.md plus its linked files, each atomically.
func Write(dir string, o *Output) error {
	if err := results.WriteFileAtomic(filepath.Join(dir, "report.md"), []byte(o.Markdown)); err != nil {
		return err
	}
	names := make([]string, 0, len(o.Files))
	for n := range o.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := results.WriteFileAtomic(filepath.Join(dir, n), o.Files[n]); err != nil {
			return err
		}
	}
	return nil
}

// writeHeader says what the results are, which part of the planned grid they cover and where
// they came from.
func writeHeader(b *strings.Builder, in Input) {
	e := in.Experiment
	fmt.Fprintf(b, "# Experiment %s\n\n", e.Name)
	if e.Description != "" {
		fmt.Fprintf(b, "%s\n\n", strings.TrimSpace(e.Description))
	}
	var ks []string
	for _, k := range e.TailShots {
		ks = append(ks, config.KString(k))
	}
	var seeds []string
	for _, s := range e.Seeds {
		seeds = append(seeds, fmt.Sprint(s))
	}
	fmt.Fprintf(b, "- Planned grid: data sets %s; methods %s; tail shots k = %s; seeds %s (from %s).\n",
		strings.Join(e.Datasets, ", "), strings.Join(variantNames(e), ", "), strings.Join(ks, ", "), strings.Join(seeds, ", "), in.ConfigFile)
	commits, backends := map[string]bool{}, map[string]bool{}
	ok, failed, withOutcomes := 0, 0, 0
	seedsRun, ksRun, dsRun := map[uint64]bool{}, map[int]bool{}, map[string]bool{}
	for _, c := range in.Cells {
		commits[c.Env.Short()] = true
		backends[c.Backend] = true
		if c.Status == results.StatusOK {
			ok++
			seedsRun[c.Seed], ksRun[c.TailShots], dsRun[c.Dataset] = true, true, true
			if in.Outcomes[c.ID()] != nil {
				withOutcomes++
			}
		} else {
			failed++
		}
	}
	if ok == e.NumCells() {
		b.WriteString("- Run: complete, every planned cell has a result.\n")
	} else {
		var sr, kr, dr []string
		for _, s := range e.Seeds {
			if seedsRun[s] {
				sr = append(sr, fmt.Sprint(s))
			}
		}
		for _, k := range e.TailShots {
			if ksRun[k] {
				kr = append(kr, config.KString(k))
			}
		}
		for _, d := range e.Datasets {
			if dsRun[d] {
				dr = append(dr, d)
			}
		}
		fmt.Fprintf(b, "- Run: **partial**, %d of %d planned cells have a result (the description states the plan); results cover data sets %s; k = %s; seeds %s.\n",
			ok, e.NumCells(), orNone(dr), orNone(kr), orNone(sr))
	}
	fmt.Fprintf(b, "- Code: git commit %s.\n", orNone(sortedSet(commits)))
	fmt.Fprintf(b, "- Backend: %s.\n", orNone(sortedSet(backends)))
	fmt.Fprintf(b, "- Cells: %d planned, %d ok, %d failed, %d missing", e.NumCells(), ok, failed, len(in.Missing))
	if len(in.Stale) > 0 {
		fmt.Fprintf(b, ", %d stale (result of an older config)", len(in.Stale))
	}
	if len(in.Refused) > 0 {
		fmt.Fprintf(b, ", %d refused (per-sample sidecar failed validation)", len(in.Refused))
	}
	b.WriteString(".\n")
	for _, r := range in.Refused {
		fmt.Fprintf(b, "  - refused %s\n", oneLine(r, 300))
	}
	var fails []*results.Cell
	for _, c := range in.Cells {
		if c.Status != results.StatusOK {
			fails = append(fails, c)
		}
	}
	sort.Slice(fails, func(i, j int) bool { return fails[i].ID() < fails[j].ID() })
	for _, c := range fails {
		fmt.Fprintf(b, "  - failed %s: %s\n", c.ID(), oneLine(c.Reason, 200))
	}
	switch {
	case ok == 0:
	case withOutcomes == ok:
		fmt.Fprintf(b, "- Per-sample evidence: every ok cell has per-sample outcomes (sidecar); paired statistics use the bootstrap over test samples.\n")
	case withOutcomes == 0:
		fmt.Fprintf(b, "- Per-sample evidence: none of the %d ok cells has per-sample outcomes (written before sidecars existed); paired statistics fall back to the t-test over seeds.\n", ok)
	default:
		fmt.Fprintf(b, "- Per-sample evidence: %d of %d ok cells have per-sample outcomes; a comparison uses the bootstrap over test samples only when all its cells do, else the t-test over seeds.\n", withOutcomes, ok)
	}
}

// maxColumns is the most metric columns of one table; wider tables are split per group.
const maxColumns = 8

// column is one numeric column: a metric of a group.
type column struct {
	group, metric string
}

// tableColumns splits the experiment's group x metric columns into tables: one table holding
// every column, or one table per group when that is wider than maxColumns. It returns the
// columns and a title suffix per table.
func tableColumns(e *config.Experiment) ([][]column, []string) {
	var all []column
	for _, g := range e.Groups {
		for _, m := range e.Columns {
			all = append(all, column{g, m})
		}
	}
	if len(all) <= maxColumns {
		return [][]column{all}, []string{""}
	}
	var out [][]column
	var titles []string
	for _, g := range e.Groups {
		var cols []column
		for _, m := range e.Columns {
			cols = append(cols, column{g, m})
		}
		out = append(out, cols)
		titles = append(titles, ", "+g)
	}
	return out, titles
}

// mainTables writes, per tail-shot count, one table per data set (or per data set and group)
// and the anchor-vs-tail plot.
func mainTables(b *strings.Builder, e *config.Experiment, groups map[key]*agg, out *Output) error {
	for _, k := range e.TailShots {
		fmt.Fprintf(b, "\n## Main results (k = %s)\n", config.KString(k))
		if err := metricTables(b, e, groups, k); err != nil {
			return err
		}
		name := fmt.Sprintf("anchor_vs_tail_wf1_k%s.svg", config.KString(k))
		svg, err := plotAnchorTail(e, groups, k)
		if err != nil {
			return err
		}
		out.Files[name] = svg
		fmt.Fprintf(b, "\n![anchor wf1 against tail wf1 per method, k = %s](%s)\n", config.KString(k), name)
	}
	return nil
}

// metricTables writes the metric tables of one k, one per data set (and group when wide).
func metricTables(b *strings.Builder, e *config.Experiment, groups map[key]*agg, k int) error {
	colSets, titles := tableColumns(e)
	for _, ds := range e.Datasets {
		for i, cols := range colSets {
			fmt.Fprintf(b, "\n### %s%s (k = %s)\n\n", ds, titles[i], config.KString(k))
			header := []string{"method"}
			for _, c := range cols {
				if titles[i] != "" {
					header = append(header, c.metric)
				} else {
					header = append(header, c.group+" "+c.metric)
				}
			}
			stats := make([][]Stat, len(e.Variants))
			for vi, v := range e.Variants {
				for _, c := range cols {
					s, err := groups[key{ds, v.Name, k}].stat(c.group, c.metric)
					if err != nil {
						return err
					}
					stats[vi] = append(stats[vi], s)
				}
			}
			if err := variantTable(b, e, header, stats); err != nil {
				return err
			}
		}
	}
	return nil
}

// variantTable writes a table of one row per variant of e, its cells stats[variant][column] as
// formatColumns formats them.
func variantTable(b *strings.Builder, e *config.Experiment, header []string, stats [][]Stat) error {
	cells := formatColumns(stats, len(e.Seeds))
	var rows [][]string
	for i, v := range e.Variants {
		rows = append(rows, append([]string{v.Name}, cells[i]...))
	}
	t, err := markdownTable(header, rows)
	if err != nil {
		return err
	}
	b.WriteString(t)
	return nil
}

// formatColumns formats stats[row][col], making the best mean of each column bold.
func formatColumns(stats [][]Stat, expected int) [][]string {
	out := make([][]string, len(stats))
	if len(stats) == 0 {
		return out
	}
	for j := range stats[0] {
		best, found := int64(0), false
		for i := range stats {
			if s := stats[i][j]; s.N > 0 && (!found || rounded(s.Mean) > best) {
				best, found = rounded(s.Mean), true
			}
		}
		for i := range stats {
			s := stats[i][j]
			text := format(s, expected)
			if s.N > 0 && rounded(s.Mean) == best && len(stats) > 1 {
				text = "**" + text + "**"
			}
			out[i] = append(out[i], text)
		}
	}
	return out
}

// rounded is a mean at the shown precision (3 decimals), for finding the best of a column.
func rounded(v float64) int64 { return int64(math.Round(v * 1000)) }

// ablationTables writes, per k, the metric tables and, per data set, the paired differences of
// every variant to the reference variant, with a plot of the tail-shot metric's difference.
func ablationTables(b *strings.Builder, e *config.Experiment, groups map[key]*agg, ev *evidence, out *Output) error {
	for _, k := range e.TailShots {
		fmt.Fprintf(b, "\n## Ablations (k = %s)\n", config.KString(k))
		if err := metricTables(b, e, groups, k); err != nil {
			return err
		}
		deltas := map[string][]comparison{}
		for _, ds := range e.Datasets {
			fmt.Fprintf(b, "\n### %s: paired differences to the reference %s (k = %s)\n\n", ds, e.Reference, config.KString(k))
			var cs []comparison
			for _, v := range e.Variants {
				if v.Name == e.Reference {
					continue
				}
				for _, gm := range pairedMetrics {
					cs = append(cs, ev.compare(pairSpec{dataset: ds, k: k, a: v.Name, b: e.Reference, group: gm[0], metric: gm[1]}))
				}
				deltas[ds] = append(deltas[ds], ev.compare(pairSpec{dataset: ds, k: k, a: v.Name, b: e.Reference, group: e.TailshotGroup, metric: e.TailshotMetric}))
			}
			t, err := pairedTable(cs, false)
			if err != nil {
				return err
			}
			b.WriteString(t)
		}
		name := fmt.Sprintf("delta_%s_%s_k%s.svg", e.TailshotGroup, e.TailshotMetric, config.KString(k))
		out.Files[name] = plotDeltas(e, deltas)
		fmt.Fprintf(b, "\n![difference in %s %s to %s, k = %s](%s)\n", e.TailshotGroup, e.TailshotMetric, e.Reference, config.KString(k), name)
	}
	return nil
}

// tailshotTable writes, per data set, the tail-shot metric against k, and the plot.
func tailshotTable(b *strings.Builder, e *config.Experiment, groups map[key]*agg, out *Output) error {
	fmt.Fprintf(b, "\n## %s %s against tail shots k\n", e.TailshotGroup, e.TailshotMetric)
	for _, ds := range e.Datasets {
		fmt.Fprintf(b, "\n### %s\n\n", ds)
		header := []string{"method"}
		for _, k := range e.TailShots {
			header = append(header, "k="+config.KString(k))
		}
		stats := make([][]Stat, len(e.Variants))
		for i, v := range e.Variants {
			for _, k := range e.TailShots {
				s, err := groups[key{ds, v.Name, k}].stat(e.TailshotGroup, e.TailshotMetric)
				if err != nil {
					return err
				}
				stats[i] = append(stats[i], s)
			}
		}
		if err := variantTable(b, e, header, stats); err != nil {
			return err
		}
	}
	name := fmt.Sprintf("%s_%s_vs_k.svg", e.TailshotGroup, e.TailshotMetric)
	svg, err := plotVsK(e, groups)
	if err != nil {
		return err
	}
	out.Files[name] = svg
	fmt.Fprintf(b, "\n![%s %s against k](%s)\n", e.TailshotGroup, e.TailshotMetric, name)
	return nil
}

func variantNames(e *config.Experiment) []string {
	var out []string
	for _, v := range e.Variants {
		out = append(out, v.Name)
	}
	return out
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none (no results yet)"
	}
	return strings.Join(list, ", ")
}

// oneLine shortens a message to one line of at most n bytes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		s = s[:n] + "..."
	}
	return s
}
