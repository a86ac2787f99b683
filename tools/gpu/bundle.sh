#!/usr/bin/env bash
# A self-contained linux-x64 cltool-host (no .NET SDK or runtime needed where it runs; invariant globalization, so no
# ICU either) with ONNX Runtime's CPU and CUDA libraries, as an xz-compressed tar split into parts of at most 60 MiB
# (one `device` call carries at most 64 MiB) with a manifest of sha256 sums. tools/gpu/unpack.sh verifies and
# reassembles the parts anywhere.
# Usage: tools/gpu/bundle.sh [--cpu-only] [--fast] OUT_DIR
#   --cpu-only  leave out the CUDA provider (284 MB): what the tests bundle, the same steps otherwise
#   --fast      xz level 1 instead of 9 (tests)
set -euo pipefail
cd "$(dirname "$0")/../.."
cuda=yes level=9
while [[ $# -gt 1 ]]; do
  case $1 in
    --cpu-only) cuda=no ;;
    --fast) level=1 ;;
    *) echo "bundle.sh: unknown option '$1' (expected --cpu-only, --fast, then OUT_DIR)" >&2; exit 2 ;;
  esac
  shift
done
[[ $# -eq 1 ]] || { echo "usage: tools/gpu/bundle.sh [--cpu-only] [--fast] OUT_DIR" >&2; exit 2; }
out=$1
part_bytes=$((60 * 1024 * 1024))
work=$(mktemp -d "${TMPDIR:-/tmp}/cltool-bundle-XXXXXX")
trap 'rm -rf "$work"' EXIT

# Its own artifacts path: a publish for one runtime identifier must not touch the build's bin/ and obj/ that a
# running test suite or server uses.
echo "publishing cltool-host (self-contained, linux-x64) ..."
dotnet publish src/InferenceHost/Cltool.InferenceHost.csproj -c Release -r linux-x64 --self-contained true \
  -p:InvariantGlobalization=true -p:DebugType=none --artifacts-path "$work/build" -o "$work/cltool-host" -v quiet -nologo >&2
host=$work/cltool-host
rm -f "$host"/*.xml "$host"/libonnxruntime_providers_tensorrt.so   # documentation; TensorRT is not installed where this runs
[[ $cuda == yes ]] || rm -f "$host/libonnxruntime_providers_cuda.so"
for lib in libonnxruntime.so libonnxruntime_providers_shared.so $([[ $cuda == yes ]] && echo libonnxruntime_providers_cuda.so); do
  [[ -f $host/$lib ]] || { echo "bundle.sh: the publish has no $lib (expected from Microsoft.ML.OnnxRuntime.Gpu.Linux)" >&2; exit 1; }
done
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
cat > "$host/BUNDLE" <<INFO
cltool-host self-contained linux-x64 bundle
commit $commit$(git diff --quiet HEAD 2>/dev/null || echo " (dirty)")
onnxruntime $(grep -o 'OnnxRuntime.Gpu.Linux" Version="[^"]*' Directory.Packages.props | cut -d'"' -f3)
cuda provider $cuda
INFO

echo "compressing (xz -$level) ..."
name=cltool-host-linux-x64.tar.xz
tar -C "$work" -cf - cltool-host | xz -T0 -"$level" > "$work/$name"
staging="$out.staging"
rm -rf "$staging" && mkdir -p "$staging"
split -b "$part_bytes" -d -a 3 "$work/$name" "$staging/$name.part"
(cd "$staging" && sha256sum "$name".part* > MANIFEST.sha256 && sha256sum "$work/$name" | sed "s|$work/||" > ARCHIVE.sha256)
rm -rf "$out" && mv "$staging" "$out"
echo "wrote $out: $(ls "$out" | grep -c '\.part') part(s), $(du -sh "$work/$name" | cut -f1) compressed, $(du -sh "$host" | cut -f1) unpacked"
