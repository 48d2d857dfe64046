package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gomlx/gomlx/backends"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/config"
	"github.com/behaviorlm/harness/internal/method"
	"github.com/behaviorlm/harness/internal/metrics"
	"github.com/behaviorlm/harness/internal/results"
)

// executor runs cells and writes their results.
type executor struct {
	ctx     context.Context
	deps    deps
	cfg     *config.Config
	exp     *config.Experiment
	opts    *options
	log     io.Writer
	logMu   sync.Mutex
	env     results.Env
	backend backends.Backend
	bdesc   string
	// abandoned is set when an interrupted method was left running; the backend is then not
	// finalised under it.
	abandoned bool
	// reuseArtifacts (-repeat) has methods load a cell's saved artefacts instead of training.
	reuseArtifacts bool

	logs map[string]*datasets.Log
	task struct { // the task of the current (data set, k, seed), shared by its cells
		key   taskKey
		task  *datasets.Task
		stats *datasets.Stats
		err   error
		valid bool
	}
}

// inputError is a broken input found before any cell ran (exit status 2, nothing written).
type inputError struct{ error }

func (e *inputError) Unwrap() error { return e.error }

// summary counts what a run did.
type summary struct {
	ran, skipped, failed int
	locked               []string
	failures             []string
	interrupted          bool
}

// logf prints a line to the progress log.
func (x *executor) logf(format string, args ...any) {
	x.logMu.Lock()
	defer x.logMu.Unlock()
	fmt.Fprintf(x.log, format+"\n", args...)
}

// setInCell tells the interrupt handler whether a cell is running (see deps.inCell).
func (x *executor) setInCell(v bool) {
	if x.deps.inCell != nil {
		x.deps.inCell.Store(v)
	}
}

// cleanLeftovers removes the temporary files that killed writes left in the experiment's folder
// and the cache (older than -lock-stale: a younger one may be a live runner's write).
func (x *executor) cleanLeftovers() {
	for _, dir := range []string{results.ExperimentDir(x.opts.out, x.exp.Name), filepath.Join(x.opts.out, "cache")} {
		removed, err := results.CleanTemp(dir, x.opts.lockStale)
		if err != nil {
			x.logf("warning: %v", err)
		}
		for _, p := range removed {
			x.logf("removed a leftover temporary file of an interrupted write: %s", p)
		}
	}
}

// run executes the selected cells in order and returns what happened; loadData must have run.
func (x *executor) run(cells []*cell) (*summary, error) {
	s := &summary{}
	var todo []*cell
	for _, c := range cells {
		if !x.opts.force {
			if ok, _ := current(c); ok {
				s.skipped++
				continue
			}
		}
		todo = append(todo, c)
	}
	x.logf("experiment %s: %d of %d cells selected, %d already done, %d to run", x.exp.Name, len(cells), x.exp.NumCells(), s.skipped, len(todo))
	if len(todo) == 0 {
		return s, nil
	}
	if x.backend == nil {
		b, desc, err := x.deps.newBackend(x.opts.backend)
		if err != nil {
			return s, fmt.Errorf("backend: %w", err)
		}
		x.backend, x.bdesc = b, desc
	}
	x.logf("backend: %s", x.bdesc)
	start := time.Now()
	est := newETAEstimator()
	for i, c := range todo {
		if x.ctx.Err() != nil {
			s.interrupted = true
			break
		}
		x.setInCell(true)
		lock, err := results.AcquireLock(c.path+".lock", x.opts.lockStale)
		if err != nil {
			x.setInCell(false)
			var le *results.LockedError
			if errors.As(err, &le) {
				x.logf("[%d/%d] %s: skipped, %v", i+1, len(todo), c.label(), err)
				s.locked = append(s.locked, c.id)
				continue
			}
			return s, err
		}
		ok, why := current(c)
		if ok && !x.opts.force {
			lock.Release() // another runner finished it meanwhile
			x.setInCell(false)
			s.skipped++
			continue
		}
		if why != "" {
			why = " (" + why + ")"
		}
		x.logf("[%d/%d] %s ...%s", i+1, len(todo), c.label(), why)
		r := x.runCell(c)
		if x.ctx.Err() != nil {
			lock.Release()
			x.setInCell(false)
			s.interrupted = true
			x.logf("[%d/%d] %s: interrupted, nothing written", i+1, len(todo), c.label())
			break
		}
		if err := results.Write(c.path, r); err != nil {
			lock.Release()
			x.setInCell(false)
			return s, err
		}
		if err := lock.Release(); err != nil {
			x.logf("warning: %v", err)
		}
		x.setInCell(false)
		s.ran++
		est.add(c, r)
		eta := est.eta(todo[i+1:])
		status := "ok"
		if r.Status != results.StatusOK {
			s.failed++
			s.failures = append(s.failures, fmt.Sprintf("%s: %s", c.id, oneLine(r.Reason, 300)))
			status = "FAILED: " + oneLine(r.Reason, 300)
		} else {
			status = fmt.Sprintf("ok: overall acc %.3f, tail wf1 %.3f", r.Metrics.Overall.Accuracy, r.Metrics.Tail.WeightedF1)
		}
		x.logf("[%d/%d] %s %s (%.1fs; elapsed %s, ETA %s)", i+1, len(todo), c.label(), status, r.WallSeconds,
			time.Since(start).Round(time.Second), eta)
	}
	return s, nil
}

