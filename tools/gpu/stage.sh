#!/usr/bin/env bash
# On the lent machine: moves the packed parts one device call carried (under FROM in the repository copy) to the
# staging folder outside the repository, where they survive until the machine goes back (it is not a fresh one while
# calls follow each other within its idle window). Prints what is staged and what is still missing.
# Usage: tools/gpu/stage.sh FROM NAME     (staged under ${CLTOOL_STAGE:-/tmp/cltool-stage}/NAME)
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: stage.sh FROM NAME" >&2; exit 2; }
from=$1 stage=${CLTOOL_STAGE:-/tmp/cltool-stage}/$2
[[ -f $from/MANIFEST.sha256 ]] || { echo "stage.sh: no MANIFEST.sha256 in '$from' (carry it with the parts)" >&2; exit 1; }
mkdir -p "$stage"
cp "$from"/MANIFEST.sha256 "$from"/ARCHIVE.sha256 "$stage"/
for part in "$from"/*.part*; do [[ -f $part ]] && cp "$part" "$stage"/; done
missing=$(cut -d' ' -f3 "$stage/MANIFEST.sha256" | while read -r p; do [[ -f $stage/$p ]] || echo "$p"; done)
echo "staged in $stage: $(ls "$stage" | grep -c '\.part') of $(grep -c . "$stage/MANIFEST.sha256") part(s)${missing:+; missing: $(echo $missing)}"
