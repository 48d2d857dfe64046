package config

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/method"
)

// stage is a nested parameter block, as the BehaviorLM methods have.
type stage struct {
	Epochs int     `yaml:"epochs"`
	LR     float64 `yaml:"lr"`
}

// fakeParams stands in for a method kind's parameters.
type fakeParams struct {
	Backbone string  `yaml:"backbone"`
	LR       float64 `yaml:"lr"`
	PerClass int     `yaml:"per_class"`
	Select   string  `yaml:"select"`
	Stage1   stage   `yaml:"stage1"`
}

type lmParams struct {
	Dim    int `yaml:"dim"`
	Layers int `yaml:"layers"`
}

type nopMethod struct{}

func (nopMethod) Run(method.Env, *datasets.Task) (*method.Output, error) { return nil, nil }

func testRegistry() Registry {
	f := method.Factory{
		Params: func() any {
			return &fakeParams{LR: 1e-3, PerClass: 20, Select: "hard", Stage1: stage{Epochs: 1, LR: 1e-4}}
		},
		New: func(params any, backbones map[string]any) (method.Method, error) {
			p := params.(*fakeParams)
			if p.Backbone != "" {
				if _, ok := backbones[p.Backbone]; !ok {
					return nil, fmt.Errorf("backbone: no backbone %q", p.Backbone)
				}
			}
			if p.Select != "hard" && p.Select != "easy" {
				return nil, fmt.Errorf("select: unknown rule %q", p.Select)
			}
			return nopMethod{}, nil
		},
	}
	return Registry{
		Methods:   map[string]method.Factory{"fake": f, "other": f},
		Backbones: map[string]method.BackboneFactory{"lm": {Params: func() any { return &lmParams{Dim: 64, Layers: 2} }}},
	}
}

const good = `# test config
data:
  history_len: 10
datasets:
  syn: {loader: synthetic, synthetic: {users: 10}}
  nyc: {}
backbones:
  small: {kind: lm, dim: 32}
methods:
  base: &base
    kind: fake
    backbone: small
    stage1: {epochs: 3}
  easy:
    <<: *base
    select: easy
  plain: {kind: other}
experiments:
  grid:
    description: a grid
    datasets: [syn, nyc]
    methods: [base, easy, plain]
    tail_shots: [5, all]
    seeds: [1, 2]
    set: {plain: {lr: 0.5}}
    vary:
      base: {per_class: [10, 50], stage1.lr: [0.01]}
    columns: [acc, macro_f1]
    thresholds:
      plain: {syn: {overall: {acc: 0.1, wf1: 0.05}}}
  small:
    datasets: syn
    methods: [plain]
    tail_shots: 5
    seeds: 3
    data: {history_len: 5}
`

