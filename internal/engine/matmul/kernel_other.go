//go:build !amd64 || purego

package matmul

// availableKernels lists the micro-kernels this CPU can run, fastest first.
func availableKernels() []kernel { return []kernel{goKernel} }
