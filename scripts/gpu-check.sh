#!/usr/bin/env bash
# gpu-check.sh: the hf backbone on one NVIDIA GPU, end to end, in at most 8 minutes, on a machine
# that may have neither Go nor the internet. See README.md, "Running on a GPU".
#
# 1. Elsewhere, with Go and cgo (the XLA backend loads the PJRT plugin with dlopen; build on a
#    machine whose glibc is not newer than the GPU machine's), from the repository root:
#
#      mkdir -p bin
#      CGO_ENABLED=1 go build -trimpath -ldflags='-s -w' -o bin/runner   ./runner
#      CGO_ENABLED=1 go build -trimpath -ldflags='-s -w' -o bin/realsize ./reference/hf/realsize
#      CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o bin/randckpt ./reference/hf/randckpt
#      tar czf gpu-check.tgz bin scripts/gpu-check.sh scripts/gpu-check.yaml \
#          internal/hf/tokenizer/testdata/real reference/hf/*.py
#
#    (-s -w strips the symbol tables: about 40% smaller; the data sets are embedded in runner.)
# 2. On the GPU machine: tar xzf gpu-check.tgz && scripts/gpu-check.sh
#
# It finds a CUDA PJRT plugin, checks its PJRT C API version, writes a Qwen2.5-0.5B-shaped random
# checkpoint (randckpt; or, where Python has transformers, a randomly initialised
# Qwen2ForCausalLM saved with save_pretrained), compares Go's logits with PyTorch's, times
# forward, scoring and LoRA steps, runs uniform and BehaviorLM with the hf backbone on nyc
# (k = 5, seed 1, reduced steps), repeats the uniform cell from its saved adapter, and prints
# tokens/s, step time, peak GPU memory and the metrics.
#
# Environment:
#   GPU_CHECK_PLUGIN  path of the PJRT plugin (.so) to use instead of searching
#   GPU_CHECK_MODEL   a real checkpoint folder to use instead of the random one (no logits check)
#   GPU_CHECK_WORK    work folder [a new temporary folder]
#   GPU_CHECK_BIN     folder of runner, realsize, randckpt [bin]
#   GPU_CHECK_CPU=1   dry run on the CPU: backend go, the tiny test checkpoint, no GPU needed;
#                     the plugin search and version check only report (what CI tests)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
start=$(date +%s)
budget=${GPU_CHECK_BUDGET:-480} # seconds for the whole check
bin=${GPU_CHECK_BIN:-$root/bin}
work=${GPU_CHECK_WORK:-/tmp/gpu-check.$$}
cpu=${GPU_CHECK_CPU:-0}

# go-xla v0.1.4 is built against this PJRT C API version (pkg/pjrt/pjrt_c_api.h). It does not
# reject other versions itself; a plugin with another major version, or an older minor version,
# lacks or changes functions it calls.
PJRT_MAJOR=0
PJRT_MINOR=83

say() { printf '\n=== %s (%ds)\n' "$1" $(($(date +%s) - start)); }
fail() { echo "gpu-check: $*" >&2; exit 1; }
left() { echo $((budget - ($(date +%s) - start))); }
# run_for SECONDS CMD...: runs CMD with at most SECONDS and at most what is left of the budget.
run_for() {
  local s=$1; shift
  local l; l=$(left)
  [ "$l" -gt 5 ] || fail "the ${budget}s budget is spent"
  timeout "$((s < l ? s : l))" "$@"
}

