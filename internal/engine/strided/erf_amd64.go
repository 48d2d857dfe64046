//go:build amd64 && !purego

package strided

import "golang.org/x/sys/cpu"

// erfAVX2 sets dst[i] = erf(src[i]) for i < n (a multiple of 4) with the rational approximation
// of erf.go, in float64 (erf_amd64.s).
//
//go:noescape
func erfAVX2(dst, src *float32, n int)

var hasErfAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// erfRow sets dst[i] = erf(src[i]).
func erfRow(dst, src []float32) {
	src = src[:len(dst)]
	n := 0
	if hasErfAVX2 {
		n = len(dst) &^ 3
		if n > 0 {
			erfAVX2(&dst[0], &src[0], n)
		}
	}
	for i := n; i < len(dst); i++ {
		dst[i] = erf32(src[i])
	}
}
