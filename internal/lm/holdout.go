package lm

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX convention for graph code.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/catch"
	"github.com/behaviorlm/harness/internal/method"
)

// holdoutSeed fixes which streams pretrain.holdout sets aside: the same ones for every cell seed
// and model configuration, so that presets are compared on the same held-out events.
const holdoutSeed = 0x686f6c64 // "hold"

// splitHoldout returns the streams (and kept masks, if any) that pretrain and those held out:
// round(share·n) of the n streams, chosen by holdoutSeed alone (datasets.PickShare).
func splitHoldout(streams [][]datasets.Step, kept [][]bool, share float64) (train [][]datasets.Step, trainKept [][]bool, heldOut [][]datasets.Step) {
	out := datasets.PickShare(len(streams), share, holdoutSeed)
	if out == nil {
		return streams, kept, nil
	}
	for i, st := range streams {
		if out[i] {
			heldOut = append(heldOut, st)
			continue
		}
		train = append(train, st)
		if kept != nil {
			trainKept = append(trainKept, kept[i])
		}
	}
	return train, trainKept, heldOut
}

// HeldOutScore is the pretraining objective on windows the model was not trained on.
type HeldOutScore struct {
	// Loss is the mean pretraining loss per predicted event (pretrainLoss); Acc the share of
	// predicted events whose behavior scores highest; Events the number of predicted events.
	Loss, Acc float64
	Events    int
}

// ScoreStreams evaluates the model in ctx on every window of streams (stride as in pretraining),
// without dropout: the mean pretraining loss and the next-behavior accuracy at every behavior
// position.
func (m *Model) ScoreStreams(env method.Env, ctx *context.Context, streams [][]datasets.Step, stride, batch int) (score HeldOutScore, err error) {
	defer catch.Panic(&err, "lm: scoring held-out streams")
	r := m.rend
	tokens, targets, n := r.Windows(streams, nil, stride)
	if n == 0 {
		return score, fmt.Errorf("lm: held-out streams hold no window of two or more events")
	}
	l, p := r.Len(), r.historyLen+1
	positions := r.BehaviorPositions()
	exec, err := context.NewExec(env.Backend, ctx.Reuse(), func(ctx *context.Context, tok, tgt *Node) (*Node, *Node, *Node) {
		ctx = ctx.Checked(false)
		t := m.targetScores(ctx, tok, tgt, positions, false)
		nll := Neg(ReduceAllSum(Mul(t.picked, t.mask)))
		hits := ReduceAllSum(Mul(ConvertDType(Equal(ConvertDType(ArgMax(t.logits, -1), dtypes.Int32), t.safe), dtypes.Float32), t.mask))
		return nll, hits, ReduceAllSum(t.mask)
	})
	if err != nil {
		return score, fmt.Errorf("lm: held-out scoring: %w", err)
	}
	defer exec.Finalize()
	batch = min(max(batch, 1), n)
	bTok := make([]int32, batch*l)
	bTgt := make([]int32, batch*p)
	var nll, hits, count float64
	for off := 0; off < n; off += batch {
		for i := 0; i < batch; i++ {
			w := off + i
			if w < n {
				copy(bTok[i*l:(i+1)*l], tokens[w*l:(w+1)*l])
				copy(bTgt[i*p:(i+1)*p], targets[w*p:(w+1)*p])
				continue
			}
			copy(bTok[i*l:(i+1)*l], bTok[:l]) // short last batch: padding windows predict nothing
			for j := range p {
				bTgt[i*p+j] = -1
			}
		}
		outs, err := exec.Exec(tensors.FromFlatDataAndDimensions(bTok, batch, l), tensors.FromFlatDataAndDimensions(bTgt, batch, p))
		if err != nil {
			return score, fmt.Errorf("lm: held-out scoring: %w", err)
		}
		v := make([]float64, 3)
		for i, o := range outs {
			v[i] = float64(tensors.MustCopyFlatData[float32](o)[0])
			o.FinalizeAll()
		}
		nll, hits, count = nll+v[0], hits+v[1], count+v[2]
	}
	if count == 0 {
		return score, fmt.Errorf("lm: held-out streams predict no event")
	}
	return HeldOutScore{Loss: nll / count, Acc: hits / count, Events: int(count)}, nil
}
