#!/usr/bin/env bash
# Installs the Debian packages lkflow's build, tests, example and benchmarks need, if missing.
# Needs root (or sudo); does nothing when everything is present.
set -euo pipefail

# FFmpeg's libraries give the program its movies (LKFLOW_WITH_FFMPEG); the ffmpeg program makes
# one test's movie.
packages=(g++ cmake ninja-build libeigen3-dev catch2 libbenchmark-dev libstb-dev libcli11-dev
          pkg-config libspng-dev libjpeg62-turbo-dev
          pybind11-dev python3-dev python3-numpy python3-pytest
          libavformat-dev libavcodec-dev libswscale-dev ffmpeg "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing missing Debian packages: ${missing[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "error: run as root or install sudo to install ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
