package strided

// BinaryOp selects the operation of Binary.
type BinaryOp int

// Binary operations.
const (
	Add BinaryOp = iota
	Sub
	Mul
	Div
	Max
	Min
)

// Binary sets out (row-major with dimensions dims) to op(a, b), reading a and b with strides
// aStrides and bStrides (0 on broadcast axes). out may be a or b when that operand is read
// row-major with the output's dimensions.
func Binary(op BinaryOp, out []float32, dims []int, a []float32, aStrides []int, b []float32, bStrides []int) {
	d, s := collapse(dims, RowMajor(dims), aStrides, bStrides)
	as, bs := s[1][len(d)-1], s[2][len(d)-1]
	parallel(size(d), 1, func(lo, hi int) {
		forRange(d, s, lo, hi, func(offs []int, n int) { binaryRow(op, out[offs[0]:offs[0]+n], a, offs[1], as, b, offs[2], bs) })
	})
}

// binaryRow sets dst[i] = op(a[ao+i*as], b[bo+i*bs]).
func binaryRow(op BinaryOp, dst, a []float32, ao, as int, b []float32, bo, bs int) {
	n := len(dst)
	switch {
	case as == 1 && bs == 1:
		binaryVV(op, dst, a[ao:ao+n], b[bo:bo+n])
	case as == 1 && bs == 0:
		binaryVS(op, dst, a[ao:ao+n], b[bo])
	case as == 0 && bs == 1:
		binarySV(op, dst, a[ao], b[bo:bo+n])
	default:
		for i := range dst {
			dst[i] = apply(op, a[ao+i*as], b[bo+i*bs])
		}
	}
}

func apply(op BinaryOp, x, y float32) float32 {
	switch op {
	case Add:
		return x + y
	case Sub:
		return x - y
	case Mul:
		return x * y
	case Div:
		return x / y
	case Max:
		return max(x, y)
	default:
		return min(x, y)
	}
}

// binaryVV: dst[i] = op(x[i], y[i]).
func binaryVV(op BinaryOp, dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	if n := binaryAsm(op, 0, dst, x, y); n > 0 {
		dst, x, y = dst[n:], x[n:], y[n:]
	}
	switch op {
	case Add:
		for i := range dst {
			dst[i] = x[i] + y[i]
		}
	case Sub:
		for i := range dst {
			dst[i] = x[i] - y[i]
		}
	case Mul:
		for i := range dst {
			dst[i] = x[i] * y[i]
		}
	case Div:
		for i := range dst {
			dst[i] = x[i] / y[i]
		}
	case Max:
		for i := range dst {
			dst[i] = max(x[i], y[i])
		}
	default:
		for i := range dst {
			dst[i] = min(x[i], y[i])
		}
	}
}

// binaryVS: dst[i] = op(x[i], y).
func binaryVS(op BinaryOp, dst, x []float32, y float32) {
	x = x[:len(dst)]
	if n := binaryAsm(op, 1, dst, x, []float32{y}); n > 0 {
		dst, x = dst[n:], x[n:]
	}
	switch op {
	case Add:
		for i := range dst {
			dst[i] = x[i] + y
		}
	case Sub:
		for i := range dst {
			dst[i] = x[i] - y
		}
	case Mul:
		for i := range dst {
			dst[i] = x[i] * y
		}
	case Div:
		for i := range dst {
			dst[i] = x[i] / y
		}
	case Max:
		for i := range dst {
			dst[i] = max(x[i], y)
		}
	default:
		for i := range dst {
			dst[i] = min(x[i], y)
		}
	}
}

// binarySV: dst[i] = op(x, y[i]).
func binarySV(op BinaryOp, dst []float32, x float32, y []float32) {
	y = y[:len(dst)]
	if n := binaryAsm(op, 2, dst, []float32{x}, y); n > 0 {
		dst, y = dst[n:], y[n:]
	}
	switch op {
	case Add:
		for i := range dst {
			dst[i] = x + y[i]
		}
	case Sub:
		for i := range dst {
			dst[i] = x - y[i]
		}
	case Mul:
		for i := range dst {
			dst[i] = x * y[i]
		}
	case Div:
		for i := range dst {
			dst[i] = x / y[i]
		}
	case Max:
		for i := range dst {
			dst[i] = max(x, y[i])
		}
	default:
		for i := range dst {
			dst[i] = min(x, y[i])
		}
	}
}
