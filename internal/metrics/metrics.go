// Package metrics scores full rankings of behaviors against the true next behavior.
//
// Definitions (every method of the harness is scored by this code):
//   - The prediction of a sample is the class with the highest score; ties go to the lower class id.
//   - The rank of the target is 1 + the number of classes ranked before it (higher score, or equal
//     score and lower id).
//   - Accuracy: share of samples whose prediction is the target.
//   - For each class c present among the group's targets: precision_c = TP_c / (samples of the group
//     predicted c), 0 when none is predicted c; recall_c = TP_c / support_c; F1_c = 2PR/(P+R), 0
//     when P+R = 0. Classes that are predicted but absent from the group's targets are not averaged.
//   - Weighted precision/recall/F1: averages of the per-class values weighted by support_c
//     (weighted recall therefore equals accuracy). Macro F1: unweighted mean of F1_c.
//   - Recall@5: share of samples whose target rank is <= 5. NDCG@5: mean of 1/log2(rank+1) for
//     rank <= 5, else 0 (one relevant item, so the ideal DCG is 1).
//
// Groups: Overall is every test sample; Anchor and Tail are the samples whose target is an anchor
// or a tail behavior. Each group's averages are over the classes present in that group's targets.
package metrics

import (
	"fmt"
	"math"
)

// Metrics are the scores of one group of samples.
type Metrics struct {
	N                 int     `json:"n"`
	Accuracy          float64 `json:"acc"`
	WeightedPrecision float64 `json:"wprec"`
	WeightedRecall    float64 `json:"wrec"`
	WeightedF1        float64 `json:"wf1"`
	MacroF1           float64 `json:"macro_f1"`
	RecallAt5         float64 `json:"recall@5"`
	NDCG5             float64 `json:"ndcg@5"`
}

// Keys lists the metric keys used in results, reports and CI thresholds, in report order.
var Keys = []string{"acc", "wprec", "wrec", "wf1", "macro_f1", "recall@5", "ndcg@5"}

// Get returns the metric with the given key (see Keys).
func (m Metrics) Get(key string) (float64, bool) {
	switch key {
	case "acc":
		return m.Accuracy, true
	case "wprec":
		return m.WeightedPrecision, true
	case "wrec":
		return m.WeightedRecall, true
	case "wf1":
		return m.WeightedF1, true
	case "macro_f1":
		return m.MacroF1, true
	case "recall@5":
		return m.RecallAt5, true
	case "ndcg@5":
		return m.NDCG5, true
	}
	return 0, false
}

// Report holds the metrics of the three groups.
type Report struct {
	Overall Metrics `json:"overall"`
	Anchor  Metrics `json:"anchor"`
	Tail    Metrics `json:"tail"`
}

// Group returns a group's metrics by name: "overall", "anchor" or "tail".
func (r Report) Group(name string) (Metrics, bool) {
	switch name {
	case "overall":
		return r.Overall, true
	case "anchor":
		return r.Anchor, true
	case "tail":
		return r.Tail, true
	}
	return Metrics{}, false
}

// Groups lists the group names in report order.
var Groups = []string{"overall", "anchor", "tail"}

// Evaluate scores one ranking per sample. scores[i] holds a score for every class (higher is
// better); targets[i] is the true class; anchor[c] says whether class c is an anchor.
func Evaluate(scores [][]float32, targets []int32, anchor []bool) (Report, error) {
	if len(scores) != len(targets) {
		return Report{}, fmt.Errorf("evaluate: %d score rows for %d targets", len(scores), len(targets))
	}
	preds := make([]int32, len(scores))
	ranks := make([]int, len(scores))
	for i, row := range scores {
		if len(row) != len(anchor) {
			return Report{}, fmt.Errorf("evaluate: sample %d has %d scores, want one per class (%d)", i, len(row), len(anchor))
		}
		t := targets[i]
		if t < 0 || int(t) >= len(row) {
			return Report{}, fmt.Errorf("evaluate: sample %d has target %d outside [0,%d)", i, t, len(row))
		}
		best, ts := 0, row[t]
		rank := 1
		for c, v := range row {
			if math.IsNaN(float64(v)) {
				return Report{}, fmt.Errorf("evaluate: sample %d has a NaN score for class %d", i, c)
			}
			if v > row[best] {
				best = c
			}
			if v > ts || (v == ts && c < int(t)) {
				rank++
			}
		}
		preds[i], ranks[i] = int32(best), rank
	}
	var all, anc, tail []int
	for i, t := range targets {
		all = append(all, i)
		if anchor[t] {
			anc = append(anc, i)
		} else {
			tail = append(tail, i)
		}
	}
	return Report{
		Overall: group(all, preds, ranks, targets, len(anchor)),
		Anchor:  group(anc, preds, ranks, targets, len(anchor)),
		Tail:    group(tail, preds, ranks, targets, len(anchor)),
	}, nil
}

// group computes the metrics of the samples idx. Sums run in class order, so results are
// bit-for-bit reproducible.
func group(idx []int, preds []int32, ranks []int, targets []int32, numClasses int) Metrics {
	m := Metrics{N: len(idx)}
	if len(idx) == 0 {
		return m
	}
	support := make([]int, numClasses)
	predicted := make([]int, numClasses)
	tp := make([]int, numClasses)
	for _, i := range idx {
		t, p := targets[i], preds[i]
		support[t]++
		predicted[p]++
		if p == t {
			tp[t]++
			m.Accuracy++
		}
		if r := ranks[i]; r <= 5 {
			m.RecallAt5++
			m.NDCG5 += 1 / math.Log2(float64(r)+1)
		}
	}
	n := float64(len(idx))
	present := 0
	for _, s := range support {
		if s > 0 {
			present++
		}
	}
	for c, s := range support {
		if s == 0 {
			continue
		}
		var p, r, f float64
		if predicted[c] > 0 {
			p = float64(tp[c]) / float64(predicted[c])
		}
		r = float64(tp[c]) / float64(s)
		if p+r > 0 {
			f = 2 * p * r / (p + r)
		}
		w := float64(s) / n
		m.WeightedPrecision += w * p
		m.WeightedRecall += w * r
		m.WeightedF1 += w * f
		m.MacroF1 += f / float64(present)
	}
	m.Accuracy /= n
	m.RecallAt5 /= n
	m.NDCG5 /= n
	return m
}