# find_plugin prints the path of a CUDA PJRT plugin: $GPU_CHECK_PLUGIN, go-xla's installer
# locations ($PJRT_PLUGIN_LIBRARY_PATH, ~/.local/lib/go-xla, /usr/local/lib/go-xla), or the one a
# JAX install carries (site-packages/jax_plugins/xla_cuda*/xla_cuda_plugin.so).
find_plugin() {
  if [ -n "${GPU_CHECK_PLUGIN:-}" ]; then
    [ -f "$GPU_CHECK_PLUGIN" ] || fail "GPU_CHECK_PLUGIN=$GPU_CHECK_PLUGIN is not a file"
    echo "$GPU_CHECK_PLUGIN"; return 0
  fi
  local d dirs=()
  IFS=: read -r -a dirs <<< "${PJRT_PLUGIN_LIBRARY_PATH:-}"
  dirs+=("$HOME/.local/lib/go-xla" "$HOME/.local/lib/go-xla/nvidia" /usr/local/lib/go-xla /usr/local/lib/go-xla/nvidia)
  for d in "${dirs[@]}"; do
    [ -n "$d" ] && [ -f "$d/pjrt_c_api_cuda_plugin.so" ] && { echo "$d/pjrt_c_api_cuda_plugin.so"; return 0; }
  done
  if command -v python3 >/dev/null; then
    local sp
    for sp in $(python3 -c 'import site, sys; print(" ".join(site.getsitepackages() + [site.getusersitepackages()]))' 2>/dev/null); do
      for d in "$sp"/jax_plugins/xla_cuda*/xla_cuda_plugin.so; do
        [ -f "$d" ] && { echo "$d"; return 0; }
      done
    done
  fi
  return 1
}

# plugin_version PATH prints "MAJOR MINOR" of the plugin's PJRT C API (GetPjrtApi()->pjrt_api_version,
# read with Python's ctypes: the struct starts with size_t, a pointer, then the version struct
# {size_t, pointer, int major, int minor}).
plugin_version() {
  python3 - "$1" <<'PY'
import ctypes, sys
lib = ctypes.CDLL(sys.argv[1])
lib.GetPjrtApi.restype = ctypes.c_void_p
api = lib.GetPjrtApi()
major, minor = ctypes.c_int.from_address(api + 32).value, ctypes.c_int.from_address(api + 36).value
print(major, minor)
PY
}

# check_version MAJOR MINOR: fails for another major version, warns for an older minor.
check_version() {
  if [ "$1" != "$PJRT_MAJOR" ]; then
    echo "PJRT C API $1.$2: go-xla v0.1.4 needs major version $PJRT_MAJOR"; return 1
  fi
  if [ "$2" -lt "$PJRT_MINOR" ]; then
    echo "PJRT C API $1.$2 is older than the $PJRT_MAJOR.$PJRT_MINOR go-xla v0.1.4 was built against: functions it calls may be missing (try a newer jax-cuda12-pjrt / jax-cuda13-pjrt)"; return 2
  fi
  echo "PJRT C API $1.$2 (go-xla v0.1.4 is built against $PJRT_MAJOR.$PJRT_MINOR; newer minor versions keep compatibility)"
}

# Sourced with GPU_CHECK_LIB=1 (the tests of reference/hf/realsize), only the functions above.
if [ "${GPU_CHECK_LIB:-0}" = 1 ]; then return 0 2>/dev/null || exit 0; fi

for b in runner realsize randckpt; do
  [ -x "$bin/$b" ] || fail "$bin/$b missing: build the binaries first (see the top of this script)"
done
mkdir -p "$work"

say "machine"
uname -srm
if [ "$cpu" = 1 ]; then
  echo "dry run on the CPU (GPU_CHECK_CPU=1)"
  backend=go
else
  command -v nvidia-smi >/dev/null || fail "nvidia-smi not found: no NVIDIA driver"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
fi

say "PJRT plugin"
if plugin=$(find_plugin); then
  echo "plugin: $plugin"
  if command -v python3 >/dev/null && version=$(plugin_version "$plugin" 2>/dev/null); then
    rc=0; check_version $version || rc=$?
    [ "$rc" = 1 ] && [ "$cpu" != 1 ] && fail "incompatible plugin"
  else
    echo "(no python3 with ctypes, or the plugin did not load: version not checked; the runner reports it)"
  fi
  [ "$cpu" = 1 ] || backend="xla:$plugin"
else
  [ "$cpu" = 1 ] || fail "no CUDA PJRT plugin found: install one (go run github.com/gomlx/go-xla/cmd/pjrt_installer@v0.1.4 elsewhere and copy ~/.local/lib/go-xla, or pip install jax[cuda12]), or set GPU_CHECK_PLUGIN"
  echo "no plugin found (dry run: not needed)"
