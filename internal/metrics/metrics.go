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

// Outcomes are what the metrics need of each test sample: the predicted class, the target's rank
// and the target. Anchor[c] says whether class c is an anchor. Every metric of a Report is a
// function of Outcomes, so stored outcomes (see internal/results' sidecars) recompute a cell's
// metrics, on every sample or on a resample, without re-running the method.
type Outcomes struct {
	Pred   []int32
	Rank   []int32
	Target []int32
	Anchor []bool
}

// Len returns the number of samples.
func (o *Outcomes) Len() int { return len(o.Target) }

// Validate checks that the slices agree in length and every id and rank is in range.
func (o *Outcomes) Validate() error {
	n, c := len(o.Target), len(o.Anchor)
	if len(o.Pred) != n || len(o.Rank) != n {
		return fmt.Errorf("outcomes: %d predictions and %d ranks for %d targets", len(o.Pred), len(o.Rank), n)
	}
	for i := range n {
		if t := o.Target[i]; t < 0 || int(t) >= c {
			return fmt.Errorf("outcomes: sample %d has target %d outside [0,%d)", i, t, c)
		}
		if p := o.Pred[i]; p < 0 || int(p) >= c {
			return fmt.Errorf("outcomes: sample %d has prediction %d outside [0,%d)", i, p, c)
		}
		if r := o.Rank[i]; r < 1 || int(r) > c {
			return fmt.Errorf("outcomes: sample %d has rank %d outside [1,%d]", i, r, c)
		}
		if (o.Pred[i] == o.Target[i]) != (o.Rank[i] == 1) {
			return fmt.Errorf("outcomes: sample %d: prediction %d, target %d and rank %d disagree", i, o.Pred[i], o.Target[i], o.Rank[i])
		}
	}
	return nil
}

// Rank computes the outcomes of one ranking per sample. scores[i] holds a score for every class
// (higher is better); targets[i] is the true class; anchor[c] says whether class c is an anchor.
func Rank(scores [][]float32, targets []int32, anchor []bool) (*Outcomes, error) {
	if len(scores) != len(targets) {
		return nil, fmt.Errorf("evaluate: %d score rows for %d targets", len(scores), len(targets))
	}
	o := &Outcomes{Pred: make([]int32, len(scores)), Rank: make([]int32, len(scores)), Target: targets, Anchor: anchor}
	for i, row := range scores {
		if len(row) != len(anchor) {
			return nil, fmt.Errorf("evaluate: sample %d has %d scores, want one per class (%d)", i, len(row), len(anchor))
		}
		t := targets[i]
		if t < 0 || int(t) >= len(row) {
			return nil, fmt.Errorf("evaluate: sample %d has target %d outside [0,%d)", i, t, len(row))
		}
		best, ts := 0, row[t]
		rank := 1
		for c, v := range row {
			if math.IsNaN(float64(v)) {
				return nil, fmt.Errorf("evaluate: sample %d has a NaN score for class %d", i, c)
			}
			if v > row[best] {
				best = c
			}
			if v > ts || (v == ts && c < int(t)) {
				rank++
			}
		}
		o.Pred[i], o.Rank[i] = int32(best), int32(rank)
	}
	return o, nil
}

// Evaluate scores one ranking per sample: Rank, then Score over every sample.
func Evaluate(scores [][]float32, targets []int32, anchor []bool) (Report, error) {
	o, err := Rank(scores, targets, anchor)
	if err != nil {
		return Report{}, err
	}
	return o.Score(nil), nil
}

// Score computes the metrics of the samples idx (indices may repeat, as in a bootstrap resample;
// nil means every sample once). The outcomes must be valid (see Validate).
func (o *Outcomes) Score(idx []int) Report {
	counts := o.Counts(idx, nil)
	return Report{
		Overall: o.ScoreGroup(counts, "overall"),
		Anchor:  o.ScoreGroup(counts, "anchor"),
		Tail:    o.ScoreGroup(counts, "tail"),
	}
}

// Counts returns how often each sample occurs in idx (nil: every sample once), reusing buf when
// it has the right length.
func (o *Outcomes) Counts(idx []int, buf []int32) []int32 {
	if len(buf) != o.Len() {
		buf = make([]int32, o.Len())
	}
	if idx == nil {
		for i := range buf {
			buf[i] = 1
		}
		return buf
	}
	clear(buf)
	for _, i := range idx {
		buf[i]++
	}
	return buf
}

// ScoreGroup computes the metrics of one group ("overall", "anchor" or "tail"; any other name
// gives zero metrics) when sample i counts counts[i] times. Sums run in sample order, then class
// order, so results are bit-for-bit reproducible; a sample counted once contributes exactly as
// in an unweighted sum.
func (o *Outcomes) ScoreGroup(counts []int32, group string) Metrics {
	var m Metrics
	if group != "overall" && group != "anchor" && group != "tail" {
		return m
	}
	numClasses := len(o.Anchor)
	support := make([]int, numClasses)
	predicted := make([]int, numClasses)
	tp := make([]int, numClasses)
	for i, w := range counts {
		if w == 0 {
			continue
		}
		t, p := o.Target[i], o.Pred[i]
		if (group == "anchor" && !o.Anchor[t]) || (group == "tail" && o.Anchor[t]) {
			continue
		}
		m.N += int(w)
		support[t] += int(w)
		predicted[p] += int(w)
		if p == t {
			tp[t] += int(w)
			m.Accuracy += float64(w)
		}
		if r := o.Rank[i]; r <= 5 {
			m.RecallAt5 += float64(w)
			m.NDCG5 += float64(w) * (1 / math.Log2(float64(r)+1))
		}
	}
	if m.N == 0 {
		return m
	}
	n := float64(m.N)
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
