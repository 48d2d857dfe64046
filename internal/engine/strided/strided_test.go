package strided

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// at returns the flat offset of multi-index idx under strides.
func at(idx, strides []int) int {
	o := 0
	for a, i := range idx {
		o += i * strides[a]
	}
	return o
}

// each calls f with every multi-index of dims in row-major order.
func each(dims []int, f func(idx []int)) {
	idx := make([]int, len(dims))
	for range size(dims) {
		f(idx)
		for a := len(dims) - 1; a >= 0; a-- {
			idx[a]++
			if idx[a] < dims[a] {
				break
			}
			idx[a] = 0
		}
	}
}

func random(rng *rand.Rand, n int) []float32 {
	d := make([]float32, n)
	for i := range d {
		d[i] = float32(rng.IntN(2000)-1000) / 64
	}
	return d
}

// broadcastFrom returns operand dimensions for to with a random subset of axes set to 1.
func broadcastFrom(rng *rand.Rand, to []int) []int {
	from := slices.Clone(to)
	for a := range from {
		if rng.IntN(2) == 0 {
			from[a] = 1
		}
	}
	return from
}

var shapes = [][]int{{1}, {7}, {3, 5}, {4, 1, 6}, {2, 3, 4, 5}, {1, 1}, {5, 2, 1, 3, 2}, {64, 20, 2}, {2, 20, 20}}

func TestBinaryMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, dims := range shapes {
		for trial := range 6 {
			ad, bd := broadcastFrom(rng, dims), broadcastFrom(rng, dims)
			if trial == 0 {
				ad = dims
			}
			a, b := random(rng, size(ad)), random(rng, size(bd))
			as, bs := Broadcasting(ad, dims), Broadcasting(bd, dims)
			for op := Add; op <= Min; op++ {
				got := make([]float32, size(dims))
				Binary(op, got, dims, a, as, b, bs)
				want := make([]float32, 0, size(dims))
				each(dims, func(idx []int) { want = append(want, apply(op, a[at(idx, as)], b[at(idx, bs)])) })
				if !slices.Equal(got, want) {
					t.Errorf("op %d, dims %v, a %v, b %v: got %v, want %v", op, dims, ad, bd, got, want)
				}
			}
		}
	}
}

func TestBinaryInPlace(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	dims := []int{3, 4, 5}
	a, b := random(rng, 60), random(rng, 5)
	want := make([]float32, 60)
	Binary(Sub, want, dims, a, RowMajor(dims), b, Broadcasting([]int{1, 1, 5}, dims))
	Binary(Sub, a, dims, a, RowMajor(dims), b, Broadcasting([]int{1, 1, 5}, dims))
	if !slices.Equal(a, want) {
		t.Errorf("in place: %v, want %v", a, want)
	}
}

func TestCopyMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, dims := range shapes {
		// Broadcast.
		from := broadcastFrom(rng, dims)
		in := random(rng, size(from))
		checkCopy(t, fmt.Sprintf("broadcast %v -> %v", from, dims), dims, in, Broadcasting(from, dims))
		// Transpose: out axis a reads in axis perm[a].
		perm := rng.Perm(len(dims))
		inDims := make([]int, len(dims))
		for a, p := range perm {
			inDims[p] = dims[a]
		}
		in = random(rng, size(inDims))
		rm := RowMajor(inDims)
		strides := make([]int, len(dims))
		for a, p := range perm {
			strides[a] = rm[p]
		}
		checkCopy(t, fmt.Sprintf("transpose %v perm %v", inDims, perm), dims, in, strides)
	}
}

