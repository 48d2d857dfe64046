package hf

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/internal/hf/safetensors"
)

// Adapter file names, as PEFT writes them: an adapter folder saved here can be read by PEFT, and a
// PEFT LoRA adapter of a Llama/Qwen2 model (without bias or modules_to_save) can be loaded here.
const (
	AdapterConfigFile  = "adapter_config.json"
	AdapterWeightsFile = "adapter_model.safetensors"
)

// adapterConfigJSON is the subset of PEFT's LoraConfig that is written and read.
type adapterConfigJSON struct {
	PeftType      string   `json:"peft_type"`
	TaskType      string   `json:"task_type"`
	R             int      `json:"r"`
	LoraAlpha     float64  `json:"lora_alpha"`
	LoraDropout   float64  `json:"lora_dropout"`
	TargetModules []string `json:"target_modules"`
	Bias          string   `json:"bias"`
	BaseModel     string   `json:"base_model_name_or_path"`
	// Seed is this harness's addition (ignored by PEFT): the seed the A matrices were drawn with.
	Seed uint64 `json:"seed,omitempty"`
}

// peftName is the PEFT tensor name of an adapter matrix ("A" or "B") of a projection path
// [model layers i module proj].
func peftName(path []string, which string) string {
	return "base_model.model." + strings.Join(path, ".") + ".lora_" + which + ".weight"
}

// SaveAdapter writes the LoRA adapters held in ctx to the folder dir (created if needed):
// adapter_config.json and adapter_model.safetensors (F32), in PEFT's layout and naming.
func (m *Model) SaveAdapter(ctx *context.Context, dir string) (err error) {
	defer recoverError(&err, "hf: save adapter "+dir)
	if m.LoRA == nil {
		return fmt.Errorf("model has no LoRA configuration")
	}
	var tensorsOut []safetensors.NamedTensor
	for _, path := range m.loraTargets() {
		lctx := m.scoped(ctx, path...).In(LoRAScope)
		for _, which := range []string{"A", "B"} {
			v := lctx.GetVariableByScopeAndName(lctx.Scope(), which)
			if v == nil {
				return fmt.Errorf("variable %s/%s missing: call Init first", lctx.Scope(), which)
			}
			val, err := v.Value()
			if err != nil {
				return fmt.Errorf("reading %s/%s: %w", lctx.Scope(), which, err)
			}
			data, err := tensors.CopyFlatData[float32](val)
			if err != nil {
				return fmt.Errorf("reading %s/%s: %w", lctx.Scope(), which, err)
			}
			tensorsOut = append(tensorsOut, safetensors.NamedTensor{Name: peftName(path, which), Shape: val.Shape().Dimensions, Data: data})
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cfg := adapterConfigJSON{PeftType: "LORA", TaskType: "CAUSAL_LM", R: m.LoRA.Rank, LoraAlpha: m.LoRA.Alpha,
		LoraDropout: m.LoRA.Dropout, TargetModules: m.LoRA.Target, Bias: "none", BaseModel: m.Dir, Seed: m.LoRA.Seed}
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, AdapterConfigFile), append(data, '\n'), 0o644); err != nil {
		return err
	}
	return safetensors.Write(filepath.Join(dir, AdapterWeightsFile), tensorsOut, map[string]string{"format": "pt"})
}

// ReadAdapterConfig reads the LoRA configuration of an adapter folder.
func ReadAdapterConfig(dir string) (*LoRAConfig, error) {
	path := filepath.Join(dir, AdapterConfigFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("adapter config %s: %w", path, err)
	}
	var c adapterConfigJSON
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("adapter config %s: %w", path, err)
	}
	if c.PeftType != "" && c.PeftType != "LORA" {
		return nil, fmt.Errorf("adapter config %s: peft_type %q is not LORA", path, c.PeftType)
	}
	if c.Bias != "" && c.Bias != "none" {
		return nil, fmt.Errorf("adapter config %s: bias %q is not supported (none)", path, c.Bias)
	}
	l := &LoRAConfig{Rank: c.R, Alpha: c.LoraAlpha, Dropout: c.LoraDropout, Target: c.TargetModules, Seed: c.Seed}
	if err := l.validate(); err != nil {
		return nil, fmt.Errorf("adapter config %s: %w", path, err)
	}
	return l, nil
}

// LoadAdapter reads the adapters of the folder dir into ctx. The model must have been initialised
// with a LoRA configuration of the same rank and targets (e.g. m.LoRA = ReadAdapterConfig(dir),
// then Init); a missing or mis-shaped tensor is an error naming the file.
func (m *Model) LoadAdapter(ctx *context.Context, dir string) (err error) {
	defer recoverError(&err, "hf: load adapter "+dir)
	if m.LoRA == nil {
		return fmt.Errorf("model has no LoRA configuration: set Model.LoRA (see ReadAdapterConfig) and call Init first")
	}
	saved, err := ReadAdapterConfig(dir)
	if err != nil {
		return err
	}
	a, b := slices.Clone(saved.Target), slices.Clone(m.LoRA.Target)
	slices.Sort(a)
	slices.Sort(b)
	if saved.Rank != m.LoRA.Rank || !slices.Equal(a, b) {
		return fmt.Errorf("adapter %s has rank %d on %v; the model is set up for rank %d on %v",
			dir, saved.Rank, saved.Target, m.LoRA.Rank, m.LoRA.Target)
	}
	path := filepath.Join(dir, AdapterWeightsFile)
	sf, err := safetensors.Open(path)
	if err != nil {
		return err
	}
	for _, p := range m.loraTargets() {
		out, in := m.Config.projShape(p[len(p)-1])
		lctx := m.scoped(ctx, p...).In(LoRAScope)
		for _, spec := range []struct {
			which string
			shape []int
		}{{"A", []int{m.LoRA.Rank, in}}, {"B", []int{out, m.LoRA.Rank}}} {
			name := peftName(p, spec.which)
			info, ok := sf.Tensors[name]
			if !ok {
				return fmt.Errorf("safetensors %s: missing tensor %q", path, name)
			}
			if !slices.Equal(info.Shape, spec.shape) {
				return fmt.Errorf("safetensors %s: tensor %q has shape %v, want %v", path, name, info.Shape, spec.shape)
			}
			data, err := sf.ReadFloat32(name)
			if err != nil {
				return err
			}
			v := lctx.GetVariableByScopeAndName(lctx.Scope(), spec.which)
			if v == nil {
				return fmt.Errorf("variable %s/%s missing: call Init with Model.LoRA set first", lctx.Scope(), spec.which)
			}
			if err := v.SetValue(tensors.FromFlatDataAndDimensions(data, spec.shape...)); err != nil {
				return err
			}
		}
	}
	return nil
}
