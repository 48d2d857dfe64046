package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/behaviorlm/harness/internal/engine/matmul"
)

func TestFastDotGeneralInstalled(t *testing.T) {
	testBackend(t)
	info := KernelInfo()
	switch {
	case os.Getenv(EnvKernels) == "stock":
		t.Skipf("$%s=stock: %s", EnvKernels, info)
	case !matmul.Accelerated():
		t.Skipf("no vector micro-kernel on this CPU: %s", info)
	}
	if !strings.HasPrefix(info, "harness kernels") {
		t.Fatalf("the harness kernels are not installed: %s", info)
	}
	if d := Describe(testBackend(t)); !strings.Contains(d, info) {
		t.Errorf("Describe = %q, want it to name the kernel %q", d, info)
	}
}

// hostDotGeneral is the reference DotGeneral on the host, in float64: output axes are batch axes
// (in the given order), then lhs and rhs cross axes in increasing order.
func hostDotGeneral(lhs []float32, lhsDims, lc, lb []int, rhs []float32, rhsDims, rc, rb []int) ([]float32, []int) {
	lCross := freeAxes(len(lhsDims), lc, lb)
	rCross := freeAxes(len(rhsDims), rc, rb)
	var outDims []int
	for _, a := range lb {
		outDims = append(outDims, lhsDims[a])
	}
	for _, a := range lCross {
		outDims = append(outDims, lhsDims[a])
	}
	for _, a := range rCross {
		outDims = append(outDims, rhsDims[a])
	}
	var contractDims []int
	for _, a := range lc {
		contractDims = append(contractDims, lhsDims[a])
	}
	flat := func(dims, idx []int) int {
		f := 0
		for i, d := range dims {
			f = f*d + idx[i]
		}
		return f
	}
	out := make([]float32, prod(outDims))
	outIdx := make([]int, len(outDims))
	for o := range out {
		unflatten(o, outDims, outIdx)
		li, ri := make([]int, len(lhsDims)), make([]int, len(rhsDims))
		for i := range lb {
			li[lb[i]], ri[rb[i]] = outIdx[i], outIdx[i]
		}
		for i, a := range lCross {
			li[a] = outIdx[len(lb)+i]
		}
		for i, a := range rCross {
			ri[a] = outIdx[len(lb)+len(lCross)+i]
		}
		var s float64
		cIdx := make([]int, len(contractDims))
		for c := range prod(contractDims) {
			unflatten(c, contractDims, cIdx)
			for i := range lc {
				li[lc[i]], ri[rc[i]] = cIdx[i], cIdx[i]
			}
			s += float64(lhs[flat(lhsDims, li)]) * float64(rhs[flat(rhsDims, ri)])
		}
		out[o] = float32(s)
	}
	return out, outDims
}

func prod(dims []int) int {
	p := 1
	for _, d := range dims {
		p *= d
	}
	return p
}

func unflatten(f int, dims, idx []int) {
	for i := len(dims) - 1; i >= 0; i-- {
		idx[i] = f % dims[i]
		f /= dims[i]
	}
}

// dotCase is one DotGeneral configuration: operand dimensions and axes.
type dotCase struct {
	lhsDims, lc, lb, rhsDims, rc, rb []int
}