func checkCopy(t *testing.T, what string, dims []int, in []float32, strides []int) {
	t.Helper()
	got := make([]float32, size(dims))
	Copy(got, dims, in, strides)
	want := make([]float32, 0, len(got))
	each(dims, func(idx []int) { want = append(want, in[at(idx, strides)]) })
	if !slices.Equal(got, want) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

func TestReduceMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, dims := range shapes {
		for trial := range 4 {
			var reduced []int
			for a := range dims {
				if rng.IntN(2) == 0 || (trial == 0 && a == len(dims)-1) {
					reduced = append(reduced, a)
				}
			}
			var outDims []int
			for a, d := range dims {
				if !slices.Contains(reduced, a) {
					outDims = append(outDims, d)
				}
			}
			rm := RowMajor(outDims)
			outStrides := make([]int, len(dims))
			k := 0
			for a := range dims {
				if !slices.Contains(reduced, a) {
					outStrides[a] = rm[k]
					k++
				}
			}
			in := make([]float32, size(dims))
			for i := range in {
				in[i] = rng.Float32()*2 - 1 // not exactly representable sums: order matters
			}
			for _, op := range []ReduceOp{ReduceSum, ReduceMax} {
				got := make([]float32, size(outDims))
				Reduce(op, got, in, dims, outStrides)
				want := make([]float32, size(outDims))
				for i := range want {
					if op == ReduceMax {
						want[i] = float32(math.Inf(-1))
					}
				}
				i := 0
				each(dims, func(idx []int) {
					o := at(idx, outStrides)
					if op == ReduceSum {
						want[o] += in[i]
					} else {
						want[o] = max(want[o], in[i])
					}
					i++
				})
				if !slices.Equal(got, want) {
					t.Errorf("op %d, dims %v, reduce %v: got %v, want %v (must be bit-identical)", op, dims, reduced, got, want)
				}
			}
		}
	}
}

func TestReduceMaxPropagatesNaN(t *testing.T) {
	got := make([]float32, 1)
	Reduce(ReduceMax, got, []float32{1, float32(math.NaN()), 3}, []int{3}, []int{0})
	if !math.IsNaN(float64(got[0])) {
		t.Errorf("max with NaN = %v, want NaN", got[0])
	}
}

func TestCollapse(t *testing.T) {
	dims, s := collapse([]int{2, 3, 1, 4}, RowMajor([]int{2, 3, 1, 4}), []int{0, 4, 0, 1})
	if fmt.Sprint(dims, s) != "[2 12] [[12 1] [0 1]]" {
		t.Errorf("collapse = %v %v", dims, s)
	}
	dims, s = collapse([]int{1, 1}, []int{1, 1})
	if fmt.Sprint(dims, s) != "[1] [[0]]" {
		t.Errorf("collapse(all unit) = %v %v", dims, s)
	}
}

func TestForRangeCoversEveryElementOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	dims := []int{3, 4, 5}
	strides := [][]int{RowMajor(dims), {0, 1, 4}}
	for range 50 {
		lo := rng.IntN(61)
		hi := lo + rng.IntN(61-lo)
		var got [][2]int
		forRange(dims, strides, lo, hi, func(offs []int, n int) {
			for i := range n {
				got = append(got, [2]int{offs[0] + i, offs[1] + i*strides[1][2]})
			}
		})
		var want [][2]int
		e := 0
		each(dims, func(idx []int) {
			if e >= lo && e < hi {
				want = append(want, [2]int{at(idx, strides[0]), at(idx, strides[1])})
			}
			e++
		})
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("range [%d,%d): got %v, want %v", lo, hi, got, want)
		}
	}
}

