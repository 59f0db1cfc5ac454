#!/usr/bin/env bash
# Compiles the native panel kernel (panel_kernel*.c) into OUT_DIR/native/linux-x86_64/ when this is Linux on x86-64
# with a C compiler ($CC or cc). Elsewhere it says so and stops without failing: PackedWeights then runs its Java kernel
# (PanelKernel).
# Usage: build.sh OUT_DIR JAVA_HOME
set -euo pipefail
out="$1/native/linux-x86_64"
jdk="$2"
src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
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
objects="$(mktemp -d)"
trap 'rm -rf "$objects"' EXIT
# Each instruction set's build is compiled for that set alone; panel_kernel.c calls the one the processor has.
# No -ffast-math (see panel_kernel.h).
flags=(-O2 -fPIC -fvisibility=hidden -I"$jdk/include" -I"$jdk/include/linux")
"$cc" "${flags[@]}" -mavx512f -mfma -c "$src/panel_kernel_avx512.c" -o "$objects/avx512.o"
"$cc" "${flags[@]}" -mavx2 -mfma -c "$src/panel_kernel_avx2.c" -o "$objects/avx2.o"
"$cc" "${flags[@]}" -c "$src/panel_kernel.c" -o "$objects/jni.o"
"$cc" -shared "$objects/avx512.o" "$objects/avx2.o" "$objects/jni.o" -o "$out/libgemma_panel_kernel.so.tmp"
mv "$out/libgemma_panel_kernel.so.tmp" "$out/libgemma_panel_kernel.so"
