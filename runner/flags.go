package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// defaultOut is the default results folder, relative to the module root (git-ignored).
const defaultOut = "runs"

// options are the runner's command-line flags.
type options struct {
	exp, configPath, backend, out string
	seeds                         []uint64
	only                          []string
	force, report, check, list    bool
	// reference allows writing into the committed reference results (<module root>/results).
	reference bool
	// configSet and outSet say whether -config and -out were given (locate resolves the defaults).
	configSet, outSet bool
	// root is the module root when the config file sits in it (then <root>/results holds the
	// committed reference results), else "".
	root           string
	shardI, shardN int
	merge          []string
	stats          string
	repeat         string
	compare        []string
	lockStale      time.Duration
}

const usageText = `Usage: ./run [flags]   (builds bin/runner, then runs it; or go run ./runner [flags])

Runs a named experiment grid of experiments.yaml (data sets x methods x tail shots k x seeds) and
writes one result file per cell, a manifest and a markdown report:

  <out>/<exp>/cells/<dataset>/<method>/k<k>-seed<seed>.json   per-cell result (atomic write)
  <out>/<exp>/cells/.../k<k>-seed<seed>.outcomes.csv.gz         per-test-sample outcomes, hash-linked
  <out>/<exp>/manifest.json                                    planned cells and their state
  <out>/<exp>/report.md (+ *.svg plots, cells.csv)             tables, also printed; long-form CSV
  <out>/cache/                                                 pretrained LMs etc., shared

A re-run skips cells whose file has status ok and the same config hash; failed cells, cells whose
config changed and corrupt files are run again (-force redoes all). Each cell is locked while it
runs (<cell>.json.lock), so several runners can share one results folder.

Flags:
`

const examplesText = `
Examples:
  ./run                                    # the quick experiment (nyc + geolife, k=5, seed 1) into runs/quick,
                                           # then compared with the committed results/quick/cells
  go run ./runner -list                    # experiments and their cell counts
  go run ./runner -exp main -seeds 1,2     # the main grid with two seeds only
  go run ./runner -exp main -only 'nyc/*'  # only the nyc cells (glob on dataset/method/k/seed)
  go run ./runner -exp main -only sasrec,pop
  go run ./runner -exp ci -check           # CI gate: run the ci grid, compare with its thresholds
  go run ./runner -exp main -report        # rebuild runs/main/report.md from stored results, no training
  go run ./runner -exp main -report -out results -reference   # maintainers: the committed report
  go run ./runner -stats nyc               # data set statistics table (-stats all: every data set)
  go run ./runner -exp main -compare behaviorlm,uniform   # paired differences from stored cells
  GOMLX_BACKEND=xla:cuda go run ./runner -exp main   # another GoMLX backend
  go run ./runner -repeat results/quick/cells/nyc/sasrec/k5-seed1.json   # reproduce one stored cell

Distributed runs: -shard i/n runs the cells whose index in the (deterministic) grid order
satisfies index % n == i. With a shared results folder, run n shards in parallel (Slurm array:
-shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT; Kubernetes indexed Job:
-shard $JOB_COMPLETION_INDEX/<completions>), then -report. Without a shared folder, give each shard
its own -out and combine them with -merge:
  go run ./runner -exp main -out all -merge shard0/,shard1/,shard2/
(-merge copies the experiment's finished cell files from each folder into -out, keeping a cell
already there when it is ok with the same config, then writes the report; copying the cells/
folders by hand and running -report is equivalent).

Exit status: 0 success (-repeat: bit-identical); 1 a cell failed, -check fell short or -repeat differs;
2 bad flags (including an unknown or unavailable -backend), config or data (nothing is written);
130 interrupted (SIGINT/SIGTERM: the current cell is abandoned and nothing partial is written).
go run reports every non-zero status as 1: scripts use ./run (or go build -o bin/runner ./runner).

Without -config, experiments.yaml is looked for in the current folder and then its parents up to
the module root; when found above, the runner works from that folder (relative -out, -merge and
-repeat paths stay relative to where you started).
`

