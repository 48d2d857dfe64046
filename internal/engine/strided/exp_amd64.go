//go:build amd64 && !purego

package strided

import "golang.org/x/sys/cpu"

// expAVX2 sets dst[i] = exp(src[i]) for i < n (a multiple of 8) with the method of exp32
// (exp_amd64.s).
//
//go:noescape
func expAVX2(dst, src *float32, n int)

var hasExpAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// expRow sets dst[i] = exp(src[i]).
func expRow(dst, src []float32) {
	src = src[:len(dst)]
	n := 0
	if hasExpAVX2 {
		n = len(dst) &^ 7
		if n > 0 {
			expAVX2(&dst[0], &src[0], n)
		}
	}
	for i := n; i < len(dst); i++ {
		dst[i] = exp32(src[i])
	}
}

// logisticCombineAVX2 and tanhCombineAVX2 finish Logistic and Tanh from e = exp(-|x|) and
// s = exp(-2|x|) (act_amd64.s) for n a multiple of 8.
//
//go:noescape
func logisticCombineAVX2(dst, x, e *float32, n int)

//go:noescape
func tanhCombineAVX2(dst, x, s *float32, n int)

// logisticCombine sets dst[i] = logistic(x[i]) from e[i] = exp(-|x[i]|).
func logisticCombine(dst, x, e []float32) {
	x, e = x[:len(dst)], e[:len(dst)]
	n := 0
	if hasExpAVX2 {
		n = len(dst) &^ 7
		if n > 0 {
			logisticCombineAVX2(&dst[0], &x[0], &e[0], n)
		}
	}
	for i := n; i < len(dst); i++ {
		dst[i] = logisticCombine32(x[i], e[i])
	}
}

// tanhCombine sets dst[i] = tanh(x[i]) from s[i] = exp(-2|x[i]|).
func tanhCombine(dst, x, s []float32) {
	x, s = x[:len(dst)], s[:len(dst)]
	n := 0
	if hasExpAVX2 {
		n = len(dst) &^ 7
		if n > 0 {
			tanhCombineAVX2(&dst[0], &x[0], &s[0], n)
		}
	}
	for i := n; i < len(dst); i++ {
		dst[i] = tanhCombine32(x[i], s[i])
	}
}

// expAVX512, logisticAVX512 and tanhAVX512 (act512_amd64.s) set dst[i] to exp, logistic and
// tanh of src[i] for i < n (a multiple of 16) in one pass, with the same operations per value as
// the AVX2 path, so the results are bit-identical to it.
//
//go:noescape
func expAVX512(dst, src *float32, n int)

//go:noescape
func logisticAVX512(dst, src *float32, n int)

//go:noescape
func tanhAVX512(dst, src *float32, n int)

// useAVX512 selects the AVX-512 kernels of Exp, Logistic and Tanh. It is a variable so that the
// tests can run the AVX2 and scalar paths on an AVX-512 CPU too.
var useAVX512 = hasExpAVX2 && cpu.X86.HasAVX512F

// act512 applies the AVX-512 kernel f to the longest prefix of src whose length is a multiple of
// 16 and returns that length (0 without AVX-512).
func act512(f func(dst, src *float32, n int), dst, src []float32) int {
	n := len(dst) &^ 15
	if !useAVX512 || n == 0 {
		return 0
	}
	f(&dst[0], &src[0], n)
	return n
}

func exp512(dst, src []float32) int      { return act512(expAVX512, dst, src) }
func logistic512(dst, src []float32) int { return act512(logisticAVX512, dst, src) }
func tanh512(dst, src []float32) int     { return act512(tanhAVX512, dst, src) }
