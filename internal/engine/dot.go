package engine

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/behaviorlm/harness/internal/engine/matmul"
)

// execDotGeneral computes a float32 DotGeneral node with package matmul; other dtypes, and nodes
// whose parameters cannot be read, go to simplego's own executor. The result has simplego's
// normalised DotGeneral shape [batch, lhs cross, rhs cross] (simplego adds the reshape).
func (st *kernelState) execDotGeneral(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, owned []bool) (*simplego.Buffer, error) {
	if len(inputs) != 2 {
		return st.stock[backends.OpTypeDotGeneral](backend, node, inputs, owned)
	}
	lhsShape, err1 := backend.BufferShape(inputs[0])
	rhsShape, err2 := backend.BufferShape(inputs[1])
	p, ok := st.params.read(node)
	if err1 != nil || err2 != nil || !ok || lhsShape.DType != dtypes.Float32 || rhsShape.DType != dtypes.Float32 {
		return st.stock[backends.OpTypeDotGeneral](backend, node, inputs, owned)
	}
	lhsFlat, err1 := backend.BufferData(inputs[0])
	rhsFlat, err2 := backend.BufferData(inputs[1])
	if err1 != nil || err2 != nil {
		return st.stock[backends.OpTypeDotGeneral](backend, node, inputs, owned)
	}
	lhsDims, rhsDims := lhsShape.Dimensions, rhsShape.Dimensions
	a := matmul.Operand{
		Data:  lhsFlat.([]float32),
		Batch: matmul.Axes(lhsDims, p.lhsBatch),
		Rows:  matmul.Axes(lhsDims, crossAxes(len(lhsDims), p.lhsContracting, p.lhsBatch)),
		Cols:  matmul.Axes(lhsDims, p.lhsContracting),
	}
	b := matmul.Operand{
		Data:  rhsFlat.([]float32),
		Batch: matmul.Axes(rhsDims, p.rhsBatch),
		Rows:  matmul.Axes(rhsDims, p.rhsContracting),
		Cols:  matmul.Axes(rhsDims, crossAxes(len(rhsDims), p.rhsContracting, p.rhsBatch)),
	}
	if a.Batch.Len() != p.batch || a.Rows.Len() != p.lhsCross || b.Cols.Len() != p.rhsCross || a.Cols.Len() != p.contracting {
		return st.stock[backends.OpTypeDotGeneral](backend, node, inputs, owned)
	}
	out := backend.NewBuffer(shapes.Make(dtypes.Float32, p.batch, p.lhsCross, p.rhsCross))
	outFlat, err := backend.BufferData(out)
	if err != nil {
		return nil, fmt.Errorf("engine: DotGeneral output buffer: %w", err)
	}
	st.fast[backends.OpTypeDotGeneral].Add(1)
	if err := matmul.Batched(outFlat.([]float32), a, b, 0); err != nil {
		return nil, fmt.Errorf("engine: DotGeneral %s x %s: %w", lhsShape, rhsShape, err)
	}
	return out, nil
}

// crossAxes lists, in increasing order, the axes of a rank-rank operand that are neither
// contracting nor batch axes (simplego's order for the output's cross dimensions).
func crossAxes(rank int, contracting, batch []int) []int {
	return freeAxes(rank, contracting, batch)
}
