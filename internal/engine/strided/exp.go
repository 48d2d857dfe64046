package strided

import "math"

// Exp sets dst[i] = exp(src[i]) (dst may be src), with Cephes' float32 method: n = round(x·log2 e),
// r = x - n·ln 2 (in two parts), exp(r) by a degree-7 polynomial, scaled by 2^n in two factors so
// that overflow gives +Inf and underflow gives denormals and 0. The error is within 2 float32 ulp
// of math.Exp; NaN stays NaN. On amd64 with AVX2 it runs 8 values per instruction.
func Exp(dst, src []float32) {
	if len(src) != len(dst) {
		panic("strided: Exp: dst and src lengths differ")
	}
	parallel(len(dst), 8, func(lo, hi int) {
		lo += exp512(dst[lo:hi], src[lo:hi])
		expRow(dst[lo:hi], src[lo:hi])
	})
}

// Logistic sets dst[i] = 1/(1+exp(-src[i])) (dst may be src), with Exp's method: e = exp(-|x|),
// then 1/(1+e) for x >= 0 and e/(1+e) for x < 0 (no overflow, full relative accuracy for very
// negative x).
func Logistic(dst, src []float32) {
	if len(src) != len(dst) {
		panic("strided: Logistic: dst and src lengths differ")
	}
	parallel(len(dst), 8, func(lo, hi int) {
		lo += logistic512(dst[lo:hi], src[lo:hi])
		var buf [256]float32
		for i := lo; i < hi; i += len(buf) {
			n := min(len(buf), hi-i)
			x, e := src[i:i+n], buf[:n]
			for j, v := range x {
				e[j] = -abs32(v)
			}
			expRow(e, e)
			logisticCombine(dst[i:i+n], x, e)
		}
	})
}

// logisticCombine32 is the scalar form of logisticCombine: e = exp(-|x|).
func logisticCombine32(x, e float32) float32 {
	r := 1 / (1 + e)
	if math.Signbit(float64(x)) {
		return e * r
	}
	return r
}

// Tanh sets dst[i] = tanh(src[i]) (dst may be src), with Cephes' float32 method: an odd
// polynomial of x for |x| < 0.625, else sign(x)·(1-s)/(1+s) with s = exp(-2|x|) (by Exp's
// method). The error is within 2 float32 ulp of math.Tanh.
func Tanh(dst, src []float32) {
	if len(src) != len(dst) {
		panic("strided: Tanh: dst and src lengths differ")
	}
	parallel(len(dst), 8, func(lo, hi int) {
		lo += tanh512(dst[lo:hi], src[lo:hi])
		var buf [256]float32
		for i := lo; i < hi; i += len(buf) {
			n := min(len(buf), hi-i)
			x, s := src[i:i+n], buf[:n]
			for j, v := range x {
				s[j] = -2 * abs32(v)
			}
			expRow(s, s)
			tanhCombine(dst[i:i+n], x, s)
		}
	})
}

// Coefficients of Cephes' tanhf polynomial (|x| < 0.625).
const (
	tanhT0 = -5.70498872745e-3
	tanhT1 = 2.06390887954e-2
	tanhT2 = -5.37397155531e-2
	tanhT3 = 1.33314422036e-1
	tanhT4 = -3.33332819422e-1
)

// tanhCombine32 is the scalar form of tanhCombine: s = exp(-2|x|).
func tanhCombine32(x, s float32) float32 {
	if abs32(x) < 0.625 {
		z := x * x
		p := fma32(tanhT0, z, tanhT1)
		p = fma32(p, z, tanhT2)
		p = fma32(p, z, tanhT3)
		p = fma32(p, z, tanhT4)
		return fma32(p*z, x, x)
	}
	r := (1 - s) / (1 + s)
	return math.Float32frombits(math.Float32bits(r) | math.Float32bits(x)&(1<<31))
}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

// Constants of exp32 (Cephes expf).
const (
	expC1 = 0.693359375
	expC2 = -2.12194440e-4
	expP0 = 1.9875691500e-4
	expP1 = 1.3981999507e-3
	expP2 = 8.3334519073e-3
	expP3 = 4.1665795894e-2
	expP4 = 1.6666665459e-1
	expP5 = 5.0000001201e-1
)

// fma32 is a float32 fused multiply-add (as the vector kernel's).
func fma32(x, y, z float32) float32 { return float32(math.FMA(float64(x), float64(y), float64(z))) }

// exp32 is the scalar form of the method (for tails and CPUs without AVX2); it gives the same
// results as the vector kernel.
func exp32(v float32) float32 {
	if v != v {
		return v
	}
	x := min(max(v, -104), 89)
	n := float32(math.RoundToEven(float64(x * math.Log2E)))
	r := fma32(-n, expC1, x)
	r = fma32(-n, expC2, r)
	p := fma32(expP0, r, expP1)
	p = fma32(p, r, expP2)
	p = fma32(p, r, expP3)
	p = fma32(p, r, expP4)
	p = fma32(p, r, expP5)
	p = fma32(p, r*r, r) + 1
	n1 := int32(n) >> 1
	n2 := int32(n) - n1
	return p * math.Float32frombits(uint32(n1+127)<<23) * math.Float32frombits(uint32(n2+127)<<23)
}
