package hf

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/internal/hf/safetensors"
)

// benchForward times Forward (compiled once) on a batch of b sequences of t tokens.
func benchForward(bm *testing.B, m *Model, ctx *context.Context, b, t int) {
	backend := newBackend(bm)
	seqs := make([][]int, b)
	for i := range seqs {
		for j := 0; j < t; j++ {
			seqs[i] = append(seqs[i], (i*31+j*7)%m.Tokenizer.VocabSize())
		}
	}
	tokens, mask := LeftPad(seqs, 0)
	exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, tok, msk *graph.Node) *graph.Node {
		return m.Forward(ctx, tok, msk, false)
	})
	if err != nil {
		bm.Fatal(err)
	}
	defer exec.Finalize()
	if _, err := exec.Exec(tokens, mask); err != nil { // compile
		bm.Fatal(err)
	}
	bm.ResetTimer()
	for bm.Loop() {
		out, err := exec.Exec(tokens, mask)
		if err != nil {
			bm.Fatal(err)
		}
		out[0].FinalizeAll()
	}
	bm.ReportMetric(float64(b*t)*float64(bm.N)/bm.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkForwardFixture: the llama fixture, 8 sequences of 45 tokens.
func BenchmarkForwardFixture(bm *testing.B) {
	m, ctx := loadFixture(bm, "llama", nil)
	benchForward(bm, m, ctx, 8, 45)
}

// BenchmarkForwardQwen2Width: a random checkpoint with Qwen2-0.5B's layer widths (hidden 896, 14
// heads, 2 key/value heads, MLP 4864) but 2 layers and a 32000-token vocabulary, 8 x 64 tokens.
// Qwen2-0.5B has 24 layers and 151936 tokens: scale the layer part by 12.
func BenchmarkForwardQwen2Width(bm *testing.B) {
	dir := bm.TempDir()
	cfg := map[string]any{"model_type": "qwen2", "vocab_size": 32000, "hidden_size": 896, "intermediate_size": 4864,
		"num_hidden_layers": 2, "num_attention_heads": 14, "num_key_value_heads": 2, "rms_norm_eps": 1e-6,
		"rope_theta": 1000000.0, "tie_word_embeddings": true}
	writeRandomCheckpoint(bm, dir, cfg)
	m, err := Load(dir)
	if err != nil {
		bm.Fatal(err)
	}
	ctx := context.New()
	if err := m.Init(ctx); err != nil {
		bm.Fatal(err)
	}
	benchForward(bm, m, ctx, 8, 64)
}

// writeRandomCheckpoint writes config.json, model.safetensors with small random weights and the
// qwen2 fixture's tokenizer.json into dir.
func writeRandomCheckpoint(tb testing.TB, dir string, cfgJSON map[string]any) {
	tb.Helper()
	data, err := json.Marshal(cfgJSON)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), data, 0o644); err != nil {
		tb.Fatal(err)
	}
	tok, err := os.ReadFile(filepath.Join(fixtureDir("qwen2"), "tokenizer.json"))
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), tok, 0o644); err != nil {
		tb.Fatal(err)
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		tb.Fatal(err)
	}
	m := &Model{Config: cfg, hasBias: map[string]bool{}, tiedHead: cfg.TieWordEmbeddings}
	if cfg.ModelType == "qwen2" {
		m.hasBias["q_proj"], m.hasBias["k_proj"], m.hasBias["v_proj"] = true, true, true
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var ts []safetensors.NamedTensor
	for _, s := range m.weightSpecs() {
		n := 1
		for _, d := range s.shape {
			n *= d
		}
		vals := make([]float32, n)
		for i := range vals {
			vals[i] = float32(rng.NormFloat64() * 0.02)
		}
		ts = append(ts, safetensors.NamedTensor{Name: s.hfName, Shape: s.shape, Data: vals})
	}
	if err := safetensors.Write(filepath.Join(dir, "model.safetensors"), ts, nil); err != nil {
		tb.Fatal(err)
	}
}