fi
echo "backend: $backend"

# gpu_memory_watch: samples the used GPU memory every second into $work/gpu-mem.
gpu_memory_watch() {
  [ "$cpu" = 1 ] && return 0
  while sleep 1; do nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits | head -1; done > "$work/gpu-mem" 2>/dev/null &
  watcher=$!
  trap 'kill "$watcher" 2>/dev/null || true' EXIT
}
gpu_memory_watch

say "checkpoint"
ckpt=$work/checkpoint
logits=""
tok=internal/hf/tokenizer/testdata/real/qwen3/tokenizer.json.gz
if [ "$cpu" = 1 ]; then
  ckpt=$root/internal/hf/testdata/qwen2 # the tiny test checkpoint: the path runs, numbers mean nothing
elif [ -n "${GPU_CHECK_MODEL:-}" ]; then
  ckpt=$GPU_CHECK_MODEL
elif python3 -c 'import torch, transformers' 2>/dev/null; then
  echo "transformers found: save_pretrained of a randomly initialised Qwen2ForCausalLM, logits by transformers"
  run_for 240 python3 reference/hf/transformers_logits.py "$ckpt" "$work/logits.safetensors" "$tok"
  logits=$work/logits.safetensors
else
  run_for 120 "$bin/randckpt" -model qwen2.5-0.5b -out "$ckpt" -tokenizer "$tok"
  if python3 -c 'import torch' 2>/dev/null; then
    run_for 180 env OMP_WAIT_POLICY=PASSIVE python3 reference/hf/realsize_logits.py "$ckpt" "$work/logits.safetensors"
    logits=$work/logits.safetensors
  else
    echo "(no PyTorch: logits not compared)"
  fi
fi

if [ -n "$logits" ]; then
  say "logits: Go ($backend) vs PyTorch"
  run_for 120 "$bin/realsize" -backend "$backend" -dir "$ckpt" -check-logits "$logits"
fi

say "speed: forward, scoring of nyc's 292 behaviors, LoRA steps"
if [ "$cpu" = 1 ]; then steps="-samples 1 -lora-steps 1 -lora-batch 2 -forward-tokens 32 -max-prompt-tokens 64"; else steps="-samples 8 -lora-steps 3 -lora-batch 2"; fi
# shellcheck disable=SC2086
run_for 150 "$bin/realsize" -backend "$backend" -dir "$ckpt" $steps

say "runner: uniform and behaviorlm, nyc, k=5, seed 1"
# The experiments file names the checkpoint "checkpoint", relative to the working directory.
mkdir -p "$work/run"
ln -sfn "$ckpt" "$work/run/checkpoint"
cfg=$root/scripts/gpu-check.yaml
exp=gpu-check data=nyc
[ "$cpu" = 1 ] && exp=gpu-check-cpu data=tiny
(cd "$work/run" && run_for 300 "$bin/runner" -config "$cfg" -exp "$exp" -out "$work/run/results" -backend "$backend" -force)
cell=$work/run/results/$exp/cells/$data/uniform/k5-seed1.json

say "runner -repeat: the uniform cell scored from its saved adapter, without training"
ls "$work/run/results/$exp/artifacts/$data/uniform/k5-seed1/finetune"
# Exit status 1 means a metric differs from the stored one (printed above); the check goes on.
(cd "$work/run" && run_for 120 "$bin/runner" -repeat "$cell" -backend "$backend") || echo "(-repeat exit status $?)"

say "results"
cat "$work/run/results/$exp/report.md"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); print(json.dumps({k: c[k] for k in ("metrics","stages","backend") if k in c}, indent=1))' "$cell" 2>/dev/null || cat "$cell"
if [ "$cpu" != 1 ] && [ -s "$work/gpu-mem" ]; then
  echo "peak GPU memory used: $(sort -n "$work/gpu-mem" | tail -1) MiB"
fi
echo "gpu-check: done in $(($(date +%s) - start))s (budget ${budget}s); work folder $work"
