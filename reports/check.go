package reports

import (
	"fmt"

	"github.com/behaviorlm/harness/internal/config"
	"github.com/behaviorlm/harness/internal/results"
)

// CheckResult is one threshold compared with the results, for one tail-shot count.
type CheckResult struct {
	Threshold config.Threshold
	K         int
	// Value is the metric's mean over the seeds found; Value.N < Expected means seeds are missing,
	// which fails the check.
	Value    Stat
	Expected int
	Pass     bool
}

// Check compares an experiment's thresholds with its results: every threshold is checked for
// every tail-shot count of the grid, on the mean over seeds, and passes when all seeds have a
// result and the mean is at least the minimum.
func Check(e *config.Experiment, cells []*results.Cell) ([]CheckResult, error) {
	groups := group(cells)
	var out []CheckResult
	for _, th := range e.Thresholds {
		for _, k := range e.TailShots {
			s, err := groups[key{th.Dataset, th.Method, k}].stat(th.Group, th.Metric)
			if err != nil {
				return nil, err
			}
			out = append(out, CheckResult{Threshold: th, K: k, Value: s, Expected: len(e.Seeds),
				Pass: s.N == len(e.Seeds) && s.Mean >= th.Min})
		}
	}
	return out, nil
}

// CheckTable renders check results as a markdown table; with failuresOnly, only those that fell short.
func CheckTable(rs []CheckResult, failuresOnly bool) (string, error) {
	header := []string{"method", "data set", "k", "group", "metric", "value", "threshold", "status"}
	var rows [][]string
	for _, r := range rs {
		if failuresOnly && r.Pass {
			continue
		}
		value := "-"
		if r.Value.N > 0 {
			value = fmt.Sprintf("%.4f", r.Value.Mean)
		}
		status := "ok"
		switch {
		case r.Value.N < r.Expected:
			status = fmt.Sprintf("FAIL (%d of %d seeds have results)", r.Value.N, r.Expected)
		case !r.Pass:
			status = "FAIL"
		}
		th := r.Threshold
		rows = append(rows, []string{th.Method, th.Dataset, config.KString(r.K), th.Group, th.Metric, value, fmt.Sprintf("%.4f", th.Min), status})
	}
	return markdownTable(header, rows)
}
