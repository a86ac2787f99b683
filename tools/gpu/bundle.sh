#!/usr/bin/env bash
# A self-contained linux-x64 cltool-host (no .NET SDK or runtime needed where it runs; invariant globalization, so no
# ICU either) with ONNX Runtime's CPU and CUDA libraries, packed for transport by tools/gpu/pack.sh (xz parts of at
# most 60 MiB with sha256 manifests). tools/gpu/unpack.sh verifies and reassembles the parts anywhere.
# Usage: tools/gpu/bundle.sh [--cpu-only] [--fast] OUT_DIR
#   --cpu-only  leave out the CUDA provider (284 MB): what the tests bundle, the same steps otherwise
#   --fast      xz level 1 instead of 9 (tests)
set -euo pipefail
cd "$(dirname "$0")/../.."
cuda=yes fast=
while [[ $# -gt 1 ]]; do
  case $1 in
    --cpu-only) cuda=no ;;
    --fast) fast=--fast ;;
    *) echo "bundle.sh: unknown option '$1' (expected --cpu-only, --fast, then OUT_DIR)" >&2; exit 2 ;;
  esac
  shift
done
[[ $# -eq 1 ]] || { echo "usage: tools/gpu/bundle.sh [--cpu-only] [--fast] OUT_DIR" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/cltool-bundle-XXXXXX")
trap 'rm -rf "$work"' EXIT

# Its own artifacts path: a publish for one runtime identifier must not touch the build's bin/ and obj/ that a
# running test suite or server uses.
echo "publishing cltool-host (self-contained, linux-x64) ..."
host=$work/cltool-host
dotnet publish src/InferenceHost/Cltool.InferenceHost.csproj -c Release -r linux-x64 --self-contained true \
  -p:InvariantGlobalization=true -p:DebugType=none --artifacts-path "$work/build" -o "$host" -v quiet -nologo >&2
rm -f "$host"/*.xml "$host"/libonnxruntime_providers_tensorrt.so   # documentation; TensorRT is not installed where this runs
[[ $cuda == yes ]] || rm -f "$host/libonnxruntime_providers_cuda.so"
for lib in libonnxruntime.so libonnxruntime_providers_shared.so $([[ $cuda == yes ]] && echo libonnxruntime_providers_cuda.so); do
  [[ -f $host/$lib ]] || { echo "bundle.sh: the publish has no $lib (expected from Microsoft.ML.OnnxRuntime.Gpu.Linux)" >&2; exit 1; }
done
cat > "$host/BUNDLE" <<INFO
cltool-host self-contained linux-x64 bundle
commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo " (dirty)")
onnxruntime $(grep -o 'OnnxRuntime.Gpu.Linux" Version="[^"]*' Directory.Packages.props | cut -d'"' -f3)
cuda provider $cuda
INFO
echo "compressing ..."
tools/gpu/pack.sh $fast "$host" "$1"
