package hf

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/behaviorlm/harness/internal/hf/hftest"
	"github.com/behaviorlm/harness/internal/hf/safetensors"
)

// copyFixture copies a fixture checkpoint folder into a temporary folder.
func copyFixture(t *testing.T, flavour string) string {
	t.Helper()
	return hftest.CopyDir(t, fixtureDir(flavour), t.TempDir())
}

func editJSON(t *testing.T, path string, edit func(map[string]any)) {
	t.Helper()
	var m map[string]any
	hftest.ReadJSON(t, path, &m)
	edit(m)
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadErrorsNameTheFile(t *testing.T) {
	cases := []struct {
		name    string
		flavour string
		breakIt func(t *testing.T, dir string) (file string)
		want    string // extra substring of the error
	}{
		{"truncated safetensors", "llama", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "model.safetensors")
			data, _ := os.ReadFile(p)
			os.WriteFile(p, data[:len(data)-10], 0o644)
			return p
		}, "truncated"},
		{"truncated header", "llama", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "model.safetensors")
			data, _ := os.ReadFile(p)
			os.WriteFile(p, data[:100], 0o644)
			return p
		}, "header length"},
		{"empty safetensors", "llama", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "model.safetensors")
			os.WriteFile(p, nil, 0o644)
			return p
		}, "header length"},
		{"shard truncated", "qwen2", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "model-00002-of-00002.safetensors")
			data, _ := os.ReadFile(p)
			os.WriteFile(p, data[:len(data)/2], 0o644)
			return p
		}, "truncated"},
		{"wrong shape (config)", "llama", func(t *testing.T, dir string) string {
			editJSON(t, filepath.Join(dir, "config.json"), func(m map[string]any) { m["intermediate_size"] = 40.0 })
			return filepath.Join(dir, "model.safetensors")
		}, "shape"},
		{"wrong vocab", "qwen2", func(t *testing.T, dir string) string {
			editJSON(t, filepath.Join(dir, "config.json"), func(m map[string]any) { m["vocab_size"] = 400.0 })
			return filepath.Join(dir, "model-00001-of-00002.safetensors")
		}, "model.embed_tokens.weight"},
		{"malformed config", "llama", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "config.json")
			os.WriteFile(p, []byte(`{"model_type": "llama", "hidden_size": 32,`), 0o644)
			return p
		}, ""},
		{"unsupported architecture", "llama", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "config.json")
			editJSON(t, p, func(m map[string]any) { m["model_type"] = "gpt2" })
			return p
		}, "gpt2"},
		{"heads not dividing", "qwen2", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "config.json")
			editJSON(t, p, func(m map[string]any) { m["num_key_value_heads"] = 3.0 })
			return p
		}, "num_key_value_heads"},
		{"missing config", "llama", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "config.json")
			os.Remove(p)
			return p
		}, ""},
		{"missing tokenizer", "llama", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "tokenizer.json")
			os.Remove(p)
			return p
		}, ""},
		{"malformed tokenizer", "qwen2", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "tokenizer.json")
			os.WriteFile(p, []byte(`{"model": {"type": "BPE", "vocab": [1, 2]}}`), 0o644)
			return p
		}, ""},
		{"missing weights", "llama", func(t *testing.T, dir string) string {
			os.Remove(filepath.Join(dir, "model.safetensors"))
			return dir
		}, "no model.safetensors"},
		{"missing shard", "qwen2", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "model-00001-of-00002.safetensors")
			os.Remove(p)
			return p
		}, ""},
		{"malformed index", "qwen2", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, safetensors.IndexFile)
			os.WriteFile(p, []byte(`{"weight_map": `), 0o644)
			return p
		}, ""},
		{"index names wrong shard", "qwen2", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, safetensors.IndexFile)
			editJSON(t, p, func(m map[string]any) {
				m["weight_map"].(map[string]any)["model.norm.weight"] = "model-00001-of-00002.safetensors"
			})
			return p
		}, "model.norm.weight"},
		{"missing tensor", "llama", func(t *testing.T, dir string) string {
			hftest.RewriteSafetensorsHeader(t, filepath.Join(dir, "model.safetensors"), func(h map[string]any) {
				delete(h, "model.layers.1.mlp.up_proj.weight")
			})
			return dir
		}, "model.layers.1.mlp.up_proj.weight"},
		{"missing qwen2 bias", "qwen2", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "model-00001-of-00002.safetensors")
			hftest.RewriteSafetensorsHeader(t, p, func(h map[string]any) { delete(h, "model.layers.0.self_attn.k_proj.bias") })
			editJSON(t, filepath.Join(dir, safetensors.IndexFile), func(m map[string]any) {
				delete(m["weight_map"].(map[string]any), "model.layers.0.self_attn.k_proj.bias")
			})
			return dir
		}, "k_proj bias"},
		{"integer dtype", "llama", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "model.safetensors")
			hftest.RewriteSafetensorsHeader(t, p, func(h map[string]any) {
				h["model.norm.weight"].(map[string]any)["dtype"] = "I32"
			})
			return p
		}, "I32"},
		{"offsets mismatch dtype", "llama", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "model.safetensors")
			hftest.RewriteSafetensorsHeader(t, p, func(h map[string]any) {
				h["model.norm.weight"].(map[string]any)["dtype"] = "F16"
			})
			return p
		}, "data_offsets"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copyFixture(t, c.flavour)
			file := c.breakIt(t, dir)
			_, err := Load(dir)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			if !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not name %s and %q", err, file, c.want)
			}
		})
	}
}
