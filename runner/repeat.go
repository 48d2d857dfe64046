package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"
	"text/tabwriter"

	"github.com/behaviorlm/harness/internal/config"
	"github.com/behaviorlm/harness/internal/metrics"
	"github.com/behaviorlm/harness/internal/results"
)

// repeat re-runs the cell recorded in a result file, from the configuration stored in that file
// (not from the experiments file), and prints its metrics next to the stored ones. It writes no
// result file. The exit status is 0 when every metric is bit-identical, 1 otherwise.
func repeat(x *executor, path string, stdout, stderr io.Writer) int {
	stored, err := results.Read(path)
	if err != nil {
		fmt.Fprintf(stderr, "runner: -repeat: %v\n", err)
		return exitUsage
	}
	if stored.Status != results.StatusOK {
		fmt.Fprintf(stderr, "runner: -repeat: %s: the stored cell failed (%s); nothing to compare\n", path, oneLine(stored.Reason, 200))
		return exitUsage
	}
	c, cfg, err := cellFromRecord(x.deps.registry, path, stored)
	if err != nil {
		fmt.Fprintf(stderr, "runner: -repeat: %s: %v\n", path, err)
		return exitUsage
	}
	x.cfg, x.exp = cfg, &config.Experiment{Name: stored.Experiment, Data: stored.Config.Data}
	if x.backend == nil {
		b, desc, err := x.deps.newBackend(x.opts.backend)
		if err != nil {
			fmt.Fprintf(stderr, "runner: backend: %v\n", err)
			return exitUsage
		}
		x.backend, x.bdesc = b, desc
	}
	x.reuseArtifacts = true
	x.logf("repeating %s (stored: backend %s, commit %s; now: backend %s, commit %s)", c.label(), stored.Backend, stored.Env.Short(), x.bdesc, x.env.Short())
	r := x.runCell(c)
	if x.backend != nil && !x.abandoned {
		x.backend.Finalize()
	}
	if x.ctx.Err() != nil {
		fmt.Fprintln(stderr, "runner: interrupted")
		return exitInterrupted
	}
	if r.Status != results.StatusOK {
		fmt.Fprintf(stderr, "runner: -repeat: the cell failed: %s\n", oneLine(r.Reason, 300))
		return exitFailed
	}
	if r.TaskFingerprint != stored.TaskFingerprint {
		fmt.Fprintf(stdout, "task fingerprint differs: stored %s, new %s\n", stored.TaskFingerprint, r.TaskFingerprint)
	}
	if same := printMetricDiff(stdout, stored.Metrics, r.Metrics); !same || r.TaskFingerprint != stored.TaskFingerprint {
		fmt.Fprintln(stdout, "DIFFERENT: the repeated cell does not reproduce the stored metrics")
		return exitFailed
	}
	fmt.Fprintln(stdout, "identical: every metric reproduced bit for bit")
	return exitOK
}

// cellFromRecord rebuilds a cell, and the config its method needs, from a stored result: the
// method parameters and backbones are decoded onto zero values of their kinds' parameter structs
// (not onto today's defaults: a field the file leaves out, being omitempty and zero, must stay
// zero even when its default has changed since) and must hash to the stored config hash.
func cellFromRecord(reg config.Registry, path string, r *results.Cell) (*cell, *config.Config, error) {
	f, ok := reg.Methods[r.Config.Kind]
	if !ok {
		return nil, nil, fmt.Errorf("unknown method kind %q", r.Config.Kind)
	}
	params := zeroOf(f.Params())
	if err := config.FromPlain(r.Config.Params, params); err != nil {
		return nil, nil, fmt.Errorf("method parameters: %w", err)
	}
	cfg := &config.Config{Path: path, Data: r.Config.Data}
	names := make([]string, 0, len(r.Config.Backbones))
	for name := range r.Config.Backbones {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		bc := r.Config.Backbones[name]
		bf, ok := reg.Backbones[bc.Kind]
		if !ok {
			return nil, nil, fmt.Errorf("backbone %s: unknown kind %q", name, bc.Kind)
		}
		bp := zeroOf(bf.Params())
		if err := config.FromPlain(bc.Params, bp); err != nil {
			return nil, nil, fmt.Errorf("backbone %s: %w", name, err)
		}
		cfg.Backbones = append(cfg.Backbones, config.Backbone{Name: name, Kind: bc.Kind, Params: bp})
	}
	plain, err := config.Plain(params)
	if err != nil {
		return nil, nil, err
	}
	cc := r.Config
	cc.Params = plain
	hash, err := cc.Hash()
	if err != nil {
		return nil, nil, err
	}
	if hash != r.ConfigHash {
		return nil, nil, fmt.Errorf("the recorded config does not hash to the recorded config_hash (%s != %s): edited file or changed parameter structs", hash, r.ConfigHash)
	}
	ds := config.Dataset{Name: r.Dataset, Spec: r.Config.Dataset}
	v := config.Variant{Name: r.Method, Method: r.Config.Method, Kind: r.Config.Kind, Params: params}
	c := &cell{dataset: ds, variant: v, k: r.TailShots, seed: r.Seed, id: r.ID(), path: path, cfg: r.Config, hash: r.ConfigHash}
	return c, cfg, nil
}

// printMetricDiff prints metric, stored, new and diff for every metric; it reports whether all are
// bit-identical.
func printMetricDiff(w io.Writer, stored, now *metrics.Report) bool {
	a, b := flatMetrics(stored), flatMetrics(now)
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "metric\tstored\tnew\tdiff\t")
	same := true
	for _, k := range keys {
		x, okx := a[k]
		y, oky := b[k]
		d := y - x
		if !okx || !oky || math.Float64bits(x) != math.Float64bits(y) {
			same = false
		}
		fmt.Fprintf(tw, "%s\t%.17g\t%.17g\t%.3g\t\n", k, x, y, d)
	}
	tw.Flush()
	return same
}

// flatMetrics flattens a report's JSON form into "group.metric" -> value.
func flatMetrics(r *metrics.Report) map[string]float64 {
	out := map[string]float64{}
	if r == nil {
		return out
	}
	b, err := json.Marshal(r)
	if err != nil {
		return out
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return out
	}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(p, e)
			}
		case float64:
			out[prefix] = x
		}
	}
	walk("", m)
	return out
}

// zeroOf returns a pointer to a new zero value of the struct p points to.
func zeroOf(p any) any { return reflect.New(reflect.TypeOf(p).Elem()).Interface() }