// dotCases covers the layouts the harness's models produce (dense layers, their gradients,
// attention einsums with batch axes in the middle, tied output heads) and edge sizes.
var dotCases = []dotCase{
	{[]int{37, 16}, []int{1}, nil, []int{16, 45}, []int{0}, nil},                                  // x·W
	{[]int{37, 16}, []int{1}, nil, []int{45, 16}, []int{1}, nil},                                  // x·Wᵀ
	{[]int{40, 16}, []int{0}, nil, []int{40, 9}, []int{0}, nil},                                   // xᵀ·v (weight gradient)
	{[]int{3, 5, 2, 8}, []int{3}, []int{0, 2}, []int{3, 7, 2, 8}, []int{3}, []int{0, 2}},          // bqhd,bkhd->bhqk
	{[]int{3, 2, 5, 7}, []int{3}, []int{0, 1}, []int{3, 7, 2, 8}, []int{1}, []int{0, 2}},          // bhqk,bkhd->bhqd
	{[]int{3, 2, 5, 7}, []int{2}, []int{0, 1}, []int{3, 5, 2, 8}, []int{1}, []int{0, 2}},          // gradient-like, contract mid axis
	{[]int{4, 6, 3}, []int{1, 2}, nil, []int{6, 3, 5}, []int{0, 1}, nil},                          // two contracting axes
	{[]int{4, 6, 3}, []int{2, 1}, nil, []int{5, 3, 6}, []int{1, 2}, nil},                          // contracting axes out of order
	{[]int{2, 9, 33}, []int{2}, []int{0}, []int{2, 33, 70}, []int{1}, []int{0}},                   // batched, edge tiles
	{[]int{1, 300}, []int{1}, nil, []int{300, 1}, []int{0}, nil},                                  // 1×1 result, long depth
	{[]int{130, 20}, []int{1}, nil, []int{20}, []int{0}, nil},                                     // matrix·vector
	{[]int{5, 4, 20, 6}, []int{2}, []int{1, 0}, []int{4, 5, 20}, []int{2}, []int{0, 1}},           // batch axes reversed
	{[]int{8, 2, 3, 6}, []int{3, 1}, []int{0}, []int{8, 6, 4, 2}, []int{1, 3}, []int{0}},          // multi-axis contraction with batch
	{[]int{2, 3, 4, 5}, []int{3}, []int{2}, []int{4, 5, 6}, []int{1}, []int{0}},                   // two lhs cross axes
	{[]int{258, 64}, []int{1}, nil, []int{64, 292}, []int{0}, nil},                                // model-sized head
	{[]int{2560, 64}, []int{0}, nil, []int{2560, 64}, []int{0}, nil},                              // model-sized weight gradient
	{[]int{6, 1, 2, 4}, []int{3}, []int{0, 2}, []int{6, 10, 2, 4}, []int{3}, []int{0, 2}},         // one query position
	{[]int{7, 3}, nil, nil, []int{5}, nil, nil},                                                   // outer product, no contraction
	{[]int{3, 4}, []int{0, 1}, nil, []int{3, 4}, []int{0, 1}, nil},                                // full contraction to a scalar
	{[]int{129, 3, 65}, []int{2}, []int{1}, []int{3, 65, 33}, []int{1}, []int{0}},                 // batch in the middle of lhs
	{[]int{64, 2, 20, 32}, []int{3}, []int{0, 1}, []int{64, 2, 20, 32}, []int{3}, []int{0, 1}},    // attention scores, head-major
	{[]int{64, 20, 2, 32}, []int{1}, []int{0, 2}, []int{64, 2, 20, 20}, []int{3}, []int{0, 1}},    // attention value gradient
	{[]int{16, 20, 64}, []int{1}, []int{0}, []int{16, 20}, []int{1}, []int{0}},                    // select position (one-hot)
	{[]int{64, 20, 64}, []int{0, 1}, nil, []int{64, 20, 64}, []int{0, 1}, nil},                    // gradient of a reshaped dense layer
	{[]int{1, 1}, []int{1}, nil, []int{1, 1}, []int{0}, nil},                                      // 1×1×1
	{[]int{33, 17}, []int{1}, nil, []int{17, 97}, []int{0}, nil},                                  // odd sizes
	{[]int{600, 64}, []int{1}, nil, []int{64, 256}, []int{0}, nil},                                // parallel path
	{[]int{64, 4096}, []int{1}, nil, []int{4096, 64}, []int{0}, nil},                              // long depth, parallel
	{[]int{2, 3, 4}, []int{2}, []int{0}, []int{2, 4}, []int{1}, []int{0}},                         // batched matrix·vector
	{[]int{5, 8}, []int{1}, nil, []int{8, 5}, []int{0}, nil},                                      // square-ish
	{[]int{12, 2, 5, 8}, []int{1, 3}, []int{0}, []int{12, 8, 2}, []int{2, 1}, []int{0}},           // contraction order permuted
	{[]int{9, 10}, []int{0}, nil, []int{10, 9}, []int{1}, nil},                                    // aᵀ·bᵀ
	{[]int{100, 3}, []int{0}, nil, []int{7, 100}, []int{1}, nil},                                  // both transposed, long depth
	{[]int{3, 100, 2}, []int{1}, []int{2}, []int{2, 100}, []int{1}, []int{0}},                     // batch last in lhs
	{[]int{4, 4, 4, 4}, []int{1, 2}, []int{3, 0}, []int{4, 4, 4, 4}, []int{3, 0}, []int{2, 1}},    // everything permuted
	{[]int{1, 64}, []int{1}, nil, []int{64, 292}, []int{0}, nil},                                  // single row
	{[]int{64, 1}, []int{1}, nil, []int{1, 64}, []int{0}, nil},                                    // depth 1
	{[]int{2, 130, 70}, []int{1}, []int{0}, []int{2, 130, 40}, []int{1}, []int{0}},                // batched weight-gradient-like
	{[]int{3, 2}, []int{0}, nil, []int{3, 2, 2}, []int{0}, nil},                                   // rhs with two cross axes
	{[]int{6, 7}, []int{1}, []int{0}, []int{6, 7, 3}, []int{1}, []int{0}},                         // batched vector·matrix
	{[]int{40, 1, 16}, []int{2}, nil, []int{16, 1, 3}, []int{0}, nil},                             // unit axes
	{[]int{2, 1, 1, 5}, []int{3}, []int{0}, []int{2, 5, 1}, []int{1}, []int{0}},                   // more unit axes
	{[]int{300, 40}, []int{1}, nil, []int{40, 1}, []int{0}, nil},                                  // one output column
	{[]int{16, 2, 64}, []int{2}, []int{1}, []int{2, 64, 16}, []int{1}, []int{0}},                  // batch mid lhs, first rhs
	{[]int{128, 64}, []int{1}, nil, []int{292, 64}, []int{1}, nil},                                // tied head (bd,cd->bc)
	{[]int{128, 292}, []int{1}, nil, []int{292, 64}, []int{0}, nil},                               // tied head, input gradient
	{[]int{128, 292}, []int{0}, nil, []int{128, 64}, []int{0}, nil},                               // tied head, table gradient
	{[]int{7, 20, 64}, []int{1}, []int{0}, []int{7, 20, 3}, []int{1}, []int{0}},                   // pooled positions
	{[]int{3, 3}, []int{1}, nil, []int{3, 3}, []int{1}, nil},                                      // a·bᵀ tiny
	{[]int{250, 9}, []int{1}, nil, []int{9, 250}, []int{0}, nil},                                  // wide output
	{[]int{9, 250}, []int{1}, nil, []int{250, 9}, []int{0}, nil},                                  // long thin depth
	{[]int{2, 2, 2, 2, 2}, []int{4, 2}, []int{0, 1}, []int{2, 2, 2, 2}, []int{3, 2}, []int{0, 1}}, // rank 5
	{[]int{3, 5, 4}, []int{1}, nil, []int{5, 7, 2}, []int{0}, nil},                                // rows from two non-adjacent axes
	{[]int{3, 9, 4, 2}, []int{1}, []int{3}, []int{2, 9, 6, 5}, []int{1}, []int{0}},                // non-adjacent cross axes with batch
}