// taskFor returns the cell's task, building it when the (data set, k, seed) changes.
func (x *executor) taskFor(c *cell) (*datasets.Task, *datasets.Stats, error) {
	if x.task.valid && x.task.key == c.taskKey() {
		return x.task.task, x.task.stats, x.task.err
	}
	x.task.valid, x.task.key = true, c.taskKey()
	x.task.task, x.task.stats, x.task.err = nil, nil, nil
	log, ok := x.logs[c.dataset.Name]
	if !ok {
		t0 := time.Now()
		var err error
		log, err = datasets.Load(c.dataset.Spec)
		if err != nil {
			x.task.err = fmt.Errorf("load data set %s: %w", c.dataset.Name, err)
			return nil, nil, x.task.err
		}
		x.logs[c.dataset.Name] = log
		x.logf("    loaded %s: %d users, %d events (%.1fs)", c.dataset.Name, len(log.Users), log.NumEvents(), time.Since(t0).Seconds())
	}
	task, err := datasets.BuildTask(log, x.exp.Data, c.k, c.seed)
	if err != nil {
		x.task.err = fmt.Errorf("build task %s k=%s seed=%d: %w", c.dataset.Name, config.KString(c.k), c.seed, err)
		return nil, nil, x.task.err
	}
	task.Dataset = c.dataset.Name
	st := datasets.ComputeStats(log, task)
	st.Dataset = c.dataset.Name
	x.task.task, x.task.stats = task, &st
	return task, &st, nil
}

