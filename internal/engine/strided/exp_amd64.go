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
