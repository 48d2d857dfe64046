// Command gotrain trains one baseline of package baselines on one experiment cell and prints its
// metrics (internal/metrics) as one JSON line: the Go side of reference/compare.sh, also handy for
// measuring the baselines alone.
//
//	go run ./reference/gotrain -data nyc -k 0 -seed 1 -method sasrec -params '{max_steps: 300}'
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/behaviorlm/harness/baselines"
	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/engine"
	"github.com/behaviorlm/harness/internal/method"
	"github.com/behaviorlm/harness/internal/metrics"
)

func main() {
	data := flag.String("data", "nyc", "data set loader (embedded nyc or geolife, or any loader with -path)")
	path := flag.String("path", "", "data file for loaders without an embedded copy")
	k := flag.Int("k", 0, "tail shots (0 = all)")
	seed := flag.Uint64("seed", 1, "seed of the tail-shot subset, initialisation and batch order")
	kind := flag.String("method", "sasrec", "pop | markov | gru4rec | sasrec | bert4rec")
	params := flag.String("params", "", "YAML mapping overriding the method's default parameters")
	backend := flag.String("backend", "", "GoMLX backend spec (default: engine's)")
	verbose := flag.Bool("v", false, "print training progress to stderr")
	flag.Parse()
	if err := run(*data, *path, *k, *seed, *kind, *params, *backend, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "gotrain:", err)
		os.Exit(1)
	}
}

// Result is the printed line.
type Result struct {
	Method  string          `json:"method"`
	Data    string          `json:"data"`
	K       int             `json:"k"`
	Seed    uint64          `json:"seed"`
	Train   int             `json:"train_samples"`
	Seconds float64         `json:"seconds"`
	Stages  []method.Stage  `json:"stages"`
	Info    map[string]any  `json:"info,omitempty"`
	Metrics *metrics.Report `json:"metrics"`
}

func run(data, path string, k int, seed uint64, kind, params, backendSpec string, verbose bool) error {
	f, ok := baselines.Factories()[kind]
	if !ok {
		return fmt.Errorf("unknown method %q", kind)
	}
	p := f.Params()
	if strings.TrimSpace(params) != "" {
		dec := yaml.NewDecoder(strings.NewReader(params))
		dec.KnownFields(true)
		if err := dec.Decode(p); err != nil {
			return fmt.Errorf("-params: %w", err)
		}
	}
	m, err := f.New(p, nil)
	if err != nil {
		return err
	}
	log, err := datasets.Load(datasets.Spec{Loader: data, Path: path})
	if err != nil {
		return err
	}
	task, err := datasets.BuildTask(log, datasets.DefaultSampleConfig(), k, seed)
	if err != nil {
		return err
	}
	b, err := engine.New(backendSpec)
	if err != nil {
		return err
	}
	env := method.Env{Backend: b, Seed: seed, Logf: func(string, ...any) {}}
	if verbose {
		env.Logf = func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
	}
	start := time.Now()
	out, err := m.Run(env, task)
	if err != nil {
		return err
	}
	rep, err := metrics.Evaluate(out.TestScores, datasets.Targets(task.Test), task.Anchor)
	if err != nil {
		return err
	}
	res := Result{Method: kind, Data: data, K: k, Seed: seed, Train: len(task.Train),
		Seconds: time.Since(start).Seconds(), Stages: out.Stages, Metrics: &rep, Info: map[string]any{}}
	for key, v := range out.Info {
		res.Info[key] = v
	}
	line, err := json.Marshal(res)
	if err != nil {
		return err
	}
	fmt.Println(string(line))
	return nil
}
