#!/usr/bin/env bash
# Proof that a killed training run loses nothing (issue 15): the same `cltool train` run once straight through and once
# SIGKILLed KILLS times (default 20) at random moments (5-40 s after each start, seeded), each time restarted with
# --resume, then resumed to the end. The two metrics.json must be identical apart from wall-clock seconds, and so must
# the final checkpoints' tensors. Usage: [KILLS=20] tools/proof/kill-resume.sh [OUT]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-artifacts/proof/kill-resume}
cltool=${CLTOOL:-src/Cli/bin/Release/net10.0/cltool}
kills=${KILLS:-20}
train=("$cltool" train -r models/recipes/split-glyphs-short.json --head-align wa --drift-compensation none --epochs 2)
rm -rf "$out" && mkdir -p "$out"
echo "== straight run"
"${train[@]}" --out "$out/straight" > "$out/straight.log" 2>&1
RANDOM=1993
killed=0
while (( killed < kills )); do
  "${train[@]}" --out "$out/killed" --resume >> "$out/killed.log" 2>&1 &
  trainer=$!
  sleep $(( 5 + RANDOM % 36 ))
  if ! kill -0 $trainer 2>/dev/null; then wait $trainer; echo "the run finished before kill $((killed + 1))"; break; fi
  kill -KILL $trainer; wait $trainer 2>/dev/null || true
  killed=$((killed + 1))
  echo "kill $killed: $(grep -c '^task ' "$out/killed.log") task starts logged so far"
done
echo "== resumed to the end after $killed kills"
"${train[@]}" --out "$out/killed" --resume >> "$out/killed.log" 2>&1
/usr/bin/python3 - "$out" "$killed" <<'PY'
import json, sys
out, killed = sys.argv[1], sys.argv[2]
def load(run):
    metrics = json.load(open(f"{out}/{run}/metrics.json"))
    def strip(node):
        if isinstance(node, dict): return {k: strip(v) for k, v in node.items() if not k.lower().endswith("seconds")}
        if isinstance(node, list): return [strip(v) for v in node]
        return node
    return strip(metrics)
same = load("straight") == load("killed")
straight = open(f"{out}/straight/checkpoints/task-09.safetensors", "rb").read()
killed_bytes = open(f"{out}/killed/checkpoints/task-09.safetensors", "rb").read()
header = lambda b: 8 + int.from_bytes(b[:8], "little")
tensors_same = straight[header(straight):] == killed_bytes[header(killed_bytes):]
line = f"{killed} SIGKILLs, each followed by --resume: metrics.json identical to the straight run (wall-clock seconds aside): {same}; final checkpoint tensors identical: {tensors_same}"
print(line)
open(f"{out}/summary.md", "w").write(line + "\n")
sys.exit(0 if same and tensors_same else 1)
PY
