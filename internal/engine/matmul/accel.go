package matmul

// Accelerated reports whether the micro-kernel in use is a vectorised assembly one (AVX2 or
// AVX-512); the portable Go kernel is much slower than simplego's own DotGeneral.
func Accelerated() bool { return activeKernel.name != goKernel.name }
