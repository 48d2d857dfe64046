package reports

import (
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/config"
	"github.com/behaviorlm/harness/internal/method"
	"github.com/behaviorlm/harness/internal/metrics"
	"github.com/behaviorlm/harness/internal/results"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

type params struct {
	Level float64 `yaml:"level"`
}

type nop struct{}

func (nop) Run(method.Env, *datasets.Task) (*method.Output, error) { return nil, nil }

func registry() config.Registry {
	return config.Registry{Methods: map[string]method.Factory{"fake": {
		Params: func() any { return &params{Level: 0.3} },
		New:    func(any, map[string]any) (method.Method, error) { return nop{}, nil },
	}}}
}

const cfgText = `
datasets:
  syn: {loader: synthetic}
  nyc: {}
methods:
  pop: {kind: fake, level: 0.1}
  lm: {kind: fake}
  "a|b": {kind: fake, level: 0.2}
experiments:
  main:
    description: Main comparison.
    datasets: [syn, nyc]
    methods: [pop, lm, "a|b"]
    tail_shots: [5]
    seeds: [1, 2, 3]
    columns: [acc, wf1]
    groups: [overall, tail]
  shots:
    datasets: [syn, nyc]
    methods: [pop, lm]
    tail_shots: [5, 10, all]
    seeds: [1, 2]
    tables: [tailshots, stats]
  abl:
    datasets: [syn]
    methods: [lm, pop]
    vary: {lm: {level: [0.3, 0.5]}}
    tail_shots: [5]
    seeds: [1]
    tables: [ablation]
    reference: "lm[level=0.3]"
    thresholds:
      pop: {syn: {overall: {acc: 0.05}, tail: {wf1: 0.5}}}
  cl:
    datasets: [syn]
    methods: [lm, pop, "a|b"]
    tail_shots: [5]
    seeds: [1, 2, 3]
    tables: [main]
    claims: {method: lm, uniform: pop, reweighting: ["a|b"], classic: [pop], margin: 0.01}
`

// fakeCells makes deterministic results: metrics depend on the method's level, k and seed.
func fakeCells(t *testing.T, e *config.Experiment) []*results.Cell {
	t.Helper()
	var cells []*results.Cell
	for di, ds := range e.Datasets {
		for _, k := range e.TailShots {
			for si, seed := range e.Seeds {
				for vi, v := range e.Variants {
					level := v.Params.(*params).Level
					kk := float64(k)
					if k == 0 {
						kk = 100
					}
					x := level + 0.01*float64(di) + 0.001*float64(vi) + 0.004*float64(si) + 0.1*math.Log10(kk)
					m := metrics.Metrics{N: 100, Accuracy: x, WeightedPrecision: x + 0.01, WeightedRecall: x, WeightedF1: x - 0.02, MacroF1: x / 2, RecallAt5: x + 0.2, NDCG5: x + 0.1}
					tail := m
					tail.WeightedF1 = x / 3
					c := &results.Cell{Experiment: e.Name, Dataset: ds, Method: v.Name, Kind: v.Kind, TailShots: k, Seed: seed,
						Status: results.StatusOK, Metrics: &metrics.Report{Overall: m, Anchor: m, Tail: tail},
						Backend: "go (fake)", Env: results.Env{GitCommit: "0123456789abcdef0123", GitDirty: true},
						TaskStats: &datasets.Stats{Dataset: ds, Users: 10 + di, Events: 1000, Behaviors: 40, AnchorsAllEvents: 12, Anchors: 11,
							AnchorCoverage: 0.8123, Train: 800, Valid: 100, Test: 100, TailTrainAfterK: 7 * int(kk)}}
					cells = append(cells, c)
				}
			}
		}
	}
	return cells
}

func load(t *testing.T, name string) *config.Experiment {
	t.Helper()
	c, err := config.Parse([]byte(cfgText), "test.yaml", registry())
	if err != nil {
		t.Fatal(err)
	}
	e, err := c.Experiment(name)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reports -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}

func TestMainReport(t *testing.T) {
	e := load(t, "main")
	cells := fakeCells(t, e)
	// Drop one seed of one method (n=2 shown) and fail another cell.
	var kept []*results.Cell
	for _, c := range cells {
		switch {
		case c.Dataset == "nyc" && c.Method == "lm" && c.Seed == 3:
			continue
		case c.Dataset == "syn" && c.Method == "pop" && c.Seed == 2:
			c.Status, c.Metrics, c.Reason = results.StatusFailed, nil, "train: NaN loss at step 12\n(stack...)"
		}
		kept = append(kept, c)
	}
	out, err := Render(Input{Experiment: e, ConfigFile: "test.yaml", Cells: kept, Missing: []string{"nyc/lm/5/3"}})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "main.md", []byte(out.Markdown))
	golden(t, "anchor_vs_tail_wf1_k5.svg", out.Files["anchor_vs_tail_wf1_k5.svg"])
	golden(t, "main_cells.csv", out.Files["cells.csv"])
	for _, want := range []string{"| a\\|b ", "(n=2)", "**", "1 failed, 1 missing", "git commit 0123456789ab+dirty"} {
		if !strings.Contains(out.Markdown, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

func TestTailshotReport(t *testing.T) {
	e := load(t, "shots")
	out, err := Render(Input{Experiment: e, ConfigFile: "test.yaml", Cells: fakeCells(t, e)})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "shots.md", []byte(out.Markdown))
	svg, ok := out.Files["tail_wf1_vs_k.svg"]
	if !ok {
		t.Fatalf("no SVG plot; files: %v", out.Files)
	}
	golden(t, "tail_wf1_vs_k.svg", svg)
	if !strings.Contains(out.Markdown, "](tail_wf1_vs_k.svg)") {
		t.Error("report does not link the plot")
	}
	dir := t.TempDir()
	if err := Write(dir, out); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"report.md", "tail_wf1_vs_k.svg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestAblationReportAndCheck(t *testing.T) {
	e := load(t, "abl")
	cells := fakeCells(t, e)
	out, err := Render(Input{Experiment: e, ConfigFile: "test.yaml", Cells: cells})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "ablation.md", []byte(out.Markdown))

	rs, err := Check(e, cells)
	if err != nil {
		t.Fatal(err)
	}
	// pop: overall acc = 0.1 + 0.001 + 0.07 = 0.171 >= 0.05 passes; tail wf1 = 0.057 < 0.5 fails.
	if len(rs) != 2 || !rs[0].Pass || rs[1].Pass {
		t.Fatalf("check results = %+v", rs)
	}
	table, err := CheckTable(rs, true)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "check.md", []byte(table))

	// A missing cell fails its thresholds too.
	rs, _ = Check(e, nil)
	if rs[0].Pass {
		t.Error("a threshold without results passed")
	}
}

func TestMeanStd(t *testing.T) {
	s := meanStd([]float64{0.4, 0.41, 0.426})
	if math.Abs(s.Mean-0.412) > 1e-12 || math.Abs(s.Std-0.01311487) > 1e-6 || s.N != 3 {
		t.Errorf("meanStd = %+v", s)
	}
	for _, tc := range []struct {
		s        Stat
		expected int
		want     string
	}{
		{Stat{Mean: 0.412, Std: 0.01, N: 3}, 3, "0.412 ± 0.010"},
		{Stat{Mean: 0.412, Std: 0.01, N: 2}, 3, "0.412 ± 0.010 (n=2)"},
		{Stat{Mean: 0.4124, N: 1}, 1, "0.412"},
		{Stat{Mean: 0.4124, N: 1}, 3, "0.412 (n=1)"},
		{Stat{}, 3, "-"},
	} {
		if got := format(tc.s, tc.expected); got != tc.want {
			t.Errorf("format(%+v, %d) = %q, want %q", tc.s, tc.expected, got, tc.want)
		}
	}
}
