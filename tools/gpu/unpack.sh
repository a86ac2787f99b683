#!/usr/bin/env bash
# Verifies a packed folder's parts (tools/gpu/pack.sh, bundle.sh) against its manifest, reassembles and checks the
# archive, and unpacks it into DEST; prints the unpacked folder (DEST/cltool-host for the host bundle, whose
# cltool-host/cltool-host then runs with no .NET installed). Needs bash, coreutils, tar and xz (or python3, whose lzma
# module stands in for xz). Nothing is left in DEST unless every check passed.
# Usage: tools/gpu/unpack.sh PACKED_DIR DEST
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: unpack.sh PACKED_DIR DEST" >&2; exit 2; }
packed=$1 dest=$2
fail() { echo "unpack.sh: $*" >&2; exit 1; }
[[ -f $packed/MANIFEST.sha256 ]] || fail "no MANIFEST.sha256 in '$packed' (expected a folder written by tools/gpu/pack.sh or bundle.sh)"
[[ -f $packed/ARCHIVE.sha256 ]] || fail "no ARCHIVE.sha256 in '$packed'"
while read -r sum part; do
  [[ -f $packed/$part ]] || fail "missing part '$part' (listed in MANIFEST.sha256)"
  [[ $(sha256sum "$packed/$part" | cut -d' ' -f1) == "$sum" ]] || fail "part '$part' is corrupt: its sha256 differs from MANIFEST.sha256"
done < "$packed/MANIFEST.sha256"
for part in "$packed"/*.part*; do
  grep -q " $(basename "$part")\$" "$packed/MANIFEST.sha256" || fail "part '$(basename "$part")' is not in MANIFEST.sha256 (a part of another bundle?)"
done
read -r archive_sum archive < "$packed/ARCHIVE.sha256"
folder=${archive%.tar.xz}
mkdir -p "$dest"
staging=$(mktemp -d "$dest/.unpack-XXXXXX")
trap 'rm -rf "$staging"' EXIT
cat $(cut -d' ' -f3 "$packed/MANIFEST.sha256" | sed "s|^|$packed/|") > "$staging/$archive"
[[ $(sha256sum "$staging/$archive" | cut -d' ' -f1) == "$archive_sum" ]] || fail "the reassembled archive's sha256 differs from ARCHIVE.sha256"
if command -v xz > /dev/null; then
  xz -dc "$staging/$archive" | tar -C "$staging" -xf -
else
  python3 -c 'import lzma, sys, tarfile; tarfile.open(fileobj=lzma.open(sys.argv[1])).extractall(sys.argv[2])' "$staging/$archive" "$staging"
fi
[[ -d $staging/$folder ]] || fail "the archive holds no folder '$folder'"
rm -rf "${dest:?}/$folder" && mv "$staging/$folder" "$dest/$folder"
echo "$dest/$folder"
