// Command runner executes the experiment grids of experiments.yaml, records one result file per
// cell, and writes the markdown reports and the CI accuracy gate. Run `./run -h` (./run builds
// bin/runner and runs it, passing the exit status through) or `go run ./runner -h`.
//
// A cell is (experiment, data set, method variant, tail shots k, seed). Cells run in a fixed order
// (data sets, then k, then seeds, then methods), so the datasets.Task of a (data set, k, seed) is
// built once and shared by all its methods. Each cell's method output is ranked and scored by
// internal/metrics (Rank, then Score; the per-sample outcomes go to the cell's sidecar,
// k<k>-seed<seed>.outcomes.csv.gz) and stored as <out>/<exp>/cells/<dataset>/<method>/k<k>-seed<seed>.json
// with its status, metrics, effective configuration and its SHA-256, seed, backend, git commit,
// Go and module versions, task fingerprint and statistics, stage timings and wall time. -out
// defaults to runs/ (git-ignored); the committed reference results/ of the module is written only
// with -reference, and a run ends by comparing its cells with the committed reference cells.
//
// Resuming: a cell whose file judges current (judge: a valid record of the same cell with the
// planned config hash and task fingerprint; the same rule for the report, -merge and the gate) is
// skipped; anything else (missing, failed, invalid, config or data changed) runs again, so an
// interrupted sweep resumes by re-running the same command. A failing cell (error, NaN, panic) is
// recorded and the sweep goes on; the exit status is 1 at the end. SIGINT/SIGTERM cancels the
// method's context, discards the current cell and exits 130; outside a cell (parsing, loading
// data, writing reports) it exits at once.
//
// Parallel and distributed runs: a runner locks a cell (an O_EXCL lock file naming its pid, host,
// boot, PID namespace and a random owner token, refreshed while held; results.Lock says when a
// lock is broken) before running it, so several runners may share a results folder; each skips
// cells another holds. -shard i/n selects the cells whose grid index is i modulo n: use it with
// Slurm job arrays (-shard $SLURM_ARRAY_TASK_ID/N) or Kubernetes indexed Jobs
// (-shard $JOB_COMPLETION_INDEX/N). The report reads every planned cell's file, so shards that
// wrote to separate folders are merged by copying their cells/ folders together (or with -merge)
// and running -report.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gomlx/gomlx/backends"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/config"
	"github.com/behaviorlm/harness/internal/engine"
	"github.com/behaviorlm/harness/internal/results"
)

// Exit statuses.
const (
	exitOK          = 0
	exitFailed      = 1 // a cell failed, or -check fell short
	exitUsage       = 2 // bad flags or config
	exitInterrupted = 130
)

// deps are the runner's connections to the rest of the harness, replaced in tests.
type deps struct {
	registry config.Registry
	// newBackend creates the backend for a spec and describes it.
	newBackend func(spec string) (backends.Backend, string, error)
	// env describes the code and toolchain (git commit, versions).
	env func() results.Env
	// interruptGrace overrides how long an interrupted method may take to return (0 = default).
	interruptGrace time.Duration
	// inCell, when set, is true while a cell is locked and running: an interrupt then cancels
	// the cell (which stops promptly and writes nothing); at any other time the runner exits at
	// once (everything it writes is atomic, and leftovers are cleaned on the next start).
	inCell *atomic.Bool
	// chdir changes the working directory (os.Chdir; nil in tests: see locate).
	chdir func(string) error
}

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	inCell := &atomic.Bool{}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sig
		signal.Stop(sig) // a second interrupt kills the process
		if !inCell.Load() {
			// Parsing, loading data, judging stored cells, writing a report: nothing to keep.
			fmt.Fprintf(os.Stderr, "\nrunner: %v: stopping (no cell was running; nothing partial is written)\n", s)
			os.Exit(exitInterrupted)
		}
		fmt.Fprintf(os.Stderr, "\nrunner: %v: abandoning the current cell (nothing partial is written) and stopping; interrupt again to quit at once\n", s)
		cancel()
	}()
	d, err := defaultDeps()
	if err != nil {
		fmt.Fprintf(os.Stderr, "runner: %v\n", err)
		os.Exit(exitUsage)
	}
	d.inCell = inCell
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, d))
}

