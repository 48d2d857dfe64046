package hf

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/internal/hf/safetensors"
	"github.com/behaviorlm/harness/internal/hf/tokenizer"
)

// DefaultScope is the context scope under which a Model's variables are created.
const DefaultScope = "hf"

// Projections lists the linear projections of a decoder layer, by their Hugging Face names; these
// are the valid LoRA target modules.
var projections = []string{"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}

// Projections returns the names of the linear projections of a decoder layer (the valid LoRA
// targets): q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj.
func Projections() []string { return append([]string(nil), projections...) }

// Model is a Llama or Qwen2 checkpoint opened from a local folder. Load validates the folder (config,
// tensor names and shapes, tokenizer); Init reads the weights into a GoMLX context; the graph
// functions (Forward, Hidden, Logits, ...) then build the network from that context.
type Model struct {
	// Dir is the checkpoint folder.
	Dir string
	// Config is the parsed config.json.
	Config *Config
	// Tokenizer is the parsed tokenizer.json.
	Tokenizer *tokenizer.Tokenizer
	// Scope is the context scope of the variables (DefaultScope unless changed before Init).
	Scope string
	// LoRA, when set before Init, adds low-rank adapters to the targeted projections and freezes
	// all base weights. Nil means no adapters and all weights trainable.
	LoRA *LoRAConfig
	// Backend, when set before Init, receives each base weight as Init reads it: the checkpoint is
	// decoded straight into a buffer of the backend (host memory shared with the CPU backend), so
	// the float32 weights are held once. Nil keeps them as host tensors, which the first
	// execution copies to the backend (twice the memory on the CPU backend).
	Backend backends.Backend

	ck       *safetensors.Checkpoint
	hasBias  map[string]bool // projection name -> carries a bias
	tiedHead bool            // lm_head is the embedding matrix
}

// Load opens the checkpoint folder dir: config.json, the safetensors files and tokenizer.json. It
// checks that every tensor the architecture needs is present with the shape the config implies,
// without reading tensor data yet. Errors name the offending file.
func Load(dir string) (*Model, error) {
	cfg, err := LoadConfig(dir)
	if err != nil {
		return nil, err
	}
	tk, err := tokenizer.Load(dir)
	if err != nil {
		return nil, err
	}
	ck, err := safetensors.OpenCheckpoint(dir)
	if err != nil {
		return nil, err
	}
	m := &Model{Dir: dir, Config: cfg, Tokenizer: tk, Scope: DefaultScope, ck: ck}
	if err := m.checkTensors(); err != nil {
		return nil, err
	}
	if tk.VocabSize() > cfg.VocabSize {
		return nil, fmt.Errorf("tokenizer %s: token ids reach %d but config vocab_size is %d",
			filepath.Join(dir, "tokenizer.json"), tk.VocabSize()-1, cfg.VocabSize)
	}
	return m, nil
}

// weightSpec is one checkpoint tensor the model uses: its Hugging Face name, expected shape, and
// the context scope path and variable name it becomes.
type weightSpec struct {
	hfName string
	shape  []int
	scope  []string
	name   string
}

// projShape returns [out, in] of a projection.
func (c *Config) projShape(proj string) (out, in int) {
	d, hd := c.HiddenSize, c.HeadDim
	switch proj {
	case "q_proj":
		return c.NumAttentionHeads * hd, d
	case "k_proj", "v_proj":
		return c.NumKeyValueHeads * hd, d
	case "o_proj":
		return d, c.NumAttentionHeads * hd
	case "gate_proj", "up_proj":
		return c.IntermediateSize, d
	case "down_proj":
		return d, c.IntermediateSize
	}
	panic("unknown projection " + proj)
}

func projModule(proj string) string {
	switch proj {
	case "gate_proj", "up_proj", "down_proj":
		return "mlp"
	}
	return "self_attn"
}

// weightSpecs lists the tensors of the architecture, given which projections carry biases.
func (m *Model) weightSpecs() []weightSpec {
	c := m.Config
	v, d := c.VocabSize, c.HiddenSize
	specs := []weightSpec{{"model.embed_tokens.weight", []int{v, d}, []string{"model", "embed_tokens"}, "weight"}}
	for i := 0; i < c.NumHiddenLayers; i++ {
		layer := []string{"model", "layers", strconv.Itoa(i)}
		prefix := fmt.Sprintf("model.layers.%d.", i)
		specs = append(specs,
			weightSpec{prefix + "input_layernorm.weight", []int{d}, append(layer[:3:3], "input_layernorm"), "weight"},
			weightSpec{prefix + "post_attention_layernorm.weight", []int{d}, append(layer[:3:3], "post_attention_layernorm"), "weight"})
		for _, p := range projections {
			out, in := c.projShape(p)
			scope := append(layer[:3:3], projModule(p), p)
			hf := prefix + projModule(p) + "." + p
			specs = append(specs, weightSpec{hf + ".weight", []int{out, in}, scope, "weight"})
			if m.hasBias[p] {
				specs = append(specs, weightSpec{hf + ".bias", []int{out}, scope, "bias"})
			}
		}
	}
	specs = append(specs, weightSpec{"model.norm.weight", []int{d}, []string{"model", "norm"}, "weight"})
	if !m.tiedHead {
		specs = append(specs, weightSpec{"lm_head.weight", []int{v, d}, []string{"lm_head"}, "weight"})
	}
	return specs
}

// checkTensors decides biases and head tying, and checks presence and shapes of all tensors.
func (m *Model) checkTensors() error {
	c := m.Config
	m.hasBias = make(map[string]bool)
	for _, p := range projections {
		name := fmt.Sprintf("model.layers.0.%s.%s.bias", projModule(p), p)
		m.hasBias[p] = m.ck.Has(name)
	}
	var required []string
	switch {
	case c.ModelType == "qwen2":
		required = []string{"q_proj", "k_proj", "v_proj"}
	case c.AttentionBias:
		required = []string{"q_proj", "k_proj", "v_proj", "o_proj"}
	}
	if c.MLPBias {
		required = append(required, "gate_proj", "up_proj", "down_proj")
	}
	for _, p := range required {
		if !m.hasBias[p] {
			return fmt.Errorf("checkpoint %s: config implies a %s bias but model.layers.0.%s.%s.bias is missing",
				m.Dir, p, projModule(p), p)
		}
	}
	m.tiedHead = c.TieWordEmbeddings || !m.ck.Has("lm_head.weight")
	if !c.TieWordEmbeddings && !m.ck.Has("lm_head.weight") {
		return fmt.Errorf("checkpoint %s: tie_word_embeddings is false but lm_head.weight is missing", m.Dir)
	}
	for _, s := range m.weightSpecs() {
		info, file, ok := m.ck.Info(s.hfName)
		if !ok {
			return fmt.Errorf("checkpoint %s: missing tensor %q", m.Dir, s.hfName)
		}
		if !slices.Equal(info.Shape, s.shape) {
			return fmt.Errorf("safetensors %s: tensor %q has shape %v, config.json implies %v", file, s.hfName, info.Shape, s.shape)
		}
		if _, err := safetensors.DecodeFloat32(info.DType, nil); err != nil {
			return fmt.Errorf("safetensors %s: tensor %q: %w", file, s.hfName, err)
		}
	}
	return nil
}

// NumParameters is the number of base weights (excluding LoRA adapters).
func (m *Model) NumParameters() int {
	n := 0
	for _, s := range m.weightSpecs() {
		k := 1
		for _, d := range s.shape {
			k *= d
		}
		n += k
	}
	return n
}

// scoped returns ctx moved into the model's scope and then the given sub-scopes.
func (m *Model) scoped(ctx *context.Context, path ...string) *context.Context {
	ctx = ctx.In(m.Scope)
	for _, p := range path {
		ctx = ctx.In(p)
	}
	return ctx
}

// Init reads the checkpoint's weights (converted to float32) into variables of ctx under m.Scope,
// and, when m.LoRA is set, creates the adapters (A random, B zero) and marks every base weight
// not trainable. Calling it again on a context that already holds the variables overwrites them
// with the checkpoint's values.
func (m *Model) Init(ctx *context.Context) (err error) {
	defer recoverError(&err, "hf: init "+m.Dir)
	return m.initWeights(ctx, func(s weightSpec, dst []float32) error {
		return m.ck.ReadFloat32Into(s.hfName, dst, s.shape...)
	})
}

// InitInitializerRange is the standard deviation of InitRandom's matrices (transformers'
// initializer_range default).
const InitInitializerRange = 0.02

// InitRandom is Init with random instead of pretrained weights, for "no pretraining" ablations:
// matrices and embeddings N(0, 0.02^2) (transformers' default initializer_range), RMSNorm scales
// 1, biases 0, from a generator seeded by seed and the tensor name. Adapters as in Init.
func (m *Model) InitRandom(ctx *context.Context, seed uint64) (err error) {
	defer recoverError(&err, "hf: random init "+m.Dir)
	return m.initWeights(ctx, func(s weightSpec, vals []float32) error {
		switch {
		case strings.HasSuffix(s.hfName, "norm.weight"):
			for i := range vals {
				vals[i] = 1
			}
		case strings.HasSuffix(s.hfName, ".bias"):
		default:
			h := fnv.New64a()
			h.Write([]byte(s.hfName))
			rng := rand.New(rand.NewPCG(seed, h.Sum64()))
			for i := range vals {
				vals[i] = float32(rng.NormFloat64() * InitInitializerRange)
			}
		}
		return nil
	})
}

// initWeights sets every base weight with fill(spec, values) (values zeroed, of the spec's
// size), freezes them when LoRA is set, and creates the adapters.
func (m *Model) initWeights(ctx *context.Context, fill func(weightSpec, []float32) error) error {
	if m.LoRA != nil {
		if err := m.LoRA.validate(); err != nil {
			return err
		}
	}
	for _, s := range m.weightSpecs() {
		t, err := m.newWeight(s, fill)
		if err != nil {
			return err
		}
		v, err := setVariable(m.scoped(ctx, s.scope...), s.name, t)
		if err != nil {
			return fmt.Errorf("setting %s: %w", s.hfName, err)
		}
		v.SetTrainable(m.LoRA == nil)
	}
	if m.LoRA != nil {
		return m.initLoRA(ctx)
	}
	return nil
}

// newWeight returns a tensor of the spec's shape filled by fill: a buffer of m.Backend when set
// (filled in place when the backend shares host memory), else a host tensor.
func (m *Model) newWeight(s weightSpec, fill func(weightSpec, []float32) error) (*tensors.Tensor, error) {
	shape := shapes.Make(dtypes.Float32, s.shape...)
	if m.Backend == nil {
		vals := make([]float32, shape.Size())
		if err := fill(s, vals); err != nil {
			return nil, err
		}
		return tensors.FromFlatDataAndDimensions(vals, s.shape...), nil
	}
	var buf backends.Buffer
	if m.Backend.HasSharedBuffers() {
		b, flat, err := m.Backend.NewSharedBuffer(0, shape)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.hfName, err)
		}
		if err := fill(s, flat.([]float32)); err != nil {
			m.Backend.BufferFinalize(b)
			return nil, err
		}
		buf = b
	} else {
		vals := make([]float32, shape.Size())
		if err := fill(s, vals); err != nil {
			return nil, err
		}
		b, err := m.Backend.BufferFromFlatData(0, vals, shape)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.hfName, err)
		}
		buf = b
	}
	return tensors.FromBuffer(m.Backend, buf)
}

// setVariable creates the variable name in ctx's scope with value t, or overwrites its value if it
// exists (with the same shape).
func setVariable(ctx *context.Context, name string, t *tensors.Tensor) (*context.Variable, error) {
	v := ctx.GetVariableByScopeAndName(ctx.Scope(), name)
	if v == nil {
		return ctx.Checked(false).VariableWithValue(name, t), nil
	}
	if !v.Shape().Equal(t.Shape()) {
		return nil, fmt.Errorf("variable %s/%s has shape %s, cannot set %s", ctx.Scope(), name, v.Shape(), t.Shape())
	}
	return v, v.SetValue(t)
}

// recoverError turns a panic (GoMLX reports graph-building errors by panicking) into an error.
func recoverError(err *error, what string) {
	if r := recover(); r != nil {
		if e, ok := r.(error); ok {
			*err = fmt.Errorf("%s: %w", what, e)
		} else {
			*err = fmt.Errorf("%s: %v", what, r)
		}
	}
}
