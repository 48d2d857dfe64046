//go:build amd64 && !purego

package strided

import "golang.org/x/sys/cpu"

// Assembly kernels (binary_amd64.s): dst[i] = x[i] op y[i] (VV), x[i] op y[0] (VS) or x[0] op y[i]
// (SV) for i < n, n a multiple of 16.

//go:noescape
func addVVAVX2(dst, x, y *float32, n int)

//go:noescape
func addVSAVX2(dst, x, y *float32, n int)

//go:noescape
func addSVAVX2(dst, x, y *float32, n int)

//go:noescape
func subVVAVX2(dst, x, y *float32, n int)

//go:noescape
func subVSAVX2(dst, x, y *float32, n int)

//go:noescape
func subSVAVX2(dst, x, y *float32, n int)

//go:noescape
func mulVVAVX2(dst, x, y *float32, n int)

//go:noescape
func mulVSAVX2(dst, x, y *float32, n int)

//go:noescape
func mulSVAVX2(dst, x, y *float32, n int)

//go:noescape
func divVVAVX2(dst, x, y *float32, n int)

//go:noescape
func divVSAVX2(dst, x, y *float32, n int)

//go:noescape
func divSVAVX2(dst, x, y *float32, n int)

//go:noescape
func maxVVAVX2(dst, x, y *float32, n int)

//go:noescape
func maxVSAVX2(dst, x, y *float32, n int)

//go:noescape
func maxSVAVX2(dst, x, y *float32, n int)

//go:noescape
func minVVAVX2(dst, x, y *float32, n int)

//go:noescape
func minVSAVX2(dst, x, y *float32, n int)

//go:noescape
func minSVAVX2(dst, x, y *float32, n int)

// AVX-512 kernels (binary512_amd64.s) of Add, Sub, Mul and Div: as the AVX2 ones, n a multiple
// of 32.

//go:noescape
func addVVAVX512(dst, x, y *float32, n int)

//go:noescape
func addVSAVX512(dst, x, y *float32, n int)

//go:noescape
func addSVAVX512(dst, x, y *float32, n int)

//go:noescape
func subVVAVX512(dst, x, y *float32, n int)

//go:noescape
func subVSAVX512(dst, x, y *float32, n int)

//go:noescape
func subSVAVX512(dst, x, y *float32, n int)

//go:noescape
func mulVVAVX512(dst, x, y *float32, n int)

//go:noescape
func mulVSAVX512(dst, x, y *float32, n int)

//go:noescape
func mulSVAVX512(dst, x, y *float32, n int)

//go:noescape
func divVVAVX512(dst, x, y *float32, n int)

//go:noescape
func divVSAVX512(dst, x, y *float32, n int)

//go:noescape
func divSVAVX512(dst, x, y *float32, n int)

var hasBinaryAVX2 = cpu.X86.HasAVX2

// useBinaryAVX512 selects the AVX-512 kernels of Add, Sub, Mul and Div (a variable so that the
// tests can run the AVX2 ones on an AVX-512 CPU too).
var useBinaryAVX512 = hasBinaryAVX2 && cpu.X86.HasAVX512F

// binaryKernels512[op][layout] is the AVX-512 kernel of op (Add to Div) for layout 0, 1 or 2.
var binaryKernels512 = [...][3]func(dst, x, y *float32, n int){
	Add: {addVVAVX512, addVSAVX512, addSVAVX512},
	Sub: {subVVAVX512, subVSAVX512, subSVAVX512},
	Mul: {mulVVAVX512, mulVSAVX512, mulSVAVX512},
	Div: {divVVAVX512, divVSAVX512, divSVAVX512},
}

// binaryKernels[op][layout] is the kernel of op for layout 0 (VV), 1 (VS) or 2 (SV).
var binaryKernels = [...][3]func(dst, x, y *float32, n int){
	Add: {addVVAVX2, addVSAVX2, addSVAVX2},
	Sub: {subVVAVX2, subVSAVX2, subSVAVX2},
	Mul: {mulVVAVX2, mulVSAVX2, mulSVAVX2},
	Div: {divVVAVX2, divVSAVX2, divSVAVX2},
	Max: {maxVVAVX2, maxVSAVX2, maxSVAVX2},
	Min: {minVVAVX2, minVSAVX2, minSVAVX2},
}

// binaryAsm runs the vector kernel of op on the longest prefix of dst it handles (a multiple of 16
// values) and returns its length; layout is 0 (x and y vectors), 1 (y scalar) or 2 (x scalar).
func binaryAsm(op BinaryOp, layout int, dst, x, y []float32) int {
	done := 0
	if n := len(dst) &^ 31; useBinaryAVX512 && int(op) < len(binaryKernels512) && n > 0 {
		binaryKernels512[op][layout](&dst[0], &x[0], &y[0], n)
		done = n
	}
	n := (len(dst) - done) &^ 15
	if !hasBinaryAVX2 || n == 0 {
		return done
	}
	// Vector operands advance with dst; a scalar operand (layout 1: y, layout 2: x) stays.
	xs, ys := x, y
	if layout != 2 {
		xs = x[done:]
	}
	if layout != 1 {
		ys = y[done:]
	}
	binaryKernels[op][layout](&dst[done], &xs[0], &ys[0], n)
	return done + n
}
