package train

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/engine"
)

// sharedBackend is created once: simplego prints a line each time one is created.
var sharedBackend = sync.OnceValues(func() (backends.Backend, error) { return engine.New("go") })

func testBackend(t testing.TB) backends.Backend {
	t.Helper()
	b, err := sharedBackend()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const (
	seqLen  = 4
	perCls  = 4 // distinct class-marking tokens per class
	embDim  = 8
	hidden  = 16
	noiseID = 0 // noise tokens are drawn from the whole vocabulary
)

// synthData returns n examples of seqLen tokens: the first token identifies the class (one of
// perCls tokens per class), the others are noise. Class c is drawn with probability ∝ weights[c]
// (uniform if weights is nil).
func synthData(n, numClasses int, seed uint64, weights []float64) (Inputs, []int32) {
	rng := rand.New(rand.NewPCG(seed, 3))
	vocab := numClasses * perCls
	ids := make([]int32, n*seqLen)
	labels := make([]int32, n)
	var total float64
	for _, w := range weights {
		total += w
	}
	for i := range n {
		c := rng.IntN(numClasses)
		if weights != nil {
			u := rng.Float64() * total
			for c = 0; c < numClasses-1 && u >= weights[c]; c++ {
				u -= weights[c]
			}
		}
		labels[i] = int32(c)
		ids[i*seqLen] = int32(c*perCls + rng.IntN(perCls))
		for j := 1; j < seqLen; j++ {
			ids[i*seqLen+j] = int32(rng.IntN(vocab))
		}
	}
	return Inputs{N: n, Arrays: []Array{{Shape: []int{seqLen}, Data: ids}}}, labels
}

// mlpModel is a small embedding + MLP classifier, with dropout when dropout > 0.
func mlpModel(numClasses int, dropout float64) ModelFn {
	return func(ctx *context.Context, in []*graph.Node, train bool) *graph.Node {
		ids := in[0]
		batch := ids.Shape().Dimensions[0]
		x := layers.Embedding(ctx.In("emb"), ids, dtypes.Float32, numClasses*perCls, embDim)
		x = graph.Reshape(x, batch, seqLen*embDim)
		x = graph.Tanh(layers.Dense(ctx.In("hidden"), x, true, hidden))
		if train && dropout > 0 {
			x = layers.DropoutStatic(ctx, x, dropout)
		}
		return layers.Dense(ctx.In("out"), x, true, numClasses)
	}
}

func newCtx(seed uint64) *context.Context {
	ctx := context.New()
	engine.SeedContext(ctx, seed)
	return ctx
}

func accuracy(logits [][]float32, labels []int32) float64 {
	correct := 0
	for i, row := range logits {
		if _, ok := CrossEntropy(row, labels[i]); ok {
			correct++
		}
	}
	return float64(correct) / float64(len(labels))
}

func TestSubsetAndValidate(t *testing.T) {
	in := Inputs{N: 3, Arrays: []Array{
		{Shape: []int{2}, Data: []int32{0, 1, 10, 11, 20, 21}},
		{Shape: nil, Data: []int32{7, 8, 9}},
	}}
	if err := in.Validate(); err != nil {
		t.Fatal(err)
	}
	s := in.Subset([]int{2, 0, 2})
	if s.N != 3 || !slices.Equal(s.Arrays[0].Data, []int32{20, 21, 0, 1, 20, 21}) || !slices.Equal(s.Arrays[1].Data, []int32{9, 7, 9}) {
		t.Errorf("Subset = %+v", s)
	}
	bad := Inputs{N: 2, Arrays: []Array{{Shape: []int{2}, Data: []int32{1, 2, 3}}}}
	if err := bad.Validate(); err == nil {
		t.Error("Validate accepted 3 values for N=2, shape [2]")
	}
}

func TestLearningRate(t *testing.T) {
	const base = 1.0
	for _, tc := range []struct {
		schedule            string
		warmup, step, total int
		want                float64
	}{
		{ScheduleCosine, 0, 0, 10, 1},
		{ScheduleCosine, 0, 5, 10, 0.5},
		{ScheduleLinear, 0, 5, 10, 0.5},
		{ScheduleConstant, 0, 9, 10, 1},
		{ScheduleCosine, 4, 0, 14, 0.25},
		{ScheduleCosine, 4, 3, 14, 1},
		{ScheduleLinear, 4, 9, 14, 0.5},
	} {
		if got := LearningRate(tc.schedule, base, tc.warmup, tc.step, tc.total); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("LearningRate(%s, warmup=%d, step=%d, total=%d) = %g, want %g", tc.schedule, tc.warmup, tc.step, tc.total, got, tc.want)
		}
	}
}

