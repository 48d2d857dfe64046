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

// GRU4Rec is the GRU4Rec baseline (see gru4recModel).
type GRU4Rec struct{ Params GRU4RecParams }

// Build implements method.Params.
func (p *GRU4RecParams) Build(map[string]any) (method.Method, error) {
	return built("gru4rec", p.validate(), &GRU4Rec{Params: *p})
}

// Run implements method.Method.
func (m *GRU4Rec) Run(env method.Env, task *datasets.Task) (*method.Output, error) {
	enc := encoding{historyLen: task.Config.HistoryLen, timeContext: m.Params.TimeContext}
	return runNeural(env, task, "gru4rec", m.Params.validate(), &neural{tp: m.Params.TrainParams, enc: enc,
		model: gru4recModel(&m.Params, enc, task.NumClasses())})
}

// gru4recModel returns GRU4Rec (Hidasi et al. 2016) as a train.ModelFn: item embeddings (plus time
// embeddings with time context) -> dropout -> Layers stacked GRUs unrolled over the T history steps
// -> dropout -> a dense layer over all classes (full softmax cross-entropy in train). Padding steps
// leave the state unchanged, so with left padding the state is zero until the first real item.
// With time context the predicted event's weekday and hour embeddings are added to the final state.
//
// The GRU cell follows PyTorch's convention (reference/models.py uses torch.nn.GRU):
//
//	r = σ(W_ir x + b_ir + W_hr h + b_hr)
//	z = σ(W_iz x + b_iz + W_hz h + b_hz)
//	n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
//	h' = (1 - z) ⊙ n + z ⊙ h
func gru4recModel(p *GRU4RecParams, enc encoding, numClasses int) train.ModelFn {
	return func(ctx *context.Context, inputs []*Node, training bool) *Node {
		items := inputs[0]
		g := items.Graph()
		t := enc.historyLen
		table := embeddingTable(ctx.In("items"), g, numClasses+1, p.Dim)
		var wdTable, hrTable *Node
		if p.TimeContext {
			wdTable = embeddingTable(ctx.In("weekday"), g, 8, p.Dim)
			hrTable = embeddingTable(ctx.In("hour"), g, 25, p.Dim)
		}
		// Per-step inputs, [B, Dim] each; the int inputs are sliced, never a trained tensor.
		steps := make([]*Node, t)
		masks := make([]*Node, t)
		for i := range steps {
			id := Reshape(Slice(items, AxisRange(), AxisElem(i)), -1)
			x := lookup(table, id)
			if p.TimeContext {
				wd := Reshape(Slice(inputs[enc.weekdayIndex()], AxisRange(), AxisElem(i)), -1)
				hr := Reshape(Slice(inputs[enc.hourIndex()], AxisRange(), AxisElem(i)), -1)
				x = Add(x, Add(lookup(wdTable, wd), lookup(hrTable, hr)))
			}
			steps[i] = nn.Dropout(ctx.In("drop_input"), x, p.Dropout, training)
			masks[i] = InsertAxes(ConvertDType(NotEqual(id, ZerosLike(id)), dtypes.Float32), -1)
		}
		var h *Node
		for layer := 0; layer < p.Layers; layer++ {
			cell := newGRUCell(ctx.Inf("gru_%d", layer), g, steps[0].Shape().Dimensions[1], p.Hidden)
			b := steps[0].Shape().Dimensions[0]
			h = Zeros(g, shapes.Make(dtypes.Float32, b, p.Hidden))
			for i, x := range steps {
				next := cell.step(x, h)
				// h = m·h' + (1-m)·h: padding steps keep the state.
				h = Add(h, Mul(masks[i], Sub(next, h)))
				steps[i] = h
			}
			if layer+1 < p.Layers {
				for i := range steps {
					steps[i] = nn.Dropout(ctx.Inf("drop_layer_%d", layer), steps[i], p.Dropout, training)
				}
			}
		}
		if p.TimeContext {
			wd := Reshape(Slice(inputs[enc.weekdayIndex()], AxisRange(), AxisElem(t)), -1)
			hr := Reshape(Slice(inputs[enc.hourIndex()], AxisRange(), AxisElem(t)), -1)
			nwd := embeddingTable(ctx.In("next_weekday"), g, 8, p.Hidden)
			nhr := embeddingTable(ctx.In("next_hour"), g, 25, p.Hidden)
			h = Add(h, Add(lookup(nwd, wd), lookup(nhr, hr)))
		}
		h = nn.Dropout(ctx.In("drop_output"), h, p.Dropout, training)
		return dense(ctx.In("output"), h, numClasses)
	}
}

// gruCell holds one GRU layer's weights, fetched once per graph and shared by all time steps.
type gruCell struct {
	wir, wiz, win, whr, whz, whn *Node
	bir, biz, bin, bhr, bhz, bhn *Node
}

func newGRUCell(ctx *context.Context, g *Graph, in, hidden int) *gruCell {
	w := func(name string, n int) *Node { return weight(ctx, g, name, n, hidden) }
	b := func(name string) *Node { return InsertAxes(nn.ZeroVector(ctx, g, name, hidden), 0) }
	return &gruCell{
		wir: w("w_ir", in), wiz: w("w_iz", in), win: w("w_in", in),
		whr: w("w_hr", hidden), whz: w("w_hz", hidden), whn: w("w_hn", hidden),
		bir: b("b_ir"), biz: b("b_iz"), bin: b("b_in"),
		bhr: b("b_hr"), bhz: b("b_hz"), bhn: b("b_hn"),
	}
}

// step returns the next state for input x [B, in] and state h [B, hidden].
func (c *gruCell) step(x, h *Node) *Node {
	lin := func(v, w, b *Node) *Node { return Add(Dot(v, w), b) }
	r := Sigmoid(Add(lin(x, c.wir, c.bir), lin(h, c.whr, c.bhr)))
	z := Sigmoid(Add(lin(x, c.wiz, c.biz), lin(h, c.whz, c.bhz)))
	n := Tanh(Add(lin(x, c.win, c.bin), Mul(r, lin(h, c.whn, c.bhn))))
	// h' = n + z·(h - n)
	return Add(n, Mul(z, Sub(h, n)))
}
