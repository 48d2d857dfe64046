package lm

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/engine"
	"github.com/behaviorlm/harness/internal/train"
)

// benchTask is a random task with the shape of a real data set: numClasses behaviors, history 20.
func benchTask(numClasses, n int) *datasets.Task {
	rng := rand.New(rand.NewPCG(1, 2))
	task := &datasets.Task{Config: datasets.DefaultSampleConfig()}
	for c := 0; c < numClasses; c++ {
		task.Behaviors = append(task.Behaviors, fmt.Sprintf("b%04d", c))
	}
	step := func() datasets.Step {
		return datasets.Step{Behavior: int32(rng.IntN(numClasses)), Weekday: uint8(rng.IntN(7)), Hour: uint8(rng.IntN(24))}
	}
	for i := 0; i < n; i++ {
		s := datasets.Sample{Next: step()}
		for j := 0; j < 20; j++ {
			s.History = append(s.History, step())
		}
		s.Target = s.Next.Behavior
		task.Train = append(task.Train, s)
	}
	return task
}

func benchModel(b *testing.B, numClasses int) (*Model, *datasets.Task) {
	task := benchTask(numClasses, 1000)
	tok, err := NewTokenizer(task.Behaviors)
	if err != nil {
		b.Fatal(err)
	}
	cfg := DefaultConfig() // history 10 of the task's 20: prompts of 34 tokens
	rend, err := NewRenderer(tok, cfg.HistoryLen, cfg.Separator)
	if err != nil {
		b.Fatal(err)
	}
	m, err := NewModel(cfg, rend, LoRA{})
	if err != nil {
		b.Fatal(err)
	}
	return m, task
}

// BenchmarkPretrainStep times one pretraining step (default model and batch, prompts of 64 tokens).
func BenchmarkPretrainStep(b *testing.B) {
	for _, c := range []int{292, 1182} {
		b.Run(fmt.Sprintf("classes=%d", c), func(b *testing.B) {
			m, task := benchModel(b, c)
			backend, err := engine.New("")
			if err != nil {
				b.Fatal(err)
			}
			pcfg := DefaultPretrainConfig()
			var streams [][]datasets.Step
			for _, s := range task.Train {
				streams = append(streams, append(append([]datasets.Step(nil), s.History...), s.Next))
			}
			tokens, targets, n := m.rend.Windows(streams, nil, 21)
			bs := pcfg.BatchSize
			l, p := m.rend.Len(), m.rend.historyLen+1
			if n < bs {
				b.Fatalf("only %d windows", n)
			}
			ctx := context.New()
			engine.SeedContext(ctx, 1)
			opt := train.AdamW{Scope: train.PretrainOptimizerScope, WeightDecay: pcfg.WeightDecay}
			exec, err := context.NewExec(backend, ctx, m.pretrainStep(opt, pcfg.GradClip, m.rend.BehaviorPositions()))
			if err != nil {
				b.Fatal(err)
			}
			tt := tensors.FromFlatDataAndDimensions(tokens[:bs*l], bs, l)
			tg := tensors.FromFlatDataAndDimensions(targets[:bs*p], bs, p)
			args := append(opt.StepInputs(pcfg.LR, 0), tt, tg)
			if _, err := exec.Exec(args...); err != nil { // compile
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := exec.Exec(args...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*bs*l)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}

// BenchmarkFinetuneStep times one train.Fit step of the classifier (batch 64): a 1-step Fit
// (which includes compiling the step graph) and a 21-step Fit are timed, and the difference / 20 is
// reported as ms/step and the 1-step Fit as compile-ms.
func BenchmarkFinetuneStep(b *testing.B) {
	for _, c := range []int{292, 1182} {
		b.Run(fmt.Sprintf("classes=%d", c), func(b *testing.B) {
			m, task := benchModel(b, c)
			backend, err := engine.New("")
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.New()
			engine.SeedContext(ctx, 1)
			in := m.Inputs(task.Train)
			labels := datasets.Targets(task.Train)
			fit := func(steps int) time.Duration {
				start := time.Now()
				cfg := train.Config{MaxSteps: steps, BatchSize: 64, LR: 1e-3, Seed: 1}
				if _, err := train.Fit(backend, ctx, m.Classifier(), c, in, labels, train.Inputs{}, nil, cfg); err != nil {
					b.Fatal(err)
				}
				return time.Since(start)
			}
			var one, many time.Duration
			for i := 0; i < b.N; i++ {
				one += fit(1)
				many += fit(21)
			}
			b.ReportMetric(float64((many-one).Milliseconds())/float64(20*b.N), "ms/step")
			b.ReportMetric(float64(one.Milliseconds())/float64(b.N), "compile-ms")
		})
	}
}

// BenchmarkScore1000 times scoring 1,000 samples with train.Predict (batch 256).
func BenchmarkScore1000(b *testing.B) {
	for _, c := range []int{292, 1182} {
		b.Run(fmt.Sprintf("classes=%d", c), func(b *testing.B) {
			m, task := benchModel(b, c)
			backend, err := engine.New("")
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.New()
			engine.SeedContext(ctx, 1)
			in := m.Inputs(task.Train)
			p, err := train.NewPredictor(backend, ctx, m.Classifier(), c, 256)
			if err != nil {
				b.Fatal(err)
			}
			defer p.Finalize()
			if _, err := p.Predict(in.Subset([]int{0})); err != nil {
				b.Fatal(err)
			}
			if _, err := p.Predict(in); err != nil { // compile the batch-256 graph
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := p.Predict(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
