package experiments

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/behaviorlm/harness/baselines"
	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/engine"
	"github.com/behaviorlm/harness/internal/method"
	"github.com/behaviorlm/harness/internal/metrics"
	"github.com/behaviorlm/harness/internal/results"
)

// TestRealData measures the LM methods on the shipped data sets at k=5, seed 1. It runs only when
// BEHAVIORLM_REALDATA is set (it takes minutes):
//
//	BEHAVIORLM_REALDATA=1 go test ./experiments -run RealData -v -timeout 60m
//
// Options (environment): BLM_DATASETS (default "nyc,geolife"), BLM_METHODS (default
// "zero-shot,uniform,behaviorlm"), BLM_SPLIT ("test", or "valid" to score the validation set
// instead, for tuning), BLM_CACHE (pretraining cache directory; default a temporary one),
// BLM_BACKBONE / BLM_UNIFORM / BLM_BEHAVIORLM (YAML overrides of the defaults, e.g.
// BLM_BACKBONE='{dim: 96}').
//
// It asserts that every method's accuracy beats predicting the most frequent training target,
// and, with the defaults on the test split, that the metrics equal those committed in
// results/main (experiments.yaml restates these defaults; the runner's own cells must agree bit
// for bit).
func TestRealData(t *testing.T) {
	if os.Getenv("BEHAVIORLM_REALDATA") == "" {
		t.Skip("set BEHAVIORLM_REALDATA=1 to measure on the real data sets")
	}
	backend, err := engine.New("")
	if err != nil {
		t.Fatal(err)
	}
	bb := DefaultBehaviorLMBackbone()
	override(t, "BLM_BACKBONE", bb)
	backbones := map[string]any{"behavior-lm": bb}
	uniform := DefaultFinetuneParams()
	override(t, "BLM_UNIFORM", uniform)
	blm := DefaultBehaviorLMParams()
	override(t, "BLM_BEHAVIORLM", blm)
	params := map[string]any{"zero-shot": DefaultZeroShotParams(), "uniform": uniform, "behaviorlm": blm}
	kinds := map[string]string{"zero-shot": KindZeroShot, "uniform": KindFinetune, "behaviorlm": KindBehaviorLM}
	cache := os.Getenv("BLM_CACHE")
	if cache == "" {
		cache = t.TempDir()
	}
	split := envOr("BLM_SPLIT", "test")
	defaults := split == "test" && os.Getenv("BLM_BACKBONE")+os.Getenv("BLM_UNIFORM")+os.Getenv("BLM_BEHAVIORLM") == ""
	for _, ds := range strings.Split(envOr("BLM_DATASETS", "nyc,geolife"), ",") {
		log, err := datasets.Load(datasets.Spec{Loader: ds})
		if err != nil {
			t.Fatal(err)
		}
		task, err := datasets.BuildTask(log, datasets.DefaultSampleConfig(), 5, 1)
		if err != nil {
			t.Fatal(err)
		}
		if split == "valid" {
			c := *task
			c.Test = task.Valid
			task = &c
		}
		t.Logf("%s: %d classes (%d anchors), train %d, valid %d, scored %s %d", ds, task.NumClasses(), len(task.AnchorClasses()), len(task.Train), len(task.Valid), split, len(task.Test))
		for _, name := range strings.Split(envOr("BLM_METHODS", "zero-shot,uniform,behaviorlm"), ",") {
			m, err := Factories()[kinds[name]].New(params[name], backbones)
			if err != nil {
				t.Fatal(err)
			}
			env := method.Env{Backend: backend, Seed: 1, CacheDir: cache, Logf: func(f string, a ...any) { t.Logf("%s/%s: %s", ds, name, fmt.Sprintf(f, a...)) }}
			start := time.Now()
			out, err := m.Run(env, task)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := metrics.Evaluate(out.TestScores, datasets.Targets(task.Test), task.Anchor)
			if err != nil {
				t.Fatal(err)
			}
			var stages []string
			for _, s := range out.Stages {
				stages = append(stages, fmt.Sprintf("%s %.1fs/%d steps%s", s.Name, s.Seconds, s.Steps, map[bool]string{true: " (cached)"}[s.Cached]))
			}
			t.Logf("RESULT %s %s [%s]: acc %.4f wf1 %.4f | anchor acc %.4f wf1 %.4f | tail acc %.4f wf1 %.4f | %.1fs: %s | info %v", ds, name, split,
				rep.Overall.Accuracy, rep.Overall.WeightedF1, rep.Anchor.Accuracy, rep.Anchor.WeightedF1, rep.Tail.Accuracy, rep.Tail.WeightedF1,
				time.Since(start).Seconds(), strings.Join(stages, ", "), out.Info)
			if pop := popAccuracy(t, env, task); !(rep.Overall.Accuracy > pop) {
				t.Errorf("%s %s: accuracy %.4f does not beat the most frequent behavior's %.4f", ds, name, rep.Overall.Accuracy, pop)
			}
			if defaults {
				path := fmt.Sprintf("../results/main/cells/%s/%s/k5-seed1.json", ds, name)
				stored, err := results.Read(path)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(*stored.Metrics, rep) {
					t.Errorf("%s %s: metrics differ from %s:\n got %+v\nwant %+v", ds, name, path, rep.Overall, stored.Metrics.Overall)
				}
			}
		}
	}
}

// popAccuracy is the test accuracy of the popularity baseline (baselines.Pop) on task.
func popAccuracy(t *testing.T, env method.Env, task *datasets.Task) float64 {
	out, err := baselines.Pop{}.Run(env, task)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := metrics.Evaluate(out.TestScores, datasets.Targets(task.Test), task.Anchor)
	if err != nil {
		t.Fatal(err)
	}
	return rep.Overall.Accuracy
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func override(t *testing.T, key string, into any) {
	if v := os.Getenv(key); v != "" {
		if err := yaml.Unmarshal([]byte(v), into); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
	}
}
