package main

import (
	"fmt"
	"io"

	"github.com/behaviorlm/harness/internal/config"
	"github.com/behaviorlm/harness/reports"
)

// compare prints the paired table of the two method variants of -compare from the stored cells
// of the experiment; it writes nothing.
func compare(cfg *config.Config, e *config.Experiment, cells []*cell, opts *options, stdout, stderr io.Writer) int {
	in, _ := currentResults(cfg, e, cells, opts.out, stderr)
	t, err := reports.Compare(in, opts.compare[0], opts.compare[1])
	if err != nil {
		fmt.Fprintf(stderr, "runner: -compare: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "# %s: %s − %s (paired: same test samples; bootstrap over test samples where both cells have per-sample outcomes, else t over seeds; Holm across each table)\n", e.Name, opts.compare[0], opts.compare[1])
	fmt.Fprint(stdout, t)
	return exitOK
}
