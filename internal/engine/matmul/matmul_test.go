package matmul

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naive is the reference: a plain triple loop in float64.
func naive(a, b Operand) []float32 {
	ab, ar, ac := a.Batch.Offsets(), a.Rows.Offsets(), a.Cols.Offsets()
	bb, br, bc := b.Batch.Offsets(), b.Rows.Offsets(), b.Cols.Offsets()
	batch, m, k, n := len(ab), len(ar), len(ac), len(bc)
	out := make([]float32, batch*m*n)
	for bi := range batch {
		for i := range m {
			for j := range n {
				var s float64
				for p := range k {
					s += float64(a.Data[ab[bi]+ar[i]+ac[p]]) * float64(b.Data[bb[bi]+br[p]+bc[j]])
				}
				out[(bi*m+i)*n+j] = float32(s)
			}
		}
	}
	return out
}

func randomData(rng *rand.Rand, n int) []float32 {
	d := make([]float32, n)
	for i := range d {
		d[i] = 2*rng.Float32() - 1
	}
	return d
}

// makeOperand builds an operand of a [batch, rows, cols] logical matrix stored with its axes permuted:
// perm lists, outermost first, which logical axis (0 batch, 1 rows, 2 cols) each stored axis is.
func makeOperand(rng *rand.Rand, batch, rows, cols int, perm [3]int) Operand {
	dims := [3]int{batch, rows, cols}
	stored := []int{dims[perm[0]], dims[perm[1]], dims[perm[2]]}
	var offs [3]Index
	for s, logical := range perm {
		offs[logical] = Axes(stored, []int{s})
	}
	return Operand{Data: randomData(rng, batch*rows*cols), Batch: offs[0], Rows: offs[1], Cols: offs[2]}
}

func maxRelErr(got, want []float32, k int) float64 {
	worst := 0.0
	for i := range got {
		e := math.Abs(float64(got[i]-want[i])) / math.Sqrt(float64(k)+1)
		worst = max(worst, e)
	}
	return worst
}

var perms = [][3]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {2, 1, 0}}

func TestBatchedMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := [][4]int{ // batch, m, k, n
		{1, 1, 1, 1}, {1, 7, 3, 5}, {2, 9, 17, 33}, {1, 64, 64, 64}, {3, 20, 32, 20},
		{1, 130, 300, 70}, {1, 8, 513, 32}, {5, 1, 64, 31}, {1, 257, 64, 292},
	}
	for _, kern := range availableKernels() {
		for _, s := range sizes {
			for pi, pa := range perms {
				pb := perms[(pi+1)%len(perms)]
				a := makeOperand(rng, s[0], s[1], s[2], pa)
				b := makeOperand(rng, s[0], s[2], s[3], pb)
				want := naive(a, b)
				for _, workers := range []int{1, 3} {
					got := make([]float32, len(want))
					for i := range got {
						got[i] = float32(math.NaN()) // must be overwritten
					}
					batchedWith(kern, got, prepare(a), prepare(b), workers)
					if e := maxRelErr(got, want, s[2]); !(e < 1e-5) {
						t.Errorf("%s, size %v, layouts %v/%v, %d workers: max error %g", kern.name, s, pa, pb, workers, e)
					}
				}
			}
		}
	}
}

// TestBatchedDetectsWrongKernel makes sure the comparison above can fail: a kernel that drops the
// last depth step must be caught.
func TestBatchedDetectsWrongKernel(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	bad := goKernel
	bad.fn = func(k int, a []float32, ars, acs int, b []float32, bs int, c []float32, ldc int, acc bool) {
		goKernel4x4(k-1, a, ars, acs, b, bs, c, ldc, acc)
	}
	a := makeOperand(rng, 1, 9, 10, perms[0])
	b := makeOperand(rng, 1, 10, 6, perms[1])
	got := make([]float32, 9*6)
	batchedWith(bad, got, prepare(a), prepare(b), 1)
	if e := maxRelErr(got, naive(a, b), 10); e < 1e-3 {
		t.Fatalf("a wrong kernel went unnoticed (max error %g)", e)
	}
}

func TestBatchedDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	a := makeOperand(rng, 2, 300, 700, perms[0])
	b := makeOperand(rng, 2, 700, 90, perms[1])
	first := make([]float32, 2*300*90)
	if err := Batched(first, a, b, 1); err != nil {
		t.Fatal(err)
	}
	for _, w := range []int{2, 4, 7} {
		got := make([]float32, len(first))
		if err := Batched(got, a, b, w); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if got[i] != first[i] {
				t.Fatalf("%d workers: element %d = %v, 1 worker gave %v", w, i, got[i], first[i])
			}
		}
	}
}

// TestVectorKernelsAgree checks that the AVX2 and AVX-512 kernels give bit-identical results
// (same summation order, both with fused multiply-adds), so results do not depend on which of
// the two a CPU has.
func TestVectorKernelsAgree(t *testing.T) {
	var vec []kernel
	for _, k := range availableKernels() {
		if k.name != goKernel.name {
			vec = append(vec, k)
		}
	}
	if len(vec) < 2 {
		t.Skip("this CPU has fewer than two vector kernels")
	}
	rng := rand.New(rand.NewPCG(10, 10))
	for _, s := range [][4]int{{1, 70, 600, 50}, {3, 33, 64, 97}, {1, 257, 20, 292}} {
		a, b := makeOperand(rng, s[0], s[1], s[2], perms[0]), makeOperand(rng, s[0], s[2], s[3], perms[1])
		first := make([]float32, s[0]*s[1]*s[3])
		batchedWith(vec[0], first, prepare(a), prepare(b), 2)
		for _, k := range vec[1:] {
			got := make([]float32, len(first))
			batchedWith(k, got, prepare(a), prepare(b), 2)
			for i := range got {
				if got[i] != first[i] {
					t.Fatalf("size %v: %s and %s differ at %d: %v vs %v", s, vec[0].name, k.name, i, first[i], got[i])
				}
			}
		}
	}
}

