package engine

import (
	"fmt"
	"reflect"
	"slices"
	"sync"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// The stock VJPs, captured at package initialisation, before any override is installed. Tests
// compare the overrides against them; they are never modified.
var (
	stockDotGeneralVJP = graph.VJPRegistration[graph.NodeTypeDotGeneral]
	stockDotVJP        = graph.VJPRegistration[graph.NodeTypeDot]
	stockSliceVJP      = graph.VJPRegistration[graph.NodeTypeSlice]
)

var installVJPsOnce sync.Once

// InstallVJPs replaces GoMLX's gradients (VJPs) of DotGeneral, Dot and Slice with versions that
// suit the pure-Go backend:
//
//   - DotGeneral and Dot: the stock VJP multiplies a broadcast copy of the output gradient with the
//     other operand and reduces it, which XLA fuses but simplego materialises (about 8x slower and
//     10x the memory on a small transformer). The override computes each operand's gradient with
//     one DotGeneral plus a transpose.
//   - Slice: the stock VJP uses Pad, which simplego lacks; the override concatenates zeros (and, for
//     strided slices, interleaves zeros with a reshape).
//
// The overrides are mathematically identical to the stock ones and are also used by the XLA
// backend. InstallVJPs is safe to call many times and from many goroutines; only the first call
// changes anything. [New] calls it.
func InstallVJPs() {
	installVJPsOnce.Do(func() {
		graph.VJPRegistration[graph.NodeTypeDotGeneral] = singleOutput(dotGeneralVJP)
		graph.VJPRegistration[graph.NodeTypeDot] = singleOutput(dotVJP)
		graph.VJPRegistration[graph.NodeTypeSlice] = singleOutput(sliceVJP)
	})
}

// singleOutput adapts a single-output VJP to graph.VJP.
func singleOutput(fn func(node, v *graph.Node) []*graph.Node) graph.VJP {
	return func(node *graph.Node, vjps []*graph.Node, _ shapes.Shape) []*graph.Node {
		return fn(node, vjps[0])
	}
}

// nodeIntSlices reads the []int fields named in names from the (unexported) parameters of node.
// GoMLX keeps an op's static parameters (axes, starts, strides) in unexported structs; reflection can
// read them without unsafe. It panics, naming the field, if GoMLX changes that layout: the panic
// surfaces as an error from graph building, and the tests catch it on a GoMLX upgrade.
func nodeIntSlices(node *graph.Node, names ...string) [][]int {
	inputs := reflect.ValueOf(node).Elem().FieldByName("inputs")
	if !inputs.IsValid() || inputs.Kind() != reflect.Interface || inputs.IsNil() {
		panic(fmt.Sprintf("engine: cannot read parameters of %s node: GoMLX's graph.Node has no 'inputs' field", node.Type()))
	}
	params := inputs.Elem()
	for params.Kind() == reflect.Pointer {
		params = params.Elem()
	}
	out := make([][]int, len(names))
	for i, name := range names {
		f := params.FieldByName(name)
		if !f.IsValid() || f.Kind() != reflect.Slice || f.Type().Elem().Kind() != reflect.Int {
			panic(fmt.Sprintf("engine: cannot read field %q of %s node parameters (GoMLX layout changed?)", name, node.Type()))
		}
		vals := make([]int, f.Len())
		for j := range vals {
			vals[j] = int(f.Index(j).Int())
		}
		out[i] = vals
	}
	return out
}

// freeAxes lists, in increasing order, the axes of a rank-rank operand that are neither batch nor
// contracting axes.
func freeAxes(rank int, contracting, batch []int) []int {
	var free []int
	for a := range rank {
		if !slices.Contains(contracting, a) && !slices.Contains(batch, a) {
			free = append(free, a)
		}
	}
	return free
}

// dotGeneralVJP returns the gradients of a DotGeneral node with respect to its two operands, each
// computed by one DotGeneral of the output gradient v with the other operand, followed by a
// transpose into the operand's axis order.
//
// DotGeneral's output axes are [batch..., lhs free..., rhs free...].
func dotGeneralVJP(node, v *graph.Node) []*graph.Node {
	p := nodeIntSlices(node, "lhsContractingAxes", "lhsBatchAxes", "rhsContractingAxes", "rhsBatchAxes")
	lhsContract, lhsBatch, rhsContract, rhsBatch := p[0], p[1], p[2], p[3]
	lhs, rhs := node.Inputs()[0], node.Inputs()[1]
	return []*graph.Node{
		dotGeneralOperandGrad(v, lhs, lhsContract, lhsBatch, rhs, rhsContract, rhsBatch, true),
		dotGeneralOperandGrad(v, rhs, rhsContract, rhsBatch, lhs, lhsContract, lhsBatch, false),
	}
}

// dotGeneralOperandGrad computes the gradient with respect to "this" operand of a DotGeneral, given
// the output gradient v and the "other" operand: one DotGeneral contracting v's axes that came from
// the other operand's free axes with those axes, then a transpose into this operand's layout (often
// the identity). thisIsLHS tells where this operand's free axes sit in the output (right after the
// batch axes if true, after the other's free axes if false).
func dotGeneralOperandGrad(v, this *graph.Node, thisContract, thisBatch []int,
	other *graph.Node, otherContract, otherBatch []int, thisIsLHS bool) *graph.Node {
	nb := len(thisBatch)
	thisFree := freeAxes(this.Rank(), thisContract, thisBatch)
	otherFree := freeAxes(other.Rank(), otherContract, otherBatch)

	// Positions in v of the batch axes and of the other operand's free axes.
	vBatch := make([]int, nb)
	for i := range vBatch {
		vBatch[i] = i
	}
	otherFreeStart := nb + len(thisFree)
	if !thisIsLHS {
		otherFreeStart = nb
	}
	vContract := make([]int, len(otherFree))
	for i := range vContract {
		vContract[i] = otherFreeStart + i
	}

	sortedOtherContract := slices.Clone(otherContract)
	slices.Sort(sortedOtherContract)
	// src[a] is the axis of r that holds axis a of "this".
	src := make([]int, this.Rank())
	for i, a := range thisBatch {
		src[a] = i
	}
	var r *graph.Node
	if thisIsLHS {
		// r axes: [batch..., this free..., other's contracting axes in increasing order].
		r = graph.DotGeneral(v, vContract, vBatch, other, otherFree, otherBatch)
		for j, a := range thisFree {
			src[a] = nb + j
		}
		for k, otherAxis := range sortedOtherContract {
			src[thisContract[slices.Index(otherContract, otherAxis)]] = nb + len(thisFree) + k
		}
	} else {
		// r axes: [batch..., other's contracting axes in increasing order, this free...]: for the
		// usual weight layout [in, out] this needs no transpose.
		r = graph.DotGeneral(other, otherFree, otherBatch, v, vContract, vBatch)
		for k, otherAxis := range sortedOtherContract {
			src[thisContract[slices.Index(otherContract, otherAxis)]] = nb + k
		}
		for j, a := range thisFree {
			src[a] = nb + len(otherContract) + j
		}
	}
	identity := true
	for i, s := range src {
		if i != s {
			identity = false
			break
		}
	}
	if identity {
		return r
	}
	return graph.TransposeAllAxes(r, src...)
}

// dotVJP returns the gradients of a Dot node (vector·vector, matrix·vector or matrix·matrix).
func dotVJP(node, v *graph.Node) []*graph.Node {
	lhs, rhs := node.Inputs()[0], node.Inputs()[1]
	switch {
	case lhs.Rank() == 1 && rhs.Rank() == 1: // [j]·[j] -> scalar
		return []*graph.Node{graph.Mul(v, rhs), graph.Mul(v, lhs)}
	case lhs.Rank() == 2 && rhs.Rank() == 1: // [i,j]·[j] -> [i]
		return []*graph.Node{
			graph.DotGeneral(v, nil, nil, rhs, nil, nil),           // outer(v, rhs): [i,j]
			graph.DotGeneral(lhs, []int{0}, nil, v, []int{0}, nil), // lhsᵀ v: [j]
		}
	case lhs.Rank() == 2 && rhs.Rank() == 2: // [i,j]·[j,k] -> [i,k]
		return []*graph.Node{
			graph.DotGeneral(v, []int{1}, nil, rhs, []int{1}, nil), // v rhsᵀ: [i,j]
			graph.DotGeneral(lhs, []int{0}, nil, v, []int{0}, nil), // lhsᵀ v: [j,k]
		}
	}
	panic(fmt.Sprintf("engine: Dot gradient: unsupported operand ranks %s, %s", lhs.Shape(), rhs.Shape()))
}

// sliceVJP returns the gradient of a Slice node: v scattered back to the sliced positions of the
// operand, zeros elsewhere. It is built from Concatenate and Reshape only (no Pad).
func sliceVJP(node, v *graph.Node) []*graph.Node {
	p := nodeIntSlices(node, "starts", "limits", "strides")
	starts, strides := p[0], p[2]
	x := node.Inputs()[0]
	grad := v
	for axis, dim := range x.Shape().Dimensions {
		grad = expandSliceAxis(grad, axis, dim, starts[axis], strides[axis])
	}
	return []*graph.Node{grad}
}

// expandSliceAxis undoes a slice of one axis of x: the values in g along axis came from positions
// start, start+stride, ... of an axis of size dim; the result has size dim on that axis, with zeros
// at the positions the slice skipped.
func expandSliceAxis(g *graph.Node, axis, dim, start, stride int) *graph.Node {
	n := g.Shape().Dimensions[axis]
	if n == dim {
		return g // Whole axis: nothing was sliced away.
	}
	if stride > 1 && n > 1 {
		// Interleave stride-1 zeros after each value: [.., n, ..] -> [.., n, stride, ..] -> [.., n*stride, ..].
		dims := g.Shape().Dimensions
		withUnit := graph.InsertAxes(g, axis+1)
		zerosDims := slices.Clone(dims)
		zerosDims = slices.Insert(zerosDims, axis+1, stride-1)
		zeros := graph.Zeros(g.Graph(), shapes.Make(g.DType(), zerosDims...))
		inter := graph.Concatenate([]*graph.Node{withUnit, zeros}, axis+1)
		newDims := slices.Clone(dims)
		newDims[axis] = n * stride
		g = graph.Reshape(inter, newDims...)
		if n*stride > dim-start {
			g = graph.SliceAxis(g, axis, graph.AxisRange(0, dim-start))
		}
	}
	n = g.Shape().Dimensions[axis]
	before, after := start, dim-start-n
	parts := make([]*graph.Node, 0, 3)
	zerosOfLen := func(length int) *graph.Node {
		dims := slices.Clone(g.Shape().Dimensions)
		dims[axis] = length
		return graph.Zeros(g.Graph(), shapes.Make(g.DType(), dims...))
	}
	if before > 0 {
		parts = append(parts, zerosOfLen(before))
	}
	parts = append(parts, g)
	if after > 0 {
		parts = append(parts, zerosOfLen(after))
	}
	if len(parts) == 1 {
		return g
	}
	return graph.Concatenate(parts, axis)
}
