package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/behaviorlm/harness/internal/hf/hftest"
	"github.com/behaviorlm/harness/internal/results"
)

// These tests drive the real runner binary (built once in TestMain) with the real methods on a
// small synthetic data set.

var runnerBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "runner-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	runnerBin = filepath.Join(dir, "runner")
	build := exec.Command("go", "build", "-o", runnerBin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "build runner: %v\n", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// relConfig is the reliability tests' experiments file: a synthetic data set, two counting
// baselines and a small GRU4Rec that trains for a few seconds (so a kill lands inside it).
const relConfig = `
data: {history_len: 5}
datasets:
  syn: {loader: synthetic, synthetic: {users: 30, events_per_user: 60, behaviors: 40, seed: 3}}
methods:
  pop: {kind: pop}
  markov: {kind: markov, smoothing: 1}
  gru: {kind: gru4rec, dim: 16, hidden: 16, epochs: 100, max_steps: 150, batch_size: 32, lr: 0.003, patience: 0, valid_samples: 100}
  slow: {kind: gru4rec, dim: 16, hidden: 16, epochs: 100, max_steps: 700, batch_size: 32, lr: 0.003, patience: 0, valid_samples: 100}
  diverge: {kind: gru4rec, dim: 16, hidden: 16, epochs: 5, max_steps: 50, batch_size: 32, lr: 1.0e+38, patience: 0, valid_samples: 100}
experiments:
  good:
    datasets: [syn]
    methods: [pop]
    tail_shots: [2]
    seeds: [1]
  sweep:
    datasets: [syn]
    methods: [pop, markov, slow]
    tail_shots: [2]
    seeds: [1]
  shared:
    datasets: [syn]
    methods: [pop, markov, gru]
    tail_shots: [2]
    seeds: [1, 2]
  nan:
    datasets: [syn]
    methods: [diverge, pop]
    tail_shots: [2]
    seeds: [1]
  repro:
    datasets: [syn]
    methods: [markov, gru]
    tail_shots: [2]
    seeds: [1]
`

// writeConfig writes text as dir/experiments.yaml and returns its path.
func writeConfig(t *testing.T, dir, text string) string {
	t.Helper()
	p := filepath.Join(dir, "experiments.yaml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// runBin runs the runner binary and returns its exit status, stdout and stderr.
func runBin(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, runnerBin, args...)
	cmd.Env = append(os.Environ(), "GOMLX_BACKEND=go")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("run %v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	return code, stdout.String(), stderr.String()
}

// snapshot maps every file under dir (relative path) to its content.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBadInputs(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "results")
	cfg := writeConfig(t, dir, relConfig)
	if code, _, stderr := runBin(t, "-config", cfg, "-exp", "good", "-out", out); code != 0 {
		t.Fatalf("seeding the results folder: exit %d\n%s", code, stderr)
	}
	before := snapshot(t, out)
	if len(before) == 0 {
		t.Fatal("seed run wrote nothing")
	}

	// Data files for the nyc loader (columns user_id, timestamp, category).
	data := filepath.Join(dir, "data")
	os.MkdirAll(data, 0o755)
	header := "user_id,timestamp,category\n"
	files := map[string]string{
		"nocolumn.csv": "user_id,timestamp\n1,2012-04-03T18:00:09\n",
		"badtime.csv":  header + "1,2012-04-03T18:00:09,Bar\n1,yesterday,Bar\n",
		"empty.csv":    "",
		"notutf8.csv":  header + "1,2012-04-03T18:00:09,B\xffar\n",
		"oneevent.csv": header + "1,2012-04-03T18:00:09,Bar\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(data, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Broken copies of the tiny Llama checkpoint of internal/hf's tests, for the hf backbone.
	fixture := filepath.Join("..", "internal", "hf", "testdata", "llama")
	truncated := hftest.CopyDir(t, fixture, filepath.Join(dir, "truncated"))
	st := filepath.Join(truncated, "model.safetensors")
	b, err := os.ReadFile(st)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(st, b[:len(b)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	badShape := hftest.CopyDir(t, fixture, filepath.Join(dir, "shape"))
	hftest.RewriteSafetensorsHeader(t, filepath.Join(badShape, "model.safetensors"), func(h map[string]any) {
		e := h["model.norm.weight"].(map[string]any)
		shape := e["shape"].([]any)
		e["shape"] = []any{shape[0].(float64) / 2, 2.0} // same byte size, wrong rank
	})
	noTokenizer := hftest.CopyDir(t, fixture, filepath.Join(dir, "notokenizer"))
	os.Remove(filepath.Join(noTokenizer, "tokenizer.json"))
	badConfig := hftest.CopyDir(t, fixture, filepath.Join(dir, "badconfig"))
	os.WriteFile(filepath.Join(badConfig, "config.json"), []byte(`{"model_type": "llama", "hidden_size": `), 0o644)

	// base is a valid config with one experiment "bad"; each case breaks one thing.
	base := `data: {history_len: 5}
datasets:
  syn: {loader: synthetic, synthetic: {users: 30, events_per_user: 60, behaviors: 40, seed: 3}}
methods:
  pop: {kind: pop}
  markov: {kind: markov, smoothing: 1}
experiments:
  bad:
    datasets: [syn]
    methods: [pop, markov]
    tail_shots: [2]
    seeds: [1]
`
	nyc := func(file string) string {
		return strings.Replace(base, "datasets:\n", "datasets:\n  mine: {loader: nyc, path: "+filepath.Join(data, file)+"}\n", 1) + "    # uses mine\n"
	}
	// bomb merges ten copies of the level below, six levels deep: 10^6 entries from 400 bytes.
	bomb := "x-0: &a0 {k: 1}\n"
	for i := 1; i <= 6; i++ {
		refs := strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 10), ", ")
		bomb += fmt.Sprintf("x-%d: &a%d {<<: [%s]}\n", i, i, refs)
	}
	// A folder holding a data file twice (plain and gzip-compressed), and a FIFO as a data file.
	twice := filepath.Join(dir, "twice")
	os.MkdirAll(twice, 0o755)
	os.WriteFile(filepath.Join(twice, "checkins.csv"), []byte(header+"1,2012-04-03T18:00:09,Bar\n1,2012-04-03T19:00:09,Bar\n"), 0o644)
	gzipFile(t, filepath.Join(twice, "checkins.csv"), filepath.Join(twice, "checkins.csv.gz"))
	fifo := filepath.Join(data, "fifo.csv")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	useMine := func(s string) string { return strings.Replace(s, "datasets: [syn]", "datasets: [mine]", 1) }
	// hfAt fine-tunes an hf backbone read from folder (one step: the load is what is tested).
	hfAt := func(folder string) string {
		s := strings.Replace(base, "methods:\n", "backbones:\n  ck: {kind: hf, path: "+folder+"}\nmethods:\n"+
			"  tuned: {kind: finetune, backbone: ck, epochs: 1, max_steps: 1, batch_size: 4, eval_every: 0, valid_samples: 8}\n", 1)
		return strings.Replace(s, "methods: [pop, markov]", "methods: [tuned]", 1)
	}
	cases := []struct {
		name, yaml string
		want       []string // substrings of the one error line
		cellFails  bool     // the error is a failed cell (exit 1) rather than an input error (exit 2)
		args       []string // extra runner flags
	}{
		{"yaml syntax", base + "  broken: [\n", []string{"experiments.yaml", "line"}, false, nil},
		{"unknown top-level key", base + "extra: 1\n", []string{"experiments.yaml:13", `"extra"`}, false, nil},
		{"unknown method parameter", strings.Replace(base, "smoothing: 1", "smoothin: 1", 1), []string{"experiments.yaml:6", `"smoothin"`}, false, nil},
		{"wrong type", strings.Replace(base, "smoothing: 1", "smoothing: lots", 1), []string{"experiments.yaml:6", "smoothing"}, false, nil},
		{"wrong type of seeds", strings.Replace(base, "seeds: [1]", "seeds: [one]", 1), []string{"experiments.yaml:12", "seeds"}, false, nil},
		{"empty grid", strings.Replace(base, "seeds: [1]", "seeds: []", 1), []string{"experiments.yaml:", "seeds"}, false, nil},
		{"empty methods", strings.Replace(base, "methods: [pop, markov]", "methods: []", 1), []string{"experiments.yaml:", "methods"}, false, nil},
		{"unknown method", strings.Replace(base, "methods: [pop, markov]", "methods: [pop, nope]", 1), []string{"experiments.yaml:10", `"nope"`}, false, nil},
		{"unknown data set", strings.Replace(base, "datasets: [syn]", "datasets: [nowhere]", 1), []string{"experiments.yaml:9", `"nowhere"`}, false, nil},
		{"unknown method kind", strings.Replace(base, "kind: pop", "kind: popular", 1), []string{"experiments.yaml:5", `"popular"`}, false, nil},
		{"missing kind", strings.Replace(base, "{kind: pop}", "{}", 1), []string{"experiments.yaml:5", "kind"}, false, nil},
		{"unknown loader", strings.Replace(base, "loader: synthetic", "loader: magic", 1), []string{"experiments.yaml:3", `"magic"`}, false, nil},
		{"unknown synthetic key", strings.Replace(base, "seed: 3}", "seed: 3, color: red}", 1), []string{"experiments.yaml:3", `"color"`}, false, nil},
		{"negative k", strings.Replace(base, "tail_shots: [2]", "tail_shots: [-1]", 1), []string{"experiments.yaml:11", "tail_shots"}, false, nil},
		{"duplicated experiment", base + "  bad:\n    datasets: [syn]\n", []string{"experiments.yaml:", `"bad"`}, false, nil},
		{"duplicated method", strings.Replace(base, "  markov: {kind", "  pop: {kind: pop}\n  markov: {kind", 1), []string{"experiments.yaml:", `"pop"`}, false, nil},
		{"unknown experiment key", strings.Replace(base, "    seeds: [1]\n", "    seeds: [1]\n    seed: 2\n", 1), []string{"experiments.yaml:13", `"seed"`}, false, nil},
		{"bad sample config", strings.Replace(base, "history_len: 5", "history_len: -5", 1), []string{"experiments.yaml:1", "history_len"}, false, nil},
		{"merge bomb", strings.Replace(bomb+base, "{kind: pop}", "{<<: *a6, kind: pop}", 1), []string{"experiments.yaml:", "merge keys expand to more than"}, false, nil},
		{"mapping merging itself", strings.Replace(base, "pop: {kind: pop}", "pop: &p {kind: pop, <<: *p}", 1), []string{"experiments.yaml:5", "merges itself"}, false, nil},
		{"NaN parameter", strings.Replace(base, "smoothing: 1", "smoothing: .nan", 1), []string{"experiments.yaml:6", "methods.markov.smoothing", "not a finite number"}, false, nil},
		{"infinite sample config", strings.Replace(base, "history_len: 5", "history_len: 5, anchor_min_share: -.inf", 1), []string{"experiments.yaml:1", "data.anchor_min_share", "not a finite number"}, false, nil},
		{"NaN split fraction", strings.Replace(base, "history_len: 5", "history_len: 5, split: {train: .NaN, valid: 0.1, test: 0.1}", 1), []string{"experiments.yaml:1", "data.split.train"}, false, nil},
		{"huge synthetic data set", strings.Replace(base, "users: 30", "users: 100000000", 1), []string{"experiments.yaml:3", "users"}, false, nil},
		{"out-of-range synthetic parameter", strings.Replace(base, "seed: 3}", "seed: 3, sequential: 1.5}", 1), []string{"experiments.yaml:3", "sequential"}, false, nil},
		{"methods that sanitise to one path", strings.Replace(strings.Replace(base, "  markov: {kind", "  'a\\b': {kind: pop}\n  a_b: {kind: pop}\n  markov: {kind", 1), "methods: [pop, markov]", `methods: [pop, 'a\b', a_b]`, 1),
			[]string{"a_b", "same result file"}, false, nil},
		{"dot names that sanitise to one path", strings.Replace(strings.Replace(base, "  markov: {kind", "  '..': {kind: pop}\n  _..: {kind: pop}\n  markov: {kind", 1), "methods: [pop, markov]", `methods: ['..', _..]`, 1),
			[]string{"same result file"}, false, nil},
		{"data sets that sanitise to one path", strings.Replace(strings.Replace(base, "  syn: {", "  x/y: {loader: synthetic}\n  x_y: {loader: synthetic}\n  syn: {", 1), "datasets: [syn]", "datasets: [x/y, x_y]", 1),
			[]string{"x_y", "same result file"}, false, nil},
		{"seed given twice", base, []string{"-seeds", "twice"}, false, []string{"-seeds", "1,1"}},
		{"varied value given twice", strings.Replace(base, "    seeds: [1]\n", "    seeds: [1]\n    vary: {markov: {smoothing: [1, 1, 2]}}\n", 1), []string{"experiments.yaml:13", "smoothing", "twice"}, false, nil},
		{"varied values with one config", strings.Replace(base, "    seeds: [1]\n", "    seeds: [1]\n    vary: {markov: {smoothing: [1, 1.0]}}\n", 1), []string{"same config"}, false, nil},
		{"unknown backend", base, []string{"-backend", `"cuda"`}, false, []string{"-backend", "cuda"}},
		{"xla backend without a plugin, nothing to run", base, []string{"-backend", "xla"}, false, []string{"-backend", "xla:cuda", "-exp", "good", "-config", writeConfig(t, dir, relConfig)}},
		{"data file plain and gzipped", useMine(nyc("../twice")), []string{"checkins.csv.gz", "both"}, false, nil},
		{"FIFO as data file", useMine(nyc("fifo.csv")), []string{"fifo.csv", "not a regular file"}, false, nil},
		{"missing data file", useMine(nyc("missing.csv")), []string{"experiments.yaml:3", "missing.csv"}, false, nil},
		{"missing column", useMine(nyc("nocolumn.csv")), []string{"nocolumn.csv:1", `"category"`}, false, nil},
		{"bad timestamp", useMine(nyc("badtime.csv")), []string{"badtime.csv:3", "yesterday"}, false, nil},
		{"empty data file", useMine(nyc("empty.csv")), []string{"empty.csv", "empty"}, false, nil},
		{"non-UTF-8 data", useMine(nyc("notutf8.csv")), []string{"notutf8.csv:2", "UTF-8"}, false, nil},
		{"a user with one event", useMine(nyc("oneevent.csv")), []string{"oneevent.csv", "too few events"}, false, nil},
		{"missing checkpoint folder", hfAt(filepath.Join(dir, "nowhere")), []string{filepath.Join(dir, "nowhere")}, true, nil},
		{"truncated safetensors", hfAt(truncated), []string{truncated, "model.safetensors"}, true, nil},
		{"wrong tensor shape", hfAt(badShape), []string{badShape, "model.norm.weight"}, true, nil},
		{"missing tokenizer.json", hfAt(noTokenizer), []string{filepath.Join(noTokenizer, "tokenizer.json")}, true, nil},
		{"malformed config.json", hfAt(badConfig), []string{filepath.Join(badConfig, "config.json")}, true, nil},
	}
	if len(cases) < 20 {
		t.Fatalf("only %d cases", len(cases))
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cdir := filepath.Join(dir, fmt.Sprintf("case%02d", i))
			os.MkdirAll(cdir, 0o755)
			cfg := writeConfig(t, cdir, c.yaml)
			code, _, stderr := runBin(t, append([]string{"-config", cfg, "-exp", "bad", "-out", out}, c.args...)...)
			want := 2
			if c.cellFails {
				want = 1
			}
			if code != want {
				t.Errorf("exit %d, want %d\n%s", code, want, stderr)
			}
			// The error is one line: the only "runner:" line for an input error, the FAILED line of
			// the cell for a broken checkpoint.
			prefix := "runner: "
			if c.cellFails {
				prefix = "  FAILED "
			}
			var lines []string
			for _, l := range strings.Split(stderr, "\n") {
				if strings.HasPrefix(l, prefix) && !strings.Contains(l, "cells run") {
					lines = append(lines, l)
				}
			}
			if len(lines) != 1 {
				t.Fatalf("want one %q error line, got %d:\n%s", prefix, len(lines), stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(lines[0], w) {
					t.Errorf("error line %q does not contain %q", lines[0], w)
				}
			}
			after := snapshot(t, out)
			for p, text := range before {
				if after[p] != text {
					t.Errorf("existing result %s changed or removed", p)
				}
			}
			for p := range after {
				if _, ok := before[p]; ok {
					continue
				}
				if !c.cellFails {
					t.Errorf("input error wrote %s", p)
				} else if !strings.HasPrefix(p, "bad"+string(filepath.Separator)) && !strings.HasPrefix(p, "cache") {
					t.Errorf("failed cell wrote %s outside its experiment", p)
				}
			}
			if c.cellFails { // leave the folder as it was for the next case
				os.RemoveAll(filepath.Join(out, "bad"))
				os.RemoveAll(filepath.Join(out, "cache"))
			}
		})
	}
}

// gzipFile writes a gzip-compressed copy of src to dst (as gzip -k does).
func gzipFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	if err := os.WriteFile(dst, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// startBin starts the runner binary; lines of its stderr are sent on the returned channel (closed
// at EOF) and also kept in the returned buffer.
func startBin(t *testing.T, args ...string) (*exec.Cmd, <-chan string) {
	t.Helper()
	cmd := exec.Command(runnerBin, args...)
	cmd.Env = append(os.Environ(), "GOMLX_BACKEND=go")
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1000)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, lines
}

// waitLine reads lines until one contains s.
func waitLine(t *testing.T, lines <-chan string, s string) {
	t.Helper()
	timeout := time.After(90 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("runner exited before printing %q", s)
			}
			if strings.Contains(l, s) {
				return
			}
		case <-timeout:
			t.Fatalf("no line containing %q within 90s", s)
		}
	}
}

