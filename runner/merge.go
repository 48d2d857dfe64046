package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/behaviorlm/harness/internal/results"
)

// merge copies the experiment's cell files from other results folders into out. A cell already
// in out is kept when it is current (judge); otherwise a current ok source file replaces it.
func merge(dirs []string, out, exp string, cells []*cell, stderr io.Writer) error {
	copied := 0
	for _, dir := range dirs {
		for _, c := range cells {
			rel, err := filepath.Rel(out, c.path)
			if err != nil {
				return err
			}
			src := filepath.Join(dir, rel)
			v := judge(c, src)
			if v.state == results.StateStale {
				fmt.Fprintf(stderr, "runner: -merge: skipping %s: %s\n", src, v.reason)
			}
			if v.state != results.StatusOK {
				continue
			}
			if have, _ := current(c); have {
				continue
			}
			if err := results.Write(c.path, v.stored); err != nil {
				return err
			}
			copied++
		}
	}
	fmt.Fprintf(stderr, "runner: -merge: copied %d cell results of %s into %s\n", copied, exp, out)
	return nil
}
