package stats

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/behaviorlm/harness/internal/metrics"
)

// fixture holds values computed by reference/stats/make_fixture.py with numpy and scipy.
type fixture struct {
	Outcomes struct {
		Target []int32
		Anchor []bool
		A, B   []struct{ Pred, Rank []int32 }
	}
	Scores []struct {
		Idx    []int
		Report map[string]map[string]float64
	}
	Resamples [][]int
	Bootstrap []struct {
		Group, Metric    string
		Seeds            int
		Estimate, Lo, Hi float64
		P0, Null, PNull  float64
	}
	Percentile struct{ Values, Q, Want []float64 }
	TTest      []struct {
		A, B               []float64
		T, P, Mean, Lo, Hi float64
		DF                 int
	}
	Holm []struct{ P, Want []float64 }
}

func load(t *testing.T) *fixture {
	t.Helper()
	b, err := os.ReadFile("testdata/fixture.json")
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return &f
}

func (f *fixture) outcomes(method string) []*metrics.Outcomes {
	src := f.Outcomes.A
	if method == "b" {
		src = f.Outcomes.B
	}
	var out []*metrics.Outcomes
	for _, s := range src {
		out = append(out, &metrics.Outcomes{Pred: s.Pred, Rank: s.Rank, Target: f.Outcomes.Target, Anchor: f.Outcomes.Anchor})
	}
	return out
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b)) }

func TestScoreOnIndicesMatchesNumpy(t *testing.T) {
	f := load(t)
	o := f.outcomes("a")[0]
	if err := o.Validate(); err != nil {
		t.Fatal(err)
	}
	for i, sc := range f.Scores {
		rep := o.Score(sc.Idx)
		for g, want := range sc.Report {
			m, _ := rep.Group(g)
			for k, w := range want {
				v, ok := m.Get(k)
				if !ok || !near(v, w, 1e-12) {
					t.Errorf("score %d %s %s = %v, numpy %v", i, g, k, v, w)
				}
			}
		}
	}
}

func TestBootstrapWithFixedResamplesMatchesNumpy(t *testing.T) {
	f := load(t)
	a, b := f.outcomes("a"), f.outcomes("b")
	for _, want := range f.Bootstrap {
		stat, err := MetricDiff(a[:want.Seeds], b[:want.Seeds], want.Group, want.Metric)
		if err != nil {
			t.Fatal(err)
		}
		got, err := BootstrapWith(f.Resamples, 0.95, stat)
		if err != nil {
			t.Fatal(err)
		}
		if !near(got.Estimate, want.Estimate, 1e-12) || !near(got.Lo, want.Lo, 1e-12) || !near(got.Hi, want.Hi, 1e-12) ||
			!near(got.P(0), want.P0, 1e-15) || !near(got.P(want.Null), want.PNull, 1e-15) {
			t.Errorf("%s %s: got %+v, numpy %v [%v, %v]", want.Group, want.Metric, got, want.Estimate, want.Lo, want.Hi)
		}
	}
}

func TestPercentileMatchesNumpy(t *testing.T) {
	f := load(t)
	s := append([]float64(nil), f.Percentile.Values...)
	sortFloats(s)
	for i, q := range f.Percentile.Q {
		if got := Percentile(s, q); !near(got, f.Percentile.Want[i], 1e-14) {
			t.Errorf("percentile %v = %v, numpy %v", q, got, f.Percentile.Want[i])
		}
	}
}

func TestPairedTMatchesScipy(t *testing.T) {
	f := load(t)
	for i, c := range f.TTest {
		got, err := PairedT(c.A, c.B, 0.95)
		if err != nil {
			t.Fatal(err)
		}
		if got.DF != c.DF || !near(got.T, c.T, 1e-10) || !near(got.P, c.P, 1e-9) || !near(got.Mean, c.Mean, 1e-12) ||
			!near(got.CI.Lo, c.Lo, 1e-9) || !near(got.CI.Hi, c.Hi, 1e-9) {
			t.Errorf("case %d: got t %v p %v df %d mean %v CI [%v, %v]; scipy t %v p %v df %d mean %v CI [%v, %v]",
				i, got.T, got.P, got.DF, got.Mean, got.CI.Lo, got.CI.Hi, c.T, c.P, c.DF, c.Mean, c.Lo, c.Hi)
		}
	}
}

