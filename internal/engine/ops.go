package engine

import (
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/behaviorlm/harness/internal/engine/strided"
)

// binaryOps maps the binary ops with a strided fast path to their strided operation.
var binaryOps = map[backends.OpType]strided.BinaryOp{
	backends.OpTypeAdd: strided.Add,
	backends.OpTypeSub: strided.Sub,
	backends.OpTypeMul: strided.Mul,
	backends.OpTypeDiv: strided.Div,
	backends.OpTypeMax: strided.Max,
	backends.OpTypeMin: strided.Min,
}

// binaryExec returns the executor of a float32 binary op (operands of the output's shape,
// broadcast along some axes, or with one element); simplego's executor does other dtypes.
func (st *kernelState) binaryExec(opType backends.OpType, op strided.BinaryOp) simplegoExecutor {
	return func(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
		stock := st.stock[opType]
		if len(inputs) != 2 {
			return stock(backend, node, inputs, owned)
		}
		ls, err1 := backend.BufferShape(inputs[0])
		rs, err2 := backend.BufferShape(inputs[1])
		out, ok := st.fields.shape(node)
		if err1 != nil || err2 != nil || !ok || ls.DType != dtypes.Float32 || rs.DType != dtypes.Float32 ||
			!broadcastsTo(ls, out) || !broadcastsTo(rs, out) {
			return stock(backend, node, inputs, owned)
		}
		a, err1 := backend.BufferData(inputs[0])
		b, err2 := backend.BufferData(inputs[1])
		if err1 != nil || err2 != nil {
			return stock(backend, node, inputs, owned)
		}
		// Write into an operand that has the output's shape when this is its last use, as simplego
		// does; setting its input slot to nil tells simplego the buffer now belongs to the output.
		var res *simplego.Buffer
		switch {
		case owned[1] && rs.Equal(out):
			res, inputs[1] = inputs[1], nil
		case owned[0] && ls.Equal(out):
			res, inputs[0] = inputs[0], nil
		default:
			res = backend.NewBuffer(out)
		}
		resFlat, err := backend.BufferData(res)
		if err != nil {
			return nil, err
		}
		st.fast[opType].Add(1)
		strided.Binary(op, resFlat.([]float32), out.Dimensions,
			a.([]float32), readStrides(ls, out), b.([]float32), readStrides(rs, out))
		return res, nil
	}
}

// broadcastsTo reports whether an operand of shape s can be read as shape out: one element, or
// the same rank with each dimension 1 or out's.
func broadcastsTo(s, out shapes.Shape) bool {
	if s.Size() == 1 {
		return true
	}
	if s.Rank() != out.Rank() {
		return false
	}
	for a, d := range s.Dimensions {
		if d != 1 && d != out.Dimensions[a] {
			return false
		}
	}
	return true
}

// readStrides returns the strides with which an operand of shape s is read as shape out (see
// broadcastsTo).
func readStrides(s, out shapes.Shape) []int {
	if s.Size() == 1 {
		return make([]int, out.Rank())
	}
	return strided.Broadcasting(s.Dimensions, out.Dimensions)
}

// execBroadcastInDim executes BroadcastInDim: operand axis i becomes output axis axes[i]; the
// other output axes, and operand axes of size 1 that grow, repeat the operand.
func (st *kernelState) execBroadcastInDim(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	stock := st.stock[backends.OpTypeBroadcastInDim]
	in, err := backend.BufferShape(inputs[0])
	out, ok1 := st.fields.shape(node)
	axes, ok2 := st.fields.ints(node)
	if err != nil || !ok1 || !ok2 || len(axes) != in.Rank() {
		return stock(backend, node, inputs, owned)
	}
	rm := strided.RowMajor(in.Dimensions)
	strides := make([]int, out.Rank())
	for i, a := range axes {
		if a < 0 || a >= out.Rank() {
			return stock(backend, node, inputs, owned)
		}
		if in.Dimensions[i] == out.Dimensions[a] {
			strides[a] = rm[i]
		}
	}
	return st.stridedCopy(backends.OpTypeBroadcastInDim, backend, node, inputs, owned, out, strides)
}

// execTranspose executes Transpose: output axis a is operand axis perm[a].
func (st *kernelState) execTranspose(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	stock := st.stock[backends.OpTypeTranspose]
	in, err := backend.BufferShape(inputs[0])
	out, ok1 := st.fields.shape(node)
	perm, ok2 := st.fields.ints(node)
	if err != nil || !ok1 || !ok2 || len(perm) != in.Rank() || out.Rank() != in.Rank() {
		return stock(backend, node, inputs, owned)
	}
	rm := strided.RowMajor(in.Dimensions)
	strides := make([]int, len(perm))
	for a, p := range perm {
		if p < 0 || p >= in.Rank() || out.Dimensions[a] != in.Dimensions[p] {
			return stock(backend, node, inputs, owned)
		}
		strides[a] = rm[p]
	}
	return st.stridedCopy(backends.OpTypeTranspose, backend, node, inputs, owned, out, strides)
}

