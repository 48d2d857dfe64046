package main

import (
	"fmt"
	"time"

	"github.com/behaviorlm/harness/datasets"
)

// loadData loads the data sets of the cells and builds the task of each data set's first cell
// before any cell runs, so a broken data file is reported at once, as one line naming the config
// entry and the data file (and its line where the reader knows it), before anything is written.
func (x *executor) loadData(cells []*cell) error {
	seen := map[string]bool{}
	for _, c := range cells {
		if seen[c.dataset.Name] {
			continue
		}
		seen[c.dataset.Name] = true
		where := fmt.Sprintf("%s:%d", x.cfg.Path, c.dataset.Line)
		if c.dataset.Spec.Path != "" {
			where += ", path " + c.dataset.Spec.Path
		}
		if _, ok := x.logs[c.dataset.Name]; !ok {
			t0 := time.Now()
			log, err := datasets.Load(c.dataset.Spec)
			if err != nil {
				return fmt.Errorf("data set %s (%s): %w", c.dataset.Name, where, err)
			}
			x.logs[c.dataset.Name] = log
			x.logf("    loaded %s: %d users, %d events (%.1fs)", c.dataset.Name, len(log.Users), log.NumEvents(), time.Since(t0).Seconds())
		}
		if _, _, err := x.taskFor(c); err != nil {
			return fmt.Errorf("data set %s (%s): %w", c.dataset.Name, where, err)
		}
	}
	return nil
}
