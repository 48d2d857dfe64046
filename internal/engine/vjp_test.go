package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// vjpTol is the relative tolerance the overrides must meet against the reference gradients.
const vjpTol = 1e-4

// sharedBackend is created once: simplego prints a line each time one is created.
var sharedBackend = sync.OnceValues(func() (backends.Backend, error) { return New("go") })

func testBackend(t testing.TB) backends.Backend {
	t.Helper()
	b, err := sharedBackend()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// randomTensor returns a float32 tensor of the given dimensions with values in [-1, 1).
func randomTensor(rng *rand.Rand, dims ...int) *tensors.Tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = 2*rng.Float32() - 1
	}
	return tensors.FromFlatDataAndDimensions(data, dims...)
}

// vjpGrads builds op over random operands of the given dimensions, draws a random output gradient v
// and returns the gradients that each VJP in vjps computes for the operands, as flat float32 data:
// result[i][j] is vjps[i]'s gradient for operand j.
func vjpGrads(b backends.Backend, seed uint64, operandDims [][]int, op func([]*graph.Node) *graph.Node, vjps ...graph.VJP) ([][][]float32, error) {
	rng := rand.New(rand.NewPCG(seed, 1))
	operands := make([]*tensors.Tensor, len(operandDims))
	for i, dims := range operandDims {
		operands[i] = randomTensor(rng, dims...)
	}
	var vRNG = rand.New(rand.NewPCG(seed, 2))
	e, err := graph.NewExec(b, func(g *graph.Graph) []*graph.Node {
		in := make([]*graph.Node, len(operands))
		for i, o := range operands {
			in[i] = graph.Const(g, o)
		}
		node := op(in)
		v := graph.Const(g, randomTensor(vRNG, node.Shape().Dimensions...))
		var outs []*graph.Node
		for _, vjp := range vjps {
			outs = append(outs, vjp(node, []*graph.Node{v}, shapes.Make(dtypes.Float32))...)
		}
		return outs
	})
	if err != nil {
		return nil, err
	}
	outs, err := e.Exec()
	if err != nil {
		return nil, err
	}
	res := make([][][]float32, len(vjps))
	for i := range vjps {
		for j := range operands {
			t := outs[i*len(operands)+j]
			if got, want := t.Shape().Dimensions, operandDims[j]; fmt.Sprint(got) != fmt.Sprint(want) {
				return nil, fmt.Errorf("VJP #%d: gradient for operand %d has dimensions %v, want %v", i, j, got, want)
			}
			res[i] = append(res[i], tensors.MustCopyFlatData[float32](t))
		}
	}
	return res, nil
}

// compareGrads returns an error unless got matches want to relative tolerance tol: for each
// operand, max|got-want| <= tol * max|want|.
func compareGrads(got, want [][]float32, tol float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("got %d gradients, want %d", len(got), len(want))
	}
	for j := range want {
		if len(got[j]) != len(want[j]) {
			return fmt.Errorf("operand %d: got %d values, want %d", j, len(got[j]), len(want[j]))
		}
		var maxDiff, maxAbs float64
		for k := range want[j] {
			maxDiff = max(maxDiff, math.Abs(float64(got[j][k])-float64(want[j][k])))
			maxAbs = max(maxAbs, math.Abs(float64(want[j][k])))
		}
		if math.IsNaN(maxDiff) || maxDiff > tol*max(maxAbs, 1e-30) {
			return fmt.Errorf("operand %d: max |got-want| = %.3g, relative %.3g > %.0e", j, maxDiff, maxDiff/maxAbs, tol)
		}
	}
	return nil
}

type dotGeneralCase struct {
	name                   string
	lhs, rhs               []int
	lhsC, lhsB, rhsC, rhsB []int
}

