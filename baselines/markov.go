package baselines

import (
	"fmt"
	"time"

	"github.com/behaviorlm/harness/datasets"
	"github.com/behaviorlm/harness/internal/method"
)

// MarkovParams configures markov.
type MarkovParams struct {
	// Smoothing is the weight λ of the popularity prior (see Markov) [1]. λ = 0 ranks by transition
	// counts alone, ties (and unseen previous behaviors) broken by popularity.
	Smoothing float64 `yaml:"smoothing"`
}

// DefaultMarkovParams returns markov's defaults.
func DefaultMarkovParams() *MarkovParams { return &MarkovParams{Smoothing: 1} }

// Build implements method.Params.
func (p *MarkovParams) Build(map[string]any) (method.Method, error) {
	var err error
	if p.Smoothing < 0 {
		err = fmt.Errorf("smoothing: must be >= 0, got %g", p.Smoothing)
	}
	return built("markov", err, Markov{Params: *p})
}

// Markov is a first-order transition model. From the training samples it counts n(a, c), how often
// target c followed the last history behavior a, and n(c), how often c was a target. The score of
// c for a sample whose last history behavior is a is the Dirichlet-smoothed transition probability
//
//	P(c | a) = (n(a, c) + λ·P_pop(c)) / (n(a) + λ),   P_pop(c) = n(c) / N,
//
// with n(a) = Σ_c n(a, c) and N the number of training samples (add-λ smoothing towards the
// popularity distribution instead of towards uniform). A behavior never seen as a last history
// behavior (n(a) = 0), and a sample without history, back off to P_pop. With λ > 0 behaviors of
// equal transition count are ordered by popularity; with λ = 0 (maximum likelihood) they tie and
// the shared evaluation breaks the tie by class id.
type Markov struct {
	Params MarkovParams
}

// Run implements method.Method.
func (m Markov) Run(env method.Env, task *datasets.Task) (*method.Output, error) {
	start := time.Now()
	if err := checkTask(task); err != nil {
		return nil, fmt.Errorf("markov: %w", err)
	}
	if m.Params.Smoothing < 0 {
		return nil, fmt.Errorf("markov: smoothing must be >= 0, got %g", m.Params.Smoothing)
	}
	tm := newTransitions(task)
	scores := make([][]float32, len(task.Test))
	for i, s := range task.Test {
		scores[i] = tm.scores(lastBehavior(s), m.Params.Smoothing)
	}
	return &method.Output{
		TestScores: scores,
		Stages:     []method.Stage{{Name: "count", Seconds: time.Since(start).Seconds()}},
	}, nil
}

// transitions holds the counts of a first-order Markov model.
type transitions struct {
	pop    []float64   // P_pop(c)
	counts [][]float64 // counts[a][c] = n(a, c); nil row when n(a) = 0
	totals []float64   // n(a)
}

func newTransitions(task *datasets.Task) *transitions {
	c := task.NumClasses()
	t := &transitions{pop: make([]float64, c), counts: make([][]float64, c), totals: make([]float64, c)}
	for _, s := range task.Train {
		t.pop[s.Target]++
		a := lastBehavior(s)
		if a < 0 {
			continue
		}
		if t.counts[a] == nil {
			t.counts[a] = make([]float64, c)
		}
		t.counts[a][s.Target]++
		t.totals[a]++
	}
	for i := range t.pop {
		t.pop[i] /= float64(len(task.Train))
	}
	return t
}

// scores returns P(c | a) for every class c; a < 0 means no history.
func (t *transitions) scores(a int32, lambda float64) []float32 {
	row := make([]float32, len(t.pop))
	var counts []float64
	total := 0.0
	if a >= 0 {
		counts, total = t.counts[a], t.totals[a]
	}
	for c, p := range t.pop {
		n := 0.0
		if counts != nil {
			n = counts[c]
		}
		v := p
		if total > 0 {
			v = (n + lambda*p) / (total + lambda)
		}
		row[c] = float32(v)
	}
	return row
}

// lastBehavior returns the behavior of the last history step, or -1 for an empty history.
func lastBehavior(s datasets.Sample) int32 {
	if len(s.History) == 0 {
		return -1
	}
	return s.History[len(s.History)-1].Behavior
}