func TestPairedTDegenerate(t *testing.T) {
	r, err := PairedT([]float64{1, 2, 3}, []float64{1, 2, 3}, 0.95)
	if err != nil || !math.IsNaN(r.T) || r.P != 1 || r.CI.Lo != 0 || r.CI.Hi != 0 {
		t.Errorf("identical: %+v %v", r, err)
	}
	r, err = PairedT([]float64{2, 3, 4}, []float64{1, 2, 3}, 0.95)
	if err != nil || !math.IsInf(r.T, 1) || r.P != 0 || r.CI.Lo != 1 || r.CI.Hi != 1 {
		t.Errorf("constant shift: %+v %v", r, err)
	}
	if _, err := PairedT([]float64{1}, []float64{2}, 0.95); err == nil {
		t.Error("one pair: want an error")
	}
	if _, err := PairedT([]float64{1, 2}, []float64{2}, 0.95); err == nil {
		t.Error("unequal lengths: want an error")
	}
}

func TestStudentQuantileKnownValues(t *testing.T) {
	// Tables: t_{0.975} for df 1, 2, 4, 30.
	for df, want := range map[float64]float64{1: 12.706204736, 2: 4.30265273, 4: 2.776445105, 30: 2.042272456} {
		if got := StudentQuantile(0.975, df); !near(got, want, 1e-8) {
			t.Errorf("t_0.975(%v) = %v, want %v", df, got, want)
		}
	}
}

func TestHolmMatchesReference(t *testing.T) {
	f := load(t)
	for _, c := range f.Holm {
		got := Holm(c.P)
		for i := range got {
			if !near(got[i], c.Want[i], 1e-15) {
				t.Errorf("Holm(%v) = %v, want %v", c.P, got, c.Want)
				break
			}
		}
	}
	if got := Holm([]float64{math.NaN(), 0.01}); got[0] != 1 || got[1] != 0.02 {
		t.Errorf("NaN counts as 1: got %v", got)
	}
}

func TestResamplerDeterministicAndInRange(t *testing.T) {
	const n = 7
	draw := func(seed uint64) []int {
		r := NewResampler(n, seed)
		var all []int
		idx := make([]int, n)
		for range 500 {
			r.Next(idx)
			all = append(all, idx...)
		}
		return all
	}
	a, b, c := draw(1), draw(1), draw(2)
	same, counts := true, make([]int, n)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, draw %d differs", i)
		}
		if a[i] != c[i] {
			same = false
		}
		if a[i] < 0 || a[i] >= n {
			t.Fatalf("index %d outside [0,%d)", a[i], n)
		}
		counts[a[i]]++
	}
	if same {
		t.Error("seeds 1 and 2 drew the same indices")
	}
	// 3500 draws over 7 values: each count is 500 ± 3 sd (sd ≈ 20.7).
	for v, c := range counts {
		if c < 438 || c > 562 {
			t.Errorf("value %d drawn %d times of 3500, want about 500", v, c)
		}
	}
	// Pinned: the generator must not change silently (it would move every committed interval).
	r := NewResampler(10, 42)
	idx := make([]int, 10)
	r.Next(idx)
	want := pinned
	for i := range idx {
		if idx[i] != want[i] {
			t.Fatalf("seed 42 first resample %v, pinned %v", idx, want)
		}
	}
}

func TestBootstrapProperties(t *testing.T) {
	f := load(t)
	a, b := f.outcomes("a"), f.outcomes("b")
	self, _ := MetricDiff(a, a, "overall", "wf1")
	got, err := Bootstrap(len(f.Outcomes.Target), 200, 1, 0.95, self)
	if err != nil || got.Interval != (Interval{}) || got.P(0) != 1 {
		t.Errorf("a method against itself: %+v %v, want exactly 0 (identical resamples)", got, err)
	}
	stat, _ := MetricDiff(a, b, "overall", "acc")
	i1, _ := Bootstrap(len(f.Outcomes.Target), 500, 7, 0.95, stat)
	i2, _ := Bootstrap(len(f.Outcomes.Target), 500, 7, 0.95, stat)
	if i1.Interval != i2.Interval {
		t.Errorf("same seed, different intervals %+v %+v", i1, i2)
	}
	if !(i1.Lo < i1.Estimate && i1.Estimate < i1.Hi) {
		t.Errorf("interval %+v does not contain its estimate", i1)
	}
	i90, _ := Bootstrap(len(f.Outcomes.Target), 500, 7, 0.80, stat)
	if !(i90.Lo >= i1.Lo && i90.Hi <= i1.Hi) {
		t.Errorf("80%% interval %+v not inside 95%% %+v", i90, i1)
	}
	if _, err := MetricDiff(a, b[:2], "overall", "acc"); err == nil {
		t.Error("unequal seed counts: want an error")
	}
	if _, err := MetricDiff(a, b, "overall", "nope"); err == nil {
		t.Error("unknown metric: want an error")
	}
}

func sortFloats(s []float64) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

var pinned = []int{3, 8, 0, 0, 7, 9, 1, 8, 3, 2}
