package strided

import (
	"math"
	"testing"
)

func TestErfAccuracy(t *testing.T) {
	const n = 1<<17 + 3 // parallel, with a scalar tail
	src := make([]float32, n)
	for i := range src {
		src[i] = float32(i-n/2) / 12000 // [-5.5, 5.5]
	}
	src[0], src[1], src[2], src[3], src[4] = float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, 1e-30
	dst := make([]float32, n)
	Erf(dst, src)
	worst := 0.0
	for i, x := range src {
		want := math.Erf(float64(x))
		got := float64(dst[i])
		if math.IsNaN(want) {
			if !math.IsNaN(got) {
				t.Errorf("erf(NaN) = %v", got)
			}
			continue
		}
		if d := math.Abs(got - want); d > worst {
			worst = d
		}
		if x != 0 && math.Abs(float64(x)) < 1e-3 && math.Abs(got-want) > 2e-7*math.Abs(want) {
			t.Errorf("erf(%g) = %g, want %g (relative accuracy near 0)", x, got, want)
		}
	}
	if worst > 1.5e-7 {
		t.Errorf("max error %g, want < 1.5e-7", worst)
	}
	// In place, and the scalar form agrees with the vector one.
	in := append([]float32(nil), src[5:105]...)
	Erf(in, in)
	for i, x := range src[5:105] {
		if in[i] != dst[5+i] || erf32(x) != dst[5+i] {
			t.Fatalf("erf(%g): in place %v, scalar %v, vector %v", x, in[i], erf32(x), dst[5+i])
		}
	}
}