// stridedCopy returns a new buffer of shape out filled from the operand read with strides, for
// the common dtypes (others go to simplego's executor of opType).
func (st *kernelState) stridedCopy(opType backends.OpType, backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool,
	out shapes.Shape, strides []int) (*simplego.Buffer, error) {
	stock := st.stock[opType]
	src, err := backend.BufferData(inputs[0])
	if err != nil {
		return stock(backend, node, inputs, owned)
	}
	switch src.(type) {
	case []float32, []float64, []int32, []int64, []bool:
	default:
		return stock(backend, node, inputs, owned)
	}
	res := backend.NewBuffer(out)
	dst, err := backend.BufferData(res)
	if err != nil {
		return nil, err
	}
	st.fast[opType].Add(1)
	switch s := src.(type) {
	case []float32:
		strided.Copy(dst.([]float32), out.Dimensions, s, strides)
	case []float64:
		strided.Copy(dst.([]float64), out.Dimensions, s, strides)
	case []int32:
		strided.Copy(dst.([]int32), out.Dimensions, s, strides)
	case []int64:
		strided.Copy(dst.([]int64), out.Dimensions, s, strides)
	case []bool:
		strided.Copy(dst.([]bool), out.Dimensions, s, strides)
	}
	return res, nil
}

// reduceExec returns the executor of a float32 reduction (ReduceSum or ReduceMax) over the node's
// axes.
func (st *kernelState) reduceExec(opType backends.OpType, op strided.ReduceOp) simplegoExecutor {
	return func(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
		stock := st.stock[opType]
		in, err := backend.BufferShape(inputs[0])
		out, ok1 := st.fields.shape(node)
		axes, ok2 := st.fields.ints(node)
		if err != nil || !ok1 || !ok2 || len(axes) == 0 || in.DType != dtypes.Float32 {
			return stock(backend, node, inputs, owned)
		}
		outStrides := make([]int, in.Rank())
		kept := 0
		for a := range in.Rank() {
			if !slices.Contains(axes, a) {
				kept++
			}
		}
		if kept != out.Rank() || out.Size()*max(1, sizeOf(in.Dimensions, axes)) != in.Size() {
			return stock(backend, node, inputs, owned)
		}
		rm := strided.RowMajor(out.Dimensions)
		k := 0
		for a := range in.Rank() {
			if !slices.Contains(axes, a) {
				outStrides[a] = rm[k]
				k++
			}
		}
		src, err := backend.BufferData(inputs[0])
		if err != nil {
			return stock(backend, node, inputs, owned)
		}
		res := backend.NewBuffer(out)
		dst, err := backend.BufferData(res)
		if err != nil {
			return nil, err
		}
		st.fast[opType].Add(1)
		strided.Reduce(op, dst.([]float32), src.([]float32), in.Dimensions, outStrides)
		return res, nil
	}
}

// sizeOf returns the product of dims over axes.
func sizeOf(dims, axes []int) int {
	n := 1
	for _, a := range axes {
		if a >= 0 && a < len(dims) {
			n *= dims[a]
		}
	}
	return n
}

// unaryExec returns the executor of a float32 unary op computed by fn (vectorised; simplego
// calls math.Erf, math.Exp per value), writing in place when this is the operand's last use.
func (st *kernelState) unaryExec(opType backends.OpType, fn func(dst, src []float32)) simplegoExecutor {
	return func(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
		stock := st.stock[opType]
		in, err := backend.BufferShape(inputs[0])
		if err != nil || in.DType != dtypes.Float32 {
			return stock(backend, node, inputs, owned)
		}
		src, err := backend.BufferData(inputs[0])
		if err != nil {
			return stock(backend, node, inputs, owned)
		}
		var res *simplego.Buffer
		if owned[0] {
			res, inputs[0] = inputs[0], nil
		} else {
			res = backend.NewBuffer(in)
		}
		dst, err := backend.BufferData(res)
		if err != nil {
			return nil, err
		}
		st.fast[opType].Add(1)
		fn(dst.([]float32), src.([]float32))
		return res, nil
	}
}

// execGather executes the Gather of embedding lookups: whole rows of a [rows, dim] float32 table
// at int32 indices [..., 1] (indices out of range are clamped, as XLA does); other gathers go to
// simplego's executor.
func (st *kernelState) execGather(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	stock := st.stock[backends.OpTypeGather]
	if len(inputs) != 2 {
		return stock(backend, node, inputs, owned)
	}
	ts, err1 := backend.BufferShape(inputs[0])
	is, err2 := backend.BufferShape(inputs[1])
	out, ok1 := st.fields.shape(node)
	p, ok2 := st.gather.read(node)
	if err1 != nil || err2 != nil || !ok1 || !ok2 || ts.DType != dtypes.Float32 || is.DType != dtypes.Int32 ||
		ts.Rank() != 2 || is.Rank() < 1 || is.Dimensions[is.Rank()-1] != 1 || p.indexVectorAxis != is.Rank()-1 ||
		!slices.Equal(p.startIndexMap, []int{0}) || !slices.Equal(p.collapsedSlicesAxes, []int{0}) ||
		!slices.Equal(p.sliceSizes, []int{1, ts.Dimensions[1]}) || !slices.Equal(p.offsetOutputAxes, []int{out.Rank() - 1}) ||
		out.Size() != is.Size()*ts.Dimensions[1] {
		return stock(backend, node, inputs, owned)
	}
	table, err1 := backend.BufferData(inputs[0])
	idx, err2 := backend.BufferData(inputs[1])
	if err1 != nil || err2 != nil {
		return stock(backend, node, inputs, owned)
	}
	res := backend.NewBuffer(out)
	dst, err := backend.BufferData(res)
	if err != nil {
		return nil, err
	}
	st.fast[backends.OpTypeGather].Add(1)
	strided.GatherRows(dst.([]float32), table.([]float32), ts.Dimensions[1], idx.([]int32))
	return res, nil
}
