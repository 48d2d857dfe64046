package main

import (
	"fmt"
	"time"

	"github.com/behaviorlm/harness/datasets"
)

// loadData loads the data sets of the cells and builds the task of every (data set, k, seed)
// among them before any cell runs, recording each cell's task fingerprint (the data as it is now,
// part of judge's identity rule). So a broken data file is reported at once, as one line naming
// the config entry and the data file (and its line where the reader knows it), before anything is
// written.
func (x *executor) loadData(cells []*cell) error {
	fps := map[taskKey]string{}
	for _, c := range cells {
		if fp, ok := fps[c.taskKey()]; ok {
			c.fingerprint = fp
			continue
		}
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
		task, _, err := x.taskFor(c)
		if err != nil {
			return fmt.Errorf("data set %s (%s): %w", c.dataset.Name, where, err)
		}
		c.fingerprint = task.Fingerprint()
		fps[c.taskKey()] = c.fingerprint
	}
	return nil
}