// runDotGeneral computes DotGeneral for c with random operands (seeded) on the backend, and the
// host reference.
func runDotGeneral(t *testing.T, c dotCase, seed uint64) (got, want []float32) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 9))
	lhs := randomTensor(rng, c.lhsDims...)
	rhs := randomTensor(rng, c.rhsDims...)
	e, err := graph.NewExec(testBackend(t), func(l, r *graph.Node) *graph.Node {
		return graph.DotGeneral(l, c.lc, c.lb, r, c.rc, c.rb)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Finalize()
	out, err := e.Exec(lhs, rhs)
	if err != nil {
		t.Fatalf("DotGeneral %v: %v", c, err)
	}
	want, wantDims := hostDotGeneral(tensors.MustCopyFlatData[float32](lhs), c.lhsDims, c.lc, c.lb,
		tensors.MustCopyFlatData[float32](rhs), c.rhsDims, c.rc, c.rb)
	if gotDims := out[0].Shape().Dimensions; !slices.Equal(gotDims, wantDims) && !(len(gotDims) == 0 && prod(wantDims) == 1) {
		t.Fatalf("DotGeneral %v: result dimensions %v, want %v", c, gotDims, wantDims)
	}
	return tensors.MustCopyFlatData[float32](out[0]), want
}

func maxAbsDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

func TestFastDotGeneralMatchesReference(t *testing.T) {
	for i, c := range dotCases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			before := fastCount(backends.OpTypeDotGeneral)
			got, want := runDotGeneral(t, c, uint64(i))
			requireFast(t, backends.OpTypeDotGeneral, before)
			// Values are sums of up to ~4096 products of numbers in [-1, 1).
			if d := maxAbsDiff(got, want); d > 1e-4 {
				t.Errorf("DotGeneral %+v: max difference from the reference %g", c, d)
			}
		})
	}
}

