package engine

import (
	"fmt"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	_ "unsafe" // for go:linkname

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"

	"github.com/behaviorlm/harness/internal/engine/matmul"
	"github.com/behaviorlm/harness/internal/engine/strided"
)

// EnvKernels is the environment variable that, set to "stock", keeps all of simplego's own
// kernels (for before/after measurements). It is read once, by the first New of a "go" backend.
const EnvKernels = "HARNESS_KERNELS"

// simplegoExecutor has the signature of simplego's (unexported) node executors.
type simplegoExecutor func(backend *simplego.Backend, node *simplego.Node, inputs []*simplego.Buffer, inputsOwned []bool) (*simplego.Buffer, error)

// simplegoNodeExecutors is simplego's table of op executors, indexed by op type. simplego has no
// exported way to register a kernel (its priorityUser level is meant for this but its setter is
// unexported), so the table is reached with go:linkname. This depends on simplego's internals:
// installKernels only touches it for the GoMLX version it was written and tested against
// (kernelsGoMLXVersion) when the binary records its dependencies, and the package tests exercise
// the override on every DotGeneral layout the models use.
//
//go:linkname simplegoNodeExecutors github.com/gomlx/gomlx/backends/simplego.nodeExecutors
var simplegoNodeExecutors [backends.OpTypeLast]simplegoExecutor

// kernelsGoMLXVersion is the GoMLX release whose simplego internals installKernels relies on: the
// executor table's type and the fields of its DotGeneral node parameters.
const kernelsGoMLXVersion = "v0.26.0"

// kernelState records what installKernels did.
type kernelState struct {
	// stock holds simplego's executors of the ops that were overridden (nil for the others).
	stock  [backends.OpTypeLast]simplegoExecutor
	fields nodeFields
	params dotParamsReader
	gather gatherParamsReader
	// fast counts, per op type, the executions done by the harness kernels (not handed back to
	// simplego's); tests use it to check that the fast paths are taken.
	fast [backends.OpTypeLast]atomic.Int64
	// note describes the kernels in use, for Describe.
	note string
}

var kernels = sync.OnceValue(installKernels)

// installKernels replaces some of simplego's executors with faster ones, unless
// $HARNESS_KERNELS is "stock", the CPU has no vector matmul kernel, or the GoMLX version is not the
// one the overrides were written for:
//
//   - float32 DotGeneral: package matmul (blocked, packed, AVX2/AVX-512 micro-kernels; 5-10x
//     faster than simplego's on the harness's models);
//   - float32 Add, Sub, Mul, Div, Max, Min (with or without broadcasting), BroadcastInDim,
//     Transpose, float32 ReduceSum and ReduceMax: package strided (row-wise loops instead of a
//     per-element index iterator, split across cores for large tensors);
//   - float32 Erf (GELU), Exp (softmax), Logistic and Tanh (GRU gates): strided.Erf, Exp,
//     Logistic, Tanh, vectorised approximations (within 1e-7 for Erf, 1-2.5 ulp for the others
//     in the tests);
//   - float32 Gather of whole table rows (embedding lookups): strided.GatherRows.
//
// Every other case goes to simplego's own executor. The strided data-movement, elementwise and
// reduction ops give bit-identical results; matmul sums in a different order than simplego and
// with fused multiply-adds (within float32 rounding), and Erf, Exp, Logistic and Tanh differ from
// simplego's float64 math by an ulp or two.
func installKernels() *kernelState {
	st := &kernelState{note: "simplego kernels"}
	if os.Getenv(EnvKernels) == "stock" {
		st.note += " ($" + EnvKernels + "=stock)"
		return st
	}
	if !matmul.Accelerated() {
		st.note += " (no AVX2/AVX-512 for the harness kernels)"
		return st
	}
	if v := gomlxVersion(); v != "" && v != kernelsGoMLXVersion {
		st.note += fmt.Sprintf(" (harness kernels written for GoMLX %s, built with %s)", kernelsGoMLXVersion, v)
		return st
	}
	st.fields = newNodeFields()
	if st.fields.shapeIdx == nil || st.fields.dataIdx == nil {
		st.note += " (harness kernels disabled: simplego.Node has no shape or data field)"
		return st
	}
	st.params.fields = st.fields
	st.gather.fields = st.fields
	st.install(backends.OpTypeDotGeneral, st.execDotGeneral)
	for opType, op := range binaryOps {
		st.install(opType, st.binaryExec(opType, op))
	}
	st.install(backends.OpTypeBroadcastInDim, st.execBroadcastInDim)
	st.install(backends.OpTypeTranspose, st.execTranspose)
	st.install(backends.OpTypeReduceSum, st.reduceExec(backends.OpTypeReduceSum, strided.ReduceSum))
	st.install(backends.OpTypeReduceMax, st.reduceExec(backends.OpTypeReduceMax, strided.ReduceMax))
	st.install(backends.OpTypeErf, st.unaryExec(backends.OpTypeErf, strided.Erf))
	st.install(backends.OpTypeExp, st.unaryExec(backends.OpTypeExp, strided.Exp))
	st.install(backends.OpTypeLogistic, st.unaryExec(backends.OpTypeLogistic, strided.Logistic))
	st.install(backends.OpTypeTanh, st.unaryExec(backends.OpTypeTanh, strided.Tanh))
	st.install(backends.OpTypeGather, st.execGather)
	if st.stock[backends.OpTypeDotGeneral] == nil {
		st.note += " (harness kernels disabled: simplego registered no DotGeneral executor)"
		return st
	}
	st.note = "harness kernels: matmul " + matmul.Kernel() + ", strided ops"
	return st
}

// install makes exec simplego's executor for opType, keeping the stock one for fallbacks. Ops
// simplego does not implement are left alone.
func (st *kernelState) install(opType backends.OpType, exec simplegoExecutor) {
	stock := simplegoNodeExecutors[opType]
	if stock == nil {
		return
	}
	st.stock[opType] = stock
	simplegoNodeExecutors[opType] = exec
}

// gomlxVersion returns the version of the GoMLX module in this binary, or "" when the binary
// does not record it (test binaries of library packages record no dependencies; the tests then
// check the override directly).
func gomlxVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, d := range bi.Deps {
		if d.Path == "github.com/gomlx/gomlx" {
			if d.Replace != nil {
				return d.Replace.Version
			}
			return d.Version
		}
	}
	return ""
}

// KernelInfo describes the kernels the pure-Go backend uses, e.g. "harness kernels: matmul avx512
// 8x32, strided ops" (it installs them if no backend has been created yet).
func KernelInfo() string { return kernels().note }
