package hf

import (
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/internal/engine"
	"github.com/behaviorlm/harness/internal/hf/hftest"
	"github.com/behaviorlm/harness/internal/hf/safetensors"
)

// flavours are the fixture checkpoints made by reference/hf/make_fixture.py.
var flavours = []string{"llama", "qwen2"}

type expectedFixture struct {
	Prompts []hftest.Prompt `json:"prompts"`
}

func fixtureDir(flavour string) string { return filepath.Join("testdata", flavour) }

func readExpected(t *testing.T, flavour string) *expectedFixture {
	t.Helper()
	var e expectedFixture
	hftest.ReadJSON(t, fixtureDir(flavour)+".expected.json", &e)
	return &e
}

func newBackend(t testing.TB) backends.Backend {
	t.Helper()
	b, err := engine.New("go")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// loadFixture loads a fixture model and initialises a fresh context with it.
func loadFixture(t testing.TB, flavour string, lora *LoRAConfig) (*Model, *context.Context) {
	t.Helper()
	m, err := Load(fixtureDir(flavour))
	if err != nil {
		t.Fatal(err)
	}
	m.LoRA = lora
	ctx := context.New()
	if err := m.Init(ctx); err != nil {
		t.Fatal(err)
	}
	return m, ctx
}

// runForward returns the logits [B][T][V] of Forward on left-padded sequences.
func runForward(t testing.TB, backend backends.Backend, m *Model, ctx *context.Context, seqs [][]int) [][][]float32 {
	t.Helper()
	tokens, mask := LeftPad(seqs, 0)
	exec, err := context.NewExec(backend, ctx.Reuse(), func(ctx *context.Context, tok, msk *graph.Node) *graph.Node {
		return m.Forward(ctx, tok, msk, false)
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Exec(tokens, mask)
	if err != nil {
		t.Fatal(err)
	}
	return out[0].Value().([][][]float32)
}

func TestLogitsMatchTorch(t *testing.T) {
	backend := newBackend(t)
	for _, fl := range flavours {
		t.Run(fl, func(t *testing.T) {
			m, ctx := loadFixture(t, fl, nil)
			want, err := safetensors.Open(fixtureDir(fl) + ".logits.safetensors")
			if err != nil {
				t.Fatal(err)
			}
			exp := readExpected(t, fl)
			v := m.Config.VocabSize
			var seqs [][]int
			worst := 0.0
			for i, p := range exp.Prompts {
				seqs = append(seqs, p.IDsSpecial)
				ref, err := want.ReadFloat32("prompt" + string(rune('0'+i)))
				if err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				got := runForward(t, backend, m, ctx, [][]int{p.IDsSpecial})[0]
				if i == 0 {
					t.Logf("%s: first forward (T=%d, with compilation) %v", fl, len(p.IDsSpecial), time.Since(start))
				}
				worst = max(worst, maxDiff(t, got, ref, v))
			}
			t.Logf("%s: max |logit - torch| unpadded = %.3g", fl, worst)
			if worst > 1e-4 {
				t.Errorf("%s: logits differ from torch by %g > 1e-4", fl, worst)
			}
			// All prompts at once, left-padded: real positions must match the unpadded reference.
			batch := runForward(t, backend, m, ctx, seqs)
			worst = 0
			for i, s := range seqs {
				ref, _ := want.ReadFloat32("prompt" + string(rune('0'+i)))
				pad := len(batch[i]) - len(s)
				worst = max(worst, maxDiff(t, batch[i][pad:], ref, v))
			}
			t.Logf("%s: max |logit - torch| left-padded batch = %.3g", fl, worst)
			if worst > 1e-4 {
				t.Errorf("%s: left-padded logits differ from torch by %g > 1e-4", fl, worst)
			}
		})
	}
}

// maxDiff compares logits [T][V] with a flat reference [T*V].
func maxDiff(t testing.TB, got [][]float32, ref []float32, v int) float64 {
	t.Helper()
	if len(got)*v != len(ref) {
		t.Fatalf("got %d positions x %d, reference has %d values", len(got), v, len(ref))
	}
	worst := 0.0
	for i, row := range got {
		for j, x := range row {
			worst = max(worst, math.Abs(float64(x)-float64(ref[i*v+j])))
		}
	}
	return worst
}

func TestInitRandomIsSeededAndNotPretrained(t *testing.T) {
	backend := newBackend(t)
	seqs := [][]int{{1, 2, 3, 4}}
	m, pre := loadFixture(t, "llama", nil)
	want := runForward(t, backend, m, pre, seqs)
	run := func(seed uint64) [][][]float32 {
		ctx := context.New()
		if err := m.InitRandom(ctx, seed); err != nil {
			t.Fatal(err)
		}
		norm := ctx.GetVariableByScopeAndName("/hf/model/norm", "weight")
		if v, _ := norm.Value(); v.Value().([]float32)[0] != 1 {
			t.Errorf("random init: final norm scale %v, want 1", v.Value())
		}
		return runForward(t, backend, m, ctx, seqs)
	}
	a, b, c := run(1), run(1), run(2)
	if d := maxAbsDiff3(a, b); d != 0 {
		t.Errorf("same seed differs by %g", d)
	}
	if d := maxAbsDiff3(a, c); d == 0 {
		t.Error("different seeds give identical logits")
	}
	if d := maxAbsDiff3(a, want); d < 1e-2 {
		t.Errorf("random init within %g of the pretrained logits", d)
	}
}

// TestInitOnBackend: weights read straight into backend buffers (Model.Backend) give the same
// logits as host tensors.
func TestInitOnBackend(t *testing.T) {
	backend := newBackend(t)
	for _, fl := range flavours {
		m, ctx := loadFixture(t, fl, nil)
		m2, err := Load(fixtureDir(fl))
		if err != nil {
			t.Fatal(err)
		}
		m2.Backend = backend
		ctx2 := context.New()
		if err := m2.Init(ctx2); err != nil {
			t.Fatal(err)
		}
		for v := range ctx2.IterVariables() {
			if val, err := v.Value(); err != nil || val.IsLocal() {
				t.Fatalf("%s: variable %s is a host tensor (err %v)", fl, v.ScopeAndName(), err)
			}
			break
		}
		exp := readExpected(t, fl)
		var seqs [][]int
		for _, p := range exp.Prompts {
			seqs = append(seqs, p.IDsSpecial)
		}
		a, b := runForward(t, backend, m, ctx, seqs), runForward(t, backend, m2, ctx2, seqs)
		if d := maxAbsDiff3(a, b); d != 0 {
			t.Errorf("%s: logits differ by %g", fl, d)
		}
	}
}
