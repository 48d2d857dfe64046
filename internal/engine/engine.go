// Package engine creates the GoMLX backend the harness computes on and installs the harness's
// gradient overrides.
//
// Backends are named by a spec string:
//
//   - "go" or "go:<options>": the pure-Go simplego backend. Unless the options already set
//     parallelism or the op execution mode, "parallelism=-1" is added: simplego's worker pool can
//     deadlock on 2-core machines when matmuls nest inside parallel op execution. Its float32
//     DotGeneral runs on the harness's own blocked matmul (package matmul, AVX2/AVX-512 Go
//     assembly) unless $HARNESS_KERNELS=stock: see KernelInfo.
//   - "xla", "xla:cpu", "xla:cuda", "xla:tpu" (or "xla:<plugin>[,options]"): the XLA backend, which
//     loads a PJRT plugin at run time. It needs a cgo build and an installed plugin; engine never
//     downloads one.
//
// An empty spec means $GOMLX_BACKEND, and "go" when that is unset too.
package engine

import (
	"fmt"
	"os"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// EnvBackend is the environment variable read when New is given an empty spec.
const EnvBackend = "GOMLX_BACKEND"

// DefaultSpec is the backend used when neither the spec nor $GOMLX_BACKEND names one.
const DefaultSpec = "go"

// New creates the backend named by spec (see the package documentation) and installs the gradient
// overrides (see [InstallVJPs]).
func New(spec string) (backends.Backend, error) {
	spec, err := CheckSpec(spec)
	if err != nil {
		return nil, err
	}
	InstallVJPs()
	name, opts, _ := strings.Cut(spec, ":")
	if strings.EqualFold(name, "xla") || strings.EqualFold(name, "stablehlo") {
		return newXLA(opts)
	}
	return newSimpleGo(opts)
}

// CheckSpec resolves an empty spec ($GOMLX_BACKEND, else DefaultSpec) and checks that it names a
// known backend, without creating it; it returns the resolved spec.
func CheckSpec(spec string) (string, error) {
	given := spec
	if spec == "" {
		spec = os.Getenv(EnvBackend)
		given = "$" + EnvBackend + "=" + spec
	}
	if spec == "" {
		return DefaultSpec, nil
	}
	name, _, _ := strings.Cut(spec, ":")
	switch strings.ToLower(name) {
	case "go", "simplego", "xla", "stablehlo":
		return spec, nil
	}
	return "", fmt.Errorf("engine: unknown backend %q in %q (want \"go\", \"go:<options>\", \"xla\" or \"xla:<cpu|cuda|tpu>\")", name, given)
}

// SimpleGoOptions returns the simplego configuration string New uses for the options opts: opts
// with "parallelism=-1" added unless they already set parallelism, ops_sequential or ops_parallel.
func SimpleGoOptions(opts string) string {
	for _, o := range strings.Split(opts, ",") {
		key, _, _ := strings.Cut(strings.TrimSpace(o), "=")
		switch key {
		case "parallelism", "ops_sequential", "ops_parallel":
			return opts
		}
	}
	if opts == "" {
		return "parallelism=-1"
	}
	return opts + ",parallelism=-1"
}

func newSimpleGo(opts string) (backends.Backend, error) {
	kernels()
	config := SimpleGoOptions(opts)
	b, err := simplego.New(config)
	if err != nil {
		return nil, fmt.Errorf("engine: creating simplego backend with %q: %w", config, err)
	}
	return &describedBackend{Backend: b, spec: "go:" + config}, nil
}

// describedBackend remembers the spec a backend was created with, for Describe.
type describedBackend struct {
	backends.Backend
	spec string
}

// Describe returns a one-line description of b for result manifests: the backend's name, the
// configuration New created it with (when b came from New) and its own description.
func Describe(b backends.Backend) string {
	if b == nil {
		return "<nil backend>"
	}
	if d, ok := b.(*describedBackend); ok {
		if strings.HasPrefix(d.spec, "go:") {
			return fmt.Sprintf("%s [%s] (%s; %s)", d.Name(), d.spec, d.Description(), KernelInfo())
		}
		return fmt.Sprintf("%s [%s] (%s)", d.Name(), d.spec, d.Description())
	}
	return fmt.Sprintf("%s (%s)", b.Name(), b.Description())
}

// SeedContext makes everything random in ctx deterministic for seed: the initial values of
// variables created afterwards (context.ParamInitialSeed) and the context's random number generator,
// which dropout and other ctx.Random* calls draw from (it is reset even if it already exists).
// Call it on a fresh context, before the model creates its variables.
//
// Seed 0 is mapped to a fixed non-zero value, since GoMLX treats an initial seed of 0 as "random".
// Shuffling of training batches is separate: see train.Config.Seed.
func SeedContext(ctx *context.Context, seed uint64) {
	s := int64(seed)
	if s == 0 {
		s = 0x5eed
	}
	ctx.SetParam(context.ParamInitialSeed, s)
	if err := ctx.SetRNGStateFromSeed(s); err != nil {
		// Only fails on an internal GoMLX inconsistency (a tensor that cannot be written).
		panic(fmt.Sprintf("engine: seeding context RNG: %v", err))
	}
}
