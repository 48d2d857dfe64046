package reports

import (
	"fmt"
	"math"
	"strings"

	"github.com/behaviorlm/harness/internal/config"
	"github.com/behaviorlm/harness/internal/metrics"
	"github.com/behaviorlm/harness/internal/results"
	"github.com/behaviorlm/harness/internal/stats"
)

// Paired comparisons: the difference a - b of one metric of one group between two method
// variants on the same data set and k, by the paired bootstrap over test samples when every
// paired cell has a per-sample sidecar, else by the paired t-test over seeds (package stats).

// level is the confidence level of every interval in the reports.
const level = 0.95

// pairSpec names one comparison; null is the difference tested against (0, or -margin for a
// non-inferiority claim). With oneSeed set, only the cells of seed are paired.
type pairSpec struct {
	dataset       string
	k             int
	a, b          string
	group, metric string
	null          float64
	oneSeed       bool
	seed          uint64
}

// comparison is a computed pairSpec. When ok is false, why says why nothing could be computed.
type comparison struct {
	pairSpec
	ok            bool
	why           string
	basis         string // "bootstrap" or "t"
	seeds         int
	est, lo, hi   float64
	p, holm       float64
	resampleCount int
}

// evidence computes comparisons from the current cells and their outcomes.
type evidence struct {
	groups    map[key]*agg
	outcomes  map[string]*metrics.Outcomes
	resamples int
	seed      uint64
	done      map[pairSpec]comparison // computed comparisons (a bootstrap takes a while)
}

func newEvidence(in Input, groups map[key]*agg) *evidence {
	ev := &evidence{groups: groups, outcomes: in.Outcomes, resamples: 1000, seed: 1, done: map[pairSpec]comparison{}}
	if c := in.Experiment.Claims; c != nil {
		ev.resamples, ev.seed = c.Resamples, c.Seed
	}
	return ev
}

// compare returns one comparison (its Holm p is set by holm, per table).
func (ev *evidence) compare(s pairSpec) comparison {
	if c, ok := ev.done[s]; ok {
		return c
	}
	c := ev.compute(s)
	ev.done[s] = c
	return c
}

func (ev *evidence) compute(s pairSpec) comparison {
	c := comparison{pairSpec: s}
	ga, gb := ev.groups[key{s.dataset, s.a, s.k}], ev.groups[key{s.dataset, s.b, s.k}]
	var as, bs []*results.Cell
	if ga != nil && gb != nil {
		bySeed := map[uint64]*results.Cell{}
		for _, x := range gb.cells {
			bySeed[x.Seed] = x
		}
		for _, x := range ga.cells {
			if s.oneSeed && x.Seed != s.seed {
				continue
			}
			if y := bySeed[x.Seed]; y != nil {
				as, bs = append(as, x), append(bs, y)
			}
		}
	}
	c.seeds = len(as)
	if c.seeds == 0 {
		c.why = "no seed with results of both"
		return c
	}
	var va, vb []float64
	for i := range as {
		ma, _ := as[i].Metrics.Group(s.group)
		mb, _ := bs[i].Metrics.Group(s.group)
		if ma.N == 0 || mb.N == 0 {
			c.why = "empty group"
			return c
		}
		x, _ := ma.Get(s.metric)
		y, _ := mb.Get(s.metric)
		va, vb = append(va, x), append(vb, y)
	}
	var oa, ob []*metrics.Outcomes
	for i := range as {
		x, y := ev.outcomes[as[i].ID()], ev.outcomes[bs[i].ID()]
		if x == nil || y == nil {
			oa = nil
			break
		}
		oa, ob = append(oa, x), append(ob, y)
	}
	if oa != nil {
		stat, err := stats.MetricDiff(oa, ob, s.group, s.metric)
		if err == nil {
			r, err := stats.Bootstrap(oa[0].Len(), ev.resamples, ev.seed, level, stat)
			if err == nil {
				c.ok, c.basis, c.resampleCount = true, "bootstrap", ev.resamples
				c.est, c.lo, c.hi, c.p = r.Estimate, r.Lo, r.Hi, r.P(s.null)
				return c
			}
		}
		// Outcomes that cannot be paired (other test samples) fall back to the seeds.
	}
	if c.seeds < 2 {
		c.why = "one seed and no per-sample outcomes"
		return c
	}
	t, err := stats.PairedT(va, vb, level)
	if err != nil {
		c.why = err.Error()
		return c
	}
	shifted := make([]float64, len(va))
	for i := range va {
		shifted[i] = va[i] - s.null
	}
	tn, _ := stats.PairedT(shifted, vb, level)
	c.ok, c.basis = true, "t"
	c.est, c.lo, c.hi, c.p = t.Mean, t.CI.Lo, t.CI.Hi, tn.P
	return c
}

