package lm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX convention for graph code.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/catch"
	"github.com/behaviorlm/harness/internal/method"
	"github.com/behaviorlm/harness/internal/train"
)

// PretrainResult summarises a pretraining run (or the cache entry it was loaded from).
type PretrainResult struct {
	// Windows is the number of training windows, Steps the number of optimizer steps.
	Windows, Steps int
	// FirstLoss and FinalLoss are the mean losses of the first and last logging intervals.
	FirstLoss, FinalLoss float64
	// Seconds is the pretraining wall time (of the original run when Cached).
	Seconds float64
	// Cached reports that the weights came from the cache.
	Cached bool
	// HeldOut scores the pretrained model on the streams pretrain.holdout set aside (nil without).
	HeldOut *HeldOutScore `json:",omitempty"`
}

// Pretrain trains m's variables in ctx (a fresh context, seeded with engine.SeedContext) with the
// next-behavior objective on the windows of streams (see the package documentation), using the
// harness's one AdamW (train.AdamW: weight decay on matrices and embeddings) with linear warmup and
// cosine decay and global-norm gradient clipping. Batch order is drawn from seed. It honours
// env.Ctx cancellation and logs progress through env.Logf.
//
// kept, when not nil, masks targets as in Renderer.Windows (cfg.RespectTailShots).
func Pretrain(env method.Env, ctx *context.Context, m *Model, streams [][]datasets.Step, kept [][]bool, cfg PretrainConfig, seed uint64) (res *PretrainResult, err error) {
	defer catch.Panic(&err, "lm: pretraining")
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("lm: pretrain: %w", err)
	}
	r := m.rend
	tokens, targets, n := r.Windows(streams, kept, cfg.Stride)
	if n == 0 {
		return nil, fmt.Errorf("lm: pretrain: the streams hold no window of two or more events")
	}
	batch, stepsPerEpoch, total := train.Steps(n, cfg.BatchSize, cfg.Epochs, cfg.MaxSteps)
	l, p := r.Len(), r.historyLen+1
	env.Log("pretrain: %d windows of %d tokens from %d streams, %d steps of batch %d", n, l, len(streams), total, batch)

	opt := train.AdamW{Scope: train.PretrainOptimizerScope, WeightDecay: cfg.WeightDecay}
	positions := r.BehaviorPositions()
	exec, err := context.NewExec(env.Backend, ctx, m.pretrainStep(opt, cfg.GradClip, positions))
	if err != nil {
		return nil, fmt.Errorf("lm: pretrain: %w", err)
	}
	defer exec.Finalize()

	rng := rand.New(rand.NewPCG(seed, 0x707265)) // "pre"
	res = &PretrainResult{Windows: n}
	start := time.Now()
	lastLog := start
	var sum float64
	var count int
	bTok := make([]int32, batch*l)
	bTgt := make([]int32, batch*p)
	var order []int
	for step := 0; step < total; step++ {
		if err := env.Err(); err != nil {
			return nil, fmt.Errorf("lm: pretrain cancelled at step %d of %d: %w", step, total, err)
		}
		off := (step % stepsPerEpoch) * batch
		if off == 0 {
			order = rng.Perm(n)
		}
		for i := 0; i < batch; i++ {
			if off+i < n {
				w := order[off+i]
				copy(bTok[i*l:(i+1)*l], tokens[w*l:(w+1)*l])
				copy(bTgt[i*p:(i+1)*p], targets[w*p:(w+1)*p])
			} else { // short last batch: repeat a window with its targets masked
				copy(bTok[i*l:(i+1)*l], bTok[:l])
				for j := range p {
					bTgt[i*p+j] = -1
				}
			}
		}
		args := opt.StepInputs(train.LearningRate(train.ScheduleCosine, cfg.LR, cfg.WarmupSteps, step, total), step)
		args = append(args, tensors.FromFlatDataAndDimensions(bTok, batch, l), tensors.FromFlatDataAndDimensions(bTgt, batch, p))
		outs, err := exec.Exec(args...)
		if err != nil {
			return nil, fmt.Errorf("lm: pretrain step %d: %w", step+1, err)
		}
		loss := float64(tensors.MustCopyFlatData[float32](outs[0])[0])
		outs[0].FinalizeAll()
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return nil, fmt.Errorf("lm: pretrain: loss is %v at step %d of %d; lower the learning rate", loss, step+1, total)
		}
		sum += loss
		count++
		res.Steps = step + 1
		if now := time.Now(); step+1 == total || now.Sub(lastLog) >= 15*time.Second || step+1 == 10 {
			mean := sum / float64(count)
			if res.FirstLoss == 0 {
				res.FirstLoss = mean
			}
			res.FinalLoss = mean
			elapsed := now.Sub(start)
			eta := time.Duration(float64(elapsed) / float64(step+1) * float64(total-step-1))
			env.Log("%s", method.Progress{Stage: "pretrain", Step: step + 1, Steps: total, TrainLoss: mean, Elapsed: elapsed, ETA: eta,
				Note: fmt.Sprintf("%.0f tokens/s", float64((step+1)*batch*l)/elapsed.Seconds())})
			sum, count, lastLog = 0, 0, now
		}
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// pretrainStep returns the graph of one pretraining step. Inputs: opt.StepInputs (learning rate
// and bias corrections), then prompt tokens [B, L] and targets [B, P]; output: the loss.
func (m *Model) pretrainStep(opt train.AdamW, gradClip float64, positions []int) func(ctx *context.Context, in []*Node) *Node {
	return func(ctx *context.Context, in []*Node) *Node {
		lr, bc1, bc2, tok, tgt := in[0], in[1], in[2], in[3], in[4]
		g := tok.Graph()
		mctx := ctx.Checked(false)
		mctx.SetTraining(g, true)
		loss := m.pretrainLoss(mctx, tok, tgt, positions, true)
		vars := train.TrainedVariables(ctx, g, nil)
		values := make([]*Node, len(vars))
		for i, v := range vars {
			values[i] = v.ValueGraph(g)
		}
		grads := Gradient(loss, values...)
		if gradClip > 0 {
			train.ClipGlobalNorm(grads, train.GlobalNorm(grads), gradClip)
		}
		opt.Update(ctx, vars, grads, lr, bc1, bc2)
		return loss
	}
}

