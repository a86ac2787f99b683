#!/usr/bin/env bash
# Packs one folder for transport: an xz-compressed tar split into parts of at most 60 MiB (one `device` call carries at
# most 64 MiB), with MANIFEST.sha256 (every part) and ARCHIVE.sha256 (the whole archive). tools/gpu/unpack.sh verifies
# and reassembles it anywhere.
# Usage: tools/gpu/pack.sh [--fast] FOLDER OUT_DIR     (--fast: xz level 1 instead of 9)
set -euo pipefail
level=9
[[ ${1:-} == --fast ]] && { level=1; shift; }
[[ $# -eq 2 && -d $1 ]] || { echo "usage: tools/gpu/pack.sh [--fast] FOLDER OUT_DIR (FOLDER must exist)" >&2; exit 2; }
folder=$(cd "$1" && pwd) out=$2
name=$(basename "$folder").tar.xz
staging="$out.staging"
rm -rf "$staging" && mkdir -p "$staging"
trap 'rm -rf "$staging"' EXIT
tar -C "$(dirname "$folder")" -cf - "$(basename "$folder")" | xz -T0 -"$level" > "$staging/$name"
split -b $((60 * 1024 * 1024)) -d -a 3 "$staging/$name" "$staging/$name.part"
(cd "$staging" && sha256sum "$name" > ARCHIVE.sha256 && sha256sum "$name".part* > MANIFEST.sha256)
compressed=$(du -sh "$staging/$name" | cut -f1)
rm "$staging/$name"
rm -rf "$out" && mv "$staging" "$out"
echo "wrote $out: $(grep -c . "$out/MANIFEST.sha256") part(s) of $(basename "$folder") ($(du -sh "$folder" | cut -f1)), $compressed compressed"
