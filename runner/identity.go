package main

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/behaviorlm/harness/internal/metrics"
	"github.com/behaviorlm/harness/internal/results"
)

// verdict is what a stored result file means for a planned cell.
type verdict struct {
	// state is results.StatusOK or StatusFailed (a current record), or results.StateMissing or
	// StateStale (no file; or a file that is not this cell as it would be computed now).
	state  string
	reason string        // why the cell is not ok
	stored *results.Cell // the current record (ok or failed)
	// outcomes are an ok record's validated per-sample outcomes (nil for a cell written before
	// sidecars existed); refused marks a stale verdict whose sidecar failed validation.
	outcomes *metrics.Outcomes
	refused  bool
}

// judge is the one rule for "the stored cell at path is the cell we would compute now", used by
// the skip check, the report, -merge and the CI gate (which reads the report's current cells):
// the file is a valid record (results.Read checks its schema, config hash and metric ranges) of
// the same cell id, with the planned config hash and, for an ok cell, the task fingerprint of the
// data as it is now (c.fingerprint, set by loadData: a data file changed in place makes the cell
// stale), and, when the record links a per-sample sidecar, a sidecar that matches its hash and
// re-scores to its metrics exactly (a cell whose sidecar fails is refused: stale, so it runs
// again, and the report says so). The experiment name stored in the record is not part of it:
// the folder is.
func judge(c *cell, path string) verdict {
	r, err := results.Read(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return verdict{state: results.StateMissing}
	case err != nil:
		return verdict{state: results.StateStale, reason: fmt.Sprintf("invalid result file (%v)", err)}
	case r.ID() != c.id:
		return verdict{state: results.StateStale, reason: fmt.Sprintf("the file holds cell %s", r.ID())}
	case r.ConfigHash != c.hash:
		return verdict{state: results.StateStale, reason: "config changed since the stored result"}
	case r.Status != results.StatusOK:
		return verdict{state: results.StatusFailed, reason: oneLine(r.Reason, 300), stored: r}
	case c.fingerprint == "":
		panic("judge: cell " + c.id + " has no task fingerprint") // loadData sets it for every planned cell
	case r.TaskFingerprint != c.fingerprint:
		return verdict{state: results.StateStale, reason: "the data changed since the stored result (task fingerprint differs)"}
	}
	o, err := results.LoadOutcomes(path, r)
	if err != nil {
		return verdict{state: results.StateStale, reason: oneLine("refused: "+err.Error(), 300), refused: true}
	}
	return verdict{state: results.StatusOK, stored: r, outcomes: o}
}

// current reports whether the cell's own file holds its current ok result, and if not, why
// (empty when there is no file).
func current(c *cell) (bool, string) {
	v := judge(c, c.path)
	switch v.state {
	case results.StatusOK:
		return true, ""
	case results.StatusFailed:
		return false, "previous attempt failed, retrying"
	case results.StateStale:
		return false, v.reason + ", re-running"
	}
	return false, ""
}
