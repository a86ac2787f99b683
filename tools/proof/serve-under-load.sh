#!/usr/bin/env bash
# Proof that serving holds under load and change (issue 15): a host serving a Triton-layout repository in poll mode,
#   1. 10,000 one-image requests at concurrency 64 over REST JSON, REST binary tensors and gRPC;
#   2. 10,000 more while three new versions (tasks 2, 3, 4 of a continual run, exported with `cltool export --triton`)
#      go live: 0 failed requests is the target (an explicit 503 would count as rejected, not failed);
#   3. a soak at concurrency 16 (SOAK_SECONDS, default 600) sampling the host's RSS every 10 s: growth after a 60 s
#      warm-up <= 5 % is the target;
#   4. SIGTERM: the host drains and exits 0.
# Every step's table lands in OUT/{load,swaps,soak}/*.md and OUT/summary.md. Needs a run with >= 4 tasks (RUN, default
# runs/demo; trained with the demo recipe when missing). Usage: [RUN=...] [SOAK_SECONDS=600] tools/proof/serve-under-load.sh [OUT]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-artifacts/proof/serve}
run=${RUN:-runs/demo}
cltool=${CLTOOL:-src/Cli/bin/Release/net10.0/cltool}
soak=${SOAK_SECONDS:-600}
http=http://127.0.0.1:${HTTP_PORT:-18000} grpc=http://127.0.0.1:${GRPC_PORT:-18001}
if [[ ! -f $run/checkpoints/task-04.safetensors ]]; then "$cltool" train -r models/recipes/split-glyphs-short.json --out "$run" --resume; fi
rm -rf "$out" && mkdir -p "$out"
repository=$out/repository
export_task() { "$cltool" export "$run" --task "$1" -o "$out/task-$1.onnx" --triton "$repository" --triton-name vit | tail -1; }
export_task 1

"$cltool" serve --model-repository "$repository" --model-control-mode poll --repository-poll-secs 1 --queue 1024 \
  --urls "$http" --grpc-urls "$grpc" --device cpu > "$out/host.log" 2>&1 &
host=$!
trap 'kill $host 2>/dev/null || true' EXIT
until grep -q "^listening on" "$out/host.log"; do kill -0 $host || { cat "$out/host.log"; exit 1; }; sleep 0.5; done
load() { "$cltool" bench load --url "$http" --grpc-url "$grpc" --model vit "$@"; }

for protocol in json binary grpc; do
  echo "== 10,000 requests at concurrency 64, $protocol"
  load --protocol "$protocol" --concurrency 64 --requests 10000 -o "$out/load"
done

echo "== 10,000 requests at concurrency 64 (gRPC) while tasks 2, 3 and 4 go live"
load --protocol grpc --concurrency 64 --requests 10000 -o "$out/swaps" > "$out/swaps.log" 2>&1 &
loader=$!
for task in 2 3 4; do sleep 6; export_task "$task"; done
wait $loader || { cat "$out/swaps.log"; exit 1; }
cat "$out/swaps.log"

echo "== soak: concurrency 16 for $soak s, host RSS every 10 s"
load --protocol grpc --concurrency 16 --requests 1000000000 --seconds "$soak" --watch-pid $host --sample-seconds 10 --warm-up-seconds 60 -o "$out/soak"

echo "== SIGTERM"
kill -TERM $host
wait $host && echo "host exited 0" | tee "$out/shutdown.txt"
trap - EXIT
{ echo "# Serving under load and change ($(date -u +%F), $(nproc) cores)"
  for protocol in json binary grpc; do echo; echo "## 10,000 requests at concurrency 64, $protocol"; echo; cat "$out/load/load-$protocol.md"; done
  echo; echo "## 10,000 requests at concurrency 64 (gRPC) while tasks 2, 3 and 4 go live"; echo; cat "$out/swaps/load-grpc.md"
  echo; echo "## Soak: concurrency 16 for $soak s"; echo; cat "$out/soak/load-grpc.md"
  echo; echo "## SIGTERM"; echo; cat "$out/shutdown.txt"; } > "$out/summary.md"
echo "wrote $out/summary.md"
