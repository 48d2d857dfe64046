package baselines

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX convention for graph code.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/internal/engine"
)

// The query-position shortcut of transformerBlock must give exactly the full block's output at
// that position, for causal (last position) and bidirectional (any position) attention, with one
// and with several heads.
func TestTransformerBlockQueryPositionMatchesFull(t *testing.T) {
	backend, err := engine.New("go")
	if err != nil {
		t.Fatal(err)
	}
	const b, l, d = 3, 5, 8
	items := [][]int32{{0, 0, 3, 1, 2}, {4, 1, 1, 2, 3}, {0, 0, 0, 0, 5}}
	for _, tc := range []struct {
		name   string
		causal bool
		heads  int
		pos    []int32
	}{
		{"causal last", true, 1, []int32{4, 4, 4}},
		{"bidirectional", false, 2, []int32{4, 2, 4}},
	} {
		ctx := context.New().Checked(false)
		engine.SeedContext(ctx, 7)
		exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, ids, pos *Node) (*Node, *Node) {
			g := ids.Graph()
			x := lookup(embeddingTable(ctx.In("items"), g, 6, d), ids)
			present := NotEqual(ids, ZerosLike(ids))
			full := transformerBlock(ctx.In("block"), x, attentionBias(present, tc.causal), nil, tc.heads, 16, 0, true, false)
			one := transformerBlock(ctx.In("block"), x, keyBias(present), pos, tc.heads, 16, 0, true, false)
			return selectPosition(full, pos), one
		})
		if err != nil {
			t.Fatal(err)
		}
		outs, err := exec.Exec(items, tc.pos)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		full, one := outs[0].Value().([][]float32), outs[1].Value().([][]float32)
		for i := range full {
			for j := range full[i] {
				if math.Abs(float64(full[i][j]-one[i][j])) > 1e-5 {
					t.Fatalf("%s: example %d: full block %v, query-position block %v", tc.name, i, full[i], one[i])
				}
			}
		}
		if s := outs[1].Shape(); !s.Equal(shapes.Make(dtypes.Float32, b, d)) {
			t.Errorf("%s: shape %s", tc.name, s)
		}
	}
}
