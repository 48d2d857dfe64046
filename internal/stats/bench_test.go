package stats

import (
	"math/rand/v2"
	"testing"

	"github.com/behaviorlm/harness/internal/metrics"
)

// randomOutcomes returns outcomes of n samples over c classes (the first c/10 anchors), right
// with probability p.
func randomOutcomes(r *rand.Rand, target []int32, c int, p float64) *metrics.Outcomes {
	anchor := make([]bool, c)
	for i := range c / 10 {
		anchor[i] = true
	}
	o := &metrics.Outcomes{Pred: make([]int32, len(target)), Rank: make([]int32, len(target)), Target: target, Anchor: anchor}
	for i, t := range target {
		if r.Float64() < p {
			o.Pred[i], o.Rank[i] = t, 1
		} else {
			o.Pred[i] = int32(r.IntN(c))
			if o.Pred[i] == t {
				o.Pred[i] = (t + 1) % int32(c)
			}
			o.Rank[i] = int32(2 + r.IntN(c-1))
		}
	}
	return o
}

// BenchmarkPooledBootstrap is one claim comparison at nyc's size: 6470 test samples, 292
// behaviors, 3 seeds, 1000 resamples.
func BenchmarkPooledBootstrap(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	const n, c = 6470, 292
	target := make([]int32, n)
	for i := range target {
		target[i] = int32(r.IntN(c))
	}
	var xs, ys []*metrics.Outcomes
	for range 3 {
		xs = append(xs, randomOutcomes(r, target, c, 0.2))
		ys = append(ys, randomOutcomes(r, target, c, 0.18))
	}
	stat, err := MetricDiff(xs, ys, "tail", "wf1")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Bootstrap(n, 1000, 1, 0.95, stat); err != nil {
			b.Fatal(err)
		}
	}
}
