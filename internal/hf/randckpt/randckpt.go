// Package randckpt writes random-weight checkpoints with the exact config.json, tensor names,
// shapes and dtype (bf16) of published models, so that the real-size path of package hf (loading
// sharded safetensors, memory, speed, numerics against PyTorch) can be exercised without
// downloading weights. It does not import GoMLX or package hf: the tensor list is derived here
// from the config, independently of the loader it checks.
package randckpt

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Spec is a published model's architecture: its config.json, verbatim.
type Spec struct {
	// Name is the Hub name of the model, e.g. "Qwen/Qwen2.5-0.5B".
	Name string
	// ConfigJSON is the model's config.json.
	ConfigJSON string
}

// Specs lists the models this package reproduces, by short name.
var Specs = map[string]Spec{
	"qwen2.5-0.5b": {Name: "Qwen/Qwen2.5-0.5B", ConfigJSON: qwen25Half},
	"llama-3.2-1b": {Name: "meta-llama/Llama-3.2-1B", ConfigJSON: llama32One},
}

// qwen25Half is Qwen/Qwen2.5-0.5B's config.json.
const qwen25Half = `{
  "architectures": [
    "Qwen2ForCausalLM"
  ],
  "attention_dropout": 0.0,
  "bos_token_id": 151643,
  "eos_token_id": 151643,
  "hidden_act": "silu",
  "hidden_size": 896,
  "initializer_range": 0.02,
  "intermediate_size": 4864,
  "max_position_embeddings": 32768,
  "max_window_layers": 24,
  "model_type": "qwen2",
  "num_attention_heads": 14,
  "num_hidden_layers": 24,
  "num_key_value_heads": 2,
  "rms_norm_eps": 1e-06,
  "rope_theta": 1000000.0,
  "sliding_window": 32768,
  "tie_word_embeddings": true,
  "torch_dtype": "bfloat16",
  "transformers_version": "4.40.1",
  "use_cache": true,
  "use_mrope": false,
  "use_sliding_window": false,
  "vocab_size": 151936
}
`

// llama32One is meta-llama/Llama-3.2-1B's config.json.
const llama32One = `{
  "architectures": [
    "LlamaForCausalLM"
  ],
  "attention_bias": false,
  "attention_dropout": 0.0,
  "bos_token_id": 128000,
  "eos_token_id": 128001,
  "head_dim": 64,
  "hidden_act": "silu",
  "hidden_size": 2048,
  "initializer_range": 0.02,
  "intermediate_size": 8192,
  "max_position_embeddings": 131072,
  "mlp_bias": false,
  "model_type": "llama",
  "num_attention_heads": 32,
  "num_hidden_layers": 16,
  "num_key_value_heads": 8,
  "pretraining_tp": 1,
  "rms_norm_eps": 1e-05,
  "rope_scaling": {
    "factor": 32.0,
    "high_freq_factor": 4.0,
    "low_freq_factor": 1.0,
    "original_max_position_embeddings": 8192,
    "rope_type": "llama3"
  },
  "rope_theta": 500000.0,
  "tie_word_embeddings": true,
  "torch_dtype": "bfloat16",
  "transformers_version": "4.45.0.dev0",
  "use_cache": true,
  "vocab_size": 128256
}
`

// Tensor is one tensor of a checkpoint: its name and shape (all are stored as BF16).
type Tensor struct {
	Name  string
	Shape []int
}

// Bytes is the tensor's size in bf16.
func (t Tensor) Bytes() int64 { return 2 * int64(numElements(t.Shape)) }

