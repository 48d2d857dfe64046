package strided

import (
	"math"
	"testing"
)

// ulpDiff returns the distance in float32 units in the last place between got and the float64
// want (0 when both are the same infinity or zero).
func ulpDiff(got float32, want float64) float64 {
	w := float32(want)
	if got == w {
		return 0
	}
	ulp := math.Abs(float64(math.Nextafter32(w, float32(math.Inf(1)))) - float64(w))
	if ulp == 0 || math.IsInf(ulp, 0) {
		ulp = math.Abs(float64(w) - float64(math.Nextafter32(w, 0)))
	}
	return math.Abs(float64(got)-want) / ulp
}

func expInputs() []float32 {
	var xs []float32
	for i := -1100000; i <= 1000000; i++ {
		xs = append(xs, float32(i)/10000) // [-110, 100]
	}
	return append(xs, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, -0.0, 1e-30, -1e9, 88.72283, 88.7229, -87.33655, -103.9)
}

func TestExpAccuracy(t *testing.T) {
	src := expInputs()
	dst := make([]float32, len(src))
	Exp(dst, src)
	worst, at := 0.0, float32(0)
	for i, x := range src {
		want := math.Exp(float64(x))
		got := dst[i]
		switch {
		case math.IsNaN(want):
			if !math.IsNaN(float64(got)) {
				t.Errorf("exp(NaN) = %v", got)
			}
			continue
		case float32(want) == 0 || math.IsInf(float64(float32(want)), 1):
			if got != float32(want) {
				t.Errorf("exp(%g) = %g, want %g", x, got, float32(want))
			}
			continue
		}
		if want < 1.2e-38 { // denormal results: absolute accuracy
			if math.Abs(float64(got)-want) > 2e-45 {
				t.Errorf("exp(%g) = %g, want %g", x, got, want)
			}
			continue
		}
		if d := ulpDiff(got, want); d > worst {
			worst, at = d, x
		}
	}
	if worst > 2 {
		t.Errorf("max error %.2f ulp at exp(%g), want <= 2", worst, at)
	}
	t.Logf("max error %.2f ulp at %g", worst, at)
	// The scalar form (tails, CPUs without AVX2) gives the vector kernel's results.
	for i := 0; i < len(src); i += 97 {
		if s := exp32(src[i]); s != dst[i] && !(s != s && dst[i] != dst[i]) {
			t.Fatalf("exp(%g): scalar %v, vector %v", src[i], s, dst[i])
		}
	}
}

func TestLogisticAndTanh(t *testing.T) {
	var src []float32
	for i := -300000; i <= 300000; i++ {
		src = append(src, float32(i)/2000) // [-150, 150]
	}
	src = append(src, -1e-3, 1e-3, -1e-30, 1e-30, 0, float32(math.Copysign(0, -1)), 0.625, -0.625,
		float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)))
	for _, f := range []struct {
		name string
		fn   func(dst, src []float32)
		want func(float64) float64
		ulps float64
	}{
		{"logistic", Logistic, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }, 3},
		{"tanh", Tanh, math.Tanh, 2},
	} {
		dst := make([]float32, len(src))
		f.fn(dst, src)
		worst, at := 0.0, float32(0)
		for i, x := range src {
			want := f.want(float64(x))
			if math.IsNaN(want) {
				if !math.IsNaN(float64(dst[i])) {
					t.Errorf("%s(NaN) = %v", f.name, dst[i])
				}
				continue
			}
			if want != 0 && math.Abs(want) < 1.2e-38 { // denormal results: absolute accuracy
				if math.Abs(float64(dst[i])-want) > 3e-45 {
					t.Errorf("%s(%g) = %g, want %g", f.name, x, dst[i], want)
				}
				continue
			}
			if d := ulpDiff(dst[i], want); d > worst {
				worst, at = d, x
			}
			if math.Signbit(float64(dst[i])) != math.Signbit(want) && want != 0 {
				t.Errorf("%s(%g) = %g: wrong sign", f.name, x, dst[i])
			}
		}
		if worst > f.ulps {
			t.Errorf("%s: max error %.2f ulp at %g, want <= %g", f.name, worst, at, f.ulps)
		}
		t.Logf("%s: max error %.2f ulp at %g", f.name, worst, at)
		// The scalar forms give the vector kernels' results.
		for i := 0; i < len(src); i += 101 {
			one := []float32{0}
			f.fn(one, src[i:i+1]) // a single value: scalar path
			if one[0] != dst[i] && !(one[0] != one[0] && dst[i] != dst[i]) {
				t.Fatalf("%s(%g): scalar %v, vector %v", f.name, src[i], one[0], dst[i])
			}
		}
	}
}
