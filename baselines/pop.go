package baselines

import (
	"fmt"
	"time"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/method"
)

// PopParams configures pop; it has no options (the struct exists so that the runner can decode an
// empty params section strictly).
type PopParams struct{}

// Build implements method.Params.
func (p *PopParams) Build(map[string]any) (method.Method, error) { return Pop{}, nil }

// Pop scores every behavior by its number of training targets, the same for every test sample.
type Pop struct{}

// Run implements method.Method.
func (Pop) Run(env method.Env, task *datasets.Task) (*method.Output, error) {
	start := time.Now()
	if err := checkTask(task); err != nil {
		return nil, fmt.Errorf("pop: %w", err)
	}
	row := popScores(task)
	scores := make([][]float32, len(task.Test))
	for i := range scores {
		scores[i] = append([]float32(nil), row...)
	}
	return &method.Output{
		TestScores: scores,
		Stages:     []method.Stage{{Name: "count", Seconds: time.Since(start).Seconds()}},
	}, nil
}

// popScores returns the training-target count of every class.
func popScores(task *datasets.Task) []float32 {
	row := make([]float32, task.NumClasses())
	for _, s := range task.Train {
		row[s.Target]++
	}
	return row
}

// checkTask reports tasks the models cannot use.
func checkTask(task *datasets.Task) error {
	if task == nil {
		return fmt.Errorf("nil task")
	}
	c := task.NumClasses()
	if c == 0 || len(task.Train) == 0 {
		return fmt.Errorf("task %s has %d classes and %d training samples", task.Dataset, c, len(task.Train))
	}
	for _, part := range []struct {
		name    string
		samples []datasets.Sample
	}{{"train", task.Train}, {"valid", task.Valid}, {"test", task.Test}} {
		for i, s := range part.samples {
			if s.Target < 0 || int(s.Target) >= c {
				return fmt.Errorf("%s sample %d: target %d outside [0,%d)", part.name, i, s.Target, c)
			}
			for _, st := range s.History {
				if st.Behavior < 0 || int(st.Behavior) >= c {
					return fmt.Errorf("%s sample %d: history behavior %d outside [0,%d)", part.name, i, st.Behavior, c)
				}
			}
		}
	}
	return nil
}
