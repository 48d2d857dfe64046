// Package reports turns stored cell results into a markdown report: the main table, the tail-shot
// table with an SVG plot, the ablation table and the data set statistics table, as an
// experiment's `tables:` asks.
//
// Every number is the mean ± sample standard deviation (n-1) over seeds, "0.412 ± 0.010"; a cell
// with fewer seeds than planned shows "(n=2)"; the best mean of each column (at the shown
// precision) is bold. Reports contain no timestamps or timings, so the same results always give
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
	groups := group(in.Cells)
	for _, table := range e.Tables {
		var err error
		switch table {
		case "main":
			err = mainTables(&b, e, groups)
		case "tailshots":
			err = tailshotTable(&b, e, groups, out)
		case "ablation":
			err = ablationTables(&b, e, groups)
		case "stats":
			err = statsSection(&b, e, in.Cells)
		default:
			err = fmt.Errorf("unknown table %q", table)
		}
		if err != nil {
			return nil, fmt.Errorf("report %s: %s table: %w", e.Name, table, err)
		}
	}
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

// writeHeader says what the results are and where they came from.
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
	fmt.Fprintf(b, "- Grid: data sets %s; methods %s; tail shots k = %s; seeds %s (from %s).\n",
		strings.Join(e.Datasets, ", "), strings.Join(variantNames(e), ", "), strings.Join(ks, ", "), strings.Join(seeds, ", "), in.ConfigFile)
	commits, backends := map[string]bool{}, map[string]bool{}
	ok, failed := 0, 0
	for _, c := range in.Cells {
		commits[c.Env.Short()] = true
		backends[c.Backend] = true
		if c.Status == results.StatusOK {
			ok++
		} else {
			failed++
		}
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
	b.WriteString("\nValues are mean ± standard deviation over seeds (n-1); \"(n=2)\" marks fewer seeds than planned, \"-\" no result; the best value of each column is bold.\n")
}

// mainTables writes one main table per tail-shot count.
func mainTables(b *strings.Builder, e *config.Experiment, groups map[key]*agg) error {
	for _, k := range e.TailShots {
		fmt.Fprintf(b, "\n## Main results (k = %s)\n\n", config.KString(k))
		header, rows, err := metricTable(e, groups, k)
		if err != nil {
			return err
		}
		t, err := markdownTable(header, rows)
		if err != nil {
			return err
		}
		b.WriteString(t)
	}
	return nil
}

// column is one numeric column: a metric of a group on a data set.
type column struct {
	dataset, group, metric string
}

func (c column) title() string { return c.dataset + " " + c.group + " " + c.metric }

func metricColumns(e *config.Experiment) []column {
	var cols []column
	for _, ds := range e.Datasets {
		for _, g := range e.Groups {
			for _, m := range e.Columns {
				cols = append(cols, column{ds, g, m})
			}
		}
	}
	return cols
}

// metricTable builds rows = method variants, columns = data set x group x metric, for one k.
func metricTable(e *config.Experiment, groups map[key]*agg, k int) ([]string, [][]string, error) {
	cols := metricColumns(e)
	header := []string{"method"}
	for _, c := range cols {
		header = append(header, c.title())
	}
	stats := make([][]Stat, len(e.Variants))
	for i, v := range e.Variants {
		for _, c := range cols {
			s, err := groups[key{c.dataset, v.Name, k}].stat(c.group, c.metric)
			if err != nil {
				return nil, nil, err
			}
			stats[i] = append(stats[i], s)
		}
	}
	cells := formatColumns(stats, len(e.Seeds))
	var rows [][]string
	for i, v := range e.Variants {
		rows = append(rows, append([]string{v.Name}, cells[i]...))
	}
	return header, rows, nil
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

// ablationTables writes, per k, the metric table plus each data set's difference to the reference
// variant in the tail-shot metric.
func ablationTables(b *strings.Builder, e *config.Experiment, groups map[key]*agg) error {
	for _, k := range e.TailShots {
		fmt.Fprintf(b, "\n## Ablations (k = %s)\n\n", config.KString(k))
		fmt.Fprintf(b, "Δ columns: difference of the mean %s %s to the reference variant %s.\n\n", e.TailshotGroup, e.TailshotMetric, e.Reference)
		header, rows, err := metricTable(e, groups, k)
		if err != nil {
			return err
		}
		for _, ds := range e.Datasets {
			header = append(header, fmt.Sprintf("%s Δ %s %s", ds, e.TailshotGroup, e.TailshotMetric))
			ref, err := groups[key{ds, e.Reference, k}].stat(e.TailshotGroup, e.TailshotMetric)
			if err != nil {
				return err
			}
			for i, v := range e.Variants {
				s, err := groups[key{ds, v.Name, k}].stat(e.TailshotGroup, e.TailshotMetric)
				if err != nil {
					return err
				}
				text := "-"
				switch {
				case v.Name == e.Reference:
					text = "(reference)"
				case s.N > 0 && ref.N > 0:
					text = fmt.Sprintf("%+.3f", s.Mean-ref.Mean)
				}
				rows[i] = append(rows[i], text)
			}
		}
		t, err := markdownTable(header, rows)
		if err != nil {
			return err
		}
		b.WriteString(t)
	}
	return nil
}

// tailshotTable writes the tail-shot metric against k and the plot.
func tailshotTable(b *strings.Builder, e *config.Experiment, groups map[key]*agg, out *Output) error {
	fmt.Fprintf(b, "\n## %s %s against tail shots k\n\n", e.TailshotGroup, e.TailshotMetric)
	header := []string{"method"}
	type col struct {
		ds string
		k  int
	}
	var cols []col
	for _, ds := range e.Datasets {
		for _, k := range e.TailShots {
			cols = append(cols, col{ds, k})
			header = append(header, fmt.Sprintf("%s k=%s", ds, config.KString(k)))
		}
	}
	stats := make([][]Stat, len(e.Variants))
	for i, v := range e.Variants {
		for _, c := range cols {
			s, err := groups[key{c.ds, v.Name, c.k}].stat(e.TailshotGroup, e.TailshotMetric)
			if err != nil {
				return err
			}
			stats[i] = append(stats[i], s)
		}
	}
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
