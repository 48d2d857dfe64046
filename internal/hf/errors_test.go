package hf

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/behaviorlm/harness/internal/hf/hftest"
)

// copyFixture copies a fixture checkpoint folder into a temporary folder.
func copyFixture(t *testing.T, flavour string) string {
	t.Helper()
	return hftest.CopyDir(t, fixtureDir(flavour), t.TempDir())
}

func editJSON(t *testing.T, path string, edit func(map[string]any)) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	data, err = json.Marshal(m)
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
			p := filepath.Join(dir, IndexFile)
			os.WriteFile(p, []byte(`{"weight_map": `), 0o644)
			return p
		}, ""},
		{"index names wrong shard", "qwen2", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, IndexFile)
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
			editJSON(t, filepath.Join(dir, IndexFile), func(m map[string]any) {
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

func TestSafetensorsRoundTripAndConversions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.safetensors")
	in := []NamedTensor{
		{Name: "b", Shape: []int{2, 3}, Data: []float32{1, -2, 3.5, 0, float32(math.Inf(1)), 1e-30}},
		{Name: "a", Shape: []int{}, Data: []float32{42}},
	}
	if err := WriteSafetensors(path, in, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	sf, err := OpenSafetensors(path)
	if err != nil {
		t.Fatal(err)
	}
	if sf.Metadata["k"] != "v" || len(sf.Tensors) != 2 {
		t.Fatalf("metadata %v, tensors %v", sf.Metadata, sf.Names())
	}
	for _, nt := range in {
		got, err := sf.ReadFloat32(nt.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !equalInts(sf.Tensors[nt.Name].Shape, nt.Shape) {
			t.Errorf("%s: shape %v, want %v", nt.Name, sf.Tensors[nt.Name].Shape, nt.Shape)
		}
		for i := range got {
			if got[i] != nt.Data[i] {
				t.Errorf("%s[%d] = %g, want %g", nt.Name, i, got[i], nt.Data[i])
			}
		}
	}
	if err := WriteSafetensors(path, []NamedTensor{{Name: "x", Shape: []int{3}, Data: []float32{1}}}, nil); err == nil {
		t.Error("WriteSafetensors accepted 1 value for shape [3]")
	}

	for _, c := range []struct {
		bits uint16
		want float32
	}{
		{0x3c00, 1}, {0xc000, -2}, {0x7bff, 65504}, {0x0001, 5.960464477539063e-08}, {0x03ff, 6.097555160522461e-05},
		{0x0400, 6.103515625e-05}, {0x8000, float32(math.Copysign(0, -1))}, {0x7c00, float32(math.Inf(1))}, {0x3555, 0.333251953125},
	} {
		if got := Float16ToFloat32(c.bits); got != c.want || math.Signbit(float64(got)) != math.Signbit(float64(c.want)) {
			t.Errorf("Float16ToFloat32(%#04x) = %g, want %g", c.bits, got, c.want)
		}
	}
	if got := Float16ToFloat32(0x7e00); !math.IsNaN(float64(got)) {
		t.Errorf("f16 NaN converted to %g", got)
	}
	if got := BFloat16ToFloat32(0x3f80); got != 1 {
		t.Errorf("BFloat16ToFloat32(0x3f80) = %g", got)
	}
	if got := BFloat16ToFloat32(0xc0a0); got != -5 {
		t.Errorf("BFloat16ToFloat32(0xc0a0) = %g", got)
	}
}

// FuzzSafetensorsHeader checks that no input makes the header parser panic or accept a tensor
// whose bytes lie outside the file.
func FuzzSafetensorsHeader(f *testing.F) {
	data, err := os.ReadFile(fixtureDir("llama") + ".logits.safetensors")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data[:2000])
	f.Add([]byte{8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '})
	f.Fuzz(func(t *testing.T, b []byte) {
		sf, err := parseSafetensorsHeader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		for name, info := range sf.Tensors {
			if sf.dataStart+info.End > int64(len(b)) {
				t.Errorf("tensor %q accepted beyond the end of the file", name)
			}
		}
	})
}
