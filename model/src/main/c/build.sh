#!/usr/bin/env bash
# Compiles panel_kernel.c into OUT_DIR/native/linux-x86_64/ when this is Linux on x86-64 with a C compiler ($CC or cc).
# Elsewhere it says so and stops without failing: PackedWeights then runs its Java kernel (PanelKernel).
# Usage: build.sh OUT_DIR JAVA_HOME
set -euo pipefail
out="$1/native/linux-x86_64"
jdk="$2"
src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/panel_kernel.c"
cc="${CC:-cc}"
if [[ "$(uname -s)/$(uname -m)" != "Linux/x86_64" ]]; then
  echo "panel kernel: not Linux x86-64, packed products will use the Java kernel"
  exit 0
fi
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "panel kernel: no C compiler ($cc), packed products will use the Java kernel"
  exit 0
fi
mkdir -p "$out"
# -mavx512f only for this file: PanelKernel calls it only where the JVM found AVX-512. No -ffast-math (see the source).
"$cc" -O2 -mavx512f -mfma -fPIC -shared -fvisibility=hidden \
  -I"$jdk/include" -I"$jdk/include/linux" "$src" -o "$out/libgemma_panel_kernel.so.tmp"
mv "$out/libgemma_panel_kernel.so.tmp" "$out/libgemma_panel_kernel.so"