var dotGeneralCases = []dotGeneralCase{
	{"matmul", []int{3, 4}, []int{4, 5}, []int{1}, nil, []int{0}, nil},
	{"transposed both", []int{4, 3}, []int{5, 4}, []int{0}, nil, []int{1}, nil},
	{"lhs transposed", []int{4, 3}, []int{4, 5}, []int{0}, nil, []int{0}, nil},
	{"batched", []int{2, 3, 4}, []int{2, 4, 5}, []int{2}, []int{0}, []int{1}, []int{0}},
	{"batch not leading", []int{3, 2, 4}, []int{4, 5, 2}, []int{2}, []int{1}, []int{0}, []int{2}},
	{"two contracting, permuted", []int{3, 4, 6}, []int{6, 5, 4}, []int{1, 2}, nil, []int{2, 0}, nil},
	{"outer product", []int{3}, []int{4}, nil, nil, nil, nil},
	{"two batch axes", []int{2, 3, 4, 5}, []int{2, 3, 5, 6}, []int{3}, []int{0, 1}, []int{2}, []int{0, 1}},
	{"batch axes reversed", []int{3, 2, 4}, []int{2, 3, 4, 5}, []int{2}, []int{1, 0}, []int{2}, []int{0, 1}},
	{"attention qk", []int{2, 3, 5, 8}, []int{2, 3, 7, 8}, []int{3}, []int{0, 1}, []int{3}, []int{0, 1}},
	{"only batch", []int{4, 3}, []int{4, 3}, nil, []int{0, 1}, nil, []int{0, 1}},
}

func (c dotGeneralCase) op(in []*graph.Node) *graph.Node {
	return graph.DotGeneral(in[0], c.lhsC, c.lhsB, in[1], c.rhsC, c.rhsB)
}

