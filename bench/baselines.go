package main

import (
	"fmt"

	"github.com/gomlx/gomlx/backends"

	"github.com/behaviorlm/harness/baselines"
	"github.com/behaviorlm/harness/internal/method"
)

// baselineRun runs the neural baseline kind through its Method (default parameters, except:
// maxSteps steps of one epoch, batch size batch (0 = default), a 64-sample validation set and no
// early stopping) on a random task with the given number of test samples. It returns the time of
// the whole run and the batch size used.
func baselineRun(backend backends.Backend, kind string, o options, maxSteps, batch, test int) (span, int, error) {
	f, ok := baselines.Factories()[kind]
	if !ok {
		return span{}, 0, fmt.Errorf("unknown baseline %q", kind)
	}
	p := f.Params()
	var tp *baselines.TrainParams
	switch p := p.(type) {
	case *baselines.GRU4RecParams:
		tp = &p.TrainParams
	case *baselines.SASRecParams:
		tp = &p.TrainParams
	case *baselines.BERT4RecParams:
		tp = &p.TrainParams
	default:
		return span{}, 0, fmt.Errorf("%s is not a neural baseline", kind)
	}
	if batch > 0 {
		tp.BatchSize = batch
	}
	tp.Epochs, tp.MaxSteps, tp.Patience, tp.EvalEvery, tp.ValidSamples = 1, maxSteps, 0, 0, 64
	m, err := f.New(p, nil)
	if err != nil {
		return span{}, 0, err
	}
	// Enough training samples for maxSteps steps within the single epoch.
	task := randomTask(o.classes, tp.BatchSize*maxSteps, 64, test)
	s, err := timed(func() error {
		_, err := m.Run(method.Env{Backend: backend, Seed: 1}, task)
		return err
	})
	return s, tp.BatchSize, err
}

// baselineTrain times a training step: the difference between a (2+steps)-step and a 2-step run
// (each also compiles its graphs and scores 64 validation and 64 test samples).
func baselineTrain(backend backends.Backend, kind string, o options) (measure, error) {
	short, batch, err := baselineRun(backend, kind, o, 2, 0, 64)
	if err != nil {
		return measure{}, err
	}
	long, _, err := baselineRun(backend, kind, o, 2+o.steps, 0, 64)
	if err != nil {
		return measure{}, err
	}
	return perStep("samples/s", float64(batch), short, long, o.steps), nil
}

// evalBatch is the batch size of the evaluation benchmarks.
const evalBatch = 256

// evalRepeat multiplies the number of batches of the baselines' evaluation benchmarks: their
// batches are fast, and the difference of two runs must stand out from the noise of compiling.
const evalRepeat = 10

// baselineEval times inference on batches of evalBatch: the difference between runs that predict
// (1+evalRepeat·steps) batches and one batch (each also compiles and trains one step).
func baselineEval(backend backends.Backend, kind string, o options) (measure, error) {
	n := evalRepeat * o.steps
	short, _, err := baselineRun(backend, kind, o, 1, evalBatch, evalBatch)
	if err != nil {
		return measure{}, err
	}
	long, _, err := baselineRun(backend, kind, o, 1, evalBatch, evalBatch*(1+n))
	if err != nil {
		return measure{}, err
	}
	return perStep("samples/s", evalBatch, short, long, n), nil
}