func drain(lines <-chan string) string {
	var b strings.Builder
	for l := range lines {
		b.WriteString(l + "\n")
	}
	return b.String()
}

func cellFile(out, exp, method string, seed int) string {
	return results.CellPath(out, exp, "syn", method, 2, uint64(seed))
}

func TestKillMidCellAndResume(t *testing.T) {
	dir := t.TempDir()
	cfg, out := writeConfig(t, dir, relConfig), filepath.Join(dir, "results")
	cmd, lines := startBin(t, "-config", cfg, "-exp", "sweep", "-out", out)
	waitLine(t, lines, "step 200/700") // inside the slow cell, after pop and markov finished
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	drain(lines)
	finished := map[string]string{}
	for _, m := range []string{"pop", "markov"} {
		p := cellFile(out, "sweep", m, 1)
		if _, err := results.Read(p); err != nil {
			t.Fatalf("finished cell %s: %v", m, err)
		}
		finished[p] = readFile(t, p)
	}
	slow := cellFile(out, "sweep", "slow", 1)
	if _, err := os.Stat(slow); !os.IsNotExist(err) {
		t.Fatalf("the killed cell has a result file (err %v)", err)
	}
	if _, err := os.Stat(slow + ".lock"); err != nil {
		t.Errorf("expected the killed runner's lock to be left behind: %v", err)
	}
	code, _, stderr := runBin(t, "-config", cfg, "-exp", "sweep", "-out", out)
	if code != 0 || !strings.Contains(stderr, "1 cells run (0 failed), 2 already done") {
		t.Fatalf("resume: exit %d\n%s", code, stderr)
	}
	for p, text := range finished {
		if readFile(t, p) != text {
			t.Errorf("finished cell %s was rewritten on resume", p)
		}
	}
	if r, err := results.Read(slow); err != nil || r.Status != results.StatusOK {
		t.Errorf("redone cell: %v %+v", err, r)
	}
	if _, err := os.Stat(slow + ".lock"); !os.IsNotExist(err) {
		t.Errorf("lock left after the resumed run: %v", err)
	}
}

