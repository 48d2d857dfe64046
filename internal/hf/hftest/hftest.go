// Package hftest holds test helpers for Hugging Face checkpoints: reading the fixtures' JSON files,
// and for breaking checkpoints on purpose, copying a checkpoint folder and editing the JSON header
// of a safetensors file. It is used by the tests of internal/hf, its subpackages and the runner.
package hftest

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Prompt is one prompt of a fixture's expected.json (made by reference/hf/make_fixture.py): its
// text and the reference tokenizer's ids, without and with special tokens.
type Prompt struct {
	Text       string `json:"text"`
	IDs        []int  `json:"ids"`
	IDsSpecial []int  `json:"ids_special"`
}

// ReadJSON decodes the JSON file at path into v.
func ReadJSON(t testing.TB, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}

// CopyDir copies the files of folder from (not recursively) into to, creating it, and returns
// the copy's absolute path.
func CopyDir(t testing.TB, from, to string) string {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	abs, err := filepath.Abs(to)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// RewriteSafetensorsHeader edits the JSON header of the safetensors file at path in place,
// keeping its data section.
func RewriteSafetensorsHeader(t testing.TB, path string, edit func(map[string]any)) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(data)
	var h map[string]any
	if err := json.Unmarshal(data[8:8+n], &h); err != nil {
		t.Fatal(err)
	}
	edit(h)
	hdr, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	binary.Write(&buf, binary.LittleEndian, uint64(len(hdr)))
	buf.Write(hdr)
	buf.Write(data[8+n:])
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
