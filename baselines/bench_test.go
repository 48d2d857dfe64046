package baselines

import (
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/internal/engine"
	"github.com/behaviorlm/harness/internal/train"
)

// benchStep reports the time of one training step of model at nyc size (C = 292 classes, T = 20)
// and the given batch size: the time of a Fit of b.N+1 steps minus that of a 1-step Fit (which
// includes compiling the graph), divided by b.N.
func benchStep(b *testing.B, enc encoding, model train.ModelFn, numClasses, batch int) {
	backend, err := engine.New("")
	if err != nil {
		b.Fatal(err)
	}
	task := tinyTask(2*batch, numClasses, enc.historyLen, 5)
	in, labels := enc.encode(task.Train)
	fit := func(steps int) time.Duration {
		ctx := context.New()
		engine.SeedContext(ctx, 1)
		start := time.Now()
		cfg := train.Config{MaxSteps: steps, BatchSize: batch, LR: 1e-3, Schedule: "constant", GradClip: 5, Seed: 1}
		if _, err := train.Fit(backend, ctx, model, numClasses, in, labels, train.Inputs{}, nil, cfg); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	b.StopTimer()
	one := fit(1)
	b.StartTimer()
	all := fit(b.N + 1)
	b.StopTimer()
	b.ReportMetric(float64((all-one).Milliseconds())/float64(b.N), "ms/step")
	b.ReportMetric(one.Seconds(), "s/compile+step")
}

const benchClasses, benchT = 292, 20

func BenchmarkGRU4RecStep(b *testing.B) {
	p := DefaultGRU4RecParams()
	enc := encoding{historyLen: benchT}
	benchStep(b, enc, gru4recModel(p, enc, benchClasses), benchClasses, p.BatchSize)
}

func BenchmarkSASRecStep(b *testing.B) {
	p := DefaultSASRecParams()
	enc := encoding{historyLen: benchT}
	benchStep(b, enc, sasrecModel(p, enc, benchClasses), benchClasses, p.BatchSize)
}

func BenchmarkBERT4RecStep(b *testing.B) {
	p := DefaultBERT4RecParams()
	enc := encoding{historyLen: benchT, appendMask: true, maskID: benchClasses + 1}
	benchStep(b, enc, bert4recModel(p, enc, benchClasses), benchClasses, p.BatchSize)
}
