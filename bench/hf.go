package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/internal/hf"
	"github.com/behaviorlm/harness/internal/hf/safetensors"
)

// The hf-forward benchmark: the hf backbone (internal/hf, Qwen2 architecture) at Qwen2-0.5B's layer
// widths (hidden 896, 14 heads, 2 key/value heads, MLP 4864) but hfLayers layers and a small
// vocabulary, random weights, evaluation forward (Hidden: embeddings, decoder layers, final norm;
// no language-model head) of hfBatch sequences of hfTokens tokens. Qwen2-0.5B has 24 layers: its
// layer part takes about 12x as long. bench/torch_models.py's Qwen2 mirrors it.
const (
	hfHidden, hfHeads, hfKVHeads, hfMLP = 896, 14, 2, 4864
	hfLayers, hfVocab                   = 2, 1024
	hfBatch, hfTokens                   = 8, 64
)

// hfCheckpoint writes a Qwen2 checkpoint of the benchmark's shape (zero weights; InitRandom
// replaces them) into dir.
func hfCheckpoint(dir string) error {
	cfg := map[string]any{"model_type": "qwen2", "vocab_size": hfVocab, "hidden_size": hfHidden,
		"intermediate_size": hfMLP, "num_hidden_layers": hfLayers, "num_attention_heads": hfHeads,
		"num_key_value_heads": hfKVHeads, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0, "tie_word_embeddings": true}
	data, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), data, 0o644); err != nil {
		return err
	}
	// A byte-level BPE vocabulary of one token per printable ASCII byte, no merges: the benchmark
	// feeds token ids, so the tokenizer only has to load.
	vocab := map[string]int{}
	for b := '!'; b <= '~'; b++ {
		vocab[string(b)] = len(vocab)
	}
	tok, err := json.Marshal(map[string]any{"model": map[string]any{"type": "BPE", "vocab": vocab, "merges": []any{}}})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), tok, 0o644); err != nil {
		return err
	}
	kv := hfHidden / hfHeads * hfKVHeads
	var ts []safetensors.NamedTensor
	add := func(name string, shape ...int) {
		n := 1
		for _, d := range shape {
			n *= d
		}
		ts = append(ts, safetensors.NamedTensor{Name: name, Shape: shape, Data: make([]float32, n)})
	}
	add("model.embed_tokens.weight", hfVocab, hfHidden)
	add("model.norm.weight", hfHidden)
	for l := range hfLayers {
		p := fmt.Sprintf("model.layers.%d.", l)
		add(p+"input_layernorm.weight", hfHidden)
		add(p+"post_attention_layernorm.weight", hfHidden)
		add(p+"self_attn.q_proj.weight", hfHidden, hfHidden)
		add(p+"self_attn.q_proj.bias", hfHidden)
		add(p+"self_attn.k_proj.weight", kv, hfHidden)
		add(p+"self_attn.k_proj.bias", kv)
		add(p+"self_attn.v_proj.weight", kv, hfHidden)
		add(p+"self_attn.v_proj.bias", kv)
		add(p+"self_attn.o_proj.weight", hfHidden, hfHidden)
		add(p+"mlp.gate_proj.weight", hfMLP, hfHidden)
		add(p+"mlp.up_proj.weight", hfMLP, hfHidden)
		add(p+"mlp.down_proj.weight", hfHidden, hfMLP)
	}
	return safetensors.Write(filepath.Join(dir, "model.safetensors"), ts, nil)
}

// hfForward times o.steps evaluation forwards of the backbone (compiled once, untimed).
func hfForward(backend backends.Backend, o options) (measure, error) {
	dir, err := os.MkdirTemp("", "bench-hf-")
	if err != nil {
		return measure{}, err
	}
	defer os.RemoveAll(dir)
	if err := hfCheckpoint(dir); err != nil {
		return measure{}, fmt.Errorf("writing the benchmark checkpoint: %w", err)
	}
	m, err := hf.Load(dir)
	if err != nil {
		return measure{}, err
	}
	ctx := context.New()
	if err := m.InitRandom(ctx, 1); err != nil {
		return measure{}, err
	}
	seqs := make([][]int, hfBatch)
	for i := range seqs {
		for j := range hfTokens {
			seqs[i] = append(seqs[i], (i*31+j*7)%hfVocab)
		}
	}
	tokens, mask := hf.LeftPad(seqs, 0)
	exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, tok, msk *graph.Node) *graph.Node {
		positions, allowed := hf.CausalInputs(tok.Graph(), msk)
		return m.Hidden(ctx, tok, positions, allowed, false)
	})
	if err != nil {
		return measure{}, err
	}
	defer exec.Finalize()
	run := func() error {
		out, err := exec.Exec(tokens, mask)
		if err != nil {
			return err
		}
		for _, t := range out {
			t.FinalizeAll()
		}
		return nil
	}
	if err := run(); err != nil { // compile
		return measure{}, err
	}
	s, err := timed(func() error {
		for range o.steps {
			if err := run(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return measure{}, err
	}
	return perStep("tokens/s", hfBatch*hfTokens, span{}, s, o.steps), nil
}