func TestSIGINTStopsCleanly(t *testing.T) {
	dir := t.TempDir()
	cfg, out := writeConfig(t, dir, relConfig), filepath.Join(dir, "results")
	cmd, lines := startBin(t, "-config", cfg, "-exp", "sweep", "-out", out)
	waitLine(t, lines, "step 200/700")
	t0 := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	stderr := drain(lines)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitInterrupted {
		t.Fatalf("exit %v, want %d\n%s", err, exitInterrupted, stderr)
	}
	if d := time.Since(t0); d > 10*time.Second {
		t.Errorf("stopping took %v", d)
	}
	for _, m := range []string{"pop", "markov"} {
		if _, err := results.Read(cellFile(out, "sweep", m, 1)); err != nil {
			t.Errorf("finished cell %s not saved: %v", m, err)
		}
	}
	slow := cellFile(out, "sweep", "slow", 1)
	for _, p := range []string{slow, slow + ".lock"} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s exists after SIGINT (err %v)", p, err)
		}
	}
}

func TestTwoRunnersShareAFolder(t *testing.T) {
	dir := t.TempDir()
	cfg, out := writeConfig(t, dir, relConfig), filepath.Join(dir, "results")
	type res struct {
		code   int
		stderr string
	}
	ch := make(chan res, 2)
	for range 2 {
		go func() {
			cmd := exec.Command(runnerBin, "-config", cfg, "-exp", "shared", "-out", out)
			cmd.Env = append(os.Environ(), "GOMLX_BACKEND=go")
			var stderr bytes.Buffer
			cmd.Stderr, cmd.Stdout = &stderr, io.Discard
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				code = -1
			}
			ch <- res{code, stderr.String()}
		}()
	}
	ran := 0
	for range 2 {
		r := <-ch
		if r.code != 0 {
			t.Errorf("runner exit %d\n%s", r.code, r.stderr)
		}
		var n, failed, done int
		for _, l := range strings.Split(r.stderr, "\n") {
			if _, err := fmt.Sscanf(l, "runner: %d cells run (%d failed), %d already done", &n, &failed, &done); err == nil {
				ran += n
			}
		}
	}
	if ran != 6 {
		t.Errorf("the two runners ran %d cells in all, want each of the 6 exactly once", ran)
	}
	cells, errs := results.ReadAll(out, "shared")
	if len(errs) > 0 || len(cells) != 6 {
		t.Fatalf("%d cells, errors %v", len(cells), errs)
	}
	for _, c := range cells {
		if c.Status != results.StatusOK {
			t.Errorf("%s: %s %s", c.ID(), c.Status, c.Reason)
		}
	}
	code, _, stderr := runBin(t, "-config", cfg, "-exp", "shared", "-out", out)
	if code != 0 || !strings.Contains(stderr, "0 cells run (0 failed), 6 already done") {
		t.Errorf("third run: exit %d\n%s", code, stderr)
	}
}