// TestParallelPathsMatchNaive runs sizes large enough to be split across goroutines.
func TestParallelPathsMatchNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, dims := range [][]int{{1 << 17}, {3, 40000}, {40000, 3}, {7, 100, 130}} {
		from := broadcastFrom(rng, dims)
		a, b := random(rng, size(dims)), random(rng, size(from))
		bs := Broadcasting(from, dims)
		got := make([]float32, size(dims))
		Binary(Mul, got, dims, a, RowMajor(dims), b, bs)
		i := 0
		each(dims, func(idx []int) {
			if w := a[i] * b[at(idx, bs)]; got[i] != w {
				t.Fatalf("dims %v: element %d = %v, want %v", dims, i, got[i], w)
			}
			i++
		})
		checkCopy(t, fmt.Sprintf("broadcast %v -> %v", from, dims), dims, b, bs)
		// Reduce over the last axis and over the first.
		for _, reduced := range [][]int{{len(dims) - 1}, {0}} {
			var outDims []int
			for ax, d := range dims {
				if !slices.Contains(reduced, ax) {
					outDims = append(outDims, d)
				}
			}
			rm := RowMajor(outDims)
			outStrides := make([]int, len(dims))
			k := 0
			for ax := range dims {
				if !slices.Contains(reduced, ax) {
					outStrides[ax] = rm[k]
					k++
				}
			}
			got := make([]float32, size(outDims))
			Reduce(ReduceSum, got, a, dims, outStrides)
			want := make([]float32, size(outDims))
			i := 0
			each(dims, func(idx []int) { want[at(idx, outStrides)] += a[i]; i++ })
			if !slices.Equal(got, want) {
				t.Errorf("dims %v reduce %v: sums differ from the sequential ones", dims, reduced)
			}
		}
	}
}

// TestBinaryVectorKernelsMatchGo checks the vector kernels against Go's operators, including NaN,
// infinities and signed zeros, in all three layouts (vector-vector, vector-scalar, scalar-vector).
func TestBinaryVectorKernelsMatchGo(t *testing.T) {
	// 37: 32 values by the vector kernels (AVX-512: one 32-value step; AVX2: two 16-value steps),
	// 5 by Go; 117: 96 by AVX-512 (if any) then 16 by AVX2, 5 by Go.
	for _, n := range []int{37, 117} {
		checkBinaryKernels(t, n)
	}
}

// checkBinaryKernels checks binaryVV, VS and SV on every pair of special values against Go's
// arithmetic, bit for bit, in chunks of n values.
func checkBinaryKernels(t *testing.T, n int) {
	t.Helper()
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, nan, inf, -inf, 1e-40, 3.5, -2.25}
	var xs, ys []float32
	for i := range special {
		for j := range special {
			xs, ys = append(xs, special[i]), append(ys, special[j])
		}
	}
	for len(xs)%n != 0 {
		xs, ys = append(xs, 1.5), append(ys, -0.5)
	}
	same := func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b) }
	for op := Add; op <= Min; op++ {
		for off := 0; off < len(xs); off += n {
			x, y := xs[off:off+n], ys[off:off+n]
			dst := make([]float32, n)
			binaryVV(op, dst, x, y)
			for i := range dst {
				if want := apply(op, x[i], y[i]); !same(dst[i], want) {
					t.Errorf("op %d VV: %v, %v -> %v, want %v", op, x[i], y[i], dst[i], want)
				}
			}
			binaryVS(op, dst, x, y[0])
			for i := range dst {
				if want := apply(op, x[i], y[0]); !same(dst[i], want) {
					t.Errorf("op %d VS: %v, %v -> %v, want %v", op, x[i], y[0], dst[i], want)
				}
			}
			binarySV(op, dst, x[0], y)
			for i := range dst {
				if want := apply(op, x[0], y[i]); !same(dst[i], want) {
					t.Errorf("op %d SV: %v, %v -> %v, want %v", op, x[0], y[i], dst[i], want)
				}
			}
		}
	}
}

func TestFill(t *testing.T) {
	for _, n := range []int{0, 1, 15, 16, 17, 100, 1000} {
		d := make([]int32, n)
		fill(d, 7)
		for i, v := range d {
			if v != 7 {
				t.Fatalf("fill(%d): element %d = %d", n, i, v)
			}
		}
	}
}

func TestGatherRowsClamps(t *testing.T) {
	table := []float32{0, 1, 10, 11, 20, 21}
	dst := make([]float32, 8)
	GatherRows(dst, table, 2, []int32{2, -5, 1, 9})
	if want := []float32{20, 21, 0, 1, 10, 11, 20, 21}; !slices.Equal(dst, want) {
		t.Errorf("GatherRows = %v, want %v", dst, want)
	}
}
