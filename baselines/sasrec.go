package baselines

import (
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX convention for graph code.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/method"
	"github.com/behaviorlm/harness/internal/nn"
	"github.com/behaviorlm/harness/internal/train"
)

// SASRec is the SASRec baseline (see sasrecModel).
type SASRec struct{ Params SASRecParams }

// Build implements method.Params.
func (p *SASRecParams) Build(map[string]any) (method.Method, error) {
	return built("sasrec", p.validate(), &SASRec{Params: *p})
}

// Run implements method.Method.
func (m *SASRec) Run(env method.Env, task *datasets.Task) (*method.Output, error) {
	enc := encoding{historyLen: task.Config.HistoryLen, timeContext: m.Params.TimeContext}
	return runNeural(env, task, "sasrec", m.Params.validate(), &neural{tp: m.Params.TrainParams, enc: enc,
		model: sasrecModel(&m.Params, enc, task.NumClasses())})
}

// sasrecModel returns SASRec (Kang & McAuley 2018) as a train.ModelFn: item + learned position
// embeddings (plus time embeddings with time context) -> dropout -> padding zeroed -> Blocks
// causal pre-norm self-attention blocks (padding keys masked) -> final layer norm -> the output at
// the last position (the most recent history event; histories are left-padded) -> scores over all
// classes (tied item embeddings plus a per-class bias, or a dense layer). With time context the
// predicted event's weekday and hour embeddings are added to that output.
func sasrecModel(p *SASRecParams, enc encoding, numClasses int) train.ModelFn {
	return func(ctx *context.Context, inputs []*Node, training bool) *Node {
		items := inputs[0]
		t := enc.historyLen
		x, table := sequenceEmbedding(ctx, inputs, enc, numClasses+1, p.Dim, p.TimeContext)
		x = nn.Dropout(ctx.In("drop_embedding"), x, p.Dropout, training)
		present := NotEqual(items, ZerosLike(items))
		x = Mul(x, InsertAxes(ConvertDType(present, dtypes.Float32), -1))
		attnBias := attentionBias(present, true)
		// The last block computes only the last position (causal: it attends every non-padding key).
		last := AddScalar(Zeros(x.Graph(), shapes.Make(dtypes.Int32, x.Shape().Dimensions[0])), t-1)
		for i := 0; i < p.Blocks-1; i++ {
			x = transformerBlock(ctx.Inf("block_%d", i), x, attnBias, nil, p.Heads, p.FFNDim, p.Dropout, false, training)
		}
		h := transformerBlock(ctx.Inf("block_%d", p.Blocks-1), x, keyBias(present), last, p.Heads, p.FFNDim, p.Dropout, false, training)
		h = nn.LayerNorm(ctx.In("final"), h)
		if p.TimeContext {
			h = Add(h, nextTimeEmbedding(ctx, inputs, enc, p.Dim))
		}
		if !p.TieEmbeddings {
			table = nil
		}
		return classLogits(ctx, h, table, numClasses)
	}
}

// sequenceEmbedding returns the [B, L, dim] input embeddings of the items array (item + learned
// position embedding, plus weekday and hour embeddings of the history events with time context;
// for bert4rec's [mask] position the predicted event's time) and the item table.
func sequenceEmbedding(ctx *context.Context, inputs []*Node, enc encoding, vocab, dim int, timeContext bool) (*Node, *Node) {
	items := inputs[0]
	g := items.Graph()
	dims := items.Shape().Dimensions
	b, l := dims[0], dims[1]
	table := embeddingTable(ctx.In("items"), g, vocab, dim)
	x := lookup(table, items)
	pos := embeddingTable(ctx.In("positions"), g, l, dim)
	x = Add(x, BroadcastToDims(InsertAxes(pos, 0), b, l, dim))
	if timeContext {
		wd := Slice(inputs[enc.weekdayIndex()], AxisRange(), AxisRange(0, l))
		hr := Slice(inputs[enc.hourIndex()], AxisRange(), AxisRange(0, l))
		x = Add(x, timeEmbedding(ctx, wd, hr, dim))
	}
	return x, table
}

// nextTimeEmbedding returns the [B, dim] weekday + hour embedding of the predicted event.
func nextTimeEmbedding(ctx *context.Context, inputs []*Node, enc encoding, dim int) *Node {
	t := enc.historyLen
	wd := Reshape(Slice(inputs[enc.weekdayIndex()], AxisRange(), AxisElem(t)), -1)
	hr := Reshape(Slice(inputs[enc.hourIndex()], AxisRange(), AxisElem(t)), -1)
	return timeEmbedding(ctx.In("next"), wd, hr, dim)
}
