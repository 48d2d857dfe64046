package experiments

import (
	"testing"

	"github.com/behaviorlm/harness/baselines"
	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/engine"
	"github.com/behaviorlm/harness/internal/method"
	"github.com/behaviorlm/harness/internal/metrics"
)

func TestZZBase(t *testing.T) {
	b, _ := engine.New("")
	for _, ds := range []string{"nyc", "geolife"} {
		log, _ := datasets.Load(datasets.Spec{Loader: ds})
		task, _ := datasets.BuildTask(log, datasets.DefaultSampleConfig(), 5, 1)
		c := *task
		c.Test = task.Valid
		for _, k := range []string{"pop", "markov", "sasrec"} {
			f := baselines.Factories()[k]
			m, err := f.New(f.Params(), nil)
			if err != nil {
				t.Fatal(err)
			}
			out, err := m.Run(method.Env{Backend: b, Seed: 1}, &c)
			if err != nil {
				t.Fatal(err)
			}
			rep, _ := metrics.Evaluate(out.TestScores, datasets.Targets(c.Test), c.Anchor)
			t.Logf("%s %s valid: acc %.4f wf1 %.4f | anchor %.4f %.4f | tail %.4f %.4f", ds, k, rep.Overall.Accuracy, rep.Overall.WeightedF1, rep.Anchor.Accuracy, rep.Anchor.WeightedF1, rep.Tail.Accuracy, rep.Tail.WeightedF1)
		}
	}
}
