#!/usr/bin/env bash
# Verifies a bundle's parts against its manifest, reassembles and checks the archive, and unpacks it into DEST:
# DEST/cltool-host/cltool-host is then the host, runnable with no .NET installed. Needs bash, coreutils, tar and xz
# (or python3, whose lzma module stands in for xz).
# Usage: tools/gpu/unpack.sh BUNDLE_DIR DEST
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: unpack.sh BUNDLE_DIR DEST" >&2; exit 2; }
bundle=$1 dest=$2
fail() { echo "unpack.sh: $*" >&2; exit 1; }
[[ -f $bundle/MANIFEST.sha256 ]] || fail "no MANIFEST.sha256 in '$bundle' (expected the folder tools/gpu/bundle.sh wrote)"
[[ -f $bundle/ARCHIVE.sha256 ]] || fail "no ARCHIVE.sha256 in '$bundle'"
while read -r sum part; do
  [[ -f $bundle/$part ]] || fail "missing part '$part' (listed in MANIFEST.sha256)"
  [[ $(sha256sum "$bundle/$part" | cut -d' ' -f1) == "$sum" ]] || fail "part '$part' is corrupt: its sha256 differs from MANIFEST.sha256"
done < "$bundle/MANIFEST.sha256"
for part in "$bundle"/*.part*; do
  grep -q " $(basename "$part")\$" "$bundle/MANIFEST.sha256" || fail "part '$(basename "$part")' is not in MANIFEST.sha256 (a part of another bundle?)"
done
read -r archive_sum archive < "$bundle/ARCHIVE.sha256"
mkdir -p "$dest"
staging=$(mktemp -d "$dest/.unpack-XXXXXX")
trap 'rm -rf "$staging"' EXIT
cat $(cut -d' ' -f3 "$bundle/MANIFEST.sha256" | sed "s|^|$bundle/|") > "$staging/$archive"
[[ $(sha256sum "$staging/$archive" | cut -d' ' -f1) == "$archive_sum" ]] || fail "the reassembled archive's sha256 differs from ARCHIVE.sha256"
if command -v xz > /dev/null; then
  xz -dc "$staging/$archive" | tar -C "$staging" -xf -
else
  python3 -c 'import lzma, sys, tarfile; tarfile.open(fileobj=lzma.open(sys.argv[1])).extractall(sys.argv[2])' "$staging/$archive" "$staging"
fi
[[ -x $staging/cltool-host/cltool-host ]] || fail "the archive holds no cltool-host/cltool-host"
rm -rf "$dest/cltool-host" && mv "$staging/cltool-host" "$dest/cltool-host"
echo "$dest/cltool-host/cltool-host"
