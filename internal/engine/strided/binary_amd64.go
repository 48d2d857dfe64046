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

var hasBinaryAVX2 = cpu.X86.HasAVX2

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
	n := len(dst) &^ 15
	if !hasBinaryAVX2 || n == 0 {
		return 0
	}
	binaryKernels[op][layout](&dst[0], &x[0], &y[0], n)
	return n
}
