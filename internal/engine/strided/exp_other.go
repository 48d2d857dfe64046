//go:build !amd64 || purego

package strided

// expRow sets dst[i] = exp(src[i]).
func expRow(dst, src []float32) {
	src = src[:len(dst)]
	for i, x := range src {
		dst[i] = exp32(x)
	}
}

// logisticCombine sets dst[i] = logistic(x[i]) from e[i] = exp(-|x[i]|).
func logisticCombine(dst, x, e []float32) {
	for i := range dst {
		dst[i] = logisticCombine32(x[i], e[i])
	}
}

// tanhCombine sets dst[i] = tanh(x[i]) from s[i] = exp(-2|x[i]|).
func tanhCombine(dst, x, s []float32) {
	for i := range dst {
		dst[i] = tanhCombine32(x[i], s[i])
	}
}

// exp512, logistic512 and tanh512 process nothing: the AVX-512 kernels are amd64-only.
func exp512(dst, src []float32) int      { return 0 }
func logistic512(dst, src []float32) int { return 0 }
func tanh512(dst, src []float32) int     { return 0 }