// runCell runs one cell's method and evaluates it; every failure becomes a failed cell record.
func (x *executor) runCell(c *cell) *results.Cell {
	r := &results.Cell{Experiment: x.exp.Name, Dataset: c.dataset.Name, Method: c.variant.Name, Kind: c.variant.Kind,
		TailShots: c.k, Seed: c.seed, Config: c.cfg, ConfigHash: c.hash, Backend: x.bdesc, Env: x.env, Start: time.Now().UTC()}
	finish := func(err error) *results.Cell {
		r.End = time.Now().UTC()
		r.WallSeconds = r.End.Sub(r.Start).Seconds()
		if err != nil {
			r.Status, r.Reason, r.Metrics = results.StatusFailed, err.Error(), nil
		} else {
			r.Status = results.StatusOK
		}
		return r
	}
	task, stats, err := x.taskFor(c)
	if err != nil {
		return finish(err)
	}
	r.TaskFingerprint, r.TaskStats = task.Fingerprint(), stats
	m, err := x.cfg.NewMethod(x.deps.registry, c.variant)
	if err != nil {
		return finish(fmt.Errorf("create method: %w", err))
	}
	prefix := "    [" + c.label() + "] "
	env := method.Env{Ctx: x.ctx, Backend: x.backend, Seed: c.seed, CacheDir: filepath.Join(x.opts.out, "cache"),
		Logf:        func(format string, args ...any) { x.logf(prefix+format, args...) },
		ArtifactDir: artifactDir(c.path), ReuseArtifacts: x.reuseArtifacts}
	out, err := x.runMethod(m, env, task)
	if err != nil {
		return finish(err)
	}
	r.Stages = out.Stages
	if len(out.Info) > 0 {
		r.Info = map[string]results.Float{}
		for k, v := range out.Info {
			r.Info[k] = results.Float(v)
		}
	}
	for _, st := range out.Stages {
		if l := float64(st.FinalLoss); math.IsNaN(l) || math.IsInf(l, 0) {
			return finish(fmt.Errorf("stage %s: non-finite loss %v", st.Name, l))
		}
	}
	if len(out.TestScores) != len(task.Test) {
		return finish(fmt.Errorf("method returned %d score rows for %d test samples", len(out.TestScores), len(task.Test)))
	}
	o, err := metrics.Rank(out.TestScores, datasets.Targets(task.Test), task.Anchor)
	if err != nil {
		return finish(err)
	}
	rep := o.Score(nil)
	r.Metrics, r.Samples = &rep, o // results.Write stores the samples in the cell's sidecar
	return finish(nil)
}

// interruptGrace is how long a method may take to return after an interrupt before the runner
// abandons it (its result would be discarded anyway).
const interruptGrace = 5 * time.Second

// runMethod runs the method in its own goroutine so that an interrupt stops the runner even when
// the method does not watch env.Ctx: after interruptGrace the method is abandoned (the process
// exits soon after; methods write their caches atomically) and the backend is not finalised.
func (x *executor) runMethod(m method.Method, env method.Env, task *datasets.Task) (*method.Output, error) {
	type result struct {
		out *method.Output
		err error
	}
	ch := make(chan result, 1)
	go func() {
		out, err := safeRun(m, env, task)
		ch <- result{out, err}
	}()
	select {
	case r := <-ch:
		return r.out, r.err
	case <-x.ctx.Done():
	}
	grace := x.deps.interruptGrace
	if grace <= 0 {
		grace = interruptGrace
	}
	select {
	case r := <-ch:
		return r.out, r.err
	case <-time.After(grace):
		x.abandoned = true
		x.logf("    method did not stop within %v of the interrupt; abandoning it", grace)
		return nil, x.ctx.Err()
	}
}

// safeRun calls the method, turning a panic into an error with the panicking stack.
func safeRun(m method.Method, env method.Env, task *datasets.Task) (out *method.Output, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("panic: %v\n%s", p, trimStack(debug.Stack(), 30))
		}
	}()
	out, err = m.Run(env, task)
	if err == nil && out == nil {
		err = fmt.Errorf("method returned no output")
	}
	return out, err
}

// trimStack keeps the first n lines of a stack trace.
func trimStack(stack []byte, n int) string {
	lines := strings.Split(string(stack), "\n")
	if len(lines) > n {
		lines = append(lines[:n], "...")
	}
	return strings.Join(lines, "\n")
}

// oneLine shortens a message to its first line, at most n bytes.
func oneLine(s string, n int) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > n {
		s = s[:n] + "..."
	}
	return s
}

