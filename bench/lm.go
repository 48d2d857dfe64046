package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/engine"
	"github.com/behaviorlm/harness/internal/lm"
	"github.com/behaviorlm/harness/internal/method"
	"github.com/behaviorlm/harness/internal/train"
)

// lmBatch is the fine-tuning batch size (the harness default; pretraining uses
// lm.DefaultPretrainConfig's).
const lmBatch = 64

// newLM returns the default behavior LM (size and prompt length, lm.DefaultConfig) over
// numClasses behaviors, for samples with historyLen events.
func newLM(numClasses int) (*lm.Model, error) {
	names := make([]string, numClasses)
	for c := range names {
		names[c] = fmt.Sprintf("b%04d", c)
	}
	tok, err := lm.NewTokenizer(names)
	if err != nil {
		return nil, err
	}
	cfg := lm.DefaultConfig()
	shown := cfg.HistoryLen
	if shown == 0 || shown > historyLen {
		shown = historyLen
	}
	rend, err := lm.NewRenderer(tok, shown, cfg.Separator)
	if err != nil {
		return nil, err
	}
	return lm.NewModel(cfg, rend, lm.LoRA{})
}

// lmFit fine-tunes a fresh default LM for steps steps (the harness's fine-tuning settings) and
// returns the time of the Fit.
func lmFit(backend backends.Backend, o options, steps int) (span, error) {
	m, err := newLM(o.classes)
	if err != nil {
		return span{}, err
	}
	samples := randomSamples(rand.New(rand.NewPCG(3, 4)), lmBatch*steps, o.classes)
	in, labels := m.Inputs(samples), datasets.Targets(samples)
	ctx := context.New()
	engine.SeedContext(ctx, 1)
	cfg := train.Config{Epochs: 1, MaxSteps: steps, BatchSize: lmBatch, LR: 1e-3, WeightDecay: 0.01,
		Schedule: train.ScheduleCosine, WarmupSteps: 10, GradClip: 1, Seed: 1}
	return timed(func() error {
		_, err := train.Fit(backend, ctx, m.Classifier(), o.classes, in, labels, train.Inputs{}, nil, cfg)
		return err
	})
}

// lmTrain times a fine-tuning step: the difference between a (2+steps)-step and a 2-step Fit.
func lmTrain(backend backends.Backend, o options) (measure, error) {
	short, err := lmFit(backend, o, 2)
	if err != nil {
		return measure{}, err
	}
	long, err := lmFit(backend, o, 2+o.steps)
	if err != nil {
		return measure{}, err
	}
	return perStep("samples/s", lmBatch, short, long, o.steps), nil
}

// lmPretrainRun pretrains a fresh default LM for steps steps (the default pretraining settings)
// and returns the pretraining time and the number of tokens per step.
func lmPretrainRun(backend backends.Backend, o options, steps int) (span, int, error) {
	m, err := newLM(o.classes)
	if err != nil {
		return span{}, 0, err
	}
	cfg := lm.DefaultPretrainConfig()
	cfg.Epochs, cfg.MaxSteps = 1, steps
	// One window per stream: the prompt's events and the next one.
	events := m.Renderer().HistoryLen() + 1
	rng := rand.New(rand.NewPCG(5, 6))
	var streams [][]datasets.Step
	for _, s := range randomSamples(rng, cfg.BatchSize*steps, o.classes) {
		streams = append(streams, append(s.History, s.Next)[historyLen+1-events:])
	}
	ctx := context.New()
	engine.SeedContext(ctx, 1)
	s, err := timed(func() error {
		_, err := lm.Pretrain(method.Env{Backend: backend}, ctx, m, streams, nil, cfg, 1)
		return err
	})
	return s, cfg.BatchSize * m.Renderer().Len(), err
}

// lmPretrain times a pretraining step: the difference between a (2+steps)-step and a 2-step run.
func lmPretrain(backend backends.Backend, o options) (measure, error) {
	short, _, err := lmPretrainRun(backend, o, 2)
	if err != nil {
		return measure{}, err
	}
	long, tokens, err := lmPretrainRun(backend, o, 2+o.steps)
	if err != nil {
		return measure{}, err
	}
	return perStep("tokens/s", float64(tokens), short, long, o.steps), nil
}

// lmEval times scoring steps batches of evalBatch prompts with a compiled train.Predictor.
func lmEval(backend backends.Backend, o options) (measure, error) {
	m, err := newLM(o.classes)
	if err != nil {
		return measure{}, err
	}
	in := m.Inputs(randomSamples(rand.New(rand.NewPCG(7, 8)), evalBatch*o.steps, o.classes))
	ctx := context.New()
	engine.SeedContext(ctx, 1)
	p, err := train.NewPredictor(backend, ctx, m.Classifier(), o.classes, evalBatch)
	if err != nil {
		return measure{}, err
	}
	defer p.Finalize()
	if _, err := p.Predict(in.Subset(seq(evalBatch))); err != nil { // compile
		return measure{}, err
	}
	s, err := timed(func() error {
		_, err := p.Predict(in)
		return err
	})
	if err != nil {
		return measure{}, err
	}
	return perStep("samples/s", evalBatch, span{}, s, o.steps), nil
}

// seq returns 0, 1, ..., n-1.
func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}