func TestParseGood(t *testing.T) {
	c, err := Parse([]byte(good), "experiments.yaml", testRegistry())
	if err != nil {
		t.Fatal(err)
	}
	if c.Data.HistoryLen != 10 || c.Data.Split.Train != 0.8 {
		t.Errorf("data = %+v, want history_len 10 and default split", c.Data)
	}
	if got := c.DatasetNames(); !cmp.Equal(got, []string{"syn", "nyc"}) {
		t.Errorf("datasets = %v", got)
	}
	if ds, _ := c.Dataset("nyc"); ds.Spec.Loader != "nyc" {
		t.Errorf("nyc loader = %q, want the name as default", ds.Spec.Loader)
	}
	if ds, _ := c.Dataset("syn"); ds.Spec.Synthetic.Users != 10 {
		t.Errorf("synthetic users = %d", ds.Spec.Synthetic.Users)
	}
	if got := c.Backbones[0].Params.(*lmParams); *got != (lmParams{Dim: 32, Layers: 2}) {
		t.Errorf("backbone params = %+v", got)
	}
	e, err := c.Experiment("grid")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, v := range e.Variants {
		names = append(names, v.Name)
	}
	want := []string{"base[per_class=10,stage1.lr=0.01]", "base[per_class=50,stage1.lr=0.01]", "easy", "plain"}
	if !cmp.Equal(names, want) {
		t.Errorf("variants = %q, want %q", names, want)
	}
	v, _ := e.Variant("base[per_class=50,stage1.lr=0.01]")
	if p := v.Params.(*fakeParams); *p != (fakeParams{Backbone: "small", LR: 1e-3, PerClass: 50, Select: "hard", Stage1: stage{Epochs: 3, LR: 0.01}}) {
		t.Errorf("varied params = %+v", p)
	}
	v, _ = e.Variant("easy")
	if p := v.Params.(*fakeParams); p.Select != "easy" || p.Backbone != "small" || p.Stage1.Epochs != 3 {
		t.Errorf("merged params = %+v", p)
	}
	v, _ = e.Variant("plain")
	if p := v.Params.(*fakeParams); p.LR != 0.5 {
		t.Errorf("set override: lr = %g, want 0.5", p.LR)
	}
	if !cmp.Equal(e.TailShots, []int{5, 0}) || !cmp.Equal(e.Seeds, []uint64{1, 2}) {
		t.Errorf("tail_shots %v seeds %v", e.TailShots, e.Seeds)
	}
	if e.NumCells() != 2*4*2*2 {
		t.Errorf("NumCells = %d", e.NumCells())
	}
	if !cmp.Equal(e.Tables, []string{"main", "tailshots", "stats"}) {
		t.Errorf("default tables = %v", e.Tables)
	}
	wantTh := []Threshold{{"plain", "syn", "overall", "acc", 0.1, 30}, {"plain", "syn", "overall", "wf1", 0.05, 30}}
	if !cmp.Equal(e.Thresholds, wantTh) {
		t.Errorf("thresholds = %+v", e.Thresholds)
	}
	s, _ := c.Experiment("small")
	if s.Data.HistoryLen != 5 || !cmp.Equal(s.Seeds, []uint64{3}) || !cmp.Equal(s.TailShots, []int{5}) {
		t.Errorf("small = %+v", s)
	}
	plain, err := Plain(v.Params)
	if err != nil {
		t.Fatal(err)
	}
	if m := plain.(map[string]any); m["lr"] != 0.5 || m["stage1"].(map[string]any)["epochs"] != 1 {
		t.Errorf("Plain = %v", plain)
	}
}

