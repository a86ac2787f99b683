#!/usr/bin/env bash
# On the lent machine, after tools/gpu/stage.sh staged the host and the models: unpacks both, points the loader at the
# CUDA libraries of the machine's Python packages (site-packages/nvidia/*/lib), checks that the CUDA provider's
# libraries resolve, starts the bundled host with --device cuda on the model repository, and measures each model
# (tools/gpu/measure.py: batch-1 latency, batch-32/128 throughput, served requests/s at concurrency 1/8/64 with p50/p99),
# then the same ViT-B/16 forward in the machine's PyTorch (tools/gpu/torch_anchor.py). Results: $OUT (or OUT_DIR) as
# gpu-results.json and gpu-results.md. With --device cpu --quick it is the dry run of the same sequence on any machine
# (--quick: batch 4 instead of 32/128, concurrency 1 and 8, 5 repeats).
# Usage: tools/gpu/run.sh [--device cuda|cpu] [--seconds S] [--quick] [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
device=cuda seconds=20 load=()
while [[ ${1:-} == --* ]]; do
  case $1 in
    --quick) load=(--batches 4 --concurrency 1,8 --repeats 5); shift ;;
    --device) device=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    *) echo "run.sh: unknown option '$1' (expected --device cuda|cpu, --seconds S, --quick)" >&2; exit 2 ;;
  esac
done
out=${1:-${OUT:?run.sh: give OUT_DIR (or run it where \$OUT is set)}}
stage=${CLTOOL_STAGE:-/tmp/cltool-stage}
work=$stage/unpacked
fail() { echo "run.sh: $*" >&2; exit 1; }
mkdir -p "$out"
tools/gpu/unpack.sh "$stage/host" "$work" > /dev/null
tools/gpu/unpack.sh "$stage/models" "$work" > /dev/null
host=$work/cltool-host/cltool-host

{
  echo "bundle: $(tr '\n' ';' < "$work/cltool-host/BUNDLE")"
  echo "machine: $(uname -srm), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  if [[ $device == cuda ]]; then
    command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | sed 's/^/gpu: /' || echo "gpu: nvidia-smi not found"
    libs=$(python3 -c 'import glob, os, site; print(":".join(sorted({os.path.dirname(p) for d in site.getsitepackages() for p in glob.glob(os.path.join(d, "nvidia", "*", "lib", "*.so*"))})))' 2>/dev/null || true)
    [[ -n $libs ]] || fail "no CUDA libraries under python3's site-packages/nvidia/*/lib (expected the nvidia-*-cu13 pip packages: cuda runtime, cuBLAS, cuDNN 9)"
    export LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    echo "cuda libraries: $libs"
    unresolved=$(ldd "$work/cltool-host/libonnxruntime_providers_cuda.so" | grep 'not found' | awk '{print $1}' | xargs || true)
    [[ -z $unresolved ]] || fail "the CUDA provider's libraries do not resolve: missing $unresolved"
  fi
} | tee "$out/environment.txt"

"$host" --model-repository "$work/gpu-models" --model-control-mode none --device "$device" --urls http://127.0.0.1:8000 \
  --grpc-urls none --max-body-bytes 400000000 --max-batch 128 > "$out/host.log" 2>&1 &
pid=$!
trap 'kill $pid 2> /dev/null; wait $pid 2> /dev/null || true' EXIT
ready() { python3 -c 'import urllib.request; urllib.request.urlopen("http://127.0.0.1:8000/v2/health/ready", timeout=2)' 2> /dev/null; }
for _ in $(seq 120); do
  ready && break
  kill -0 $pid 2> /dev/null || fail "the host exited: $(tail -3 "$out/host.log" | tr '\n' ' ')"
  sleep 1
done
ready || fail "the host was not ready within 120 s: $(tail -3 "$out/host.log" | tr '\n' ' ')"
grep -m2 "serving" "$out/host.log" || true

for model in demo-merged vit-b16; do
  echo "measuring $model ..."
  python3 tools/gpu/measure.py --url http://127.0.0.1:8000 --model "$model" --seconds "$seconds" "${load[@]}" > "$out/measure-$model.json"
done
echo "PyTorch anchor ..."
python3 tools/gpu/torch_anchor.py > "$out/torch.json" || echo '{"skipped": "torch_anchor.py failed"}' > "$out/torch.json"
python3 tools/gpu/results.py "$out" "$device"
