package hf

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// LoRAScope is the sub-scope, under a projection's scope, that holds its adapter variables "A"
// [rank, in] and "B" [out, rank].
const LoRAScope = "lora"

// LoRAConfig configures low-rank adapters (Hu et al. 2021) as PEFT does: for a targeted projection
// W, y = W x + b + (Alpha/Rank) * B A dropout(x), with A initialised uniformly in
// ±1/sqrt(in) (PEFT's kaiming_uniform(a=sqrt(5))) and B initialised to zero, so that a fresh
// adapter leaves the model unchanged.
type LoRAConfig struct {
	// Rank is the adapters' inner dimension r.
	Rank int `yaml:"rank" json:"rank"`
	// Alpha scales the adapter output by Alpha/Rank.
	Alpha float64 `yaml:"alpha" json:"alpha"`
	// Dropout is applied to the adapter's input during training.
	Dropout float64 `yaml:"dropout" json:"dropout"`
	// Target lists the projections that get adapters (see Projections), e.g. [q_proj, v_proj].
	Target []string `yaml:"target" json:"target"`
	// Seed drives the initialisation of the A matrices.
	Seed uint64 `yaml:"seed" json:"seed"`
}

// DefaultLoRA is PEFT's default for Llama-family models: rank 8, alpha 16, on q_proj and v_proj.
func DefaultLoRA() *LoRAConfig {
	return &LoRAConfig{Rank: 8, Alpha: 16, Dropout: 0.05, Target: []string{"q_proj", "v_proj"}}
}

// Scale is Alpha/Rank.
func (l *LoRAConfig) Scale() float64 { return l.Alpha / float64(l.Rank) }

func (l *LoRAConfig) targets(proj string) bool { return slices.Contains(l.Target, proj) }

func (l *LoRAConfig) validate() error {
	if l.Rank <= 0 {
		return fmt.Errorf("lora: rank must be positive, got %d", l.Rank)
	}
	if l.Dropout < 0 || l.Dropout >= 1 {
		return fmt.Errorf("lora: dropout must be in [0, 1), got %g", l.Dropout)
	}
	if len(l.Target) == 0 {
		return fmt.Errorf("lora: no target modules (choose from %v)", projections)
	}
	for _, t := range l.Target {
		if !slices.Contains(projections, t) {
			return fmt.Errorf("lora: unknown target module %q (choose from %v)", t, projections)
		}
	}
	return nil
}

// IsLoRAScope reports whether a variable scope (or scope plus variable name, "/"-separated) lies
// inside a LoRA adapter. Use it as train.Config.Trainable to train only the adapters.
func IsLoRAScope(scope string) bool {
	for _, part := range strings.Split(scope, context.ScopeSeparator) {
		if part == LoRAScope {
			return true
		}
	}
	return false
}

// Trainable returns the predicate that selects the variables to train: the adapters when m.LoRA is
// set, else every variable.
func (m *Model) Trainable() func(scope string) bool {
	if m.LoRA == nil {
		return func(string) bool { return true }
	}
	return IsLoRAScope
}

// loraTargets lists, for each layer and targeted projection, the scope path of the projection.
func (m *Model) loraTargets() [][]string {
	var out [][]string
	for i := 0; i < m.Config.NumHiddenLayers; i++ {
		for _, p := range projections {
			if m.LoRA.targets(p) {
				out = append(out, []string{"model", "layers", fmt.Sprint(i), projModule(p), p})
			}
		}
	}
	return out
}

// initLoRA creates (or resets) the adapter variables: A uniform in ±1/sqrt(in) from a generator
// seeded by LoRA.Seed and the projection's path, B zero.
func (m *Model) initLoRA(ctx *context.Context) error {
	r := m.LoRA.Rank
	for _, path := range m.loraTargets() {
		out, in := m.Config.projShape(path[len(path)-1])
		h := fnv.New64a()
		h.Write([]byte(strings.Join(path, "/")))
		rng := rand.New(rand.NewPCG(m.LoRA.Seed, h.Sum64()))
		bound := 1 / math.Sqrt(float64(in))
		a := make([]float32, r*in)
		for i := range a {
			a[i] = float32((2*rng.Float64() - 1) * bound)
		}
		lctx := m.scoped(ctx, path...).In(LoRAScope)
		va, err := setVariable(lctx, "A", tensors.FromFlatDataAndDimensions(a, r, in))
		if err != nil {
			return err
		}
		vb, err := setVariable(lctx, "B", tensors.FromFlatDataAndDimensions(make([]float32, out*r), out, r))
		if err != nil {
			return err
		}
		va.SetTrainable(true)
		vb.SetTrainable(true)
	}
	return nil
}
