package baselines

import (
	"math"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/behaviorlm/harness/internal/method"
)

func TestFactoriesKindsAndDefaults(t *testing.T) {
	fs := Factories()
	var kinds []string
	for k, f := range fs {
		kinds = append(kinds, k)
		p := f.Params()
		if _, err := f.New(p, nil); err != nil {
			t.Errorf("%s: defaults rejected: %v", k, err)
		}
		if _, err := f.New(struct{}{}, nil); err == nil {
			t.Errorf("%s: accepted params of the wrong type", k)
		}
	}
	// Params returns fresh defaults: changing one copy leaves the next untouched.
	fs["sasrec"].Params().(*SASRecParams).Dim = 3
	if d := fs["sasrec"].Params().(*SASRecParams).Dim; d != 64 {
		t.Errorf("sasrec defaults changed to dim %d by editing an earlier copy", d)
	}
	slices.Sort(kinds)
	if want := []string{"bert4rec", "gru4rec", "markov", "pop", "sasrec"}; !slices.Equal(kinds, want) {
		t.Errorf("kinds %v, want %v", kinds, want)
	}
}

// The runner decodes experiments.yaml strictly onto Params(); the inlined training options and
// the loss section must be reachable by their YAML names, and unknown keys must fail.
func TestParamsDecodeFromYAML(t *testing.T) {
	decode := func(kind, doc string) (any, error) {
		p := Factories()[kind].Params()
		dec := yaml.NewDecoder(strings.NewReader(doc))
		dec.KnownFields(true)
		return p, dec.Decode(p)
	}
	p, err := decode("sasrec", "{lr: 0.01, max_steps: 7, loss: {kind: focal, gamma: 1.5}, resample: true, heads: 2, time_context: true}")
	if err != nil {
		t.Fatal(err)
	}
	s := p.(*SASRecParams)
	if s.LR != 0.01 || s.MaxSteps != 7 || s.Loss.Kind != "focal" || s.Loss.Gamma != 1.5 || !s.Resample || s.Heads != 2 || !s.TimeContext || s.Dim != 64 {
		t.Errorf("decoded %+v", s)
	}
	if _, err := decode("gru4rec", "{hidden: 8, no_such_key: 1}"); err == nil {
		t.Error("unknown key accepted")
	}
	for kind, doc := range map[string]string{
		"sasrec":   "{heads: 3}",
		"bert4rec": "{mask_prob: 1.5}",
		"gru4rec":  "{loss: {kind: hinge}}",
		"markov":   "{smoothing: -1}",
	} {
		p, err := decode(kind, doc)
		if err != nil {
			t.Fatalf("%s %s: %v", kind, doc, err)
		}
		if _, err := Factories()[kind].New(p, nil); err == nil {
			t.Errorf("%s: invalid params %s accepted", kind, doc)
		}
	}
}

// The re-weighting options reach the training loop, and reruns with the same seed are
// bit-identical.
func TestReweightingAndDeterminism(t *testing.T) {
	if testing.Short() {
		t.Skip("trains models")
	}
	env := newEnv(t)
	task := tinyTask(48, 6, 5, 4)
	task.Valid = task.Train[:16]
	run := func(loss LossParams, resample bool) [][]float32 {
		p := DefaultSASRecParams()
		p.Dim, p.FFNDim, p.MaxSteps, p.BatchSize, p.EvalEvery = 16, 16, 6, 16, 3
		p.Loss, p.Resample = loss, resample
		out, err := (&SASRec{Params: *p}).Run(env, task)
		if err != nil {
			t.Fatalf("loss %+v resample %v: %v", loss, resample, err)
		}
		for _, row := range out.TestScores {
			for _, v := range row {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("loss %+v: non-finite score", loss)
				}
			}
		}
		return out.TestScores
	}
	ce := run(LossParams{Kind: "ce"}, false)
	if again := run(LossParams{Kind: "ce"}, false); !equalScores(ce, again) {
		t.Error("two runs with the same seed differ")
	}
	for _, l := range []LossParams{{Kind: "class-balanced", Beta: 0.9}, {Kind: "focal", Gamma: 2}, {Kind: "logit-adjust", Tau: 1}} {
		if got := run(l, false); equalScores(got, ce) {
			t.Errorf("loss %s gave the same scores as ce", l.Kind)
		}
	}
	if got := run(LossParams{Kind: "ce"}, true); equalScores(got, ce) {
		t.Error("resample gave the same scores as uniform batches")
	}
	other := env
	other.Seed++
	p := DefaultSASRecParams()
	p.Dim, p.FFNDim, p.MaxSteps, p.BatchSize = 16, 16, 6, 16
	out, err := (&SASRec{Params: *p}).Run(other, task)
	if err != nil {
		t.Fatal(err)
	}
	if equalScores(out.TestScores, ce) {
		t.Error("a different seed gave the same scores")
	}
}

func equalScores(a, b [][]float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !slices.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

var _ method.Method = (*SASRec)(nil)
