//go:build amd64 && !purego

package matmul

import "golang.org/x/sys/cpu"

// kernel8x32AVX512 and kernel6x16AVX2 are the assembly micro-kernels (kernel_amd64.s): the mr×nr
// tile c (row stride ldc) = (acc ? c : 0) + Σ_p A[:,p]·B[p,:] with A(i,p) = a[i·ars+p·acs] and
// B(p,j) = b[p·bs+j], strides in elements; k must be at least 1. Their Go wrappers check that every
// element they touch is inside the slices.
//
//go:noescape
func kernel8x32AVX512(k int, a *float32, ars, acs int, b *float32, bs int, c *float32, ldc int, acc bool)

//go:noescape
func kernel6x16AVX2(k int, a *float32, ars, acs int, b *float32, bs int, c *float32, ldc int, acc bool)

var (
	avx512Kernel = kernel{name: "avx512 8x32", mr: 8, nr: 32, fn: func(k int, a []float32, ars, acs int, b []float32, bs int, c []float32, ldc int, acc bool) {
		checkTile(k, 8, 32, a, ars, acs, b, bs, c, ldc)
		kernel8x32AVX512(k, &a[0], ars, acs, &b[0], bs, &c[0], ldc, acc)
	}}
	avx2Kernel = kernel{name: "avx2 6x16", mr: 6, nr: 16, fn: func(k int, a []float32, ars, acs int, b []float32, bs int, c []float32, ldc int, acc bool) {
		checkTile(k, 6, 16, a, ars, acs, b, bs, c, ldc)
		kernel6x16AVX2(k, &a[0], ars, acs, &b[0], bs, &c[0], ldc, acc)
	}}
)

// availableKernels lists the micro-kernels this CPU can run, fastest first.
func availableKernels() []kernel {
	var ks []kernel
	if cpu.X86.HasAVX512F {
		ks = append(ks, avx512Kernel)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, avx2Kernel)
	}
	return append(ks, goKernel)
}

// checkTile panics (like an out-of-range slice index) unless every element an mr×nr assembly
// kernel of depth k reads or writes lies inside its slice.
func checkTile(k, mr, nr int, a []float32, ars, acs int, b []float32, bs int, c []float32, ldc int) {
	if k < 1 || ars < 0 || acs < 0 || bs < 0 || ldc < nr ||
		(mr-1)*ars+(k-1)*acs >= len(a) || (k-1)*bs+nr > len(b) || (mr-1)*ldc+nr > len(c) {
		panic("matmul: micro-kernel operands out of range")
	}
}
