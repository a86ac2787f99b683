#!/bin/bash
# Issue 28 item 4: the glyph proxy with 5 epochs per task, seed 1993, head ca with the linear drift compensation (which
# also scores plain ca and mean shift on the same backbone), one method after another; resumable
# (a killed run continues from its last complete epoch with --resume). Then: cltool report runs/regime/* --out docs/results/regime/glyphs-5ep
cd "$(dirname "$0")/.."
mkdir -p runs/regime
bin=${CLTOOL:-src/Cli/bin/Release/net10.0/cltool}
for method in sdlora seq-lora clora inflora; do
  out=runs/regime/$method
  if [[ -f $out/checkpoints/task-09.safetensors ]]; then continue; fi
  resume=""; [[ -d $out ]] && resume="--resume"
  $bin train --recipe models/recipes/split-glyphs-5ep.json --method $method --drift-compensation linear --out $out $resume > runs/regime/$method.log 2>&1
  echo "$method done $(date +%T)" >> runs/regime/status
done