// parseFlags parses the command line; the error is already reported on stderr.
func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("runner", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.exp, "exp", "quick", "experiment to run (see -list)")
	fs.StringVar(&o.configPath, "config", "experiments.yaml", "experiments file")
	fs.StringVar(&o.backend, "backend", "", "GoMLX backend spec: go, go:<options>, xla:<plugin> (empty: $GOMLX_BACKEND, else go)")
	fs.StringVar(&o.out, "out", defaultOut, "results folder (the default is git-ignored; the committed reference results/ needs -reference)")
	fs.BoolVar(&o.reference, "reference", false, "allow writing into the committed reference results (results/ of the module): for maintainers regenerating them")
	seeds := fs.String("seeds", "", "comma-separated seeds overriding the experiment's, e.g. 1,2,3")
	only := fs.String("only", "", "comma-separated filters on cell ids dataset/method/k/seed: substrings, or globs with * and ?")
	fs.BoolVar(&o.force, "force", false, "re-run cells even if a current result exists")
	fs.BoolVar(&o.report, "report", false, "only rebuild the report from stored results (no training)")
	fs.BoolVar(&o.check, "check", false, "after running, compare results with the experiment's thresholds; exit 1 if any falls short")
	fs.BoolVar(&o.list, "list", false, "list the experiments and their cell counts")
	shard := fs.String("shard", "", "run only cells with index % n == i, written i/n (e.g. 0/4)")
	merge := fs.String("merge", "", "comma-separated results folders whose cell files are copied into -out, then report")
	fs.StringVar(&o.repeat, "repeat", "", "re-run the cell of this result file from the config recorded in it (not experiments.yaml), print metric/stored/new/diff; exit 0 if bit-identical, 1 otherwise")
	compare := fs.String("compare", "", "print the paired table of two method variants a,b from stored cells (difference a - b with 95% intervals, p, Holm) and exit; trains nothing")
	fs.StringVar(&o.stats, "stats", "", "print the statistics table of a data set (or all) and exit")
	fs.DurationVar(&o.lockStale, "lock-stale", 10*time.Minute, "a cell lock not refreshed for this long is stale (runners refresh theirs every quarter of it, so the clocks of runners sharing a folder may differ by up to 3/4 of it)")
	fs.Usage = func() {
		fmt.Fprint(stderr, usageText)
		fs.PrintDefaults()
		fmt.Fprint(stderr, examplesText)
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	fs.Visit(func(f *flag.Flag) {
		o.configSet = o.configSet || f.Name == "config"
		o.outSet = o.outSet || f.Name == "out"
	})
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "runner: unexpected arguments %q\n", fs.Args())
		fs.Usage()
		return nil, fmt.Errorf("unexpected arguments")
	}
	fail := func(err error) (*options, error) {
		fmt.Fprintf(stderr, "runner: %v\n", err)
		return nil, err
	}
	if *seeds != "" {
		for _, s := range strings.Split(*seeds, ",") {
			v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
			if err != nil {
				return fail(fmt.Errorf("-seeds: %q is not a non-negative integer", s))
			}
			if slices.Contains(o.seeds, v) {
				return fail(fmt.Errorf("-seeds: seed %d given twice", v))
			}
			o.seeds = append(o.seeds, v)
		}
	}
	for _, f := range strings.Split(*only, ",") {
		if f = strings.TrimSpace(f); f != "" {
			o.only = append(o.only, f)
		}
	}
	o.shardN = 1
	if *shard != "" {
		i, n, ok := strings.Cut(*shard, "/")
		var err1, err2 error
		o.shardI, err1 = strconv.Atoi(i)
		o.shardN, err2 = strconv.Atoi(n)
		if !ok || err1 != nil || err2 != nil || o.shardN < 1 || o.shardI < 0 || o.shardI >= o.shardN {
			return fail(fmt.Errorf("-shard: want i/n with 0 <= i < n, got %q", *shard))
		}
	}
	for _, m := range strings.Split(*merge, ",") {
		if m = strings.TrimSpace(m); m != "" {
			o.merge = append(o.merge, m)
		}
	}
	if *compare != "" {
		for _, m := range strings.Split(*compare, ",") {
			o.compare = append(o.compare, strings.TrimSpace(m))
		}
		if len(o.compare) != 2 || o.compare[0] == "" || o.compare[1] == "" || o.compare[0] == o.compare[1] {
			return fail(fmt.Errorf("-compare: want two different method variants a,b, got %q", *compare))
		}
	}
	if o.lockStale <= 0 {
		return fail(fmt.Errorf("-lock-stale: must be positive"))
	}
	return o, nil
}
