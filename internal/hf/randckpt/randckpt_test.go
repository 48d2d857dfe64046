package randckpt

import (
	"path/filepath"
	"testing"

	"github.com/behaviorlm/harness/internal/hf/hftest"
)

// TestParameterCounts checks the tensor lists against the published parameter counts, computed by
// hand: Qwen2.5-0.5B 24 x 14,912,384 + 151936 x 896 + 896 = 494,032,768; Llama-3.2-1B
// 16 x 60,821,504 + 128256 x 2048 + 2048 = 1,235,814,400 (both tie the output head).
func TestParameterCounts(t *testing.T) {
	for name, want := range map[string]int64{"qwen2.5-0.5b": 494_032_768, "llama-3.2-1b": 1_235_814_400} {
		ts, err := Specs[name].Tensors()
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, x := range ts {
			n += int64(numElements(x.Shape))
		}
		if n != want {
			t.Errorf("%s: %d parameters, want %d", name, n, want)
		}
		for _, x := range ts {
			if x.Name == "lm_head.weight" {
				t.Errorf("%s: lm_head.weight present although embeddings are tied", name)
			}
		}
	}
}

func TestToBFloat16(t *testing.T) {
	for _, c := range []struct {
		in   float32
		want uint16
	}{
		{1, 0x3f80}, {-2, 0xc000}, {0, 0},
		{1 + 1.0/256, 0x3f80},  // halfway, even below: down
		{1 + 3.0/256, 0x3f82},  // halfway, odd below: up
		{1 + 1.5/256, 0x3f81},  // above halfway: up
		{3.3895314e38, 0x7f7f}, // largest bf16
	} {
		if got := ToBFloat16(c.in); got != c.want {
			t.Errorf("ToBFloat16(%g) = %#04x, want %#04x", c.in, got, c.want)
		}
	}
}

// TestWriteShards writes a small spec in several shards and checks the index and header.
func TestWriteShards(t *testing.T) {
	spec := Spec{Name: "tiny", ConfigJSON: `{"model_type": "qwen2", "vocab_size": 10, "hidden_size": 8,
		"intermediate_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2, "num_key_value_heads": 1,
		"tie_word_embeddings": false}`}
	dir := t.TempDir()
	sum, err := Write(dir, spec, []byte("{}"), 1, 300)
	if err != nil {
		t.Fatal(err)
	}
	ts, _ := spec.Tensors()
	if len(sum.Shards) < 2 {
		t.Fatalf("%d shards, want several", len(sum.Shards))
	}
	var index struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	hftest.ReadJSON(t, filepath.Join(dir, "model.safetensors.index.json"), &index)
	if len(index.WeightMap) != len(ts) || index.WeightMap["lm_head.weight"] == "" {
		t.Errorf("index maps %d tensors (lm_head %q), want %d", len(index.WeightMap), index.WeightMap["lm_head.weight"], len(ts))
	}
}
