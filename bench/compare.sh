#!/usr/bin/env bash
# Runs the harness benchmarks on the pure-Go backend (go run ./bench), the same models in PyTorch
# written plainly (bench/torch_models.py) and in PyTorch written for speed (bench/torch_expert.py,
# whose models are first checked equal to the plain ones on copied weights), interleaved so that
# all three see the same machine load, and prints a markdown table of medians: throughput
# (samples/s or tokens/s), the ratios Go/plain and Go/expert, CPU time and peak resident memory.
#
# Needs Go (the module's version) and `apt-get install python3-torch libopenblas0-pthread`.
#
#   bench/compare.sh                        # everything, 3 repeats of 30 steps each
#   REPEATS=5 BENCHES="sasrec-train lm-train" bench/compare.sh
#
# Settings (environment):
#   BENCHES   benchmarks to run (default: all; see go run ./bench -h)
#   REPEATS   runs of each benchmark on each side; the table shows medians (default 3)
#   STEPS     timed steps per run (default 30)
#   CLASSES   number of behaviors: 292 (nyc, default) or 1182 (geolife)
#   THREADS   threads for both sides: GOMAXPROCS and torch.set_num_threads (default 2)
#   PYTHON    the Python with torch (default /usr/bin/python3)
#   EXPERT    0 to leave out the expert PyTorch side (default 1)
#   RAW       a folder to keep the runs' JSON lines in (go.jsonl, torch.jsonl, expert.jsonl)
#   OMP_WAIT_POLICY  passed to PyTorch's OpenMP runtime; default PASSIVE, because spinning
#             OpenMP threads lose up to 10x when the cores are shared with other processes. On an
#             idle machine ACTIVE (OpenMP's own default) can be a little faster: try both.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-/usr/bin/python3}
REPEATS=${REPEATS:-3}
STEPS=${STEPS:-30}
CLASSES=${CLASSES:-292}
THREADS=${THREADS:-2}
EXPERT=${EXPERT:-1}
BENCHES=${BENCHES:-"gru4rec-train sasrec-train bert4rec-train lm-train lm-pretrain gru4rec-eval sasrec-eval bert4rec-eval lm-eval hf-forward"}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/bench" ./bench
"$PYTHON" -c 'import torch' || { echo "compare.sh: $PYTHON cannot import torch (apt-get install python3-torch)" >&2; exit 1; }
if [ "$EXPERT" = 1 ]; then
	"$PYTHON" bench/torch_expert.py --check --threads "$THREADS" 2>"$tmp/check.err" ||
		{ cat "$tmp/check.err" >&2; echo "compare.sh: the expert PyTorch models differ from the plain ones" >&2; exit 1; }
fi
: >"$tmp/expert.jsonl"

load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
for b in $BENCHES; do
	for r in $(seq "$REPEATS"); do
		echo "compare.sh: $b run $r/$REPEATS" >&2
		GOMAXPROCS=$THREADS "$tmp/bench" -bench "$b" -steps "$STEPS" -classes "$CLASSES" 2>"$tmp/go.err" >>"$tmp/go.jsonl" ||
			{ cat "$tmp/go.err" >&2; exit 1; }
		OMP_NUM_THREADS=$THREADS "$PYTHON" bench/torch_models.py --bench "$b" --steps "$STEPS" --classes "$CLASSES" \
			--threads "$THREADS" >>"$tmp/torch.jsonl"
		if [ "$EXPERT" = 1 ]; then
			OMP_NUM_THREADS=$THREADS "$PYTHON" bench/torch_expert.py --bench "$b" --steps "$STEPS" --classes "$CLASSES" \
				--threads "$THREADS" >>"$tmp/expert.jsonl"
		fi
	done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
if [ -n "${RAW:-}" ]; then
	mkdir -p "$RAW" && cp "$tmp/go.jsonl" "$tmp/torch.jsonl" "$tmp/expert.jsonl" "$RAW/"
fi

"$PYTHON" - "$tmp/go.jsonl" "$tmp/torch.jsonl" "$tmp/expert.jsonl" "$load_before" "$load_after" "$REPEATS" "$STEPS" "$CLASSES" "$THREADS" <<'EOF'
import json, os, platform, statistics, sys

