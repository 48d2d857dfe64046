package reports

import (
	"fmt"
	"strings"

	"github.com/behaviorlm/harness/internal/config"
)

// Claims of the paper, tested per data set against the experiment's claims: configuration.
// A comparison's verdict: "supported" when its Holm-adjusted p-value (against the claim's null)
// is below 0.05 and the difference lies on the claimed side of the null; "not supported" when
// the adjusted p is below 0.05 and the difference lies on the other side; "inconclusive"
// otherwise (or when nothing could be computed). A claim made of several comparisons (C3, C4) is
// supported when each is, not supported when any is, and inconclusive otherwise.

// claimRow is one comparison of a claim.
type claimRow struct {
	claim string
	cmp   comparison
}

func (r claimRow) verdict() string {
	c := r.cmp
	switch {
	case !c.ok || c.holm >= 0.05:
		return "inconclusive"
	case c.est > c.null:
		return "supported"
	}
	return "not supported"
}

// combine returns the verdict of a claim from its comparisons' verdicts.
func combine(vs []string) string {
	if len(vs) == 0 {
		return "-"
	}
	all := true
	for _, v := range vs {
		if v == "not supported" {
			return "not supported"
		}
		all = all && v == "supported"
	}
	if all {
		return "supported"
	}
	return "inconclusive"
}

// claimStatements describes C1..C4 for the legend.
func claimStatements(c *config.Claims, smallest int) []string {
	return []string{
		fmt.Sprintf("C1: %s's tail wf1 is above %s's (difference > 0).", c.Method, c.Uniform),
		fmt.Sprintf("C2: %s's anchor wf1 is not below %s's by more than the margin %g (non-inferiority: difference > -%g).", c.Method, c.Uniform, c.Margin, c.Margin),
		fmt.Sprintf("C3: at the smallest k (%s), %s's tail wf1 is above each re-weighting baseline's (%s).", config.KString(smallest), c.Method, orDash(c.Reweighting)),
		fmt.Sprintf("C4: %s's overall wf1 is above each classic model's (%s).", c.Method, orDash(c.Classic)),
	}
}

func orDash(names []string) string {
	if len(names) == 0 {
		return "none configured"
	}
	return strings.Join(names, ", ")
}

// smallestK is the smallest tail-shot count of the grid ("all" = 0 counts as the largest).
func smallestK(ks []int) int {
	best := ks[0]
	for _, k := range ks {
		if best == 0 || (k != 0 && k < best) {
			best = k
		}
	}
	return best
}

// claimRows lists the comparisons of one data set: C1, C2 and C4 at every k, C3 at the smallest.
func claimRows(e *config.Experiment, ev *evidence, ds string) []claimRow {
	c := e.Claims
	var rows []claimRow
	add := func(claim string, k int, other, group, metric string, null float64) {
		rows = append(rows, claimRow{claim, ev.compare(pairSpec{dataset: ds, k: k, a: c.Method, b: other, group: group, metric: metric, null: null})})
	}
	small := smallestK(e.TailShots)
	for _, k := range e.TailShots {
		if c.Uniform != "" {
			add("C1", k, c.Uniform, "tail", "wf1", 0)
			add("C2", k, c.Uniform, "anchor", "wf1", -c.Margin)
		}
		if k == small {
			for _, m := range c.Reweighting {
				add("C3", k, m, "tail", "wf1", 0)
			}
		}
		for _, m := range c.Classic {
			add("C4", k, m, "overall", "wf1", 0)
		}
	}
	cs := make([]comparison, len(rows))
	for i, r := range rows {
		cs[i] = r.cmp
	}
	holm(cs)
	for i := range rows {
		rows[i].cmp = cs[i]
	}
	return rows
}

// claimsSection writes the summary of verdicts (claim x data set, per k) and, per data set, the
// comparisons behind them.
func claimsSection(b *strings.Builder, e *config.Experiment, ev *evidence) error {
	c := e.Claims
	b.WriteString("\n## Claims\n\n")
	for _, s := range claimStatements(c, smallestK(e.TailShots)) {
		fmt.Fprintf(b, "- %s\n", s)
	}
	b.WriteString("\nVerdict of a comparison: supported when its Holm-adjusted p-value (Holm across the comparisons of the data set's table) is below 0.05 and the difference lies on the claimed side; not supported when it is below 0.05 on the other side; inconclusive otherwise. A claim of several comparisons is supported when each is and not supported when any is. Intervals are 95%, unadjusted.\n\n")
	perDS := map[string][]claimRow{}
	bases := map[string]bool{}
	for _, ds := range e.Datasets {
		perDS[ds] = claimRows(e, ev, ds)
		for _, r := range perDS[ds] {
			if r.cmp.ok {
				bases[r.cmp.basis] = true
			}
		}
	}
	switch {
	case bases["bootstrap"] && bases["t"]:
		b.WriteString("Basis: the paired bootstrap over test samples where every paired cell has per-sample outcomes, else the paired t-test over seeds (see each row).\n\n")
	case bases["bootstrap"]:
		b.WriteString("Basis: the paired bootstrap over test samples, seeds pooled (every paired cell has per-sample outcomes).\n\n")
	case bases["t"]:
		b.WriteString("Basis: the paired t-test over seeds. No paired cell has per-sample outcomes (cells written before sidecars existed), so the paired bootstrap over test samples is not available and the intervals rest on the seed-level differences alone (wide with few seeds).\n\n")
	}
	// Summary: rows claim (and k), columns data sets.
	header := []string{"claim"}
	multiK := len(e.TailShots) > 1
	if multiK {
		header = append(header, "k")
	}
	header = append(header, e.Datasets...)
	var body [][]string
	for _, claim := range []string{"C1", "C2", "C3", "C4"} {
		for _, k := range e.TailShots {
			row := []string{claim}
			if multiK {
				row = append(row, config.KString(k))
			}
			any := false
			for _, ds := range e.Datasets {
				var vs []string
				for _, r := range perDS[ds] {
					if r.claim == claim && r.cmp.k == k {
						vs = append(vs, r.verdict())
					}
				}
				any = any || len(vs) > 0
				row = append(row, combine(vs))
			}
			if any {
				body = append(body, row)
			}
		}
	}
	t, err := markdownTable(header, body)
	if err != nil {
		return err
	}
	b.WriteString(t)
	for _, ds := range e.Datasets {
		fmt.Fprintf(b, "\n### Claims on %s\n\n", ds)
		header := []string{"claim"}
		if multiK {
			header = append(header, "k")
		}
		header = append(header, "comparison", "group", "metric", "difference", "95% interval", "null", "p", "Holm p", "verdict", "basis")
		var body [][]string
		for _, r := range perDS[ds] {
			row := []string{r.claim}
			if multiK {
				row = append(row, config.KString(r.cmp.k))
			}
			row = append(row, r.cmp.a+" − "+r.cmp.b, r.cmp.group, r.cmp.metric, r.cmp.diffText(), r.cmp.intervalText(), signed(r.cmp.null),
				pText(r.cmp.p, r.cmp.ok), pText(r.cmp.holm, r.cmp.ok), r.verdict(), r.cmp.basisText())
			body = append(body, row)
		}
		t, err := markdownTable(header, body)
		if err != nil {
			return err
		}
		b.WriteString(t)
	}
	return nil
}
