#!/usr/bin/env bash
# C-LoRA's evidence: clora (defaults), clora without the penalty (λ 0), clora plain (no stopped gradient), sdlora and
# seq-lora, all with head ca, on Split Fashion-MNIST and the glyph proxy (short recipe), 3 seeds each; then a λ sweep of
# clora on Split Fashion-MNIST (3 seeds). Each table is `cltool report` output under OUT_DIR. Resumable: finished runs
# are skipped, a killed one continues with --resume (tools/method-table.sh).
# Usage: [CLTOOL=...] [DATASETS="fmnist glyphs-short"] tools/clora-table.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/clora-table}
cltool=${CLTOOL:-src/Cli/bin/Release/net10.0/cltool}
declare -A recipes=([glyphs-short]=models/recipes/split-glyphs-short.json [fmnist]=models/recipes/split-fashion-mnist.json)
seeds="1993 1994 1995"
lambdas="0.001 0.1 1"
for data in ${DATASETS:-fmnist glyphs-short}; do
  recipe=${recipes[$data]}
  METHODS=clora REPORT=no tools/method-table.sh "$recipe" "$out/$data" $seeds
  METHODS="sdlora seq-lora" REPORT=no tools/method-table.sh "$recipe" "$out/$data" $seeds
  METHODS=clora TRAIN_ARGS="--clora-lambda 0" REPORT=no tools/method-table.sh "$recipe" "$out/$data-lambda-0" $seeds
  METHODS=clora TRAIN_ARGS="--clora-plain" REPORT=no tools/method-table.sh "$recipe" "$out/$data-plain" $seeds
  if [[ $data == fmnist ]]; then
    for lambda in $lambdas; do
      METHODS=clora TRAIN_ARGS="--clora-lambda $lambda" REPORT=no tools/method-table.sh "$recipe" "$out/$data-lambda-$lambda" $seeds
    done
    "$cltool" report "$out/$data"/clora/seed-199? "$out"/$data-lambda-{0,0.001,0.1,1}/clora/seed-199? --out "$out/$data-sweep"
  fi
  "$cltool" report "$out/$data"/{clora,sdlora,seq-lora}/seed-199? "$out/$data"-{lambda-0,plain}/clora/seed-199? --out "$out/$data-table"
done
