#!/usr/bin/env bash
# SD-LoRA-KD's evidence: sdlora, sdlora-rr and sdlora-kd (head ca) on the glyph proxy (short recipe) and Split
# Fashion-MNIST over 3 seeds, then a threshold sweep of sdlora-kd on the glyph proxy (seed 1993), each as `cltool report`
# tables under OUT_DIR (sdlora runs already in OUT_DIR/<data>/ are reused). Resumable: finished runs are skipped.
# Usage: [CLTOOL=...] tools/kd-table.sh [OUT_DIR] [THRESHOLDS...]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/kd-table}
shift || true
thresholds=("${@:-0.99 0.995 0.998 0.999 1}")
thresholds=(${thresholds[@]})
cltool=${CLTOOL:-src/Cli/bin/Release/net10.0/cltool}
declare -A recipes=([glyphs-short]=models/recipes/split-glyphs-short.json [fmnist]=models/recipes/split-fashion-mnist.json)
for data in glyphs-short fmnist; do
  METHODS="sdlora-kd sdlora-rr sdlora" REPORT=no tools/method-table.sh "${recipes[$data]}" "$out/$data"
done
for tau in "${thresholds[@]}"; do
  METHODS=sdlora-kd TRAIN_ARGS="--kd-threshold $tau" REPORT=no tools/method-table.sh "${recipes[glyphs-short]}" "$out/sweep-$tau" 1993
done
for data in glyphs-short fmnist; do
  "$cltool" report "$out/$data"/sdlora{,-rr,-kd}/seed-199{3,4,5} --out "$out/$data-table"
done
"$cltool" report "$out/glyphs-short/sdlora-kd/seed-1993" "$out"/sweep-*/sdlora-kd/seed-1993 --out "$out/sweep"
