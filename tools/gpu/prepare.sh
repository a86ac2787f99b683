#!/usr/bin/env bash
# Everything the GPU runbook carries to the lent machine, built here (tools/gpu/RUNBOOK.md): the host bundle
# (tools/gpu/bundle.sh) and a model repository with the demo run's merged model and a ViT-B/16-shaped model with
# generated weights (`cltool bench model`), each packed into parts of at most 60 MiB. Prints the device calls' carry lists.
# Usage: [CLTOOL=...] tools/gpu/prepare.sh [OUT_DIR=artifacts/gpu]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-artifacts/gpu}
cltool=${CLTOOL:-src/Cli/bin/Release/net10.0/cltool}
demo=runs/demo/model.onnx
[[ -f $demo ]] || { echo "prepare.sh: no $demo (the merged model of the demo run): run the README's first command (dotnet cake) first" >&2; exit 1; }
[[ -d $out/host && -f $out/host/MANIFEST.sha256 ]] || tools/gpu/bundle.sh "$out/host"
repository=$(mktemp -d "${TMPDIR:-/tmp}/cltool-gpu-models-XXXXXX")/gpu-models
trap 'rm -rf "$(dirname "$repository")"' EXIT
mkdir -p "$repository/demo-merged/1" "$repository/vit-b16/1"
cp "$demo" "$repository/demo-merged/1/model.onnx"
"$cltool" bench model --preset vit-base-patch16-224 --classes 1000 -o "$repository/vit-b16/1/model.onnx"
tools/gpu/pack.sh "$repository" "$out/models"
echo
echo "device calls (tools/gpu/RUNBOOK.md): stage each host part, then run with the models:"
for part in "$out"/host/*.part*; do
  echo "  carry [\"$part\", \"$out/host/MANIFEST.sha256\", \"$out/host/ARCHIVE.sha256\"]: tools/gpu/stage.sh $out/host host"
done
echo "  carry [\"$out/models\"]: tools/gpu/stage.sh $out/models models && tools/gpu/run.sh"