// TestParseErrors checks that every kind of mistake is reported with its line and key path.
func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, old, new, want string
	}{
		{"unknown method key", "    select: easy\n", "    select: easy\n    epoch: 3\n",
			`experiments.yaml:17: unknown key "epoch" in methods.easy (known keys: backbone, lr, per_class, select, stage1)`},
		{"unknown nested key", "stage1: {epochs: 3}", "stage1: {epoch: 3}", `experiments.yaml:13: unknown key "epoch" in methods.base.stage1`},
		{"wrong type", "stage1: {epochs: 3}", "stage1: {epochs: many}", "experiments.yaml:13: methods.base.stage1.epochs: cannot unmarshal !!str `many` into int"},
		{"unknown method kind", "plain: {kind: other}", "plain: {kind: nope}", `experiments.yaml:17: methods.plain: unknown method kind "nope" (known: fake, other)`},
		{"missing kind", "plain: {kind: other}", "plain: {lr: 1}", `experiments.yaml:17: methods.plain: missing key "kind"`},
		{"unknown backbone kind", "{kind: lm, dim: 32}", "{kind: gpt, dim: 32}", `experiments.yaml:8: backbones.small: unknown backbone kind "gpt"`},
		{"unknown backbone key", "{kind: lm, dim: 32}", "{kind: lm, dims: 32}", `experiments.yaml:8: unknown key "dims" in backbones.small`},
		{"unknown loader", "nyc: {}", "nyc: {loader: foursquare}", `experiments.yaml:6: datasets.nyc.loader: unknown loader "foursquare"`},
		{"unknown data key", "history_len: 10", "history_length: 10", `experiments.yaml:3: unknown key "history_length" in data`},
		{"invalid data", "history_len: 10", "history_len: 0", `experiments.yaml:3: data.history_len: must be at least 1`},
		{"unknown top key", "# test config\n", "# test config\nexperiment: {}\n", `experiments.yaml:2: unknown key "experiment" at the top level`},
		{"unknown data set in experiment", "datasets: [syn, nyc]", "datasets: [syn, nyx]", `experiments.yaml:21: experiments.grid.datasets: unknown data set "nyx" (defined: syn, nyc)`},
		{"unknown method in experiment", "methods: [base, easy, plain]", "methods: [base, easy, plane]", `experiments.yaml:22: experiments.grid.methods: unknown method "plane"`},
		{"negative k", "tail_shots: [5, all]", "tail_shots: [5, -1]", `experiments.yaml:23: experiments.grid.tail_shots: tail-shot count must be >= 0 (or "all"), got -1`},
		{"bad k", "tail_shots: [5, all]", "tail_shots: [5, some]", `experiments.yaml:23: experiments.grid.tail_shots: want an integer >= 0 or "all", got "some"`},
		{"empty grid", "    seeds: [1, 2]\n", "    seeds: []\n", `experiments.yaml:19: experiments.grid: empty grid: seeds is missing or empty`},
		{"missing grid axis", "    tail_shots: 5\n", "", `experiments.yaml:31: experiments.small: empty grid: tail_shots is missing or empty`},
		{"duplicated experiment", "  small:\n", "  grid:\n", `experiments.yaml:31: duplicate key "grid" in experiments (first at line 19)`},
		{"duplicated method key", "  plain: {kind: other}\n", "  plain: {kind: other}\n  plain: {kind: fake}\n", `experiments.yaml:18: duplicate key "plain" in methods (first at line 17)`},
		{"missing threshold metric", "{overall: {acc: 0.1, wf1: 0.05}}", "{overall: {}}", `experiments.yaml:30: experiments.grid.thresholds.plain.syn.overall: missing metric key: want e.g. {acc: 0.05}, got an empty mapping`},
		{"threshold without metric level", "{overall: {acc: 0.1, wf1: 0.05}}", "{overall: 0.1}", `experiments.yaml:30: experiments.grid.thresholds.plain.syn.overall: missing metric key: want e.g. {acc: 0.05}, got "0.1"`},
		{"unknown threshold metric", "{overall: {acc: 0.1, wf1: 0.05}}", "{overall: {accuracy: 0.1}}", `experiments.yaml:30: experiments.grid.thresholds.plain.syn.overall: unknown metric key "accuracy"`},
		{"threshold unknown group", "{overall: {acc: 0.1, wf1: 0.05}}", "{head: {acc: 0.1}}", `experiments.yaml:30: experiments.grid.thresholds.plain.syn: unknown group "head"`},
		{"threshold unknown method", "      plain: {syn:", "      pop: {syn:", `experiments.yaml:30: experiments.grid.thresholds: "pop" is not a method variant`},
		{"threshold dataset outside grid", "      plain: {syn:", "      plain: {geo:", `experiments.yaml:30: experiments.grid.thresholds.plain: "geo" is not a data set of this experiment`},
		{"unknown experiment key", "    columns: [acc, macro_f1]\n", "    column: [acc]\n", `experiments.yaml:28: unknown key "column" in experiments.grid`},
		{"unknown column metric", "columns: [acc, macro_f1]", "columns: [acc, f1]", `experiments.yaml:28: experiments.grid.columns: unknown metric "f1"`},
		{"vary unknown param", "per_class: [10, 50]", "per_klass: [10, 50]", `experiments.yaml:27: unknown key "per_klass" in experiments.grid.vary.base`},
		{"vary wrong type", "per_class: [10, 50]", "per_class: [10, lots]", "experiments.yaml:27: experiments.grid.vary.base.per_class: cannot unmarshal !!str `lots` into int"},
		{"vary method not in grid", "      base: {per_class:", "      other: {per_class:", `experiments.yaml:27: experiments.grid.vary: method "other" is not in this experiment's methods`},
		{"set unknown key", "set: {plain: {lr: 0.5}}", "set: {plain: {rate: 0.5}}", `experiments.yaml:25: unknown key "rate" in experiments.grid.set.plain`},
		{"factory rejects params", "set: {plain: {lr: 0.5}}", "set: {plain: {select: worst}}", `experiments.yaml:17: experiments.grid: method plain: select: unknown rule "worst"`},
		{"bad yaml", "  small:\n", "  small\n", `experiments.yaml: yaml: line`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(good, tc.old) {
				t.Fatalf("test case does not apply: %q not in config", tc.old)
			}
			src := strings.Replace(good, tc.old, tc.new, 1)
			_, err := Parse([]byte(src), "experiments.yaml", testRegistry())
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error:\n  %v\nwant it to contain:\n  %s", err, tc.want)
			}
		})
	}
}

