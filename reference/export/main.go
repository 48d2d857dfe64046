// Command export writes one experiment cell's samples, encoded exactly as package baselines feeds
// them to its models, for the PyTorch reference (reference/torch_ref.py), and scores the reference's
// test predictions with the harness's own metrics (internal/metrics), so both sides of
// reference/compare.sh are evaluated by the same code.
//
//	go run ./reference/export -data nyc -k 0 -seed 1 -method sasrec -params '{max_steps: 300}' -out /tmp/ref
//	go run ./reference/export -data nyc -k 0 -seed 1 -eval /tmp/ref/torch_sasrec.f32
//
// Files written to -out:
//
//	train.txt, valid.txt, test.txt: one sample per line, space-separated: the target class, then
//	    the T item ids of the history (behavior+1, left-padded with 0).
//	meta.json: data set, k, seed, num_classes, history_len, anchor flags.
//	params.json: the method's effective parameters (defaults + -params), keyed by YAML name.
//
// With -eval, the file holds float32 little-endian scores [N_test, C] in test order; the metrics
// are printed as one JSON line.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/behaviorlm/harness/baselines"
	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/metrics"
)

func main() {
	data := flag.String("data", "nyc", "data set loader")
	path := flag.String("path", "", "data file for loaders without an embedded copy")
	k := flag.Int("k", 0, "tail shots (0 = all)")
	seed := flag.Uint64("seed", 1, "seed of the tail-shot subset")
	kind := flag.String("method", "sasrec", "method whose parameters params.json records")
	params := flag.String("params", "", "YAML mapping overriding the method's default parameters")
	out := flag.String("out", "", "directory to write the samples to")
	eval := flag.String("eval", "", "float32 score file [N_test, C] to evaluate")
	flag.Parse()
	task, err := buildTask(*data, *path, *k, *seed)
	if err == nil {
		switch {
		case *eval != "":
			err = evaluate(task, *eval)
		case *out != "":
			err = export(task, *kind, *params, *out)
		default:
			err = fmt.Errorf("give -out or -eval")
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "export:", err)
		os.Exit(1)
	}
}

func buildTask(data, path string, k int, seed uint64) (*datasets.Task, error) {
	log, err := datasets.Load(datasets.Spec{Loader: data, Path: path})
	if err != nil {
		return nil, err
	}
	return datasets.BuildTask(log, datasets.DefaultSampleConfig(), k, seed)
}

func export(task *datasets.Task, kind, params, dir string) error {
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
	if _, err := f.New(p, nil); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	t := task.Config.HistoryLen
	for name, samples := range map[string][]datasets.Sample{"train": task.Train, "valid": task.Valid, "test": task.Test} {
		if err := writeSamples(filepath.Join(dir, name+".txt"), samples, t); err != nil {
			return err
		}
	}
	meta := map[string]any{
		"dataset": task.Dataset, "k": task.TailShots, "seed": task.Seed,
		"num_classes": task.NumClasses(), "history_len": t, "anchor": task.Anchor,
	}
	if err := writeJSON(filepath.Join(dir, "meta.json"), meta); err != nil {
		return err
	}
	// YAML names, via a YAML round trip.
	y, err := yaml.Marshal(p)
	if err != nil {
		return err
	}
	var named map[string]any
	if err := yaml.Unmarshal(y, &named); err != nil {
		return err
	}
	named["method"] = kind
	return writeJSON(filepath.Join(dir, "params.json"), named)
}

func writeSamples(path string, samples []datasets.Sample, t int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	row := make([]string, t+1)
	for _, s := range samples {
		h := s.History
		if len(h) > t {
			h = h[len(h)-t:]
		}
		row[0] = strconv.Itoa(int(s.Target))
		for i := range t {
			row[1+i] = "0"
		}
		for j, st := range h {
			row[1+t-len(h)+j] = strconv.Itoa(int(st.Behavior) + 1)
		}
		fmt.Fprintln(w, strings.Join(row, " "))
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func evaluate(task *datasets.Task, path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	n, c := len(task.Test), task.NumClasses()
	if len(raw) != 4*n*c {
		return fmt.Errorf("%s: %d bytes, want 4 x %d test samples x %d classes", path, len(raw), n, c)
	}
	scores := make([][]float32, n)
	for i := range scores {
		scores[i] = make([]float32, c)
		for j := range scores[i] {
			scores[i][j] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*(i*c+j):]))
		}
	}
	rep, err := metrics.Evaluate(scores, datasets.Targets(task.Test), task.Anchor)
	if err != nil {
		return err
	}
	b, err := json.Marshal(map[string]any{"metrics": rep})
	if err != nil {
		return err
	}
	fmt.Println(string(b))
	return nil
}
