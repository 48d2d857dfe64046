package baselines

import (
	"math"
	"testing"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/method"
)

// handTask is a 4-class task with hand-checkable counts. Training (last history behavior ->
// target): 0->1, 0->1, 0->2, 1->2, 2->1, 3->0 (targets: class 1 x3, class 2 x2, class 0 x1).
func handTask() *datasets.Task {
	s := func(target int32, hist ...int32) datasets.Sample {
		var h []datasets.Step
		for _, b := range hist {
			h = append(h, datasets.Step{Behavior: b})
		}
		return datasets.Sample{History: h, Target: target}
	}
	return &datasets.Task{
		Dataset:   "hand",
		Behaviors: []string{"a", "b", "c", "d"},
		Anchor:    []bool{true, true, true, false},
		Train:     []datasets.Sample{s(1, 3, 0), s(1, 0), s(2, 2, 0), s(2, 1), s(1, 2), s(0, 3)},
		Test:      []datasets.Sample{s(0, 0), s(3, 1, 3), s(1, 0, 2)},
		Config:    datasets.DefaultSampleConfig(),
	}
}

func TestPopCountsTrainingTargets(t *testing.T) {
	out, err := Pop{}.Run(method.Env{}, handTask())
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{1, 3, 2, 0}
	for i, row := range out.TestScores {
		for c, v := range row {
			if v != want[c] {
				t.Fatalf("test sample %d: scores %v, want %v", i, row, want)
			}
		}
	}
}

func TestMarkovHandComputed(t *testing.T) {
	task := handTask()
	// P_pop = [1/6, 3/6, 2/6, 0]. λ = 1.
	// a=0: n(0,·) = [0,2,1,0], n(0) = 3: P = (n + P_pop)/4 = [1/24, 15/24, 8/24, 0].
	// a=3: n(3,·) = [1,0,0,0], n(3) = 1: P = (n + P_pop)/2 = [7/12, 3/12, 2/12, 0].
	// a=2: n(2,·) = [0,1,0,0], n(2) = 1: P = [1/12, 9/12, 2/12, 0].
	want := [][]float64{
		{1.0 / 24, 15.0 / 24, 8.0 / 24, 0},
		{7.0 / 12, 3.0 / 12, 2.0 / 12, 0},
		{1.0 / 12, 9.0 / 12, 2.0 / 12, 0},
	}
	out, err := Markov{Params: MarkovParams{Smoothing: 1}}.Run(method.Env{}, task)
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range out.TestScores {
		for c, v := range row {
			if math.Abs(float64(v)-want[i][c]) > 1e-6 {
				t.Fatalf("test sample %d: scores %v, want %v", i, row, want[i])
			}
		}
	}
	// Maximum likelihood (λ = 0) and back-off: behavior 1 was seen once (->2); a sample whose last
	// behavior never preceded a target backs off to popularity.
	task.Test = []datasets.Sample{
		{History: []datasets.Step{{Behavior: 1}}, Target: 2},
		{History: []datasets.Step{{Behavior: 3}, {Behavior: 3}}, Target: 0},
	}
	out, err = Markov{Params: MarkovParams{Smoothing: 0}}.Run(method.Env{}, task)
	if err != nil {
		t.Fatal(err)
	}
	if got := out.TestScores[0]; got[0] != 0 || got[1] != 0 || got[2] != 1 || got[3] != 0 {
		t.Errorf("λ=0 after behavior 1: %v, want [0 0 1 0]", got)
	}
	if got := out.TestScores[1]; got[0] != 1 || got[1] != 0 {
		t.Errorf("λ=0 after behavior 3: %v, want mass 1 on class 0", got)
	}
	task.Test = []datasets.Sample{{History: nil, Target: 0}}
	out, err = Markov{Params: MarkovParams{Smoothing: 1}}.Run(method.Env{}, task)
	if err != nil {
		t.Fatal(err)
	}
	pop := popScores(task)
	for c := range pop {
		if want := float64(pop[c]) / float64(len(task.Train)); math.Abs(float64(out.TestScores[0][c])-want) > 1e-6 {
			t.Fatalf("empty history: scores %v, want popularity %v / %d", out.TestScores[0], pop, len(task.Train))
		}
	}
}

func TestMarkovUnseenBacksOffToPop(t *testing.T) {
	task := handTask()
	task.Train = task.Train[:5] // behavior 3 now never precedes a target
	task.Test = []datasets.Sample{{History: []datasets.Step{{Behavior: 3}}, Target: 0}}
	out, err := Markov{Params: *DefaultMarkovParams()}.Run(method.Env{}, task)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0, 3.0 / 5, 2.0 / 5, 0}
	for c, v := range out.TestScores[0] {
		if math.Abs(float64(v)-want[c]) > 1e-6 {
			t.Fatalf("unseen previous behavior: %v, want popularity %v", out.TestScores[0], want)
		}
	}
}

func TestCountModelsRejectBadTasks(t *testing.T) {
	task := handTask()
	task.Test[0].Target = 9
	if _, err := (Pop{}).Run(method.Env{}, task); err == nil {
		t.Error("pop accepted a target outside the classes")
	}
	if _, err := (Markov{}).Run(method.Env{}, &datasets.Task{}); err == nil {
		t.Error("markov accepted an empty task")
	}
	if _, err := (Markov{Params: MarkovParams{Smoothing: -1}}).Run(method.Env{}, handTask()); err == nil {
		t.Error("markov accepted a negative smoothing")
	}
}
