#!/usr/bin/env bash
# Trains SASRec and GRU4Rec with the Go harness (package baselines) and with the PyTorch
# reference (torch_ref.py, models.py) on the same exported samples and the same hyper-parameters,
# scores both with internal/metrics, and prints the accuracies side by side.
#
#   reference/compare.sh [data=nyc] [k=0] [seed=1] [params='{}'] [methods='sasrec gru4rec']
#
# Needs Debian's PyTorch: apt-get install -y python3-torch libopenblas0-pthread (Python at
# /usr/bin/python3; a pyenv python3 earlier on PATH lacks torch). Not run by CI.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-nyc}
k=${2:-0}
seed=${3:-1}
params=${4:-'{}'}
methods=${5:-sasrec gru4rec}
py=/usr/bin/python3
# OpenMP threads busy-wait by default; on a loaded 2-core machine that made 2-thread torch 10-30x slower.
export OMP_WAIT_POLICY=PASSIVE
work=$(mktemp -d /tmp/compare.XXXXXX)
trap 'rm -rf "$work"' EXIT

go build -o "$work/export" ./reference/export
go build -o "$work/gotrain" ./reference/gotrain

summary() { # reads a metrics JSON line on stdin
	"$py" -c '
import json, sys
m = [json.loads(l) for l in sys.stdin if l.startswith("{")][-1]["metrics"]
print(" ".join("%s %.4f/%.4f" % (g, m[g]["acc"], m[g]["wf1"]) for g in ("overall", "anchor", "tail")))'
}

printf '%-8s %-8s %8s  %s\n' method side train_s 'acc/weighted-F1: overall anchor tail'
for m in $methods; do
	dir="$work/$m"
	"$work/export" -data "$data" -k "$k" -seed "$seed" -method "$m" -params "$params" -out "$dir"
	gojson=$("$work/gotrain" -data "$data" -k "$k" -seed "$seed" -method "$m" -params "$params" | grep '^{')
	gos=$(echo "$gojson" | "$py" -c 'import json,sys; r=json.load(sys.stdin); print("%.1f" % r["stages"][0]["seconds"])')
	printf '%-8s %-8s %8s  %s\n' "$m" go "$gos" "$(echo "$gojson" | summary)"
	tjson=$(cd reference && "$py" torch_ref.py "$dir" "$seed")
	ts=$(echo "$tjson" | "$py" -c 'import json,sys; print(json.load(sys.stdin)["seconds"])')
	printf '%-8s %-8s %8s  %s\n' "$m" pytorch "$ts" "$("$work/export" -data "$data" -k "$k" -seed "$seed" -eval "$dir/torch_$m.f32" | summary)"
done
