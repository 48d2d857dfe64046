//go:build !amd64 || purego

package strided

// expRow sets dst[i] = exp(src[i]).
func expRow(dst, src []float32) {
	src = src[:len(dst)]
	for i, x := range src {
		dst[i] = exp32(x)
	}
}
