package reports

import (
	"fmt"
	"slices"
	"strings"

	"github.com/behaviorlm/harness/internal/config"
	"github.com/behaviorlm/harness/internal/metrics"
)

// metricLegend restates internal/metrics' definitions in one line per metric key.
var metricLegend = map[string]string{
	"acc":      "accuracy: share of samples whose top-scored behavior is the target",
	"wprec":    "weighted precision: per-behavior precision (TP / predicted, 0 if never predicted), averaged over the behaviors present among the group's targets with their support as weight",
	"wrec":     "weighted recall: per-behavior recall averaged with support as weight (equals acc)",
	"wf1":      "weighted F1: per-behavior F1 (harmonic mean of precision and recall) averaged with support as weight",
	"macro_f1": "macro F1: unweighted mean of the per-behavior F1 over the behaviors present among the group's targets",
	"recall@5": "Recall@5: share of samples whose target is among the 5 top-scored behaviors",
	"ndcg@5":   "NDCG@5: mean of 1 / log2(1 + rank of the target) when the rank is at most 5, else 0",
}

var groupLegend = map[string]string{
	"overall": "every test sample",
	"anchor":  "test samples whose target is an anchor behavior",
	"tail":    "test samples whose target is a tail (non-anchor) behavior",
}

// writeLegend defines every metric, group and notation the report uses.
func writeLegend(b *strings.Builder, e *config.Experiment, metricsUsed []string) {
	b.WriteString("\n## Legend\n\n")
	for _, m := range metricsUsed {
		fmt.Fprintf(b, "- **%s**: %s.\n", m, metricLegend[m])
	}
	fmt.Fprintf(b, "- Groups: ")
	for i, g := range e.Groups {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(b, "**%s** = %s", g, groupLegend[g])
	}
	fmt.Fprintf(b, ". Anchor behaviors are those whose share of the training targets is above anchor_min_share = %g; each group averages over the behaviors present among its own targets.\n", e.Data.AnchorMinShare)
	b.WriteString("- **k**: tail shots, the most training samples kept per tail behavior (all: no limit); valid and test samples never change.\n")
	b.WriteString("- Cells of the tables: mean ± standard deviation (n-1) over seeds; \"(n=2)\" marks fewer seeds than planned; \"-\" no result, or a group without samples. The best mean of each column (at the shown precision) is bold.\n")
	b.WriteString("- Paired differences (a − b) use the same test samples for both methods: the paired bootstrap over test samples (95% percentile interval, seeds pooled) when every paired cell has per-sample outcomes, else the paired t-test over seeds (95% t interval). p is two-sided against the null difference; Holm p is Holm's step-down correction across the comparisons of one table.\n")
	b.WriteString("- All values are also in cells.csv (long form: one row per cell, group and metric).\n")
}

// legendMetrics returns the metric keys a report shows, in metrics.Keys order.
func legendMetrics(e *config.Experiment) []string {
	used := map[string]bool{}
	for _, m := range e.Columns {
		used[m] = true
	}
	used[e.TailshotMetric] = true
	if e.Claims != nil || slices.Contains(e.Tables, "ablation") {
		used["acc"], used["wf1"] = true, true
	}
	var out []string
	for _, k := range metrics.Keys {
		if used[k] {
			out = append(out, k)
		}
	}
	return out
}