// etaEstimator predicts the time of the remaining cells from measured durations. A cell is
// expected to take the mean of the finished cells of the same method variant, else of the same
// method kind, else (a guess, flagged as such) of all finished cells. A pretraining that was not
// cached (an uncached "pretrain" stage: the LM of a data set and seed, reused by its other cells)
// is measured apart and counted once per (data set, seed, backbones) not yet seen, instead of
// inflating every cell of its kind (issue 14: the first cell, with pretraining, times the rest).
type etaEstimator struct {
	byVariant, byKind map[string][]time.Duration
	all, pretrain     []time.Duration
	pretrained        map[string]bool
}

func newETAEstimator() *etaEstimator {
	return &etaEstimator{byVariant: map[string][]time.Duration{}, byKind: map[string][]time.Duration{}, pretrained: map[string]bool{}}
}

// pretrainKey names the pretrained LM a cell shares with others ("" for a cell without backbone).
func pretrainKey(c *cell) string {
	if len(c.cfg.Backbones) == 0 {
		return ""
	}
	names := make([]string, 0, len(c.cfg.Backbones))
	for n := range c.cfg.Backbones {
		names = append(names, n)
	}
	sort.Strings(names)
	return fmt.Sprintf("%s/%d/%s", c.dataset.Name, c.seed, strings.Join(names, ","))
}

// add records a finished cell: its wall time without any uncached pretraining.
func (e *etaEstimator) add(c *cell, r *results.Cell) {
	d := time.Duration(r.WallSeconds * float64(time.Second))
	for _, st := range r.Stages {
		if st.Name == "pretrain" && !st.Cached {
			p := time.Duration(st.Seconds * float64(time.Second))
			e.pretrain = append(e.pretrain, p)
			d -= p
		}
	}
	d = max(d, 0)
	if k := pretrainKey(c); k != "" {
		e.pretrained[k] = true
	}
	e.byVariant[c.variant.Name] = append(e.byVariant[c.variant.Name], d)
	e.byKind[c.variant.Kind] = append(e.byKind[c.variant.Kind], d)
	e.all = append(e.all, d)
}

func mean(ds []time.Duration) time.Duration {
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds))
}

// remaining estimates the time of cells; guessed counts the cells of kinds not timed yet.
func (e *etaEstimator) remaining(cells []*cell) (total time.Duration, guessed int) {
	pending := map[string]bool{}
	for _, c := range cells {
		switch {
		case len(e.byVariant[c.variant.Name]) > 0:
			total += mean(e.byVariant[c.variant.Name])
		case len(e.byKind[c.variant.Kind]) > 0:
			total += mean(e.byKind[c.variant.Kind])
		case len(e.all) > 0:
			total += mean(e.all)
			guessed++
		}
		if k := pretrainKey(c); k != "" && !e.pretrained[k] && !pending[k] && len(e.pretrain) > 0 {
			pending[k] = true
			total += mean(e.pretrain)
		}
	}
	return total.Round(time.Second), guessed
}

// eta formats the estimate of the remaining cells for a progress line.
func (e *etaEstimator) eta(cells []*cell) string {
	total, guessed := e.remaining(cells)
	if guessed == 0 {
		return total.String()
	}
	return fmt.Sprintf("%s, a guess for %d cells of kinds not timed yet", total, guessed)
}

// artifactDir is where a cell's artefacts (e.g. save_adapter's LoRA adapters) go: its result path
// with the cells folder replaced by artifacts and without ".json", e.g.
// results/main/artifacts/nyc/uniform/k5-seed1 for results/main/cells/nyc/uniform/k5-seed1.json
// (outside cells/, which holds only result files). A result file outside a cells folder gets
// FILE.artifacts next to it.
func artifactDir(resultPath string) string {
	base := strings.TrimSuffix(resultPath, ".json")
	parts := strings.Split(filepath.ToSlash(base), "/")
	for i := len(parts) - 2; i >= 0; i-- {
		if parts[i] == "cells" {
			parts[i] = "artifacts"
			return filepath.FromSlash(strings.Join(parts, "/"))
		}
	}
	return base + ".artifacts"
}
