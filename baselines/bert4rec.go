package baselines

import (
	"math/rand/v2"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX convention for graph code.
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/method"
	"github.com/behaviorlm/harness/internal/nn"
	"github.com/behaviorlm/harness/internal/train"
)

// BERT4Rec is the BERT4Rec baseline (see bert4recModel).
type BERT4Rec struct{ Params BERT4RecParams }

// Build implements method.Params.
func (p *BERT4RecParams) Build(map[string]any) (method.Method, error) {
	return built("bert4rec", p.validate(), &BERT4Rec{Params: *p})
}

// Run implements method.Method.
func (m *BERT4Rec) Run(env method.Env, task *datasets.Task) (*method.Output, error) {
	c := task.NumClasses()
	enc := encoding{historyLen: task.Config.HistoryLen, appendMask: true, maskID: int32(c + 1), timeContext: m.Params.TimeContext}
	n := &neural{tp: m.Params.TrainParams, enc: enc, model: bert4recModel(&m.Params, enc, c)}
	if m.Params.ClozeCopies > 0 && m.Params.MaskProb > 0 {
		n.augment = func(in train.Inputs, labels []int32, rng *rand.Rand) (train.Inputs, []int32) {
			return enc.appendCloze(in, labels, m.Params.ClozeCopies, m.Params.MaskProb, rng)
		}
	}
	return runNeural(env, task, "bert4rec", m.Params.validate(), n)
}

// bert4recModel returns BERT4Rec (Sun et al. 2019) as a train.ModelFn. The items array is the
// left-padded history followed by a [mask] item (id C+1); embeddings are item + learned position
// (plus time with time context, the [mask] position carrying the predicted event's time) ->
// dropout -> Blocks bidirectional pre-norm self-attention blocks (GELU feed-forward, padding keys
// masked) -> final layer norm -> the output at the position given by the pos array (the final
// [mask] for the samples, a masked history position for cloze samples) -> the paper's output head
// (dense, GELU, layer norm) -> scores over all classes (tied item embeddings plus a per-class bias).
func bert4recModel(p *BERT4RecParams, enc encoding, numClasses int) train.ModelFn {
	return func(ctx *context.Context, inputs []*Node, training bool) *Node {
		items := inputs[0]
		x, table := sequenceEmbedding(ctx, inputs, enc, numClasses+2, p.Dim, p.TimeContext)
		x = nn.Dropout(ctx.In("drop_embedding"), x, p.Dropout, training)
		present := NotEqual(items, ZerosLike(items))
		attnBias := attentionBias(present, false)
		pos := Reshape(inputs[enc.posIndex()], -1)
		// The last block computes only the scored position.
		for i := 0; i < p.Blocks-1; i++ {
			x = transformerBlock(ctx.Inf("block_%d", i), x, attnBias, nil, p.Heads, p.FFNDim, p.Dropout, true, training)
		}
		h := transformerBlock(ctx.Inf("block_%d", p.Blocks-1), x, keyBias(present), pos, p.Heads, p.FFNDim, p.Dropout, true, training)
		h = nn.LayerNorm(ctx.In("final"), h)
		h = nn.LayerNorm(ctx.In("head"), nn.GELU(dense(ctx.In("head"), h, p.Dim)))
		if !p.TieEmbeddings {
			table = nil
		}
		return classLogits(ctx, h, table, numClasses)
	}
}
