package hf

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/behaviorlm/harness/internal/hf/randckpt"
)

// TestLoadRandckpt loads a checkpoint written by randckpt: bf16 shards with an index, tied
// embeddings, llama3 rope scaling, the real-size specs' layout at a tiny size.
func TestLoadRandckpt(t *testing.T) {
	spec := randckpt.Spec{Name: "tiny-llama", ConfigJSON: `{"model_type": "llama", "vocab_size": 400, "hidden_size": 32,
		"intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 8,
		"rms_norm_eps": 1e-5, "rope_theta": 500000.0, "tie_word_embeddings": true,
		"rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0, "original_max_position_embeddings": 8192, "rope_type": "llama3"}}`}
	tok, err := os.ReadFile(filepath.Join(fixtureDir("llama"), "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sum, err := randckpt.Write(dir, spec, tok, 1, 8000)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Shards) < 2 {
		t.Fatalf("%d shards, want several", len(sum.Shards))
	}
	m, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !m.tiedHead || m.Config.RopeScaling == nil || m.Config.RopeScaling.RopeType != "llama3" {
		t.Errorf("tied %v, rope scaling %+v", m.tiedHead, m.Config.RopeScaling)
	}
	if int64(m.NumParameters()) != sum.Parameters {
		t.Errorf("%d parameters loaded, %d written", m.NumParameters(), sum.Parameters)
	}
	m.Backend = newBackend(t)
	ctx := context.New()
	if err := m.Init(ctx); err != nil {
		t.Fatal(err)
	}
	logits := runForward(t, m.Backend, m, ctx, [][]int{{1, 2, 3, 4}})
	if len(logits[0]) != 4 || len(logits[0][0]) != 400 {
		t.Fatalf("logits %d x %d", len(logits[0]), len(logits[0][0]))
	}
}