func numElements(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

type archConfig struct {
	ModelType         string `json:"model_type"`
	VocabSize         int    `json:"vocab_size"`
	HiddenSize        int    `json:"hidden_size"`
	IntermediateSize  int    `json:"intermediate_size"`
	NumHiddenLayers   int    `json:"num_hidden_layers"`
	NumAttentionHeads int    `json:"num_attention_heads"`
	NumKeyValueHeads  int    `json:"num_key_value_heads"`
	HeadDim           int    `json:"head_dim"`
	TieWordEmbeddings bool   `json:"tie_word_embeddings"`
	AttentionBias     bool   `json:"attention_bias"`
}

// Tensors lists the checkpoint's tensors in the order transformers' state_dict has them. Qwen2 has
// biases on q/k/v; with tie_word_embeddings there is no lm_head.weight (as in the Hub's files).
func (s Spec) Tensors() ([]Tensor, error) {
	var c archConfig
	if err := json.Unmarshal([]byte(s.ConfigJSON), &c); err != nil {
		return nil, fmt.Errorf("%s config.json: %w", s.Name, err)
	}
	h, inter := c.HiddenSize, c.IntermediateSize
	hd := c.HeadDim
	if hd == 0 {
		hd = h / c.NumAttentionHeads
	}
	q, kv := c.NumAttentionHeads*hd, c.NumKeyValueHeads*hd
	bias := c.ModelType == "qwen2" || c.AttentionBias
	out := []Tensor{{"model.embed_tokens.weight", []int{c.VocabSize, h}}}
	for l := range c.NumHiddenLayers {
		p := fmt.Sprintf("model.layers.%d.", l)
		add := func(name string, shape ...int) { out = append(out, Tensor{p + name, shape}) }
		add("self_attn.q_proj.weight", q, h)
		if bias {
			add("self_attn.q_proj.bias", q)
		}
		add("self_attn.k_proj.weight", kv, h)
		if bias {
			add("self_attn.k_proj.bias", kv)
		}
		add("self_attn.v_proj.weight", kv, h)
		if bias {
			add("self_attn.v_proj.bias", kv)
		}
		add("self_attn.o_proj.weight", h, q)
		add("mlp.gate_proj.weight", inter, h)
		add("mlp.up_proj.weight", inter, h)
		add("mlp.down_proj.weight", h, inter)
		add("input_layernorm.weight", h)
		add("post_attention_layernorm.weight", h)
	}
	out = append(out, Tensor{"model.norm.weight", []int{h}})
	if !c.TieWordEmbeddings {
		out = append(out, Tensor{"lm_head.weight", []int{c.VocabSize, h}})
	}
	return out, nil
}

// Summary describes a written checkpoint.
type Summary struct {
	Parameters  int64
	WeightBytes int64 // bf16 bytes of all tensors
	Shards      []string
}

// Write writes config.json, the bf16 safetensors (one model.safetensors when everything fits in
// shardBytes, else model-0000i-of-0000n.safetensors and model.safetensors.index.json, as
// transformers' save_pretrained names them) and tokenizer.json into dir. Weights are drawn from
// N(0, 0.02^2) and norm weights from 1 + N(0, 0.1^2), each tensor from its own stream seeded by
// seed and its name, so the values do not depend on the sharding.
func Write(dir string, spec Spec, tokenizerJSON []byte, seed uint64, shardBytes int64) (*Summary, error) {
	tensors, err := spec.Tensors()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(spec.ConfigJSON), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), tokenizerJSON, 0o644); err != nil {
		return nil, err
	}
	var shards [][]Tensor
	var size int64
	sum := &Summary{}
	for _, t := range tensors {
		if len(shards) == 0 || (size+t.Bytes() > shardBytes && size > 0) {
			shards = append(shards, nil)
			size = 0
		}
		shards[len(shards)-1] = append(shards[len(shards)-1], t)
		size += t.Bytes()
		sum.WeightBytes += t.Bytes()
		sum.Parameters += int64(numElements(t.Shape))
	}
	weightMap := map[string]string{}
	for i, sh := range shards {
		name := "model.safetensors"
		if len(shards) > 1 {
			name = fmt.Sprintf("model-%05d-of-%05d.safetensors", i+1, len(shards))
		}
		if err := writeShard(filepath.Join(dir, name), sh, seed); err != nil {
			return nil, err
		}
		for _, t := range sh {
			weightMap[t.Name] = name
		}
		sum.Shards = append(sum.Shards, name)
	}
	if len(shards) > 1 {
		index := map[string]any{"metadata": map[string]any{"total_size": sum.WeightBytes}, "weight_map": weightMap}
		data, err := json.MarshalIndent(index, "", "  ")
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), append(data, '\n'), 0o644); err != nil {
			return nil, err
		}
	}
	return sum, nil
}

// writeShard streams the tensors as BF16 into a safetensors file, in name order as safetensors'
// own writer lays them out.
func writeShard(path string, tensors []Tensor, seed uint64) (err error) {
	tensors = slices.Clone(tensors)
	slices.SortFunc(tensors, func(a, b Tensor) int { return strings.Compare(a.Name, b.Name) })
	header := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
	var off int64
	for _, t := range tensors {
		header[t.Name] = map[string]any{"dtype": "BF16", "shape": t.Shape, "data_offsets": []int64{off, off + t.Bytes()}}
		off += t.Bytes()
	}
	hdr, err := json.Marshal(header)
	if err != nil {
		return err
	}
	for len(hdr)%8 != 0 {
		hdr = append(hdr, ' ')
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	w := bufio.NewWriterSize(f, 1<<20)
	if err := binary.Write(w, binary.LittleEndian, uint64(len(hdr))); err != nil {
		return err
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	var buf [2]byte
	for _, t := range tensors {
		h := fnv.New64a()
		h.Write([]byte(t.Name))
		rng := rand.New(rand.NewPCG(seed, h.Sum64()))
		mean, std := 0.0, 0.02
		if strings.HasSuffix(t.Name, "norm.weight") {
			mean, std = 1, 0.1
		}
		for range numElements(t.Shape) {
			binary.LittleEndian.PutUint16(buf[:], ToBFloat16(float32(mean+std*rng.NormFloat64())))
			if _, err := w.Write(buf[:]); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// ToBFloat16 rounds a float32 to the nearest bfloat16 (ties to even), as PyTorch's
// tensor.to(torch.bfloat16) does; NaN stays NaN.
func ToBFloat16(f float32) uint16 {
	b := math.Float32bits(f)
	if f != f {
		return uint16(b>>16) | 0x40
	}
	return uint16((b + 0x7fff + (b>>16)&1) >> 16)
}
