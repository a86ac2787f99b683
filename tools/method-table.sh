#!/usr/bin/env bash
# Every method of the learner loop on one recipe over several seeds: per method one `cltool train --seeds ... --resume`
# (runs in OUT_DIR/METHOD/seed-S; a finished seed is skipped, a killed one continues from its last epoch), then one
# `cltool report` over all of them: OUT_DIR/table.{md,json,png}, table-curves.png (accuracy after each task, ± std over
# seeds) and table-parameters.png. Methods that train a head run with --head-align ca (HEAD_ALIGN), which also scores
# none, wa and ca-restore on the same backbone at no training cost, with the recipe's drift compensation (the CPU
# recipes: linear) and without; simplecil and joint have no head to align (nor statistics to compensate).
# TRAIN_ARGS are passed to every `cltool train` (e.g. "--kd-threshold 0.99"); REPORT=no skips the report.
# Usage: [METHODS="sdlora simplecil"] [HEAD_ALIGN=ca] [TRAIN_ARGS=...] tools/method-table.sh [RECIPE] [OUT_DIR] [SEEDS...]
set -euo pipefail
recipe=${1:-models/recipes/split-fashion-mnist.json}
out=${2:-runs/method-table}
shift 2 2>/dev/null || true
if [[ $# -gt 0 ]]; then seeds=$(IFS=,; echo "$*"); else seeds=1993,1994,1995; fi
cltool=${CLTOOL:-src/Cli/bin/Release/net10.0/cltool}
methods=(${METHODS:-sdlora seq-lora full-ft simplecil joint})
mkdir -p "$out"
runs=()
for method in "${methods[@]}"; do
  align=${HEAD_ALIGN:-ca}
  if [[ $method == simplecil || $method == joint ]]; then align=none; fi
  compensation=()   # the recipe's own where the head stores class statistics to compensate; none elsewhere
  if [[ $align != ca && $align != ca-restore ]]; then compensation=(--drift-compensation none); fi
  echo "== $method seeds $seeds (head $align)"
  "$cltool" train -r "$recipe" --method "$method" --head-align "$align" "${compensation[@]}" --seeds "$seeds" --out "$out/$method" --resume ${TRAIN_ARGS:-} \
    >> "$out/$method.log" 2>&1 || { tail -3 "$out/$method.log"; exit 1; }
  for seed in ${seeds//,/ }; do runs+=("$out/$method/seed-$seed"); done
  grep -E "^Acc" "$out/$method.log" | tail -n "${#runs[@]}" | tail -n "$(wc -w <<< "${seeds//,/ }")"
done
if [[ ${REPORT:-yes} == no ]]; then exit 0; fi
"$cltool" report "${runs[@]}" --out "$out/table"