// TestDotGeneralReferenceCatchesWrongAxes checks that the comparison above can fail: the reference
// with the contracting axes of a transposed product swapped must disagree with the backend.
func TestDotGeneralReferenceCatchesWrongAxes(t *testing.T) {
	c := dotCase{[]int{6, 6}, []int{1}, nil, []int{6, 6}, []int{0}, nil}
	got, _ := runDotGeneral(t, c, 1)
	rng := rand.New(rand.NewPCG(1, 9))
	lhs := tensors.MustCopyFlatData[float32](randomTensor(rng, 6, 6))
	rhs := tensors.MustCopyFlatData[float32](randomTensor(rng, 6, 6))
	wrong, _ := hostDotGeneral(lhs, c.lhsDims, []int{0}, nil, rhs, c.rhsDims, []int{0}, nil)
	if d := maxAbsDiff(got, wrong); d < 1e-3 {
		t.Fatalf("a reference with the wrong contracting axis agreed with the backend (max difference %g)", d)
	}
}

// TestFastDotGeneralFloat64 checks that other dtypes still work (they use simplego's kernel).
func TestFastDotGeneralFloat64(t *testing.T) {
	e, err := graph.NewExec(testBackend(t), func(l, r *graph.Node) *graph.Node {
		return graph.Dot(l, r)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Finalize()
	out, err := e.Exec([][]float64{{1, 2}, {3, 4}}, [][]float64{{5, 6}, {7, 8}})
	if err != nil {
		t.Fatal(err)
	}
	got := tensors.MustCopyFlatData[float64](out[0])
	if want := []float64{19, 22, 43, 50}; !slices.Equal(got, want) {
		t.Errorf("float64 Dot = %v, want %v", got, want)
	}
}

// BenchmarkDotGeneral reports GFLOP/s of float32 products on the test backend: square ones and
// the shapes of the behavior LM's dense layers (4096 tokens × 64 → 64) and their weight gradient.
// Compare with HARNESS_KERNELS=stock for simplego's own kernel.
func BenchmarkDotGeneral(bm *testing.B) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, s := range [][3]int{{512, 512, 512}, {1024, 1024, 1024}, {4096, 64, 64}, {64, 4096, 64}, {2560, 64, 292}} {
		m, k, n := s[0], s[1], s[2]
		bm.Run(fmt.Sprintf("%dx%dx%d", m, k, n), func(bm *testing.B) {
			e, err := graph.NewExec(testBackend(bm), func(l, r *graph.Node) *graph.Node {
				return graph.DotGeneral(l, []int{1}, nil, r, []int{0}, nil)
			})
			if err != nil {
				bm.Fatal(err)
			}
			defer e.Finalize()
			lhs, rhs := randomTensor(rng, m, k), randomTensor(rng, k, n)
			if _, err := e.Exec(lhs, rhs); err != nil { // compile
				bm.Fatal(err)
			}
			for bm.Loop() {
				out, err := e.Exec(lhs, rhs)
				if err != nil {
					bm.Fatal(err)
				}
				out[0].FinalizeAll()
			}
			bm.ReportMetric(2*float64(m*k*n)*float64(bm.N)/bm.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
