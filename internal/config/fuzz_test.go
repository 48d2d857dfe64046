package config

import (
	"os"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the YAML loader: it must return a config or an error, never
// panic or hang, and its errors must name the file.
func FuzzParse(f *testing.F) {
	if b, err := os.ReadFile("../../experiments.yaml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("experiments: {e: {datasets: [d], methods: [m], tail_shots: [1], seeds: [1]}}\ndatasets: {d: {loader: synthetic}}\nmethods: {m: {kind: fake}}\n"))
	f.Add([]byte("x-a: &a {kind: fake}\nmethods: {m: {<<: *a}}\n"))
	f.Add([]byte("data: {history_len: -1}\n"))
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "fuzz.yaml", testRegistry())
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if len(c.Experiments) == 0 {
			t.Fatal("config without experiments accepted")
		}
	})
}
