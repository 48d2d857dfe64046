package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"

	"github.com/behaviorlm/harness/internal/results"
)

// merge copies the experiment's cell files from other results folders into out. A cell already
// in out is kept when it is ok with its planned config; otherwise an ok source file with the
// planned config replaces it.
func merge(dirs []string, out, exp string, cells []*cell, stderr io.Writer) error {
	copied := 0
	for _, dir := range dirs {
		for _, c := range cells {
			rel, err := filepath.Rel(out, c.path)
			if err != nil {
				return err
			}
			src := filepath.Join(dir, rel)
			r, err := results.Read(src)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				fmt.Fprintf(stderr, "runner: -merge: skipping %v\n", err)
				continue
			}
			if r.ConfigHash != c.hash || r.Status != results.StatusOK {
				continue
			}
			if have, _ := current(c); have {
				continue
			}
			if err := results.Write(c.path, r); err != nil {
				return err
			}
			copied++
		}
	}
	fmt.Fprintf(stderr, "runner: -merge: copied %d cell results of %s into %s\n", copied, exp, out)
	return nil
}