func TestFitLearnsSeparableData(t *testing.T) {
	b := testBackend(t)
	const numClasses = 4
	train, labels := synthData(250, numClasses, 1, nil) // 250: the last batch of 32 is padded.
	valid, vlabels := synthData(50, numClasses, 2, nil)
	ctx := newCtx(1)
	model := mlpModel(numClasses, 0.1)
	var points int
	res, err := Fit(b, ctx, model, numClasses, train, labels, valid, vlabels, Config{
		Epochs: 8, BatchSize: 32, LR: 1e-2, WeightDecay: 0.01, WarmupSteps: 5, GradClip: 1,
		Progress: func(Progress) { points++ },
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Steps != 8*8 || len(res.Curve) != 8 || points != 8 {
		t.Errorf("Steps=%d, %d curve points, %d progress calls; want 64, 8, 8", res.Steps, len(res.Curve), points)
	}
	logits, err := Predict(b, ctx, model, train, 64)
	if err != nil {
		t.Fatal(err)
	}
	if len(logits) != train.N || len(logits[0]) != numClasses {
		t.Fatalf("Predict returned %d rows of %d, want %d of %d", len(logits), len(logits[0]), train.N, numClasses)
	}
	if acc := accuracy(logits, labels); acc < 0.95 {
		t.Errorf("train accuracy %.3f < 0.95 (curve %+v)", acc, res.Curve)
	}
	t.Logf("best valid loss %.4f acc %.3f at step %d; final train loss %.4f", res.BestValidLoss, res.BestValidAcc, res.BestStep, res.FinalTrainLoss)
}

func TestLossKindsDecrease(t *testing.T) {
	b := testBackend(t)
	const numClasses = 3
	train, labels := synthData(120, numClasses, 3, []float64{6, 3, 1})
	counts := make([]int, numClasses)
	for _, l := range labels {
		counts[l]++
	}
	for _, tc := range []struct {
		name string
		loss Loss
	}{
		{"default", Loss{}},
		{"class-balanced", Loss{Kind: LossClassBalanced, Beta: 0.99, ClassCounts: counts}},
		{"focal", Loss{Kind: LossFocal, Gamma: 2}},
		{"logit-adjust", Loss{Kind: LossLogitAdjust, Tau: 1, ClassCounts: counts}},
	} {
		loss := tc.loss
		t.Run(tc.name, func(t *testing.T) {
			ctx := newCtx(2)
			res, err := Fit(b, ctx, mlpModel(numClasses, 0), numClasses, train, labels, Inputs{}, nil, Config{
				MaxSteps: 80, BatchSize: 24, LR: 5e-3, EvalEvery: 20, Loss: loss,
			})
			if err != nil {
				t.Fatal(err)
			}
			first, last := res.Curve[0].TrainLoss, res.Curve[len(res.Curve)-1].TrainLoss
			if !(last < 0.8*first) {
				t.Errorf("loss did not decrease enough: first interval %.4f, last %.4f", first, last)
			}
		})
	}
}

func TestClassBalancedWeightsByHand(t *testing.T) {
	w, err := ClassBalancedWeights([]int{10, 5, 1}, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	// (1-0.9)/(1-0.9^n) = 0.153534, 0.244194, 1; normalised to sum to 3.
	raw := []float64{0.1 / (1 - 0.3486784401), 0.1 / (1 - 0.59049), 1}
	sum := raw[0] + raw[1] + raw[2]
	for c, want := range []float64{0.329535, 0.524124, 2.146341} {
		if math.Abs(w[c]-want) > 1e-5 || math.Abs(w[c]-3*raw[c]/sum) > 1e-12 {
			t.Errorf("weight[%d] = %.6f, want %.6f", c, w[c], want)
		}
	}
	if _, err := ClassBalancedWeights([]int{1, 2}, 1); err == nil {
		t.Error("Beta=1 accepted")
	}
	w, _ = ClassBalancedWeights([]int{4, 0, 4}, 0.5)
	if w[1] != 0 || math.Abs(w[0]-1) > 1e-12 || math.Abs(w[2]-1) > 1e-12 {
		t.Errorf("weights with an empty class = %v, want [1 0 1]", w)
	}
}

func TestLogitAdjustOffsetsByHand(t *testing.T) {
	off, err := LogitAdjustOffsets([]int{6, 3, 1}, 2)
	if err != nil {
		t.Fatal(err)
	}
	for c, want := range []float64{2 * -0.5108256238, 2 * -1.2039728043, 2 * -2.3025850930} {
		if math.Abs(off[c]-want) > 1e-9 {
			t.Errorf("offset[%d] = %.10f, want %.10f", c, off[c], want)
		}
	}
}

// lossValue evaluates the training loss graph of l on fixed logits, labels and weights.
func lossValue(t *testing.T, b backends.Backend, l Loss, logits [][]float32, labels []int32, weights []float32) float64 {
	t.Helper()
	s, err := newLossSetup(l, len(logits[0]))
	if err != nil {
		t.Fatal(err)
	}
	out, err := graph.ExecOnce(b, func(lg, lb, w *graph.Node) *graph.Node {
		return s.graph(lg, lb, w, graph.Scalar(lg.Graph(), dtypes.Float32, 1/float64(len(labels))))
	}, logits, labels, weights)
	if err != nil {
		t.Fatal(err)
	}
	return float64(tensors.MustCopyFlatData[float32](out)[0])
}

func TestLossGraphsByHand(t *testing.T) {
	b := testBackend(t)
	logits := [][]float32{{1, 2, 0.5}, {0.2, -1, 3}, {0, 0, 0}, {2.5, 0.1, -0.3}}
	labels := []int32{1, 2, 0, 1}
	ones := []float32{1, 1, 1, 1}
	ce := func(offsets []float64) float64 { // mean CE on logits+offsets, by hand
		var sum float64
		for i, row := range logits {
			adj := make([]float32, len(row))
			for c := range row {
				adj[c] = row[c]
				if offsets != nil {
					adj[c] += float32(offsets[c])
				}
			}
			l, _ := CrossEntropy(adj, labels[i])
			sum += l
		}
		return sum / float64(len(logits))
	}
	check := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-5*max(1, math.Abs(want)) {
			t.Errorf("%s: loss %.7f, want %.7f", name, got, want)
		}
	}
	check("ce", lossValue(t, b, Loss{}, logits, labels, ones), ce(nil))
	check("focal gamma=0", lossValue(t, b, Loss{Kind: LossFocal}, logits, labels, ones), ce(nil))

	counts := []int{6, 3, 1}
	off, _ := LogitAdjustOffsets(counts, 1)
	check("logit-adjust", lossValue(t, b, Loss{Kind: LossLogitAdjust, Tau: 1, ClassCounts: counts}, logits, labels, ones), ce(off))

	// Focal gamma=2 by hand: mean of -(1-p)^2 log p.
	var focal float64
	for i, row := range logits {
		l, _ := CrossEntropy(row, labels[i])
		p := math.Exp(-l)
		focal += -(1 - p) * (1 - p) * math.Log(p)
	}
	check("focal gamma=2", lossValue(t, b, Loss{Kind: LossFocal, Gamma: 2}, logits, labels, ones), focal/4)

	// Class-balanced: Fit turns the class weights into example weights; the graph applies them.
	s, _ := newLossSetup(Loss{Kind: LossClassBalanced, Beta: 0.9, ClassCounts: []int{10, 5, 1}}, 3)
	w := make([]float32, len(labels))
	var want float64
	for i, row := range logits {
		w[i] = s.exampleWeight(labels[i])
		l, _ := CrossEntropy(row, labels[i])
		want += float64(w[i]) * l
	}
	check("class-balanced", lossValue(t, b, Loss{}, logits, labels, w), want/4)

}

func TestSameSeedBitIdentical(t *testing.T) {
	b := testBackend(t)
	const numClasses = 3
	train, labels := synthData(90, numClasses, 4, nil)
	run := func() [][]float32 {
		ctx := newCtx(11)
		model := mlpModel(numClasses, 0.2) // Dropout exercises the context RNG.
		_, err := Fit(b, ctx, model, numClasses, train, labels, Inputs{}, nil, Config{Epochs: 2, BatchSize: 16, LR: 1e-2, Seed: 5, Resample: true})
		if err != nil {
			t.Fatal(err)
		}
		logits, err := Predict(b, ctx, model, train, 32)
		if err != nil {
			t.Fatal(err)
		}
		return logits
	}
	a, c := run(), run()
	for i := range a {
		for j := range a[i] {
			if math.Float32bits(a[i][j]) != math.Float32bits(c[i][j]) {
				t.Fatalf("logits[%d][%d] differ: %v vs %v", i, j, a[i][j], c[i][j])
			}
		}
	}
}

func TestNonFiniteLossIsAnError(t *testing.T) {
	b := testBackend(t)
	const numClasses = 3
	train, labels := synthData(64, numClasses, 5, nil)

	// LR=1e38 makes the parameters themselves overflow float32 within a few steps, whatever the
	// matmul kernel (with fused multiply-adds, merely huge values need not give a NaN loss).
	_, err := Fit(b, newCtx(1), mlpModel(numClasses, 0), numClasses, train, labels, Inputs{}, nil,
		Config{MaxSteps: 50, BatchSize: 16, LR: 1e38, Schedule: ScheduleConstant})
	if err == nil || !strings.Contains(err.Error(), "at step") {
		t.Errorf("LR=1e38: got error %v, want one naming the step", err)
	} else {
		t.Log(err)
	}

	nanModel := func(ctx *context.Context, in []*graph.Node, train bool) *graph.Node {
		logits := mlpModel(numClasses, 0)(ctx, in, train)
		return graph.Mul(logits, graph.Scalar(logits.Graph(), dtypes.Float32, math.NaN()))
	}
	_, err = Fit(b, newCtx(1), nanModel, numClasses, train, labels, Inputs{}, nil, Config{MaxSteps: 5, BatchSize: 16, LR: 1e-3})
	if err == nil || !strings.Contains(err.Error(), "at step 1 ") {
		t.Errorf("NaN logits: got error %v, want one naming step 1", err)
	}
}

func TestShapeMistakesAreErrors(t *testing.T) {
	b := testBackend(t)
	train, labels := synthData(32, 3, 6, nil)
	cfg := Config{MaxSteps: 2, BatchSize: 8, LR: 1e-3}
	// Model built for 4 classes, trained as 3.
	if _, err := Fit(b, newCtx(1), mlpModel(4, 0), 3, train, labels, Inputs{}, nil, cfg); err == nil {
		t.Error("wrong number of classes: no error")
	} else {
		t.Log(err)
	}
	// A model that breaks GoMLX's shape rules (rank broadcasting) panics inside GoMLX.
	bad := func(ctx *context.Context, in []*graph.Node, train bool) *graph.Node {
		x := layers.Embedding(ctx, in[0], dtypes.Float32, 12, 3) // [B, 4, 3]
		return graph.Add(x, graph.Const(x.Graph(), []float32{1, 2, 3}))
	}
	if _, err := Fit(b, newCtx(1), bad, 3, train, labels, Inputs{}, nil, cfg); err == nil {
		t.Error("bad model: no error")
	}
	if _, err := Predict(b, newCtx(1), bad, train, 8); err == nil {
		t.Error("bad model in Predict: no error")
	}
	if _, err := Fit(b, newCtx(1), mlpModel(3, 0), 3, train, labels[:10], Inputs{}, nil, cfg); err == nil {
		t.Error("label count mismatch: no error")
	}
	labels[0] = 3
	if _, err := Fit(b, newCtx(1), mlpModel(3, 0), 3, train, labels, Inputs{}, nil, cfg); err == nil {
		t.Error("label out of range: no error")
	}
}

func TestTrainableFreezesVariables(t *testing.T) {
	b := testBackend(t)
	const numClasses = 3
	train, labels := synthData(64, numClasses, 7, nil)
	ctx := newCtx(3)
	model := mlpModel(numClasses, 0)
	// Create the variables with a first short Fit, then freeze the embedding.
	if _, err := Fit(b, ctx, model, numClasses, train, labels, Inputs{}, nil, Config{MaxSteps: 1, BatchSize: 16, LR: 1e-3}); err != nil {
		t.Fatal(err)
	}
	values := func() map[string][]float32 {
		m := map[string][]float32{}
		for v := range ctx.IterVariables() {
			if v.DType() == dtypes.Float32 {
				m[v.ScopeAndName()] = tensors.MustCopyFlatData[float32](v.MustValue())
			}
		}
		return m
	}
	before := values()
	var names []string
	_, err := Fit(b, ctx, model, numClasses, train, labels, Inputs{}, nil, Config{
		MaxSteps: 5, BatchSize: 16, LR: 1e-2, WeightDecay: 0.1,
		Trainable: func(name string) bool { names = append(names, name); return !strings.HasPrefix(name, "/emb/") },
	})
	if err != nil {
		t.Fatal(err)
	}
	after := values()
	if len(names) == 0 {
		t.Fatal("Trainable was never called")
	}
	for name, v := range before {
		changed := false
		for i := range v {
			changed = changed || v[i] != after[name][i]
		}
		if frozen := strings.HasPrefix(name, "/emb/"); frozen == changed {
			t.Errorf("variable %s: frozen=%v but changed=%v", name, frozen, changed)
		}
	}
	for v := range ctx.IterVariables() {
		if strings.HasPrefix(v.Scope(), OptimizerScope) {
			t.Errorf("optimizer variable %s left in the context", v.ScopeAndName())
		}
	}
}

func TestResampleBalancesBatches(t *testing.T) {
	_, labels := synthData(1000, 3, 8, []float64{90, 9, 1})
	rng := rand.New(rand.NewPCG(1, 2))
	order := epochOrder(rng, len(labels), true, datasets.IndicesByClass(labels, 3))
	counts := make([]int, 3)
	for _, k := range order {
		counts[labels[k]]++
	}
	for c, n := range counts {
		if frac := float64(n) / float64(len(order)); math.Abs(frac-1.0/3) > 0.05 {
			t.Errorf("class %d is %.3f of resampled examples, want about 1/3 (counts %v)", c, frac, counts)
		}
	}
}

func TestEarlyStoppingRestoresBest(t *testing.T) {
	b := testBackend(t)
	const numClasses = 3
	train, labels := synthData(60, numClasses, 9, nil)
	// Validation labels unrelated to the inputs: the validation loss soon rises as the model fits.
	valid, _ := synthData(60, numClasses, 10, nil)
	rng := rand.New(rand.NewPCG(4, 4))
	vlabels := make([]int32, valid.N)
	for i := range vlabels {
		vlabels[i] = int32(rng.IntN(numClasses))
	}
	ctx := newCtx(5)
	model := mlpModel(numClasses, 0)
	res, err := Fit(b, ctx, model, numClasses, train, labels, valid, vlabels, Config{
		Epochs: 60, BatchSize: 20, LR: 3e-2, Patience: 2, Schedule: ScheduleConstant,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.StoppedEarly || res.Steps >= 60*3 {
		t.Errorf("StoppedEarly=%v after %d steps; want early stop", res.StoppedEarly, res.Steps)
	}
	logits, err := Predict(b, ctx, model, valid, 32)
	if err != nil {
		t.Fatal(err)
	}
	var loss float64
	for i, row := range logits {
		l, _ := CrossEntropy(row, vlabels[i])
		loss += l
	}
	loss /= float64(valid.N)
	if math.Abs(loss-res.BestValidLoss) > 1e-5 {
		t.Errorf("validation loss after Fit %.6f != best %.6f: best parameters not restored", loss, res.BestValidLoss)
	}
	// The last progress point announces the early stop (issue 14: progress just ended).
	if p := res.Curve[len(res.Curve)-1]; !p.EarlyStop || p.Patience != 2 || !p.Validated {
		t.Errorf("last progress point %+v does not announce the early stop", p)
	}
	for _, p := range res.Curve[:len(res.Curve)-1] {
		if p.EarlyStop {
			t.Errorf("progress point at step %d announces an early stop before the last", p.Step)
		}
	}
	last := res.Curve[len(res.Curve)-1].ValidLoss
	t.Logf("stopped at step %d; best valid loss %.4f at step %d, last %.4f", res.Steps, res.BestValidLoss, res.BestStep, last)
}

// BenchmarkFitStep times one training step (batch 64) of the small MLP classifier, compiled once.
func BenchmarkFitStep(bm *testing.B) {
	b := testBackend(bm)
	const numClasses = 16
	train, labels := synthData(1024, numClasses, 1, nil)
	ctx := newCtx(1)
	cfg := Config{Epochs: 1000, BatchSize: 64, LR: 1e-3}
	if err := checkConfig(&cfg); err != nil {
		bm.Fatal(err)
	}
	loss, _ := newLossSetup(Loss{}, numClasses)
	f, cleanup, err := newFitter(b, ctx, mlpModel(numClasses, 0.1), numClasses, train, labels, false, cfg, loss)
	defer cleanup()
	if err != nil {
		bm.Fatal(err)
	}
	idx := make([]int, 64)
	for i := range idx {
		idx[i] = i
	}
	if _, err := f.step(idx, 0); err != nil { // Compile outside the timing.
		bm.Fatal(err)
	}
	bm.ResetTimer()
	step := 1
	for bm.Loop() {
		if _, err := f.step(idx, step); err != nil {
			bm.Fatal(err)
		}
		step++
	}
}

// TestMultipleArrays trains on two parallel arrays of different shapes ([N,3] noise and [N] the
// class-bearing token), as the harness does with history, weekday and hour arrays.
func TestMultipleArrays(t *testing.T) {
	b := testBackend(t)
	const numClasses, n = 3, 90
	rng := rand.New(rand.NewPCG(12, 12))
	noise := make([]int32, n*3)
	marker := make([]int32, n)
	labels := make([]int32, n)
	for i := range n {
		labels[i] = int32(rng.IntN(numClasses))
		marker[i] = labels[i]*2 + int32(rng.IntN(2))
		for j := range 3 {
			noise[i*3+j] = int32(rng.IntN(6))
		}
	}
	in := Inputs{N: n, Arrays: []Array{{Shape: []int{3}, Data: noise}, {Data: marker}}}
	model := func(ctx *context.Context, in []*graph.Node, train bool) *graph.Node {
		batch := in[0].Shape().Dimensions[0]
		x := graph.Reshape(layers.Embedding(ctx.In("noise"), in[0], dtypes.Float32, 6, 4), batch, 12)
		m := layers.Embedding(ctx.In("marker"), in[1], dtypes.Float32, 6, 4) // [B, 4]
		return layers.Dense(ctx.In("out"), graph.Concatenate([]*graph.Node{x, m}, -1), true, numClasses)
	}
	ctx := newCtx(4)
	if _, err := Fit(b, ctx, model, numClasses, in, labels, in.Subset([]int{0, 1, 2}), labels[:3], Config{Epochs: 15, BatchSize: 16, LR: 3e-2}); err != nil {
		t.Fatal(err)
	}
	logits, err := Predict(b, ctx, model, in, 40) // 90 = 40+40+10: the last batch is padded.
	if err != nil {
		t.Fatal(err)
	}
	if len(logits) != n {
		t.Fatalf("Predict returned %d rows, want %d", len(logits), n)
	}
	if acc := accuracy(logits, labels); acc < 0.95 {
		t.Errorf("accuracy %.3f < 0.95", acc)
	}
}

// TestSelectRestoresChosenEvaluation checks both selection rules: the reported evaluation is the
// curve's lowest loss (loss) or first highest accuracy (acc), and the parameters after Fit give
// exactly that evaluation's validation loss and accuracy.
func TestSelectRestoresChosenEvaluation(t *testing.T) {
	b := testBackend(t)
	const numClasses = 3
	train, labels := synthData(60, numClasses, 9, nil)
	valid, vlabels := synthData(60, numClasses, 10, nil)
	// Half the validation labels are noise, so accuracy and loss peak at different evaluations.
	rng := rand.New(rand.NewPCG(4, 4))
	for i := range vlabels {
		if i%2 == 0 {
			vlabels[i] = int32(rng.IntN(numClasses))
		}
	}
	for _, sel := range []string{SelectLoss, SelectAcc} {
		ctx := newCtx(5)
		model := mlpModel(numClasses, 0)
		res, err := Fit(b, ctx, model, numClasses, train, labels, valid, vlabels, Config{
			Epochs: 15, BatchSize: 20, LR: 3e-2, EvalEvery: 3, Schedule: ScheduleConstant, Select: sel,
		})
		if err != nil {
			t.Fatal(err)
		}
		want, minLoss := res.Curve[0], res.Curve[0].ValidLoss
		for _, p := range res.Curve[1:] {
			minLoss = math.Min(minLoss, p.ValidLoss)
			if (sel == SelectLoss && p.ValidLoss < want.ValidLoss) || (sel == SelectAcc && p.ValidAcc > want.ValidAcc) {
				want = p
			}
		}
		if res.BestStep != want.Step || res.BestValidAcc != want.ValidAcc || res.BestValidLoss != want.ValidLoss {
			t.Errorf("%s: selected step %d (loss %.4f acc %.4f), want step %d (loss %.4f acc %.4f)",
				sel, res.BestStep, res.BestValidLoss, res.BestValidAcc, want.Step, want.ValidLoss, want.ValidAcc)
		}
		if res.MinValidLoss != minLoss {
			t.Errorf("%s: MinValidLoss %.6f, curve minimum %.6f", sel, res.MinValidLoss, minLoss)
		}
		logits, err := Predict(b, ctx, model, valid, 32)
		if err != nil {
			t.Fatal(err)
		}
		var loss float64
		for i, row := range logits {
			l, _ := CrossEntropy(row, vlabels[i])
			loss += l
		}
		loss /= float64(valid.N)
		if acc := accuracy(logits, vlabels); math.Abs(loss-res.BestValidLoss) > 1e-5 || acc != res.BestValidAcc {
			t.Errorf("%s: after Fit valid loss %.6f acc %.4f, selected %.6f / %.4f: parameters not restored", sel, loss, acc, res.BestValidLoss, res.BestValidAcc)
		}
		t.Logf("%s: step %d of %d, loss %.4f acc %.4f", sel, res.BestStep, res.Steps, res.BestValidLoss, res.BestValidAcc)
	}
	if _, err := Fit(b, newCtx(1), mlpModel(numClasses, 0), numClasses, train, labels, valid, vlabels, Config{Epochs: 1, BatchSize: 20, LR: 1e-2, Select: "f1"}); err == nil {
		t.Error("Select f1 accepted")
	}
}
