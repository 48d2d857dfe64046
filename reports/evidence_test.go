package reports

import (
	"bytes"
	"encoding/csv"
	"regexp"
	"strings"
	"testing"

	"github.com/behaviorlm/harness/internal/metrics"
	"github.com/behaviorlm/harness/internal/results"
)

// squash collapses runs of spaces, so expectations do not depend on column widths.
func squash(s string) string { return regexp.MustCompile(` +`).ReplaceAllString(s, " ") }

// claimCell is an ok cell with the given overall, anchor and tail wf1 (every group non-empty).
func claimCell(method string, seed uint64, overall, anchor, tail float64) *results.Cell {
	m := func(v float64) metrics.Metrics { return metrics.Metrics{N: 10, Accuracy: v, WeightedF1: v} }
	return &results.Cell{Experiment: "cl", Dataset: "syn", Method: method, Kind: "fake", TailShots: 5, Seed: seed,
		Status: results.StatusOK, Metrics: &metrics.Report{Overall: m(overall), Anchor: m(anchor), Tail: m(tail)}}
}

// Values chosen so that, by the paired t-test over 3 seeds (scipy.stats.ttest_rel) and Holm over
// the 4 comparisons: C1 d = (.03, .035, .04), p 0.00673, Holm 0.0135: supported; C2 d = (0, .01,
// .02) against -0.01, p 0.0742, Holm 0.0742: inconclusive; C3 d = (-.03, -.031, -.029), p
// 0.00037, Holm 0.0015: not supported; C4 d = (.1, .11, .12), p 0.00274, Holm 0.0082: supported.
func claimCells() []*results.Cell {
	var cells []*results.Cell
	lmTail := []float64{.05, .06, .07}
	for i, s := range []uint64{1, 2, 3} {
		cells = append(cells,
			claimCell("lm", s, []float64{.2, .21, .22}[i], []float64{.30, .31, .32}[i], lmTail[i]),
			claimCell("pop", s, .1, .30, []float64{.02, .025, .03}[i]),
			claimCell("a|b", s, .1, .30, []float64{.08, .091, .099}[i]))
	}
	return cells
}

func TestClaimVerdictsFromSeedT(t *testing.T) {
	e := load(t, "cl")
	out, err := Render(Input{Experiment: e, ConfigFile: "test.yaml", Cells: claimCells()})
	if err != nil {
		t.Fatal(err)
	}
	md := squash(out.Markdown)
	for _, want := range []string{
		"| C1 | supported |",
		"| C2 | inconclusive |",
		"| C3 | not supported |",
		"| C4 | supported |",
		"| C1 | lm − pop | tail | wf1 | +0.035 | [+0.023, +0.047] | +0.000 | 0.007 | 0.013 | supported | t over 3 seeds |",
		"| C2 | lm − pop | anchor | wf1 | +0.010 | [-0.015, +0.035] | -0.010 | 0.074 | 0.074 | inconclusive | t over 3 seeds |",
		"| C3 | lm − a\\|b | tail | wf1 | -0.030 | [-0.032, -0.028] | +0.000 | <0.001 | 0.001 | not supported | t over 3 seeds |",
		"| C4 | lm − pop | overall | wf1 | +0.110 | [+0.085, +0.135] | +0.000 | 0.003 | 0.008 | supported | t over 3 seeds |",
		"Basis: the paired t-test over seeds.",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}

// With per-sample outcomes for every cell the claims use the pooled paired bootstrap.
func TestClaimsUseBootstrapWithOutcomes(t *testing.T) {
	e := load(t, "cl")
	anchor := []bool{true, false, false}
	targets := []int32{0, 1, 2, 1, 0, 2, 1, 0}
	good := &metrics.Outcomes{Pred: []int32{0, 1, 2, 1, 0, 2, 1, 0}, Rank: []int32{1, 1, 1, 1, 1, 1, 1, 1}, Target: targets, Anchor: anchor}
	bad := &metrics.Outcomes{Pred: []int32{0, 0, 0, 0, 0, 0, 0, 0}, Rank: []int32{1, 2, 3, 2, 1, 3, 2, 1}, Target: targets, Anchor: anchor}
	var cells []*results.Cell
	outcomes := map[string]*metrics.Outcomes{}
	for _, s := range []uint64{1, 2, 3} {
		for _, m := range []struct {
			name string
			o    *metrics.Outcomes
		}{{"lm", good}, {"pop", bad}, {"a|b", bad}} {
			rep := m.o.Score(nil)
			c := &results.Cell{Experiment: "cl", Dataset: "syn", Method: m.name, Kind: "fake", TailShots: 5, Seed: s, Status: results.StatusOK, Metrics: &rep}
			cells = append(cells, c)
			outcomes[c.ID()] = m.o
		}
	}
	out, err := Render(Input{Experiment: e, ConfigFile: "test.yaml", Cells: cells, Outcomes: outcomes})
	if err != nil {
		t.Fatal(err)
	}
	md := squash(out.Markdown)
	// lm predicts every sample, pop only class 0: tail wf1 1 vs 0 on every resample with a tail
	// sample, so the estimate is +1.000 and the interval [+1.000, +1.000].
	for _, want := range []string{"bootstrap, 3 seeds pooled, 1000 resamples", "| tail | wf1 | +1.000 | [+1.000, +1.000] |", "every ok cell has per-sample outcomes"} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	// -compare adds the per-seed bootstrap rows.
	cmpTable, err := Compare(Input{Experiment: e, Cells: cells, Outcomes: outcomes}, "lm", "pop")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"bootstrap, 3 seeds pooled", "bootstrap, seed 1,", "bootstrap, seed 3,"} {
		if !strings.Contains(cmpTable, want) {
			t.Errorf("compare table lacks %q:\n%s", want, cmpTable)
		}
	}
}