// pretrainLoss is the mean cross-entropy of the target behaviors [B, P] (-1 = none) at the
// positions of prompts tokens [B, L], over the behavior vocabulary; with word names, the mean
// negative log-likelihood of the target names' words (over the word vocabulary).
func (m *Model) pretrainLoss(ctx *context.Context, tokens, targets *Node, positions []int, training bool) *Node {
	g := tokens.Graph()
	t := m.targetScores(ctx, tokens, targets, positions, training)
	count := Max(ReduceAllSum(t.mask), ScalarOne(g, dtypes.Float32))
	return Div(Neg(ReduceAllSum(Mul(t.picked, t.mask))), count)
}

// targetScores are a pretraining batch's scores at the behavior positions: logits [B, P, C]
// (behaviorLogits), the target's log-probability picked [B, P] (with word names, the target
// name's word log-likelihood), the targets with -1 replaced by 0 (safe) and mask, 1 where a
// position has a target.
type targetScores struct {
	logits, picked, safe, mask *Node
}

// targetScores computes the scores of targets [B, P] (-1 = none) at positions of tokens [B, L];
// pretraining's loss and the held-out score (ScoreStreams) share it.
func (m *Model) targetScores(ctx *context.Context, tokens, targets *Node, positions []int, training bool) targetScores {
	g := tokens.Graph()
	l := tokens.Shape().Dimensions[1]
	h := m.hidden(ctx, tokens, training, false) // [B, L, D]
	pos := make([]int32, len(positions))
	for i, v := range positions {
		pos[i] = int32(v)
	}
	sel := OneHot(Const(g, pos), l, dtypes.Float32)                // [P, L]
	logits := m.behaviorLogits(ctx, Einsum("bld,pl->bpd", h, sel)) // [B, P, C]
	logp := logits                                                 // with word names: the gold name's word log-likelihood
	if !m.rend.tok.WordNames() {
		logp = LogSoftmax(logits, -1) // [B, P, C]
	}
	valid := GreaterOrEqual(targets, ScalarZero(g, dtypes.Int32)) // [B, P]
	safe := Where(valid, targets, ZerosLike(targets))             // [B, P]
	picked := ReduceSum(Mul(OneHot(safe, m.NumBehaviors(), dtypes.Float32), logp), -1)
	return targetScores{logits: logits, picked: picked, safe: safe, mask: ConvertDType(valid, dtypes.Float32)}
}
