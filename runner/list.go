package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/behaviorlm/harness/internal/config"
)

// list prints the experiments and their sizes.
func list(cfg *config.Config, stdout io.Writer) int {
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "experiment\tcells\tdata sets\tmethods\tk\tseeds\tdescription")
	for _, e := range cfg.Experiments {
		var ks, seeds []string
		for _, k := range e.TailShots {
			ks = append(ks, config.KString(k))
		}
		for _, s := range e.Seeds {
			seeds = append(seeds, fmt.Sprint(s))
		}
		var names []string
		for _, v := range e.Variants {
			names = append(names, v.Name)
		}
		fmt.Fprintf(w, "%s\t%d\t%s\t%d: %s\t%s\t%s\t%s\n", e.Name, e.NumCells(), strings.Join(e.Datasets, ","),
			len(names), strings.Join(names, ","), strings.Join(ks, ","), strings.Join(seeds, ","), oneLine(e.Description, 80))
	}
	w.Flush()
	return exitOK
}
