package metrics

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Four classes; 0 and 1 are anchors, 2 and 3 tail. Class 3 is never predicted; class 2 is
// predicted once wrongly for an anchor sample.
func TestEvaluateHandComputed(t *testing.T) {
	anchor := []bool{true, true, false, false}
	scores := [][]float32{
		{0.9, 0.1, 0.0, 0.0}, // target 0, pred 0, rank 1
		{0.2, 0.8, 0.0, 0.0}, // target 0, pred 1, rank 2
		{0.1, 0.2, 0.7, 0.0}, // target 1, pred 2, rank 2
		{0.1, 0.2, 0.7, 0.0}, // target 2, pred 2, rank 1
		{0.5, 0.4, 0.3, 0.2}, // target 3, pred 0, rank 4
		{0.3, 0.3, 0.3, 0.3}, // target 3, all tied: pred 0 (lowest id), rank 4
	}
	targets := []int32{0, 0, 1, 2, 3, 3}
	got, err := Evaluate(scores, targets, anchor)
	if err != nil {
		t.Fatal(err)
	}
	// Overall: preds 0,1,2,2,0,0. Class 0: support 2, predicted 3, tp 1 -> P 1/3, R 1/2, F 0.4.
	// Class 1: support 1, predicted 1, tp 0 -> 0. Class 2: support 1, predicted 2, tp 1 -> P 1/2, R 1, F 2/3.
	// Class 3: support 2, predicted 0 -> 0.
	ndcg := func(r float64) float64 { return 1 / math.Log2(r+1) }
	want := Report{
		Overall: Metrics{N: 6, Accuracy: 2.0 / 6,
			WeightedPrecision: (2*(1.0/3) + 1*0.5) / 6,
			WeightedRecall:    (2*0.5 + 1*1) / 6,
			WeightedF1:        (2*0.4 + 1*(2.0/3)) / 6,
			MacroF1:           (0.4 + 2.0/3) / 4,
			RecallAt5:         1,
			NDCG5:             (ndcg(1) + ndcg(2) + ndcg(2) + ndcg(1) + ndcg(4) + ndcg(4)) / 6},
		// Anchor group: samples 0,1,2; preds 0,1,2. Class 0: support 2, predicted 1, tp 1 -> P 1, R .5, F 2/3.
		// Class 1: support 1, predicted 1 (sample 1), tp 0 -> 0. Class 2 predicted but absent: not averaged.
		Anchor: Metrics{N: 3, Accuracy: 1.0 / 3,
			WeightedPrecision: 2 * 1.0 / 3,
			WeightedRecall:    2 * 0.5 / 3,
			WeightedF1:        2 * (2.0 / 3) / 3,
			MacroF1:           (2.0 / 3) / 2,
			RecallAt5:         1,
			NDCG5:             (ndcg(1) + ndcg(2) + ndcg(2)) / 3},
		// Tail group: samples 3,4,5; preds 2,0,0. Class 2: P 1, R 1, F 1. Class 3: never predicted -> 0.
		Tail: Metrics{N: 3, Accuracy: 1.0 / 3,
			WeightedPrecision: 1.0 / 3,
			WeightedRecall:    1.0 / 3,
			WeightedF1:        1.0 / 3,
			MacroF1:           0.5,
			RecallAt5:         1,
			NDCG5:             (ndcg(1) + ndcg(4) + ndcg(4)) / 3},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("Evaluate mismatch (-want +got):\n%s", diff)
	}
}

func TestEvaluateRankBeyondFive(t *testing.T) {
	anchor := make([]bool, 7)
	row := []float32{7, 6, 5, 4, 3, 2, 1} // target 6 has rank 7
	got, err := Evaluate([][]float32{row}, []int32{6}, anchor)
	if err != nil {
		t.Fatal(err)
	}
	if got.Overall.RecallAt5 != 0 || got.Overall.NDCG5 != 0 || got.Overall.Accuracy != 0 {
		t.Errorf("rank 7 must score 0 on every metric, got %+v", got.Overall)
	}
	if got.Anchor.N != 0 || got.Tail.N != 1 {
		t.Errorf("groups: anchor N=%d tail N=%d, want 0 and 1", got.Anchor.N, got.Tail.N)
	}
}

func TestEvaluateErrors(t *testing.T) {
	anchor := []bool{true, false}
	for name, tc := range map[string]struct {
		scores  [][]float32
		targets []int32
	}{
		"row count":     {[][]float32{{1, 0}}, []int32{0, 1}},
		"row width":     {[][]float32{{1, 0, 0}}, []int32{0}},
		"target range":  {[][]float32{{1, 0}}, []int32{2}},
		"NaN score":     {[][]float32{{float32(math.NaN()), 0}}, []int32{0}},
		"negative targ": {[][]float32{{1, 0}}, []int32{-1}},
	} {
		if _, err := Evaluate(tc.scores, tc.targets, anchor); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

func TestGet(t *testing.T) {
	m := Metrics{Accuracy: 1, WeightedPrecision: 2, WeightedRecall: 3, WeightedF1: 4, MacroF1: 5, RecallAt5: 6, NDCG5: 7}
	for i, k := range Keys {
		v, ok := m.Get(k)
		if !ok || v != float64(i+1) {
			t.Errorf("Get(%q) = %v, %v; want %d", k, v, ok, i+1)
		}
	}
	if _, ok := m.Get("nope"); ok {
		t.Error("Get of an unknown key must fail")
	}
}

// Score on a resample with repeats equals Evaluate on the duplicated rows.
func TestScoreWithRepeatsEqualsDuplicatedRows(t *testing.T) {
	anchor := []bool{true, false, false}
	scores := [][]float32{{0.9, 0.1, 0}, {0.1, 0.8, 0.1}, {0.5, 0.2, 0.3}, {0.1, 0.2, 0.7}}
	targets := []int32{0, 1, 2, 0}
	o, err := Rank(scores, targets, anchor)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	idx := []int{2, 2, 0, 3, 3, 3}
	var dupScores [][]float32
	var dupTargets []int32
	for _, i := range idx {
		dupScores = append(dupScores, scores[i])
		dupTargets = append(dupTargets, targets[i])
	}
	want, err := Evaluate(dupScores, dupTargets, anchor)
	if err != nil {
		t.Fatal(err)
	}
	if got := o.Score(idx); got != want {
		t.Errorf("Score(%v) = %+v, want %+v", idx, got, want)
	}
}

func TestOutcomesValidate(t *testing.T) {
	anchor := []bool{true, false}
	for name, o := range map[string]Outcomes{
		"lengths":        {Pred: []int32{0}, Rank: []int32{1, 1}, Target: []int32{0}, Anchor: anchor},
		"target range":   {Pred: []int32{0}, Rank: []int32{1}, Target: []int32{2}, Anchor: anchor},
		"pred range":     {Pred: []int32{5}, Rank: []int32{2}, Target: []int32{0}, Anchor: anchor},
		"rank range":     {Pred: []int32{1}, Rank: []int32{3}, Target: []int32{0}, Anchor: anchor},
		"hit not rank 1": {Pred: []int32{0}, Rank: []int32{2}, Target: []int32{0}, Anchor: anchor},
	} {
		if err := o.Validate(); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}
