package experiments

import (
	"reflect"
	"sort"
	"testing"
)

// Hand-made pool: class 0 has 6 samples, class 1 has 2, class 2 has 4 (classes 3 absent).
var (
	selLabels     = []int32{0, 1, 0, 2, 0, 2, 0, 1, 0, 2, 0, 2}
	selDifficulty = []float64{0.5, 9, 3.0, 1.0, 0.1, 4.0, 2.0, 9, 3.0, 0.2, 0.9, 2.5}
)

func countByClass(idx []int, labels []int32) map[int32]int {
	c := map[int32]int{}
	for _, i := range idx {
		c[labels[i]]++
	}
	return c
}

func TestSelectBalancedCounts(t *testing.T) {
	for _, rule := range []string{SelectHard, SelectEasy, SelectRandom, SelectMixed} {
		for _, m := range []int{1, 3, 5, 10} {
			got, err := SelectBalanced(selLabels, selDifficulty, 4, m, rule, 1)
			if err != nil {
				t.Fatal(err)
			}
			want := map[int32]int{0: min(m, 6), 1: min(m, 2), 2: min(m, 4)}
			if c := countByClass(got, selLabels); !reflect.DeepEqual(c, want) {
				t.Errorf("%s m=%d: per-class counts %v, want %v", rule, m, c, want)
			}
			if !sort.IntsAreSorted(got) {
				t.Errorf("%s m=%d: indices not sorted: %v", rule, m, got)
			}
			seen := map[int]bool{}
			for _, i := range got {
				if seen[i] {
					t.Errorf("%s m=%d: index %d repeated", rule, m, i)
				}
				seen[i] = true
			}
		}
	}
}

func TestSelectBalancedHardEasy(t *testing.T) {
	hard, err := SelectBalanced(selLabels, selDifficulty, 3, 3, SelectHard, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Class 0 difficulties: i0 .5, i2 3, i4 .1, i6 2, i8 3, i10 .9 -> hardest 3: i2, i8 (tie, lower
	// index first), i6. Class 1: both. Class 2: i3 1, i5 4, i9 .2, i11 2.5 -> i5, i11, i3.
	if want := []int{1, 2, 3, 5, 6, 7, 8, 11}; !reflect.DeepEqual(hard, want) {
		t.Errorf("hard = %v, want %v", hard, want)
	}
	easy, err := SelectBalanced(selLabels, selDifficulty, 3, 3, SelectEasy, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Class 0 easiest: i4 .1, i0 .5, i10 .9; class 2: i9 .2, i3 1, i11 2.5.
	if want := []int{0, 1, 3, 4, 7, 9, 10, 11}; !reflect.DeepEqual(easy, want) {
		t.Errorf("easy = %v, want %v", easy, want)
	}
	// Ties: with equal difficulties, hard keeps the lowest indices.
	tie, _ := SelectBalanced([]int32{0, 0, 0, 0}, []float64{1, 1, 1, 1}, 1, 2, SelectHard, 1)
	if want := []int{0, 1}; !reflect.DeepEqual(tie, want) {
		t.Errorf("tie = %v, want %v", tie, want)
	}
}

func TestSelectBalancedRandomAndMixed(t *testing.T) {
	r1, _ := SelectBalanced(selLabels, nil, 3, 3, SelectRandom, 1)
	r2, _ := SelectBalanced(selLabels, nil, 3, 3, SelectRandom, 1)
	if !reflect.DeepEqual(r1, r2) {
		t.Errorf("random with the same seed: %v vs %v", r1, r2)
	}
	differs := false
	for seed := uint64(2); seed < 12 && !differs; seed++ {
		r, _ := SelectBalanced(selLabels, nil, 3, 3, SelectRandom, seed)
		differs = !reflect.DeepEqual(r, r1)
	}
	if !differs {
		t.Error("random selection ignores the seed")
	}
	// mixed with m=4 on class 0: the 2 hardest (i2, i8) plus 2 of the other 4 at random; class 2
	// hardest two (i5, i11) plus 2 of {i3, i9} = all of class 2.
	for seed := uint64(1); seed < 10; seed++ {
		mixed, err := SelectBalanced(selLabels, selDifficulty, 3, 4, SelectMixed, seed)
		if err != nil {
			t.Fatal(err)
		}
		in := map[int]bool{}
		for _, i := range mixed {
			in[i] = true
		}
		for _, i := range []int{2, 8, 5, 11, 3, 9, 1, 7} {
			if !in[i] {
				t.Errorf("seed %d: mixed %v lacks %d", seed, mixed, i)
			}
		}
		if len(mixed) != 4+2+4 {
			t.Errorf("seed %d: mixed selected %d samples", seed, len(mixed))
		}
	}
}

func TestSelectBalancedErrors(t *testing.T) {
	if _, err := SelectBalanced(selLabels, selDifficulty, 3, 3, "hardest", 1); err == nil {
		t.Error("unknown rule accepted")
	}
	if _, err := SelectBalanced(selLabels, selDifficulty, 3, 0, SelectHard, 1); err == nil {
		t.Error("per_class 0 accepted")
	}
	if _, err := SelectBalanced(selLabels, selDifficulty[:3], 3, 3, SelectHard, 1); err == nil {
		t.Error("short difficulty slice accepted")
	}
	if _, err := SelectBalanced(selLabels, selDifficulty, 2, 3, SelectHard, 1); err == nil {
		t.Error("label outside numClasses accepted")
	}
}
