package train

import (
	"math/rand/v2"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// epochOrder returns the example order of one epoch: a permutation of the n training examples,
// or with resample n class-balanced draws (byClass lists each class's example indices).
func epochOrder(rng *rand.Rand, n int, resample bool, byClass [][]int) []int {
	if !resample {
		return rng.Perm(n)
	}
	var present [][]int
	for _, idx := range byClass {
		if len(idx) > 0 {
			present = append(present, idx)
		}
	}
	order := make([]int, n)
	for i := range order {
		idx := present[rng.IntN(len(present))]
		order[i] = idx[rng.IntN(len(idx))]
	}
	return order
}

// padIndices returns idx padded to size by repeating its first index.
func padIndices(idx []int, size int) []int {
	if len(idx) == size {
		return idx
	}
	out := make([]int, size)
	copy(out, idx)
	for i := len(idx); i < size; i++ {
		out[i] = idx[0]
	}
	return out
}

// batchTensors returns one tensor [len(idx), shape...] per array of in, holding the examples idx.
func batchTensors(in Inputs, idx []int) []any {
	sub := in.Subset(idx)
	out := make([]any, len(sub.Arrays))
	for i, a := range sub.Arrays {
		out[i] = tensors.FromFlatDataAndDimensions(a.Data, append([]int{sub.N}, a.Shape...)...)
	}
	return out
}