func TestBatchedErrors(t *testing.T) {
	a := Operand{Data: make([]float32, 6), Rows: Strided(2, 3), Cols: Strided(3, 1)}
	b := Operand{Data: make([]float32, 8), Rows: Strided(4, 2), Cols: Strided(2, 1)}
	if err := Batched(make([]float32, 4), a, b, 1); err == nil {
		t.Error("mismatched depth: no error")
	}
	b = Operand{Data: make([]float32, 6), Rows: Strided(3, 2), Cols: Strided(2, 1)}
	if err := Batched(make([]float32, 5), a, b, 1); err == nil {
		t.Error("wrong output size: no error")
	}
	if err := Batched(make([]float32, 4), a, b, 1); err != nil {
		t.Error(err)
	}
}

func TestIndex(t *testing.T) {
	ix := Axes([]int{2, 3, 4}, []int{2, 0})
	want := []int{0, 12, 1, 13, 2, 14, 3, 15}
	if got := ix.Offsets(); fmt.Sprint(got) != fmt.Sprint(want) || ix.Len() != 8 {
		t.Errorf("Offsets = %v (len %d), want %v", got, ix.Len(), want)
	}
	if _, ok := ix.affine(); ok {
		t.Error("a non-affine index was taken as affine")
	}
	if got := Axes([]int{5}, nil); fmt.Sprint(got.Offsets()) != "[0]" || got.Len() != 1 {
		t.Errorf("Axes(no axes) = %v", got.Offsets())
	}
	for _, c := range []struct {
		ix     Index
		stride int
		ok     bool
	}{
		{Axes([]int{2, 3, 4}, []int{0, 1}), 4, true},    // collapsible: stride 12 = 4·3
		{Axes([]int{2, 1, 4}, []int{0, 1, 2}), 1, true}, // unit axis skipped
		{Axes([]int{2, 3, 4}, []int{1, 0}), 0, false},
		{Index{}, 1, true},
		{Strided(1, 0), 1, true},
		{Strided(5, 0), 0, false}, // broadcast: not a valid stride
	} {
		s, ok := c.ix.affine()
		if ok != c.ok || (ok && s != c.stride) {
			t.Errorf("%v.affine() = %d, %v; want %d, %v", c.ix, s, ok, c.stride, c.ok)
		}
		if ok {
			for i, o := range c.ix.Offsets() {
				if o != i*s {
					t.Errorf("%v: offset %d = %d, not %d·%d", c.ix, i, o, i, s)
				}
			}
		}
	}
}

// TestBatchedNonAffine covers operands whose rows or columns are not evenly spaced (two axes that
// do not collapse), which are packed through offset tables.
func TestBatchedNonAffine(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	// a: tensor [3, 5, 4], rows = axes (0, 2) (12 rows), cols = axis 1 (depth 5).
	a := Operand{Data: randomData(rng, 60), Batch: Index{}, Rows: Axes([]int{3, 5, 4}, []int{0, 2}), Cols: Axes([]int{3, 5, 4}, []int{1})}
	// b: tensor [7, 5, 2], rows = axis 1 (depth 5), cols = axes (2, 0) (14 columns).
	b := Operand{Data: randomData(rng, 70), Batch: Index{}, Rows: Axes([]int{7, 5, 2}, []int{1}), Cols: Axes([]int{7, 5, 2}, []int{2, 0})}
	want := naive(a, b)
	for _, kern := range availableKernels() {
		got := make([]float32, len(want))
		batchedWith(kern, got, prepare(a), prepare(b), 1)
		if e := maxRelErr(got, want, 5); e > 1e-5 {
			t.Errorf("%s: max error %g", kern.name, e)
		}
	}
}

// BenchmarkMatMul reports GFLOP/s of each kernel on square and model-shaped products (the last
// two: the MLP of the hf-forward benchmark, Qwen2-0.5B widths, 512 tokens).
func BenchmarkMatMul(bm *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, s := range [][4]int{{1, 512, 512, 512}, {1, 1024, 1024, 1024}, {1, 4096, 64, 64}, {1, 64, 4096, 64}, {1, 2560, 64, 292}, {256, 64, 32, 64}, {1, 512, 896, 4864}, {1, 512, 4864, 896}} {
		a := makeOperand(rng, s[0], s[1], s[2], perms[0])
		b := makeOperand(rng, s[0], s[2], s[3], perms[0])
		out := make([]float32, s[0]*s[1]*s[3])
		for _, kern := range availableKernels() {
			bm.Run(fmt.Sprintf("%dx%dx%dx%d/%s", s[0], s[1], s[2], s[3], kern.name), func(bm *testing.B) {
				for bm.Loop() {
					batchedWith(kern, out, prepare(a), prepare(b), 0)
				}
				bm.ReportMetric(2*float64(s[0]*s[1]*s[2]*s[3])*float64(bm.N)/bm.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
