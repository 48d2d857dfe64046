// Package strided holds fast loops for the data-movement and elementwise ops that dominate small
// models on the pure-Go backend: binary ops with broadcasting, BroadcastInDim, Transpose,
// reductions, and the transcendental functions of activations (Erf, Exp, Logistic). Each
// strided op is described by dimensions and per-operand strides (0 for a broadcast axis); axes
// are collapsed where the layout allows and the work is done row by row (copy, fill or a tight
// loop, AVX2 assembly on amd64) rather than element by element through a multi-axis iterator.
// Tensors of 64K values or more are split across up to GOMAXPROCS goroutines.
//
// Binary ops, copies and reductions are bit-identical to a plain element-by-element evaluation
// in row-major order (sums are accumulated in the same order, whatever the number of
// goroutines). Erf, Exp and Logistic are float32 approximations within about an ulp.
package strided

import (
	"runtime"
	"sync"
)

// RowMajor returns the row-major strides of dims.
func RowMajor(dims []int) []int {
	s := make([]int, len(dims))
	stride := 1
	for a := len(dims) - 1; a >= 0; a-- {
		s[a] = stride
		stride *= dims[a]
	}
	return s
}

// Broadcasting returns the strides with which an operand of dimensions from (same rank as to,
// each dimension 1 or equal to to's) is read when broadcast to dimensions to: 0 on the axes it is
// broadcast along.
func Broadcasting(from, to []int) []int {
	s := RowMajor(from)
	for a := range s {
		if from[a] != to[a] {
			s[a] = 0
		}
	}
	return s
}

func size(dims []int) int {
	n := 1
	for _, d := range dims {
		n *= d
	}
	return n
}

// collapse drops unit axes and merges adjacent axes that every operand traverses contiguously
// (stride[a] == stride[a+1]·dims[a+1]). It returns the new dimensions and strides; a rank-0
// result is returned as one axis of size 1.
func collapse(dims []int, strides ...[]int) ([]int, [][]int) {
	outDims := make([]int, 0, len(dims))
	outStrides := make([][]int, len(strides))
	for a, d := range dims {
		if d == 1 {
			continue
		}
		last := len(outDims) - 1
		merge := last >= 0
		for k := range strides {
			if merge && outStrides[k][last] != strides[k][a]*d {
				merge = false
			}
		}
		if merge {
			outDims[last] *= d
			for k := range strides {
				outStrides[k][last] = strides[k][a]
			}
			continue
		}
		outDims = append(outDims, d)
		for k := range strides {
			outStrides[k] = append(outStrides[k], strides[k][a])
		}
	}
	if len(outDims) == 0 {
		outDims = append(outDims, 1)
		for k := range strides {
			outStrides[k] = append(outStrides[k], 0)
		}
	}
	return outDims, outStrides
}

// forRange calls row for the elements [lo, hi) of the row-major traversal of dims, one call per
// (part of an) innermost row, in order: offs holds the offset of the call's first element in each
// operand (the slice is reused between calls) and n the number of elements; inner strides are
// strides[k][len(dims)-1].
func forRange(dims []int, strides [][]int, lo, hi int, row func(offs []int, n int)) {
	rank := len(dims)
	last := rank - 1
	idx := make([]int, rank)
	offs := make([]int, len(strides))
	rem := lo
	for a := last; a >= 0; a-- {
		idx[a] = rem % dims[a]
		rem /= dims[a]
		for k := range strides {
			offs[k] += idx[a] * strides[k][a]
		}
	}
	for e := lo; e < hi; {
		j := idx[last]
		n := min(dims[last]-j, hi-e)
		row(offs, n)
		e += n
		if e >= hi {
			return
		}
		// The row is done: rewind to its start and advance the outer axes.
		for k := range strides {
			offs[k] -= j * strides[k][last]
		}
		idx[last] = 0
		for a := last - 1; a >= 0; a-- {
			idx[a]++
			for k := range strides {
				offs[k] += strides[k][a]
			}
			if idx[a] < dims[a] {
				break
			}
			for k := range strides {
				offs[k] -= strides[k][a] * dims[a]
			}
			idx[a] = 0
		}
	}
}

// Parallelism: operations on at least minParallel elements are split into contiguous ranges of
// at least minChunk elements, one goroutine each, up to GOMAXPROCS.
const (
	minParallel = 1 << 16
	minChunk    = 1 << 15
)

