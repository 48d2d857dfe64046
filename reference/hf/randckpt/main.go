// Command randckpt writes a random-weight checkpoint with the exact config.json, tensor names,
// shapes and dtype (bf16) of Qwen2.5-0.5B or Llama-3.2-1B (package internal/hf/randckpt), with a
// real tokenizer.json, so that the hf backbone can be loaded, timed and checked at real size
// without downloading weights:
//
//	go run ./reference/hf/randckpt -model qwen2.5-0.5b -out /tmp/qwen05 \
//	    -tokenizer internal/hf/tokenizer/testdata/real/qwen3/tokenizer.json.gz
//	go run ./reference/hf/randckpt -model llama-3.2-1b -out /tmp/llama1b \
//	    -tokenizer .cache/tokenizers/llama3/tokenizer.json   # reference/tokenizers/fetch.sh
//
// Built beforehand (CGO_ENABLED=0 go build ./reference/hf/randckpt), it runs without Go.
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/behaviorlm/harness/internal/hf/randckpt"
)

func main() {
	model := flag.String("model", "qwen2.5-0.5b", "architecture: "+strings.Join(names(), ", "))
	out := flag.String("out", "", "checkpoint folder to write (required)")
	tok := flag.String("tokenizer", "", "tokenizer.json (or .json.gz) to copy into the folder (required)")
	seed := flag.Uint64("seed", 1, "seed of the random weights")
	shardMB := flag.Int64("shard-mb", 500, "largest shard in MB (10^6 bytes); the real files are single model.safetensors")
	flag.Parse()
	if err := run(*model, *out, *tok, *seed, *shardMB*1_000_000); err != nil {
		fmt.Fprintln(os.Stderr, "randckpt:", err)
		os.Exit(1)
	}
}

func names() []string {
	var out []string
	for n := range randckpt.Specs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func run(model, out, tokPath string, seed uint64, shardBytes int64) error {
	spec, ok := randckpt.Specs[model]
	if !ok {
		return fmt.Errorf("-model %q: known are %s", model, strings.Join(names(), ", "))
	}
	if out == "" || tokPath == "" {
		return fmt.Errorf("-out and -tokenizer are required")
	}
	tok, err := os.ReadFile(tokPath)
	if err != nil {
		return err
	}
	if strings.HasSuffix(tokPath, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(tok))
		if err != nil {
			return fmt.Errorf("%s: %w", tokPath, err)
		}
		if tok, err = io.ReadAll(zr); err != nil {
			return fmt.Errorf("%s: %w", tokPath, err)
		}
	}
	start := time.Now()
	sum, err := randckpt.Write(out, spec, tok, seed, shardBytes)
	if err != nil {
		return err
	}
	fmt.Printf("%s: %s-shaped random checkpoint, %d parameters, %.3f GB bf16 in %d file(s), %.1fs\n",
		out, spec.Name, sum.Parameters, float64(sum.WeightBytes)/1e9, len(sum.Shards), time.Since(start).Seconds())
	return nil
}
