#!/usr/bin/env bash
# Runs every method of the learner loop on one recipe for several seeds, then `cltool report` prints the Markdown table
# (mean ± sample std over seeds) of every head option each run scored, and writes it as OUT_DIR/table.{md,json,png}.
# Methods that train a head run with --head-align ca (HEAD_ALIGN), which also scores none, wa and ca-restore on the same
# backbone at no training cost; simplecil and joint have no head to align.
# TRAIN_ARGS are passed to every `cltool train` (e.g. "--kd-threshold 0.99"); REPORT=no skips the report.
# Usage: [METHODS="sdlora simplecil"] [HEAD_ALIGN=ca] [TRAIN_ARGS=...] tools/method-table.sh [RECIPE] [OUT_DIR] [SEEDS...]
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
  align=${HEAD_ALIGN:-ca}
  if [[ $method == simplecil || $method == joint ]]; then align=none; fi
  for seed in "${seeds[@]}"; do
    run="$out/$method-$seed"
    if [[ -f "$run/golden.safetensors" ]]; then continue; fi
    if [[ -f "$run/resume.safetensors" ]]; then resume=--resume; else rm -rf "$run"; resume=; fi
    echo "== $method seed $seed (head $align)"
    "$cltool" train -r "$recipe" --method "$method" --head-align "$align" --seed "$seed" --out "$run" ${TRAIN_ARGS:-} $resume > "$run.log" 2>&1 || { tail -3 "$run.log"; exit 1; }
    grep -E "^Acc" "$run.log"
  done
done
if [[ ${REPORT:-yes} == no ]]; then exit 0; fi
runs=()
for method in "${methods[@]}"; do for seed in "${seeds[@]}"; do runs+=("$out/$method-$seed"); done; done
"$cltool" report "${runs[@]}" --out "$out/table"