func TestNonFiniteLossFailsOnlyItsCell(t *testing.T) {
	dir := t.TempDir()
	cfg, out := writeConfig(t, dir, relConfig), filepath.Join(dir, "results")
	code, _, stderr := runBin(t, "-config", cfg, "-exp", "nan", "-out", out)
	if code != exitFailed {
		t.Errorf("exit %d, want %d\n%s", code, exitFailed, stderr)
	}
	r, err := results.Read(cellFile(out, "nan", "diverge", 1))
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != results.StatusFailed || !strings.Contains(r.Reason, "loss is") || r.Metrics != nil {
		t.Errorf("diverging cell: status %s, reason %q", r.Status, r.Reason)
	}
	if r, err := results.Read(cellFile(out, "nan", "pop", 1)); err != nil || r.Status != results.StatusOK {
		t.Errorf("the sweep did not go on after the failed cell: %v %+v", err, r)
	}
}

func TestReproducibleAcrossProcessesAndRepeat(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, relConfig)
	outs := []string{filepath.Join(dir, "a"), filepath.Join(dir, "b")}
	for _, out := range outs {
		if code, _, stderr := runBin(t, "-config", cfg, "-exp", "repro", "-out", out); code != 0 {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
	}
	for _, m := range []string{"markov", "gru"} {
		var metrics [2]string
		for i, out := range outs {
			r, err := results.Read(cellFile(out, "repro", m, 1))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(r.Metrics)
			metrics[i] = string(b)
		}
		if metrics[0] != metrics[1] {
			t.Errorf("%s: metrics differ between two processes:\n%s\n%s", m, metrics[0], metrics[1])
		}
	}

	// -repeat re-runs from the file's recorded config, even when experiments.yaml has changed.
	stored := cellFile(outs[0], "repro", "gru", 1)
	writeConfig(t, dir, strings.Replace(relConfig, "max_steps: 150", "max_steps: 3", 1))
	code, stdout, stderr := runBin(t, "-config", cfg, "-out", outs[0], "-repeat", stored)
	if code != 0 || !strings.Contains(stdout, "identical") || !strings.Contains(stdout, "overall.acc") {
		t.Errorf("-repeat: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	// A stored metric that does not match is reported, exit 1.
	var raw map[string]any
	if err := json.Unmarshal([]byte(readFile(t, stored)), &raw); err != nil {
		t.Fatal(err)
	}
	raw["metrics"].(map[string]any)["overall"].(map[string]any)["acc"] = 0.123
	b, _ := json.Marshal(raw)
	tampered := filepath.Join(dir, "tampered.json")
	os.WriteFile(tampered, b, 0o644)
	code, stdout, _ = runBin(t, "-config", cfg, "-out", outs[0], "-repeat", tampered)
	if code != exitFailed || !strings.Contains(stdout, "DIFFERENT") {
		t.Errorf("-repeat of a tampered file: exit %d\n%s", code, stdout)
	}
}

// TestSignalOutsideTraining sends one SIGINT or SIGTERM while the runner loads a large data set
// (no cell running): the first signal must stop it at once, with exit status 130 and nothing
// written (issue 14: it was printed but not acted on until loading ended).
func TestSignalOutsideTraining(t *testing.T) {
	for _, s := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		t.Run(s.String(), func(t *testing.T) {
			dir := t.TempDir()
			cfg := writeConfig(t, dir, strings.Replace(relConfig, "users: 30, events_per_user: 60", "users: 1000, events_per_user: 1000", 1))
			out := filepath.Join(dir, "results")
			cmd, lines := startBin(t, "-config", cfg, "-exp", "good", "-out", out)
			time.Sleep(700 * time.Millisecond) // parsing done, generating a million events (about 3 s)
			t0 := time.Now()
			if err := cmd.Process.Signal(s); err != nil {
				t.Fatal(err)
			}
			stderr := drain(lines)
			err := cmd.Wait()
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitInterrupted {
				t.Fatalf("exit %v, want %d\n%s", err, exitInterrupted, stderr)
			}
			if d := time.Since(t0); d > time.Second {
				t.Errorf("stopping took %v after the first signal\n%s", d, stderr)
			}
			if files := snapshot(t, dir); len(files) != 1 {
				var names []string
				for p := range files {
					names = append(names, p)
				}
				t.Errorf("files written after the signal: %v", names)
			}
		})
	}
}

// TestLeftoverTempFilesCleaned plants the temporary files that killed writes leave (a cell's
// ".<name>.tmp-*", a cached model's "<name>.tmp-*", a lock renamed aside) and checks that the
// next run removes the old ones and keeps a fresh one, which may be a live runner's write.
func TestLeftoverTempFilesCleaned(t *testing.T) {
	dir := t.TempDir()
	cfg, out := writeConfig(t, dir, relConfig), filepath.Join(dir, "results")
	cells := filepath.Dir(cellFile(out, "good", "pop", 1))
	old := []string{
		filepath.Join(cells, ".k2-seed1.json.tmp-123"),
		filepath.Join(out, "cache", "lm", "weights.bin.tmp-456"),
		filepath.Join(cells, "k2-seed1.json.lock.stale-1-2"),
	}
	fresh := filepath.Join(cells, ".k2-seed9.json.tmp-789")
	for _, p := range append(old, fresh) {
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-time.Hour)
	for _, p := range old {
		os.Chtimes(p, long, long)
	}
	if code, _, stderr := runBin(t, "-config", cfg, "-exp", "good", "-out", out); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, p := range old {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("leftover %s not removed (err %v)", p, err)
		}
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("a fresh temporary file (maybe a live runner's) was removed: %v", err)
	}
}
