#!/usr/bin/env bash
# Runs every method of the learner loop on one recipe for several seeds and prints a Markdown table of
# Acc / AAA / forgetting as mean ± standard deviation (sample std over seeds), from each run's metrics.json.
# Usage: [METHODS="sdlora simplecil"] tools/method-table.sh [RECIPE] [OUT_DIR] [SEEDS...]
set -euo pipefail
recipe=${1:-models/recipes/split-fashion-mnist.json}
out=${2:-runs/method-table}
shift 2 2>/dev/null || true
seeds=("${@:-1993 1994 1995}")
seeds=(${seeds[@]})
cltool=${CLTOOL:-src/Cli/bin/Release/net10.0/cltool}
methods=(${METHODS:-sdlora seq-lora full-ft simplecil joint})
mkdir -p "$out"
for method in "${methods[@]}"; do
  for seed in "${seeds[@]}"; do
    run="$out/$method-$seed"
    if [[ -f "$run/golden.safetensors" ]]; then continue; fi
    if [[ -f "$run/resume.safetensors" ]]; then resume=--resume; else rm -rf "$run"; resume=; fi
    echo "== $method seed $seed"
    "$cltool" train -r "$recipe" --method "$method" --seed "$seed" --out "$run" $resume > "$run.log" 2>&1 || { tail -3 "$run.log"; exit 1; }
    grep -E "^Acc" "$run.log"
  done
done
METHODS="${methods[*]}" python3 - "$out" "${seeds[@]}" <<'PY'
import json, os, statistics, sys
out, seeds = sys.argv[1], sys.argv[2:]
print(f"{len(seeds)} seeds ({', '.join(seeds)}), mean ± std over seeds, %. Task-aware = the same test images with the task id given (diagnostic).")
print()
print("| method | Acc (last) | AAA | forgetting | task-aware Acc | task-aware forgetting |")
print("|---|---|---|---|---|---|")
for method in os.environ["METHODS"].split():
    rows = [json.load(open(f"{out}/{method}-{s}/metrics.json")) for s in seeds]
    def cell(key, aware=False):
        values = [100 * (r["taskAware"] if aware else r)[key] for r in rows]
        spread = statistics.stdev(values) if len(values) > 1 else 0
        return f"{statistics.mean(values):.2f} ± {spread:.2f}"
    print(f"| {method} | {cell('acc')} | {cell('aaa')} | {cell('forgetting')} | {cell('acc', True)} | {cell('forgetting', True)} |")
PY