// holm sets the Holm-adjusted p-values of the computed comparisons (one family).
func holm(cs []comparison) {
	var ps []float64
	var idx []int
	for i, c := range cs {
		if c.ok {
			ps, idx = append(ps, c.p), append(idx, i)
		}
	}
	adj := stats.Holm(ps)
	for j, i := range idx {
		cs[i].holm = adj[j]
	}
}

// basisText describes how a comparison was computed.
func (c comparison) basisText() string {
	switch {
	case !c.ok:
		return "none: " + c.why
	case c.basis == "bootstrap":
		if c.oneSeed {
			return fmt.Sprintf("bootstrap, seed %d, %d resamples", c.seed, c.resampleCount)
		}
		if c.seeds == 1 {
			return fmt.Sprintf("bootstrap, 1 seed, %d resamples", c.resampleCount)
		}
		return fmt.Sprintf("bootstrap, %d seeds pooled, %d resamples", c.seeds, c.resampleCount)
	}
	return fmt.Sprintf("t over %d seeds", c.seeds)
}

func signed(v float64) string {
	if math.Abs(v) < 0.0005 {
		v = 0 // no "-0.000"
	}
	return fmt.Sprintf("%+.3f", v)
}

func (c comparison) diffText() string {
	if !c.ok {
		return "-"
	}
	return signed(c.est)
}

func (c comparison) intervalText() string {
	if !c.ok {
		return "-"
	}
	return "[" + signed(c.lo) + ", " + signed(c.hi) + "]"
}

func pText(p float64, ok bool) string {
	switch {
	case !ok:
		return "-"
	case p < 0.001:
		return "<0.001"
	}
	return fmt.Sprintf("%.3f", p)
}

// pairedMetrics are the group/metric pairs of a paired table.
var pairedMetrics = [][2]string{{"overall", "acc"}, {"overall", "wf1"}, {"anchor", "wf1"}, {"tail", "wf1"}}

// pairedTable renders comparisons, one per row, with Holm's correction across the table.
func pairedTable(cs []comparison, withK bool) (string, error) {
	holm(cs)
	header := []string{"comparison"}
	if withK {
		header = append(header, "k")
	}
	header = append(header, "group", "metric", "difference", "95% interval", "p", "Holm p", "basis")
	var rows [][]string
	for _, c := range cs {
		row := []string{c.a + " − " + c.b}
		if withK {
			row = append(row, config.KString(c.k))
		}
		row = append(row, c.group, c.metric, c.diffText(), c.intervalText(), pText(c.p, c.ok), pText(c.holm, c.ok), c.basisText())
		rows = append(rows, row)
	}
	return markdownTable(header, rows)
}

// Compare renders the paired table of method variant a against b on every data set and k of the
// experiment: the difference in overall accuracy and overall, anchor and tail weighted F1, pooled
// over seeds and, where the cells have per-sample outcomes, per seed too, with Holm's correction
// across each data set's table.
func Compare(in Input, a, b string) (string, error) {
	e := in.Experiment
	for _, name := range []string{a, b} {
		if _, ok := e.Variant(name); !ok {
			return "", fmt.Errorf("compare: %q is not a method variant of experiment %s (variants: %s)", name, e.Name, strings.Join(variantNames(e), ", "))
		}
	}
	ev := newEvidence(in, group(in.Cells))
	var out string
	for _, ds := range e.Datasets {
		var cs []comparison
		for _, k := range e.TailShots {
			for _, gm := range pairedMetrics {
				pooled := ev.compare(pairSpec{dataset: ds, k: k, a: a, b: b, group: gm[0], metric: gm[1]})
				cs = append(cs, pooled)
				if pooled.basis != "bootstrap" || pooled.seeds < 2 {
					continue
				}
				for _, seed := range e.Seeds {
					c := ev.compare(pairSpec{dataset: ds, k: k, a: a, b: b, group: gm[0], metric: gm[1], oneSeed: true, seed: seed})
					if c.ok {
						cs = append(cs, c)
					}
				}
			}
		}
		t, err := pairedTable(cs, true)
		if err != nil {
			return "", err
		}
		out += fmt.Sprintf("\n## %s: %s − %s\n\n", ds, a, b) + t
	}
	return out, nil
}
