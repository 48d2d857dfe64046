//go:build !amd64 || purego

package strided

// erfRow sets dst[i] = erf(src[i]).
func erfRow(dst, src []float32) {
	src = src[:len(dst)]
	for i, x := range src {
		dst[i] = erf32(x)
	}
}
