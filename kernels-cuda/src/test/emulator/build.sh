#!/usr/bin/env bash
# Builds the CPU emulator of Kiln's CUDA kernels (test-only): the .cu sources of src/main/cuda,
# compiled by g++ against kiln_emu.h, into target/emulator/libkiln_emu.so. The emulator tests
# (-Dkiln.cuda.emulator=that file) then run every GPU test on the host. Rebuilds only when a source
# changed; without g++ it builds nothing and says so. Usage:
#   bash kernels-cuda/src/test/emulator/build.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
module=$(cd "$here/../../.." && pwd)
out="$module/target/emulator"
mkdir -p "$out"
if ! command -v g++ >/dev/null; then
  # the emulator tests then report themselves skipped: "no CUDA emulator: ... was not built"
  echo "emulator: no g++ on PATH, not built; the emulator tests will be skipped"
  exit 0
fi
lib="$out/libkiln_emu.so"
if [[ -f $lib && -z $(find "$module/src/main/cuda" "$here" "$module/src/main/resources/dev/kiln/kernels/cuda" \
      -newer "$lib" -print -quit) ]]; then
  echo "emulator: $lib is up to date"
  exit 0
fi
: > "$out/kernels.inc"
for cu in "$module"/src/main/cuda/*.cu; do
  # dynamic shared memory: one buffer per launch instead of `extern __shared__`
  sed -e 's/extern __shared__ __align__(16) unsigned char smem_raw\[\];/unsigned char* smem_raw = kiln_emu_dynamic_smem;/' \
      -e 's/#pragma unroll//' -e 's/_Pragma("unroll")//g' \
      "$cu" > "$out/$(basename "$cu" .cu).cpp"
  echo "#include \"$(basename "$cu" .cu).cpp\"" >> "$out/kernels.inc"
done
# every kernel, macro-generated ones included, by its PTX entry name
grep -hoE '^\.visible \.entry [a-z0-9_]+' "$module"/src/main/resources/dev/kiln/kernels/cuda/*.ptx \
  | sed -E 's/.* ([a-z0-9_]+)$/KILN_KERNEL(\1)/' | sort -u > "$out/registry.inc"
g++ -std=c++17 -O1 -g -fPIC -shared -w -include "$here/kiln_emu.h" -I "$module/src/main/cuda" -I "$out" -I "$here" \
    "$here/kiln_emu.cpp" -o "$out/libkiln_emu.so"
echo "built $out/libkiln_emu.so ($(wc -l < "$out/registry.inc") kernels)"