go_file, torch_file, expert_file, load_before, load_after, repeats, steps, classes, threads = sys.argv[1:]
def read(path):
    runs = {}
    for line in open(path):
        if not line.startswith("{"):
            continue  # simplego prints a line about its parallelism to stdout
        r = json.loads(line)
        runs.setdefault(r["bench"], []).append(r)
    return runs
go, pt, ex = read(go_file), read(torch_file), read(expert_file)
names = {
    "gru4rec-train": "GRU4Rec training step (batch 128)",
    "sasrec-train": "SASRec training step (batch 128)",
    "bert4rec-train": "BERT4Rec training step (batch 128)",
    "lm-train": "Behavior LM fine-tuning step (batch 64)",
    "lm-pretrain": "Behavior LM pretraining (batch 128 x 34 tokens)",
    "gru4rec-eval": "GRU4Rec evaluation (batch 256)",
    "sasrec-eval": "SASRec evaluation (batch 256)",
    "bert4rec-eval": "BERT4Rec evaluation (batch 256)",
    "lm-eval": "Behavior LM evaluation (batch 256)",
    "hf-forward": "hf backbone forward, Qwen2-0.5B widths, 2 layers (8 x 64 tokens)",
}
cpu = "?"
try:
    cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
except (OSError, StopIteration):
    pass
any_go, any_pt = next(iter(go.values()))[0], next(iter(pt.values()))[0]
print(f"Machine: {cpu}, {os.cpu_count()} logical CPUs, {platform.system()}; {threads} threads per side; "
      f"load average {load_before} before, {load_after} after.")
print(f"Go: {any_go['backend']}. PyTorch {any_pt['torch']} (OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '')}).")
print(f"{classes} classes, history 20; medians of {repeats} runs of {steps} timed steps. Plain = bench/torch_models.py "
      f"(PyTorch as written plainly), expert = bench/torch_expert.py (nn.GRU, fused QKV and encoder-layer fast path, "
      f"jit-frozen evaluation, foreach AdamW and clipping, mallopt; outputs checked equal to plain). Go / X = throughput "
      f"ratio (above 1: Go is faster); Go / X, CPU = the same ratio in process CPU time per step, all threads (X's CPU "
      f"seconds per step over Go's; above 1: Go does the step with less CPU; much steadier than wall time when other "
      f"processes load the machine); peak memory = max RSS of the process.")
print()
med = lambda runs, k: statistics.median(r[k] for r in runs)
if ex:
    print("| benchmark | unit | Go | PyTorch plain | PyTorch expert | Go / plain | Go / expert | "
          "Go / plain, CPU | Go / expert, CPU | Go ms/step | expert ms/step | Go peak MB | expert peak MB |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for b in go:
        if b not in pt or b not in ex:
            continue
        gv, pv, ev = med(go[b], "value"), med(pt[b], "value"), med(ex[b], "value")
        gc, pc, ec = med(go[b], "cpu_ms_per_step"), med(pt[b], "cpu_ms_per_step"), med(ex[b], "cpu_ms_per_step")
        print(f"| {names.get(b, b)} | {go[b][0]['unit']} | {gv:,.0f} | {pv:,.0f} | {ev:,.0f} | {gv / pv:.2f}x | "
              f"**{gv / ev:.2f}x** | {pc / gc:.2f}x | **{ec / gc:.2f}x** | {med(go[b], 'ms_per_step'):.1f} | "
              f"{med(ex[b], 'ms_per_step'):.1f} | {med(go[b], 'peak_rss_mb'):.0f} | {med(ex[b], 'peak_rss_mb'):.0f} |")
    sys.exit(0)
print("| benchmark | unit | Go | PyTorch | Go / PyTorch | Go ms/step | PyTorch ms/step | Go / PyTorch CPU time | Go peak MB | PyTorch peak MB |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for b in go:
    if b not in pt:
        continue
    gv, pv = med(go[b], "value"), med(pt[b], "value")
    gc, pc = med(go[b], "cpu_ms_per_step"), med(pt[b], "cpu_ms_per_step")
    print(f"| {names.get(b, b)} | {go[b][0]['unit']} | {gv:,.0f} | {pv:,.0f} | {gv / pv:.2f}x | "
          f"{med(go[b], 'ms_per_step'):.1f} | {med(pt[b], 'ms_per_step'):.1f} | {gc / pc:.2f} | "
          f"{med(go[b], 'peak_rss_mb'):.0f} | {med(pt[b], 'peak_rss_mb'):.0f} |")
EOF