// TestMergeKeys checks anchors, aliases and merge keys: explicit keys override merged ones,
// nested mappings merge deeply, and of several merged mappings the first wins.
func TestMergeKeys(t *testing.T) {
	src := `
datasets: {syn: {loader: synthetic}}
backbones: {small: {kind: lm}}
x-shared: {other: &other {lr: 0.7, per_class: 7}}
methods:
  base: &base {kind: fake, backbone: small, lr: 0.1, stage1: {epochs: 3, lr: 0.2}}
  deep: {<<: *base, stage1: {lr: 0.5}}
  first: {<<: [*other, *base]}
  alias: *base
experiments:
  e: {datasets: [syn], methods: [deep, first, alias], tail_shots: [5], seeds: [1]}
`
	c, err := Parse([]byte(src), "m.yaml", testRegistry())
	if err != nil {
		t.Fatal(err)
	}
	e, _ := c.Experiment("e")
	want := map[string]fakeParams{
		"deep":  {Backbone: "small", LR: 0.1, PerClass: 20, Select: "hard", Stage1: stage{Epochs: 3, LR: 0.5}},
		"first": {Backbone: "small", LR: 0.7, PerClass: 7, Select: "hard", Stage1: stage{Epochs: 3, LR: 0.2}},
		"alias": {Backbone: "small", LR: 0.1, PerClass: 20, Select: "hard", Stage1: stage{Epochs: 3, LR: 0.2}},
	}
	for _, v := range e.Variants {
		if got := *v.Params.(*fakeParams); got != want[v.Name] {
			t.Errorf("%s = %+v, want %+v", v.Name, got, want[v.Name])
		}
	}
}

// TestSyntheticDecodesOntoDefaults checks that a written 0 stays 0 (it is what the result file
// records and hashes) while an absent key takes the generator's default.
func TestSyntheticDecodesOntoDefaults(t *testing.T) {
	src := `
datasets: {syn: {loader: synthetic, synthetic: {sequential: 0, hour_structure: 0, users: 7}}}
methods: {plain: {kind: other}}
experiments: {e: {datasets: [syn], methods: [plain], tail_shots: [5], seeds: [1]}}
`
	c, err := Parse([]byte(src), "s.yaml", testRegistry())
	if err != nil {
		t.Fatal(err)
	}
	ds, _ := c.Dataset("syn")
	want := datasets.DefaultSyntheticConfig()
	want.Sequential, want.HourStructure, want.Users = 0, 0, 7
	if ds.Spec.Synthetic != want {
		t.Errorf("synthetic = %+v, want %+v", ds.Spec.Synthetic, want)
	}
}

// TestPlainKeepsLineBreaks: yaml.v3 reads a lone "\n" written as a literal block back as "", so
// an hf name suffix of "\n" was recorded (and hashed, and repeated) as "". Plain and FromPlain
// carry such strings exactly.
func TestPlainKeepsLineBreaks(t *testing.T) {
	type params struct {
		S string `yaml:"s"`
	}
	for _, v := range []string{"\n", "\n\n", "a\n", " \n", "\r\n", "", " ", "plain"} {
		pl, err := Plain(params{S: v})
		if err != nil {
			t.Fatal(err)
		}
		if got := pl.(map[string]any)["s"]; got != v {
			t.Errorf("Plain(%q) records %q", v, got)
		}
		var back params
		if err := FromPlain(pl, &back); err != nil {
			t.Fatal(err)
		}
		if back.S != v {
			t.Errorf("FromPlain(Plain(%q)) = %q", v, back.S)
		}
	}
}