// parallel runs body on a partition of [0, total) into contiguous ranges whose boundaries are
// multiples of align (align >= 1), on up to GOMAXPROCS goroutines when total is large enough.
func parallel(total, align int, body func(lo, hi int)) {
	workers := 1
	if total >= minParallel {
		workers = min(runtime.GOMAXPROCS(0), total/minChunk, total/align)
	}
	if workers <= 1 {
		body(0, total)
		return
	}
	units := total / align
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*units/workers*align, (w+1)*units/workers*align
		if w == workers-1 {
			hi = total
		}
		wg.Go(func() { body(lo, hi) })
	}
	wg.Wait()
}

// Copy sets out (row-major with dimensions dims) to in read with strides inStrides (one per axis
// of dims; 0 repeats along that axis): it implements BroadcastInDim and Transpose.
func Copy[T any](out []T, dims []int, in []T, inStrides []int) {
	d, s := collapse(dims, RowMajor(dims), inStrides)
	is := s[1][len(d)-1]
	parallel(size(d), 1, func(lo, hi int) {
		forRange(d, s, lo, hi, func(offs []int, n int) { copyRow(out[offs[0]:offs[0]+n], in, offs[1], is) })
	})
}

// copyRow sets dst[i] = in[off+i*stride].
func copyRow[T any](dst, in []T, off, stride int) {
	switch stride {
	case 1:
		copy(dst, in[off:off+len(dst)])
	case 0:
		fill(dst, in[off])
	default:
		src := in[off:]
		for i := range dst {
			dst[i] = src[i*stride]
		}
	}
}

// ReduceOp selects the reduction of Reduce.
type ReduceOp int

// Reductions.
const (
	ReduceSum ReduceOp = iota
	ReduceMax
)

// Reduce reduces in (row-major with dimensions dims) into out: element i of in goes to
// out[Σ idx·outStrides], where outStrides is 0 on the reduced axes and the output's row-major
// strides on the kept ones. Sums start at 0 and maxima at -Inf (max propagates NaN) and are
// accumulated in row-major order of in, like a plain loop.
func Reduce(op ReduceOp, out, in []float32, dims, outStrides []int) {
	init := float32(0)
	if op == ReduceMax {
		init = float32(negInf())
	}
	for i := range out {
		out[i] = init
	}
	d, s := collapse(dims, RowMajor(dims), outStrides)
	os := s[1][len(d)-1]
	body := func(lo, hi int) {
		forRange(d, s, lo, hi, func(offs []int, n int) { reduceRow(op, out, in[offs[0]:offs[0]+n], offs[1], os) })
	}
	if s[1][0] == 0 || len(d) == 1 {
		// The outermost axis is reduced: every range may add to every output; one goroutine.
		body(0, size(d))
		return
	}
	// Ranges aligned to the outermost (kept) axis write disjoint outputs, each in the same order.
	parallel(size(d), size(d[1:]), body)
}

// reduceRow adds (or max-es) the values src into out: all into out[off] when os == 0, else into
// out[off+i] (os == 1).
func reduceRow(op ReduceOp, out, src []float32, off, os int) {
	if os == 0 {
		acc := out[off]
		if op == ReduceSum {
			for _, v := range src {
				acc += v
			}
		} else {
			for _, v := range src {
				acc = max(acc, v)
			}
		}
		out[off] = acc
		return
	}
	dst := out[off : off+len(src)]
	if op == ReduceSum {
		for i, v := range src {
			dst[i] += v
		}
	} else {
		for i, v := range src {
			dst[i] = max(dst[i], v)
		}
	}
}

// fill sets every element of dst to v: a few by hand, then by doubling copies (memmove speed).
func fill[T any](dst []T, v T) {
	if len(dst) == 0 {
		return
	}
	n := min(len(dst), 16)
	for i := range n {
		dst[i] = v
	}
	for n < len(dst) {
		n += copy(dst[n:], dst[:n])
	}
}

func negInf() float64 {
	var zero float64
	return -1 / zero
}

// GatherRows sets row i of dst (rows of dim values) to row idx[i] of table, with idx clamped to
// the table's rows.
func GatherRows[T any](dst, table []T, dim int, idx []int32) {
	last := len(table)/dim - 1
	for i, r := range idx {
		r := min(max(int(r), 0), last)
		copy(dst[i*dim:(i+1)*dim], table[r*dim:(r+1)*dim])
	}
}