// run is the whole command; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, d deps) int {
	opts, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	// The backend before anything else: a bad or unavailable -backend is a usage error (exit 2)
	// even when no cell needs to run.
	if _, err := engine.CheckSpec(opts.backend); err != nil {
		fmt.Fprintf(stderr, "runner: -backend: %v\n", err)
		return exitUsage
	}
	var backend backends.Backend
	var bdesc string
	if opts.repeat != "" || (!opts.list && opts.stats == "" && !opts.report && len(opts.merge) == 0 && opts.compare == nil) {
		if backend, bdesc, err = d.newBackend(opts.backend); err != nil {
			fmt.Fprintf(stderr, "runner: -backend: %v\n", err)
			return exitUsage
		}
	}
	if err := locate(opts, d.chdir, stderr); err != nil {
		fmt.Fprintf(stderr, "runner: %v\n", err)
		return exitUsage
	}
	if opts.repeat != "" {
		x := &executor{ctx: ctx, deps: d, opts: opts, log: stderr, env: d.env(), logs: map[string]*datasets.Log{}, backend: backend, bdesc: bdesc}
		return repeat(x, opts.repeat, stdout, stderr)
	}
	if !opts.list && opts.stats == "" && opts.compare == nil { // these only read the results
		if err := guardReference(opts); err != nil {
			fmt.Fprintf(stderr, "runner: %v\n", err)
			return exitUsage
		}
	}
	cfg, err := config.Load(opts.configPath, d.registry)
	if err != nil {
		fmt.Fprintf(stderr, "runner: %v\n", err)
		return exitUsage
	}
	if opts.list {
		return list(cfg, stdout)
	}
	exp, err := cfg.Experiment(opts.exp)
	if err != nil {
		fmt.Fprintf(stderr, "runner: %v\n", err)
		return exitUsage
	}
	if opts.seeds != nil {
		cp := *exp
		cp.Seeds = opts.seeds
		exp = &cp
	}
	if opts.stats != "" {
		return printStats(cfg, exp, opts.stats, stdout, stderr)
	}
	if opts.check && len(exp.Thresholds) == 0 {
		fmt.Fprintf(stderr, "runner: -check: experiment %s has no thresholds\n", exp.Name)
		return exitUsage
	}
	cells, err := plan(cfg, exp, opts.out)
	if err != nil {
		fmt.Fprintf(stderr, "runner: %v\n", err)
		return exitUsage
	}
	x := &executor{ctx: ctx, deps: d, cfg: cfg, exp: exp, opts: opts, log: stderr, env: d.env(), logs: map[string]*datasets.Log{}, backend: backend, bdesc: bdesc}
	defer func() {
		if x.backend != nil && !x.abandoned {
			x.backend.Finalize()
		}
	}()
	if err := x.loadData(cells); err != nil {
		fmt.Fprintf(stderr, "runner: %v\n", err)
		return exitUsage
	}
	if opts.compare != nil {
		return compare(cfg, exp, cells, opts, stdout, stderr)
	}
	status := exitOK
	var sum *summary
	switch {
	case len(opts.merge) > 0:
		if err := merge(opts.merge, opts.out, exp.Name, cells, stderr); err != nil {
			fmt.Fprintf(stderr, "runner: %v\n", err)
			return exitFailed
		}
	case !opts.report:
		x.cleanLeftovers()
		selected := selectCells(cells, opts.only, opts.shardI, opts.shardN)
		if len(selected) == 0 {
			fmt.Fprintf(stderr, "runner: no cell of %s matches -only %q and -shard %d/%d\n", exp.Name, opts.only, opts.shardI, opts.shardN)
			return exitUsage
		}
		sum, err = x.run(selected)
		if err != nil {
			fmt.Fprintf(stderr, "runner: %v\n", err)
			var ie *inputError
			if errors.As(err, &ie) {
				return exitUsage
			}
			return exitFailed
		}
	}
	cur, err := writeReport(cfg, exp, cells, opts.out, stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "runner: %v\n", err)
		return exitFailed
	}
	if sum != nil {
		status = printSummary(sum, stderr)
		compareReference(opts, exp.Name, cells, x.env, stderr)
	}
	if status == exitInterrupted {
		return status
	}
	if opts.check {
		if !check(exp, cur, stdout, stderr) {
			status = exitFailed
		}
	}
	return status
}

// printSummary reports failed and locked cells and returns the exit status of the run.
func printSummary(s *summary, stderr io.Writer) int {
	fmt.Fprintf(stderr, "runner: %d cells run (%d failed), %d already done", s.ran, s.failed, s.skipped)
	if len(s.locked) > 0 {
		fmt.Fprintf(stderr, ", %d skipped because another runner holds them", len(s.locked))
	}
	fmt.Fprintln(stderr)
	for _, id := range s.locked {
		fmt.Fprintf(stderr, "  locked by another runner: %s\n", id)
	}
	for _, f := range s.failures {
		fmt.Fprintf(stderr, "  FAILED %s\n", f)
	}
	switch {
	case s.interrupted:
		fmt.Fprintln(stderr, "runner: interrupted; finished cells are saved, re-run the same command to resume")
		return exitInterrupted
	case s.failed > 0:
		return exitFailed
	}
	return exitOK
}
