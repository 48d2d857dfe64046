//go:build amd64 && !purego

package strided

import (
	"math"
	"math/rand/v2"
	"testing"

	"golang.org/x/sys/cpu"
)

// activationInputs are expInputs plus random values of every magnitude and sign (denormals,
// huge values) and the Logistic/Tanh branch points, in a length that is not a multiple of 16 so
// that the kernels' tails run too.
func activationInputs() []float32 {
	xs := expInputs()
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200001 {
		xs = append(xs, math.Float32frombits(rng.Uint32()))
	}
	for _, v := range []float32{0.625, -0.625, math.Nextafter32(0.625, 0), 1e-45, -1e-45, 1.17549435e-38, math.MaxFloat32, -math.MaxFloat32} {
		xs = append(xs, v)
	}
	if len(xs)%16 == 0 {
		xs = append(xs, 0.5)
	}
	return xs
}

// withKernels runs f with the AVX-512 and AVX2 kernel choices of Exp, Logistic, Tanh and Erf set
// as given.
func withKernels(avx512, avx2 bool, f func()) {
	old512, old2, oldErf512, oldErf2 := useAVX512, hasExpAVX2, useErfAVX512, hasErfAVX2
	useAVX512, hasExpAVX2, useErfAVX512, hasErfAVX2 = avx512, avx2, avx512, avx2
	defer func() { useAVX512, hasExpAVX2, useErfAVX512, hasErfAVX2 = old512, old2, oldErf512, oldErf2 }()
	f()
}

// TestActivationPathsBitIdentical checks that Exp, Logistic, Tanh and Erf give bit for bit the same
// results on the AVX-512, the AVX2 and the scalar path (NaN inputs: NaN on each), in place too.
func TestActivationPathsBitIdentical(t *testing.T) {
	if !cpu.X86.HasAVX2 || !cpu.X86.HasFMA {
		t.Skip("no AVX2/FMA")
	}
	src := activationInputs()
	for _, op := range []struct {
		name string
		f    func(dst, src []float32)
	}{{"Exp", Exp}, {"Logistic", Logistic}, {"Tanh", Tanh}, {"Erf", Erf}} {
		paths := []struct {
			name         string
			avx512, avx2 bool
		}{{"scalar", false, false}, {"avx2", false, true}}
		if cpu.X86.HasAVX512F {
			paths = append(paths, struct {
				name         string
				avx512, avx2 bool
			}{"avx512", true, true})
		} else {
			t.Logf("%s: no AVX-512 on this CPU: its kernel is not checked", op.name)
		}
		var want []float32
		for _, p := range paths {
			got := make([]float32, len(src))
			inPlace := append([]float32(nil), src...)
			withKernels(p.avx512, p.avx2, func() {
				op.f(got, src)
				op.f(inPlace, inPlace)
			})
			if want == nil {
				want = got
			}
			bad := 0
			for i, x := range src {
				for _, g := range []float32{got[i], inPlace[i]} {
					same := math.Float32bits(g) == math.Float32bits(want[i]) || (x != x && g != g && want[i] != want[i])
					if !same && bad < 5 {
						t.Errorf("%s(%g) [%#x] on the %s path = %g [%#x], scalar path %g [%#x]", op.name, x,
							math.Float32bits(x), p.name, g, math.Float32bits(g), want[i], math.Float32bits(want[i]))
					}
					if !same {
						bad++
					}
				}
			}
			if bad > 0 {
				t.Errorf("%s: %d of %d values differ on the %s path", op.name, bad, 2*len(src), p.name)
			}
		}
	}
}

// BenchmarkActivations times Logistic and Tanh on a GRU gate block (batch 256 x 128) per path.
func BenchmarkActivations(b *testing.B) {
	src := make([]float32, 256*128)
	for i := range src {
		src[i] = float32(i%97)/10 - 5
	}
	dst := make([]float32, len(src))
	for _, p := range []struct {
		name   string
		avx512 bool
	}{{"avx2", false}, {"avx512", true}} {
		if p.avx512 && !cpu.X86.HasAVX512F {
			continue
		}
		for _, op := range []struct {
			name string
			f    func(dst, src []float32)
		}{{"Logistic", Logistic}, {"Tanh", Tanh}, {"Exp", Exp}, {"Erf", Erf}} {
			b.Run(op.name+"/"+p.name, func(b *testing.B) {
				withKernels(p.avx512, true, func() {
					for b.Loop() {
						op.f(dst, src)
					}
				})
			})
		}
	}
}

// TestBinaryAVX2KernelsMatchGo runs the binary-op check with the AVX-512 kernels switched off, so
// that the AVX2 ones are checked on AVX-512 CPUs too.
func TestBinaryAVX2KernelsMatchGo(t *testing.T) {
	if !cpu.X86.HasAVX512F {
		t.Skip("no AVX-512: TestBinaryVectorKernelsMatchGo already checks the AVX2 kernels")
	}
	old := useBinaryAVX512
	useBinaryAVX512 = false
	defer func() { useBinaryAVX512 = old }()
	for _, n := range []int{37, 117} {
		checkBinaryKernels(t, n)
	}
}
