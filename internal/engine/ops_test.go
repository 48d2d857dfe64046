package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// fastCount returns how many times the harness kernel for opType ran.
func fastCount(opType backends.OpType) int64 { return kernels().fast[opType].Load() }

// requireFast fails the test unless the harness kernel of opType ran since before (a count from
// fastCount), when the kernels are installed.
func requireFast(t *testing.T, opType backends.OpType, before int64) {
	t.Helper()
	if kernels().stock[backends.OpTypeDotGeneral] == nil {
		return // harness kernels not installed here (see TestFastDotGeneralInstalled)
	}
	if fastCount(opType) == before {
		t.Errorf("the harness kernel for %s did not run", opType)
	}
}

// execGraph runs fn on the test backend with the given inputs and returns the flat float32
// outputs and their dimensions.
func execGraph(t *testing.T, fn func(in []*graph.Node) *graph.Node, inputs ...*tensors.Tensor) ([]float32, []int) {
	t.Helper()
	e, err := graph.NewExec(testBackend(t), func(in []*graph.Node) *graph.Node { return fn(in) })
	if err != nil {
		t.Fatal(err)
	}
	defer e.Finalize()
	args := make([]any, len(inputs))
	for i, x := range inputs {
		args[i] = x
	}
	out, err := e.Exec(args...)
	if err != nil {
		t.Fatal(err)
	}
	return tensors.MustCopyFlatData[float32](out[0]), out[0].Shape().Dimensions
}

// hostIndex returns the flat index in a row-major tensor of dimensions dims of the multi-index
// idx, where axes of size 1 are broadcast.
func hostIndex(idx, dims []int) int {
	f := 0
	for a, d := range dims {
		i := idx[a]
		if d == 1 {
			i = 0
		}
		f = f*d + i
	}
	return f
}

func TestFastBinaryOpsMatchHost(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	ops := map[string]struct {
		op backends.OpType
		g  func(x, y *graph.Node) *graph.Node
		h  func(x, y float32) float32
	}{
		"add": {backends.OpTypeAdd, graph.Add, func(x, y float32) float32 { return x + y }},
		"sub": {backends.OpTypeSub, graph.Sub, func(x, y float32) float32 { return x - y }},
		"mul": {backends.OpTypeMul, graph.Mul, func(x, y float32) float32 { return x * y }},
		"div": {backends.OpTypeDiv, graph.Div, func(x, y float32) float32 { return x / y }},
		"max": {backends.OpTypeMax, graph.Max, func(x, y float32) float32 { return max(x, y) }},
		"min": {backends.OpTypeMin, graph.Min, func(x, y float32) float32 { return min(x, y) }},
	}
	pairs := [][2][]int{{{4, 5}, {1, 5}}, {{4, 5}, {4, 1}}, {{3, 1, 6}, {3, 4, 1}}, {{1, 2, 3, 4}, {5, 1, 3, 1}}, {{64, 20, 1}, {64, 20, 64}}}
	for name, op := range ops {
		for _, p := range pairs {
			x, y := randomTensor(rng, p[0]...), randomTensor(rng, p[1]...)
			before := fastCount(op.op)
			got, dims := execGraph(t, func(in []*graph.Node) *graph.Node { return op.g(in[0], in[1]) }, x, y)
			xf, yf := tensors.MustCopyFlatData[float32](x), tensors.MustCopyFlatData[float32](y)
			want := make([]float32, prod(dims))
			idx := make([]int, len(dims))
			for i := range want {
				unflatten(i, dims, idx)
				want[i] = op.h(xf[hostIndex(idx, p[0])], yf[hostIndex(idx, p[1])])
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s %v %v: got %v, want %v", name, p[0], p[1], got, want)
			}
			requireFast(t, op.op, before)
		}
	}
}

