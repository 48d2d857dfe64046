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
