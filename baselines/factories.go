package baselines

import (
	"fmt"
	"math/rand/v2"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/method"
	"github.com/behaviorlm/harness/internal/train"
)

// Factories returns a fresh map of the method kinds of this package: "pop", "markov", "gru4rec",
// "sasrec" and "bert4rec". None of them uses a backbone.
func Factories() map[string]method.Factory {
	return map[string]method.Factory{
		"pop": {
			Params: func() any { return &PopParams{} },
			New: func(params any, _ map[string]any) (method.Method, error) {
				if _, ok := params.(*PopParams); !ok {
					return nil, fmt.Errorf("pop: params are %T, want *PopParams", params)
				}
				return Pop{}, nil
			},
		},
		"markov": {
			Params: func() any { return DefaultMarkovParams() },
			New: func(params any, _ map[string]any) (method.Method, error) {
				p, ok := params.(*MarkovParams)
				if !ok {
					return nil, fmt.Errorf("markov: params are %T, want *MarkovParams", params)
				}
				if p.Smoothing < 0 {
					return nil, fmt.Errorf("markov: smoothing: must be >= 0, got %g", p.Smoothing)
				}
				return Markov{Params: *p}, nil
			},
		},
		"gru4rec": {
			Params: func() any { return DefaultGRU4RecParams() },
			New: func(params any, _ map[string]any) (method.Method, error) {
				p, ok := params.(*GRU4RecParams)
				if !ok {
					return nil, fmt.Errorf("gru4rec: params are %T, want *GRU4RecParams", params)
				}
				if err := p.validate(); err != nil {
					return nil, fmt.Errorf("gru4rec: %w", err)
				}
				return &GRU4Rec{Params: *p}, nil
			},
		},
		"sasrec": {
			Params: func() any { return DefaultSASRecParams() },
			New: func(params any, _ map[string]any) (method.Method, error) {
				p, ok := params.(*SASRecParams)
				if !ok {
					return nil, fmt.Errorf("sasrec: params are %T, want *SASRecParams", params)
				}
				if err := p.validate(); err != nil {
					return nil, fmt.Errorf("sasrec: %w", err)
				}
				return &SASRec{Params: *p}, nil
			},
		},
		"bert4rec": {
			Params: func() any { return DefaultBERT4RecParams() },
			New: func(params any, _ map[string]any) (method.Method, error) {
				p, ok := params.(*BERT4RecParams)
				if !ok {
					return nil, fmt.Errorf("bert4rec: params are %T, want *BERT4RecParams", params)
				}
				if err := p.validate(); err != nil {
					return nil, fmt.Errorf("bert4rec: %w", err)
				}
				return &BERT4Rec{Params: *p}, nil
			},
		},
	}
}

// GRU4Rec is the GRU4Rec baseline (see gru4recModel).
type GRU4Rec struct{ Params GRU4RecParams }

// Run implements method.Method.
func (m *GRU4Rec) Run(env method.Env, task *datasets.Task) (*method.Output, error) {
	if err := m.Params.validate(); err != nil {
		return nil, fmt.Errorf("gru4rec: %w", err)
	}
	if err := checkTask(task); err != nil {
		return nil, fmt.Errorf("gru4rec: %w", err)
	}
	enc := encoding{historyLen: task.Config.HistoryLen, timeContext: m.Params.TimeContext}
	n := &neural{name: "gru4rec", tp: m.Params.TrainParams, enc: enc, model: gru4recModel(&m.Params, enc, task.NumClasses())}
	return n.run(env, task)
}

// SASRec is the SASRec baseline (see sasrecModel).
type SASRec struct{ Params SASRecParams }

// Run implements method.Method.
func (m *SASRec) Run(env method.Env, task *datasets.Task) (*method.Output, error) {
	if err := m.Params.validate(); err != nil {
		return nil, fmt.Errorf("sasrec: %w", err)
	}
	if err := checkTask(task); err != nil {
		return nil, fmt.Errorf("sasrec: %w", err)
	}
	enc := encoding{historyLen: task.Config.HistoryLen, timeContext: m.Params.TimeContext}
	n := &neural{name: "sasrec", tp: m.Params.TrainParams, enc: enc, model: sasrecModel(&m.Params, enc, task.NumClasses())}
	return n.run(env, task)
}

// BERT4Rec is the BERT4Rec baseline (see bert4recModel).
type BERT4Rec struct{ Params BERT4RecParams }

// Run implements method.Method.
func (m *BERT4Rec) Run(env method.Env, task *datasets.Task) (*method.Output, error) {
	if err := m.Params.validate(); err != nil {
		return nil, fmt.Errorf("bert4rec: %w", err)
	}
	if err := checkTask(task); err != nil {
		return nil, fmt.Errorf("bert4rec: %w", err)
	}
	c := task.NumClasses()
	enc := encoding{historyLen: task.Config.HistoryLen, appendMask: true, maskID: int32(c + 1), timeContext: m.Params.TimeContext}
	n := &neural{name: "bert4rec", tp: m.Params.TrainParams, enc: enc, model: bert4recModel(&m.Params, enc, c)}
	if m.Params.ClozeCopies > 0 && m.Params.MaskProb > 0 {
		n.augment = func(in train.Inputs, labels []int32, rng *rand.Rand) (train.Inputs, []int32) {
			return enc.appendCloze(in, labels, m.Params.ClozeCopies, m.Params.MaskProb, rng)
		}
	}
	return n.run(env, task)
}
