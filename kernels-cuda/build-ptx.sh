#!/usr/bin/env bash
# Compiles every src/main/cuda/*.cu ahead of time, into src/main/resources/dev/kiln/kernels/cuda/:
#   NAME.ptx         PTX for compute_80 with its .version line lowered to 8.0, so that CUDA 12
#                    drivers (and JCuda's bundled PTX compiler) accept it; the driver JIT-compiles
#                    it for whatever GPU it finds (Ampere and newer)
#   NAME.sm_90.cubin machine code for Hopper (H100), loaded as is when the device is sm_90
#   sources.sha256   the checksums of the sources these were made from (PtxFreshnessTest
#                    fails when a source changed and this script was not run again)
# The outputs are committed, so a build without nvcc still works. Run it from anywhere:
#   bash kernels-cuda/build-ptx.sh            (NVCC=/path/to/nvcc to pick another nvcc)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src="$here/src/main/cuda"
out="$here/src/main/resources/dev/kiln/kernels/cuda"
nvcc=${NVCC:-$(command -v nvcc || echo /usr/local/bin/nvcc)}
[[ -x $nvcc ]] || { echo "build-ptx.sh: nvcc not found (set NVCC)" >&2; exit 1; }
mkdir -p "$out"
flags=(-O3 -std=c++17 -Xcompiler -Wall)
for cu in "$src"/*.cu; do
  name=$(basename "$cu" .cu)
  "$nvcc" "${flags[@]}" -ptx -arch=compute_80 "$cu" -o "$out/$name.ptx"
  # nvcc 13 writes PTX ISA 9.0 (driver 580+); nothing here needs more than ISA 8.0
  sed -i -E 's/^\.version [0-9]+\.[0-9]+$/.version 8.0/' "$out/$name.ptx"
  "$nvcc" "${flags[@]}" -cubin -arch=sm_90 "$cu" -o "$out/$name.sm_90.cubin"
  echo "built $name"
done
(cd "$src" && sha256sum *.cu *.cuh) > "$out/sources.sha256"
"$nvcc" --version | tail -2 | head -1 | sed 's/^/# /' >> "$out/sources.sha256"
# every PTX file must assemble for the targets we claim
"$here/check-ptx.sh"
