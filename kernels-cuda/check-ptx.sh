#!/usr/bin/env bash
# Assembles every committed PTX file with ptxas for sm_80 and sm_90 (no GPU needed), unoptimised
# (PTXAS_OPT=3 for the full optimiser): the point is that the PTX is valid for both. Used by
# build-ptx.sh and by the Maven build's `ptxas` profile, which is active where nvcc is installed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
res="$here/src/main/resources/dev/kiln/kernels/cuda"
ptxas=${PTXAS:-$(command -v ptxas || echo /usr/local/bin/ptxas)}
[[ -x $ptxas ]] || { echo "check-ptx.sh: ptxas not found (set PTXAS); skipping"; exit 0; }
n=0
for ptx in "$res"/*.ptx; do
  for arch in sm_80 sm_90; do
    "$ptxas" -O"${PTXAS_OPT:-0}" -arch=$arch "$ptx" -o /dev/null
  done
  n=$((n + 1))
done
[[ $n -gt 0 ]] || { echo "check-ptx.sh: no PTX files in $res" >&2; exit 1; }
echo "check-ptx.sh: $n PTX files assemble for sm_80 and sm_90 with $($ptxas --version | tail -1)"