func TestDotGeneralVJPMatchesStock(t *testing.T) {
	b := testBackend(t)
	for i, c := range dotGeneralCases {
		t.Run(c.name, func(t *testing.T) {
			g, err := vjpGrads(b, uint64(i), [][]int{c.lhs, c.rhs}, c.op, singleOutput(dotGeneralVJP), stockDotGeneralVJP)
			if err != nil {
				t.Fatal(err)
			}
			if err := compareGrads(g[0], g[1], vjpTol); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestDotVJPMatchesStock(t *testing.T) {
	b := testBackend(t)
	for i, dims := range [][2][]int{{{5}, {5}}, {{3, 4}, {4}}, {{3, 4}, {4, 5}}} {
		t.Run(fmt.Sprint(dims), func(t *testing.T) {
			op := func(in []*graph.Node) *graph.Node { return graph.Dot(in[0], in[1]) }
			g, err := vjpGrads(b, uint64(i), [][]int{dims[0], dims[1]}, op, singleOutput(dotVJP), stockDotVJP)
			if err != nil {
				t.Fatal(err)
			}
			if err := compareGrads(g[0], g[1], vjpTol); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestCompareGradsCatchesWrongVJPs checks that the comparison used above is strict enough: wrong
// DotGeneral gradients (slightly scaled, operands swapped in a square case, a missing transpose)
// must fail it.
func TestCompareGradsCatchesWrongVJPs(t *testing.T) {
	b := testBackend(t)
	scaled := func(node, v *graph.Node) []*graph.Node {
		g := dotGeneralVJP(node, v)
		return []*graph.Node{graph.MulScalar(g[0], 1.001), g[1]}
	}
	// For square matmuls, forgetting to transpose the other operand still has the right shape.
	noTranspose := func(node, v *graph.Node) []*graph.Node {
		lhs, rhs := node.Inputs()[0], node.Inputs()[1]
		return []*graph.Node{graph.MatMul(v, rhs), graph.MatMul(lhs, v)}
	}
	square := dotGeneralCase{"square", []int{4, 4}, []int{4, 4}, []int{1}, nil, []int{0}, nil}
	for _, wrong := range []struct {
		name string
		vjp  func(node, v *graph.Node) []*graph.Node
		c    dotGeneralCase
	}{
		{"scaled by 1.001", scaled, dotGeneralCases[3]},
		{"missing transpose", noTranspose, square},
	} {
		g, err := vjpGrads(b, 7, [][]int{wrong.c.lhs, wrong.c.rhs}, wrong.c.op, singleOutput(wrong.vjp), stockDotGeneralVJP)
		if err != nil {
			t.Fatal(err)
		}
		if err := compareGrads(g[0], g[1], vjpTol); err == nil {
			t.Errorf("wrong VJP %q passed the comparison", wrong.name)
		} else {
			t.Logf("wrong VJP %q rejected: %v", wrong.name, err)
		}
	}
}

// sliceCase slices x (dimensions dims) with per-axis start, limit, stride.
type sliceCase struct {
	name                    string
	dims                    []int
	starts, limits, strides []int
}

var sliceCases = []sliceCase{
	{"rows", []int{6, 7}, []int{1, 0}, []int{5, 7}, []int{1, 1}},
	{"last column", []int{6, 7}, []int{0, 6}, []int{6, 7}, []int{1, 1}},
	{"strided columns", []int{6, 7}, []int{0, 1}, []int{6, 6}, []int{1, 2}},
	{"three axes, stride 3 to end", []int{5, 4, 9}, []int{1, 0, 2}, []int{4, 4, 9}, []int{1, 1, 3}},
	{"stride 2 partial", []int{10}, []int{0}, []int{5}, []int{2}},
	{"stride 4 single element", []int{3, 10}, []int{0, 5}, []int{3, 8}, []int{1, 4}},
	{"every axis", []int{4, 5, 6}, []int{1, 1, 0}, []int{3, 5, 5}, []int{2, 3, 2}},
}

func (c sliceCase) op(in []*graph.Node) *graph.Node {
	specs := make([]graph.SliceAxisSpec, len(c.dims))
	for a := range specs {
		specs[a] = graph.AxisRange(c.starts[a], c.limits[a]).Stride(c.strides[a])
	}
	return graph.Slice(in[0], specs...)
}

// hostSliceGrad is the reference gradient of a slice (what the stock, Pad-based VJP computes): v
// placed at the sliced positions, zeros elsewhere.
func (c sliceCase) hostSliceGrad(v []float32) []float32 {
	rank := len(c.dims)
	outDims := make([]int, rank)
	size := 1
	for a := range rank {
		outDims[a] = (c.limits[a] - c.starts[a] + c.strides[a] - 1) / c.strides[a]
		size *= c.dims[a]
	}
	grad := make([]float32, size)
	idx := make([]int, rank) // Index into v.
	for k := range v {
		flat := 0
		for a := range rank {
			flat = flat*c.dims[a] + c.starts[a] + idx[a]*c.strides[a]
		}
		grad[flat] = v[k]
		for a := rank - 1; a >= 0; a-- {
			idx[a]++
			if idx[a] < outDims[a] {
				break
			}
			idx[a] = 0
		}
	}
	return grad
}

// TestSliceVJPMatchesReference compares the Slice override with the reference gradient computed on
// the host (the stock VJP cannot run here: it needs Pad, which simplego lacks).
func TestSliceVJPMatchesReference(t *testing.T) {
	b := testBackend(t)
	identity := func(node, v *graph.Node) []*graph.Node { return []*graph.Node{v} }
	for i, c := range sliceCases {
		t.Run(c.name, func(t *testing.T) {
			// The identity "VJP" returns v itself, so the host reference can be computed from it.
			g, err := vjpGradsAny(b, uint64(i), c.dims, c.op, singleOutput(sliceVJP), singleOutput(identity))
			if err != nil {
				t.Fatal(err)
			}
			want := c.hostSliceGrad(g[1])
			if err := compareGrads([][]float32{g[0]}, [][]float32{want}, vjpTol); err != nil {
				t.Error(err)
			}
		})
	}
	// A wrong variant (off by one position) must fail the same comparison.
	c := sliceCases[0]
	g, err := vjpGradsAny(b, 1, c.dims, c.op, singleOutput(sliceVJP), singleOutput(identity))
	if err != nil {
		t.Fatal(err)
	}
	shifted := c
	shifted.starts = []int{0, 0}
	if err := compareGrads([][]float32{g[0]}, [][]float32{shifted.hostSliceGrad(g[1])}, vjpTol); err == nil {
		t.Error("an off-by-one slice gradient passed the comparison")
	}
}

// vjpGradsAny is vjpGrads for a one-operand op whose VJPs may return gradients of any shape.
func vjpGradsAny(b backends.Backend, seed uint64, dims []int, op func([]*graph.Node) *graph.Node, vjps ...graph.VJP) ([][]float32, error) {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := randomTensor(rng, dims...)
	vRNG := rand.New(rand.NewPCG(seed, 2))
	e, err := graph.NewExec(b, func(g *graph.Graph) []*graph.Node {
		node := op([]*graph.Node{graph.Const(g, x)})
		v := graph.Const(g, randomTensor(vRNG, node.Shape().Dimensions...))
		var outs []*graph.Node
		for _, vjp := range vjps {
			outs = append(outs, vjp(node, []*graph.Node{v}, shapes.Make(dtypes.Float32))[0])
		}
		return outs
	})
	if err != nil {
		return nil, err
	}
	outs, err := e.Exec()
	if err != nil {
		return nil, err
	}
	res := make([][]float32, len(outs))
	for i, o := range outs {
		res[i] = tensors.MustCopyFlatData[float32](o)
	}
	return res, nil
}

// TestGradientThroughRegistry checks that after New the registry holds the overrides: a gradient
// through a Slice (whose stock VJP needs Pad) and a DotGeneral now runs on simplego.
func TestGradientThroughRegistry(t *testing.T) {
	b := testBackend(t)
	x := tensors.FromValue([][]float32{{1, 2, 3}, {4, 5, 6}})
	out, err := graph.ExecOnce(b, func(x *graph.Node) *graph.Node {
		y := graph.Slice(x, graph.AxisRange(), graph.AxisRange(1, 3))         // [[2,3],[5,6]]
		loss := graph.ReduceAllSum(graph.MatMul(y, graph.Transpose(y, 0, 1))) // sum(y yᵀ)
		return graph.Gradient(loss, x)[0]
	}, x)
	if err != nil {
		t.Fatal(err)
	}
	// d/dy sum(y yᵀ) = 2 * (row sums of y broadcast): column sums of y are [7, 9], so grad = 2*[7,9] per row.
	got := tensors.MustCopyFlatData[float32](out)
	want := []float32{0, 14, 18, 0, 14, 18}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("gradient = %v, want %v", got, want)
		}
	}
}

// BenchmarkDotGradient compares the DotGeneral gradient override with the stock VJP for the
// gradients of a [256,128]x[128,256] matmul on the simplego backend.
func BenchmarkDotGradient(bm *testing.B) {
	b := testBackend(bm)
	c := dotGeneralCase{"matmul", []int{256, 128}, []int{128, 256}, []int{1}, nil, []int{0}, nil}
	for _, variant := range []struct {
		name string
		vjp  graph.VJP
	}{{"override", singleOutput(dotGeneralVJP)}, {"stock", stockDotGeneralVJP}} {
		bm.Run(variant.name, func(bm *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			lhs, rhs := randomTensor(rng, c.lhs...), randomTensor(rng, c.rhs...)
			v := randomTensor(rng, c.lhs[0], c.rhs[1])
			e, err := graph.NewExec(b, func(lhs, rhs, v *graph.Node) []*graph.Node {
				return variant.vjp(c.op([]*graph.Node{lhs, rhs}), []*graph.Node{v}, shapes.Make(dtypes.Float32))
			})
			if err != nil {
				bm.Fatal(err)
			}
			if _, err := e.Exec(lhs, rhs, v); err != nil { // Compile outside the timing.
				bm.Fatal(err)
			}
			bm.ResetTimer()
			for bm.Loop() {
				outs, err := e.Exec(lhs, rhs, v)
				if err != nil {
					bm.Fatal(err)
				}
				for _, o := range outs {
					o.FinalizeAll()
				}
			}
		})
	}
}
