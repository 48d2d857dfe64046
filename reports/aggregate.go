package reports

import (
	"fmt"
	"math"
	"sort"

	"github.com/behaviorlm/harness/internal/results"
)

// key identifies the seeds of one (data set, method variant, k).
type key struct {
	dataset, method string
	k               int
}

// agg holds the ok cells of one key, sorted by seed.
type agg struct {
	cells []*results.Cell
}

// group collects ok cells by (data set, method, k), each group sorted by seed.
func group(cells []*results.Cell) map[key]*agg {
	out := map[key]*agg{}
	for _, c := range cells {
		if c.Status != results.StatusOK || c.Metrics == nil {
			continue
		}
		k := key{c.Dataset, c.Method, c.TailShots}
		if out[k] == nil {
			out[k] = &agg{}
		}
		out[k].cells = append(out[k].cells, c)
	}
	for _, a := range out {
		sort.Slice(a.cells, func(i, j int) bool { return a.cells[i].Seed < a.cells[j].Seed })
	}
	return out
}

// Stat is a metric's mean and sample standard deviation (n-1) over seeds.
type Stat struct {
	Mean, Std float64
	N         int
}

// stat returns the statistic of one metric of one group over the cells' seeds; seeds whose
// group has no samples are left out.
func (a *agg) stat(groupName, metric string) (Stat, error) {
	if a == nil || len(a.cells) == 0 {
		return Stat{}, nil
	}
	var vals []float64
	for _, c := range a.cells {
		g, ok := c.Metrics.Group(groupName)
		if !ok {
			return Stat{}, fmt.Errorf("unknown group %q", groupName)
		}
		v, ok := g.Get(metric)
		if !ok {
			return Stat{}, fmt.Errorf("unknown metric %q", metric)
		}
		if g.N == 0 {
			continue // a group without samples has no value ("-"), not 0
		}
		vals = append(vals, v)
	}
	return meanStd(vals), nil
}

// meanStd returns the mean and the n-1 standard deviation (0 for one value).
func meanStd(vals []float64) Stat {
	s := Stat{N: len(vals)}
	if s.N == 0 {
		return s
	}
	for _, v := range vals {
		s.Mean += v
	}
	s.Mean /= float64(s.N)
	if s.N > 1 {
		var ss float64
		for _, v := range vals {
			ss += (v - s.Mean) * (v - s.Mean)
		}
		s.Std = math.Sqrt(ss / float64(s.N-1))
	}
	return s
}

// format renders a statistic as "0.412 ± 0.010", adding "(n=2)" when fewer seeds than expected
// were available and "-" when none.
func format(s Stat, expected int) string {
	if s.N == 0 {
		return "-"
	}
	out := fmt.Sprintf("%.3f", s.Mean)
	if s.N > 1 {
		out += fmt.Sprintf(" ± %.3f", s.Std)
	}
	if s.N < expected {
		out += fmt.Sprintf(" (n=%d)", s.N)
	}
	return out
}
