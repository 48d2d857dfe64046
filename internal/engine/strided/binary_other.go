//go:build !amd64 || purego

package strided

// binaryAsm reports that no vector kernel handles any prefix of dst.
func binaryAsm(op BinaryOp, layout int, dst, x, y []float32) int { return 0 }
