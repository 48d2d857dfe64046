package experiments

import (
	"fmt"
	"math/rand/v2"
	"sort"

	"github.com/behaviorlm/harness/datasets"
)

// Stage-2 selection rules.
const (
	SelectHard   = "hard"   // highest difficulty first
	SelectEasy   = "easy"   // lowest difficulty first
	SelectRandom = "random" // uniformly at random
	SelectMixed  = "mixed"  // the hardest half, then the rest at random
)

func validRule(rule string) error {
	switch rule {
	case SelectHard, SelectEasy, SelectRandom, SelectMixed:
		return nil
	}
	return fmt.Errorf("want hard, easy, random or mixed, got %q", rule)
}

// SelectBalanced returns the indices (ascending) of a class-balanced subset of samples with the
// given labels: for every class, min(perClass, number of its samples) of its samples, chosen by
// rule. difficulty[i] is the difficulty (loss) of sample i; it is read only for classes with more
// than perClass samples and may be nil for the random rule. Ties in difficulty are broken by the
// lower index. Random choices draw from a generator seeded by seed (the same seed gives the same
// subset). With mixed, ceil(n/2) of a class's n chosen samples are its hardest and the others are
// drawn at random from the rest.
func SelectBalanced(labels []int32, difficulty []float64, numClasses, perClass int, rule string, seed uint64) ([]int, error) {
	if err := validRule(rule); err != nil {
		return nil, err
	}
	if perClass < 1 {
		return nil, fmt.Errorf("per-class count must be >= 1, got %d", perClass)
	}
	if rule != SelectRandom && len(difficulty) != len(labels) {
		return nil, fmt.Errorf("%d difficulties for %d samples", len(difficulty), len(labels))
	}
	for i, l := range labels {
		if l < 0 || int(l) >= numClasses {
			return nil, fmt.Errorf("label %d of sample %d is outside [0,%d)", l, i, numClasses)
		}
	}
	byClass := datasets.IndicesByClass(labels, numClasses)
	rng := rand.New(rand.NewPCG(seed, 0x5e1ec7))
	var out []int
	for _, idx := range byClass {
		if len(idx) <= perClass {
			out = append(out, idx...)
			continue
		}
		byHardness := func() {
			sort.SliceStable(idx, func(a, b int) bool { return difficulty[idx[a]] > difficulty[idx[b]] })
		}
		switch rule {
		case SelectHard:
			byHardness()
			out = append(out, idx[:perClass]...)
		case SelectEasy:
			sort.SliceStable(idx, func(a, b int) bool { return difficulty[idx[a]] < difficulty[idx[b]] })
			out = append(out, idx[:perClass]...)
		case SelectRandom:
			out = append(out, sample(rng, idx, perClass)...)
		case SelectMixed:
			byHardness()
			hard := (perClass + 1) / 2
			out = append(out, idx[:hard]...)
			out = append(out, sample(rng, idx[hard:], perClass-hard)...)
		}
	}
	sort.Ints(out)
	return out, nil
}

// sample returns k elements of idx drawn without replacement (idx is not modified).
func sample(rng *rand.Rand, idx []int, k int) []int {
	c := append([]int(nil), idx...)
	rng.Shuffle(len(c), func(i, j int) { c[i], c[j] = c[j], c[i] })
	return c[:k]
}
