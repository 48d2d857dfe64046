package main

import (
	"fmt"
	"math/rand/v2"

	"github.com/behaviorlm/harness/datasets"
)

// historyLen is the number of history events per sample (the harness default).
const historyLen = 20

// randomSamples returns n samples with random behaviors (of numClasses) and times: full histories
// of historyLen events, the shape of the real data sets' samples.
func randomSamples(rng *rand.Rand, n, numClasses int) []datasets.Sample {
	step := func() datasets.Step {
		return datasets.Step{Behavior: int32(rng.IntN(numClasses)), Weekday: uint8(rng.IntN(7)), Hour: uint8(rng.IntN(24))}
	}
	out := make([]datasets.Sample, n)
	for i := range out {
		s := &out[i]
		s.History = make([]datasets.Step, historyLen)
		for j := range s.History {
			s.History[j] = step()
		}
		s.Next = step()
		s.Target = s.Next.Behavior
	}
	return out
}

// randomTask returns a task of numClasses behaviors with the given numbers of random samples.
func randomTask(numClasses, train, valid, test int) *datasets.Task {
	rng := rand.New(rand.NewPCG(1, 2))
	t := &datasets.Task{Dataset: "bench", Config: datasets.DefaultSampleConfig(), Anchor: make([]bool, numClasses)}
	for c := range numClasses {
		t.Behaviors = append(t.Behaviors, fmt.Sprintf("b%04d", c))
	}
	t.Train = randomSamples(rng, train, numClasses)
	t.Valid = randomSamples(rng, valid, numClasses)
	t.Test = randomSamples(rng, test, numClasses)
	return t
}
