#!/usr/bin/env bash
# Builds the lkflow program (Release) and runs it with the given arguments in the current folder.
# With none, it computes the flow of the bundled example pair, scores it against the known flow
# and writes flow.flo and flow.png here. Installs missing Debian packages first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$root/build/release" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build/release" --target lkflow_cli
exec "$root/build/release/examples/lkflow" "$@"
