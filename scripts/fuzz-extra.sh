#!/usr/bin/env bash
# Brief fuzzing of the targets that .ci/run does not already run (it fuzzes the four datasets
# readers itself). Called by .ci/run; FUZZTIME overrides the 5000 executions per target (a count,
# not a duration: see the note in .ci/run on golang/go#75804).
set -euo pipefail
cd "$(dirname "$0")/.."
t="${FUZZTIME:-5000x}"
fuzz() { echo "--- fuzz $2 ($1, $t)"; go test "$1" -run '^$' -fuzz "^$2\$" -fuzztime "$t"; }
fuzz ./internal/config FuzzParse
fuzz ./internal/hf/safetensors FuzzSafetensorsHeader
fuzz ./internal/hf/tokenizer FuzzEncodeRoundTrip
fuzz ./internal/results FuzzDecodeOutcomes
