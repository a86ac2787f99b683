#!/usr/bin/env bash
# Issue 28: the drift compensations' hyper-parameters swept on one finished run trained with --drift-compensation,
# without retraining: each `cltool eval RUN --drift` replays mean shift with one bandwidth and the linear map with one
# ridge from the run's stored embeddings and prints each one's statistics error against the class means measured now.
# Usage: [CLTOOL=...] tools/compensation-sweep.sh RUN_DIR OUT_FILE
set -euo pipefail
run=$1
out=$2
cltool=${CLTOOL:-src/Cli/bin/Release/net10.0/cltool}
bandwidths=(0.0625 0.125 0.25 0.5 1 2 4)
ridges=(0 0.001 0.01 0.1 1 10 100)
mkdir -p "$(dirname "$out")"
echo "# $cltool eval $run --drift --compensation-bandwidth B --compensation-ridge R (statistics error over all classes at the last stage)" > "$out"
for i in "${!bandwidths[@]}"; do
  b=${bandwidths[$i]} r=${ridges[$i]}
  echo "## bandwidth $b, ridge $r" >> "$out"
  "$cltool" eval "$run" --drift --compensation-bandwidth "$b" --compensation-ridge "$r" | grep -E "^(mean-shift|linear): " >> "$out"
done
cat "$out"
