package stats

import (
	"fmt"

	"github.com/behaviorlm/harness/internal/metrics"
)

// MetricDiff returns the statistic "metric of group for a minus that for b" on a resample,
// averaged over seeds: a[s] and b[s] are the outcomes of the two methods with seed s on the same
// test samples (one seed: the per-seed difference; several: the pooled one). The statistic
// reuses a buffer: call it from one goroutine at a time.
func MetricDiff(a, b []*metrics.Outcomes, group, metric string) (Statistic, error) {
	if len(a) != len(b) || len(a) == 0 {
		return nil, fmt.Errorf("metric difference: %d and %d seeds", len(a), len(b))
	}
	n := a[0].Len()
	if n == 0 {
		return nil, fmt.Errorf("metric difference: no samples")
	}
	for s := range a {
		if a[s].Len() != n || b[s].Len() != n {
			return nil, fmt.Errorf("metric difference: seed %d has %d and %d samples, want %d", s, a[s].Len(), b[s].Len(), n)
		}
		for i := range n {
			if a[s].Target[i] != a[0].Target[i] || b[s].Target[i] != a[0].Target[i] {
				return nil, fmt.Errorf("metric difference: seed %d sample %d has another target: not the same test samples", s, i)
			}
		}
	}
	if _, ok := (metrics.Report{}).Group(group); !ok {
		return nil, fmt.Errorf("metric difference: unknown group %q", group)
	}
	if _, ok := (metrics.Metrics{}).Get(metric); !ok {
		return nil, fmt.Errorf("metric difference: unknown metric %q", metric)
	}
	var counts []int32
	return func(idx []int) float64 {
		counts = a[0].Counts(idx, counts) // same samples for every seed and method
		var sum float64
		for s := range a {
			x, _ := a[s].ScoreGroup(counts, group).Get(metric)
			y, _ := b[s].ScoreGroup(counts, group).Get(metric)
			sum += x - y
		}
		return sum / float64(len(a))
	}, nil
}
