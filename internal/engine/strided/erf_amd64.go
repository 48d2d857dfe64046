//go:build amd64 && !purego

package strided

import "golang.org/x/sys/cpu"

// erfAVX2 sets dst[i] = erf(src[i]) for i < n (a multiple of 4) with the rational approximation
// of erf.go, in float64 (erf_amd64.s).
//
//go:noescape
func erfAVX2(dst, src *float32, n int)

// erfAVX512 is erfAVX2 on 8 values per instruction (n a multiple of 8), bit-identical to it.
//
//go:noescape
func erfAVX512(dst, src *float32, n int)

var hasErfAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// useErfAVX512 selects erfAVX512 (a variable so that the tests can run the other paths too).
var useErfAVX512 = hasErfAVX2 && cpu.X86.HasAVX512F

// erfRow sets dst[i] = erf(src[i]).
func erfRow(dst, src []float32) {
	src = src[:len(dst)]
	if n := len(dst) &^ 7; useErfAVX512 && n > 0 {
		erfAVX512(&dst[0], &src[0], n)
		dst, src = dst[n:], src[n:]
	}
	if n := len(dst) &^ 3; hasErfAVX2 && n > 0 {
		erfAVX2(&dst[0], &src[0], n)
		dst, src = dst[n:], src[n:]
	}
	for i, x := range src {
		dst[i] = erf32(x)
	}
}