// An empty group shows "-", never a bold 0.000.
func TestEmptyGroupIsDash(t *testing.T) {
	e := load(t, "cl")
	cells := claimCells()
	for _, c := range cells {
		c.Metrics.Tail = metrics.Metrics{}
	}
	out, err := Render(Input{Experiment: e, ConfigFile: "test.yaml", Cells: cells})
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(out.Markdown, "\n") {
		if strings.HasPrefix(line, "| lm ") && strings.Count(line, "|") == 8 {
			cols := strings.Split(line, "|")
			for _, i := range []int{6, 7} {
				if got := strings.TrimSpace(cols[i]); got != "-" {
					t.Errorf("empty tail group shows %q, want -: %s", got, line)
				}
			}
		}
	}
	if strings.Contains(out.Markdown, "**0.000") {
		t.Error("an empty group is shown as a bold 0.000")
	}
	if !strings.Contains(out.Markdown, "none: empty group") {
		t.Error("claims on an empty group must say so")
	}
}

func TestCellsCSVLongForm(t *testing.T) {
	cells := claimCells()
	cells[0].Metrics.Tail = metrics.Metrics{} // empty group: empty value
	cells = append(cells, &results.Cell{Dataset: "syn", Method: "x", Status: results.StatusFailed})
	b, err := CellsCSV(cells)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	// 9 ok cells x 3 groups x 7 metrics, plus the header; the failed cell has no rows.
	if len(rows) != 1+9*3*len(metrics.Keys) {
		t.Fatalf("%d rows", len(rows))
	}
	if strings.Join(rows[0], ",") != "experiment,dataset,method,kind,k,seed,group,metric,value,n,commit" {
		t.Errorf("header %v", rows[0])
	}
	var found, empty bool
	for _, r := range rows[1:] {
		if r[2] == "lm" && r[5] == "2" && r[6] == "overall" && r[7] == "wf1" {
			found = r[8] == "0.21" && r[4] == "5" && r[9] == "10"
		}
		if r[2] == "lm" && r[5] == "1" && r[6] == "tail" {
			empty = r[8] == "" && r[9] == "0"
		}
	}
	if !found || !empty {
		t.Errorf("value rows: lm seed 2 overall wf1 found=%v, empty tail group empty=%v", found, empty)
	}
}

func TestCompareTable(t *testing.T) {
	e := load(t, "cl")
	got, err := Compare(Input{Experiment: e, Cells: claimCells()}, "lm", "pop")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(squash(got), "| lm − pop | 5 | tail | wf1 | +0.035 | [+0.023, +0.047] | 0.007 | 0.013 | t over 3 seeds |") {
		t.Errorf("compare table:\n%s", got)
	}
	if _, err := Compare(Input{Experiment: e}, "lm", "nope"); err == nil {
		t.Error("unknown variant: want an error")
	}
}
