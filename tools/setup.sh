#!/usr/bin/env bash
# Prepares a Debian 12 (or Ubuntu 22.04+) machine that has only the .NET 10 SDK: installs the Debian packages cltool
# uses, restores the pinned .NET tools (Cake) and the NuGet packages. Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# dataset-fashion-mnist: the built-in benchmark data (idx files under /usr/share/datasets/fashion-mnist)
# fonts-noto-core, fonts-dejavu-core, fonts-dejavu-extra: the fonts the glyph datasets are rendered from (src/Core/Data/glyph-fonts.txt
#   pins the exact files; the base model and every published glyph number were made with all three)
# libfontconfig1: SkiaSharp's native library needs it to find those fonts
# python3-onnx: onnx.checker, which validates every exported model beyond our own reader
# python3-pil: Pillow itself, the reference the resampler tests compare against
# chromium: the headless browser the host's web page is tested in (Playwright drives it; nothing is downloaded at run time)
packages=(dataset-fashion-mnist fonts-noto-core fonts-dejavu-core fonts-dejavu-extra libfontconfig1 python3-onnx python3-pil chromium)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: Debian packages already installed"
fi

dotnet tool restore
dotnet restore cltool.slnx