func TestFastBroadcastTransposeReduceMatchHost(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	x := randomTensor(rng, 3, 4, 5)
	xf := tensors.MustCopyFlatData[float32](x)
	at := func(i, j, k int) float32 { return xf[(i*4+j)*5+k] }

	// BroadcastInDim [3,4,5] -> [3,2,4,5] (new axis 1).
	before := fastCount(backends.OpTypeBroadcastInDim)
	got, dims := execGraph(t, func(in []*graph.Node) *graph.Node {
		return graph.BroadcastToDims(graph.InsertAxes(in[0], 1), 3, 2, 4, 5)
	}, x)
	var want []float32
	for i := range 3 {
		for range 2 {
			for j := range 4 {
				for k := range 5 {
					want = append(want, at(i, j, k))
				}
			}
		}
	}
	check(t, "broadcast", got, dims, want, []int{3, 2, 4, 5})
	requireFast(t, backends.OpTypeBroadcastInDim, before)

	// Transpose to [5,3,4].
	before = fastCount(backends.OpTypeTranspose)
	got, dims = execGraph(t, func(in []*graph.Node) *graph.Node { return graph.TransposeAllAxes(in[0], 2, 0, 1) }, x)
	want = want[:0]
	for k := range 5 {
		for i := range 3 {
			for j := range 4 {
				want = append(want, at(i, j, k))
			}
		}
	}
	check(t, "transpose", got, dims, want, []int{5, 3, 4})
	requireFast(t, backends.OpTypeTranspose, before)

	// ReduceSum over axes 0 and 2 (sums in row-major order, bit-identical) and ReduceMax over 1.
	before = fastCount(backends.OpTypeReduceSum)
	before2 := fastCount(backends.OpTypeReduceMax)
	got, dims = execGraph(t, func(in []*graph.Node) *graph.Node { return graph.ReduceSum(in[0], 0, 2) }, x)
	want = make([]float32, 4)
	for i := range 3 {
		for j := range 4 {
			for k := range 5 {
				want[j] += at(i, j, k)
			}
		}
	}
	check(t, "reduce sum", got, dims, want, []int{4})
	got, dims = execGraph(t, func(in []*graph.Node) *graph.Node { return graph.ReduceMax(in[0], 1) }, x)
	want = want[:0]
	for i := range 3 {
		for k := range 5 {
			m := at(i, 0, k)
			for j := 1; j < 4; j++ {
				m = max(m, at(i, j, k))
			}
			want = append(want, m)
		}
	}
	check(t, "reduce max", got, dims, want, []int{3, 5})
	requireFast(t, backends.OpTypeReduceSum, before)
	requireFast(t, backends.OpTypeReduceMax, before2)
}

func check(t *testing.T, what string, got []float32, dims []int, want []float32, wantDims []int) {
	t.Helper()
	if !slices.Equal(dims, wantDims) {
		t.Errorf("%s: dimensions %v, want %v", what, dims, wantDims)
		return
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

// TestFastOpsOtherDTypes checks ops the overrides pass on (int32 broadcasting arithmetic, bool
// broadcast) still work.
func TestFastOpsOtherDTypes(t *testing.T) {
	e, err := graph.NewExec(testBackend(t), func(x, y *graph.Node) (*graph.Node, *graph.Node) {
		return graph.Add(x, y), graph.BroadcastToDims(graph.GreaterThan(x, graph.ConstAs(x, 1)), 2, 3)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Finalize()
	out, err := e.Exec([][]int32{{1, 2, 3}}, [][]int32{{10}, {20}})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(tensors.MustCopyFlatData[int32](out[0])); got != "[11 12 13 21 22 23]" {
		t.Errorf("int32 broadcast add = %s", got)
	}
	if got := fmt.Sprint(tensors.MustCopyFlatData[bool](out[1])); got != "[false true true false true true]" {
		t.Errorf("bool broadcast = %s", got)
	}
}

func TestFastUnaryOps(t *testing.T) {
	x := tensors.FromFlatDataAndDimensions([]float32{-90, -3, -0.5, 0, 1e-3, 0.7, 2.5, 5, 9, 80}, 2, 5)
	for _, op := range []struct {
		opType backends.OpType
		g      func(*graph.Node) *graph.Node
		want   func(float64) float64
	}{
		{backends.OpTypeErf, graph.Erf, math.Erf},
		{backends.OpTypeExp, graph.Exp, math.Exp},
		{backends.OpTypeLogistic, graph.Logistic, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }},
		{backends.OpTypeTanh, graph.Tanh, math.Tanh},
	} {
		before := fastCount(op.opType)
		got, _ := execGraph(t, func(in []*graph.Node) *graph.Node { return op.g(in[0]) }, x)
		requireFast(t, op.opType, before)
		for i, v := range tensors.MustCopyFlatData[float32](x) {
			want := op.want(float64(v))
			if d := math.Abs(float64(got[i]) - want); d > 2e-7*max(1, math.Abs(want)) {
				t.Errorf("%s(%g) = %g, want %g", op.opType, v, got[i], want)
			}
		}
	}
}

func TestFastGather(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 13))
	table := randomTensor(rng, 7, 5)
	ids := tensors.FromFlatDataAndDimensions([]int32{3, 0, 6, 6, 2, 1}, 2, 3)
	before := fastCount(backends.OpTypeGather)
	got, dims := execGraph(t, func(in []*graph.Node) *graph.Node { return graph.Gather(in[0], graph.InsertAxes(in[1], -1)) }, table, ids)
	requireFast(t, backends.OpTypeGather, before)
	tf := tensors.MustCopyFlatData[float32](table)
	var want []float32
	for _, id := range tensors.MustCopyFlatData[int32](ids) {
		want = append(want, tf[id*5:(id+1)*5]...)
	}
	check(t, "gather", got, dims, want, []int{2, 3, 5})
}
