#!/usr/bin/env bash
# Runs every JMH benchmark in dev.kiln.bench (the kernel lab excepted) and writes docs/BENCHMARKS.md.
# About 12 minutes on a 2-core machine. Run it on a quiet machine: other processes skew every figure.
#
#   benchmarks-jmh/run.sh                       # the whole suite
#   KILN_BENCH_QUICK=1 benchmarks-jmh/run.sh    # a 2-minute smoke run (n = 256 only, short iterations)
#   KILN_BENCH_NOTE="quiet machine" benchmarks-jmh/run.sh   # says so in the report
#   KILN_BENCH_OUT=/tmp/B.md benchmarks-jmh/run.sh          # write the report elsewhere
#
# JMH never runs in CI: the benchmarks jar is built only with -Pbench, and nothing here is a test.
set -euo pipefail
cd "$(dirname "$0")/.."

# OpenBLAS picks its kernel from the CPU unless told otherwise; some machines set these for old builds.
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE

java_major() { "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }
JAVA="${JAVA:-}"
if [[ -z "$JAVA" ]]; then
  for c in "${JAVA_HOME:-}/bin/java" "$(command -v java || true)" /usr/lib/jvm/temurin-25-jdk-amd64/bin/java /usr/lib/jvm/*25*/bin/java; do
    if [[ -x "$c" ]] && (( $(java_major "$c" || echo 0) >= 25 )); then JAVA="$c"; break; fi
  done
fi
[[ -n "$JAVA" ]] || { echo "run.sh: no JDK 25 found; set JAVA=/path/to/java" >&2; exit 1; }

# Maven runs on the same JDK: the jar tool that writes Kiln's modular jars must read Java 25 classes
JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$JAVA")")")" ./mvnw -q -B -ntp -Pbench -pl benchmarks-jmh -am package -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true
JAR=benchmarks-jmh/target/benchmarks.jar
RES=benchmarks-jmh/target/jmh
rm -rf "$RES" && mkdir -p "$RES"

JVM_FLAGS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED)
GEMM_SHAPES="64,128,256,512,1024,2048,4096x768x3072,128x784x512,2048x256x768"
REF_SHAPES="64,128,256,512" # the scalar reference runs near 1 GFLOP/s: 1024³ would take seconds per op
GEMM_ITER=(-f 1 -wi 2 -w 2s -i 3 -r 1s)   # the first warm-up second is spent in the JIT (C2 compiles the micro-kernel)
OTHER_ITER=(-f 1 -wi 2 -w 1s -i 3 -r 1s)
if [[ -n "${KILN_BENCH_QUICK:-}" ]]; then
  GEMM_SHAPES="256"; REF_SHAPES="256"
  GEMM_ITER=(-f 1 -wi 1 -w 2s -i 2 -r 1s); OTHER_ITER=(-f 1 -wi 1 -w 1s -i 2 -r 1s)
fi

EXCLUDE_BLAS=()
if BLAS_INFO=$("$JAVA" "${JVM_FLAGS[@]}" -cp "$JAR" dev.kiln.bench.OpenBlas 2>/dev/null); then
  :
else
  echo "run.sh: $BLAS_INFO" >&2
  echo "run.sh: the OpenBLAS benchmarks are skipped; GEMM ratios will be missing" >&2
  EXCLUDE_BLAS=(-e 'GemmBenchmark\.openblas')
fi

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
START=$(date +%s)
jmh() { "$JAVA" "${JVM_FLAGS[@]}" -jar "$JAR" "$@"; }

# One JMH run per shape, so that the figures a ratio compares are taken minutes apart, not ten.
for shape in ${GEMM_SHAPES//,/ }; do
  echo "run.sh: GEMM $shape (Kiln, OpenBLAS, EJML) at 1 and 2 threads"
  jmh 'dev\.kiln\.bench\.GemmBenchmark\.(kiln|openblas|ejml)$' "${EXCLUDE_BLAS[@]}" -p shape="$shape" -p threads=1,2 \
      "${GEMM_ITER[@]}" -rf json -rff "$RES/gemm-$shape.json"
done
echo "run.sh: GEMM (ReferenceBackend) up to n = ${REF_SHAPES##*,}"
jmh 'dev\.kiln\.bench\.GemmBenchmark\.reference$' -p shape="$REF_SHAPES" -p threads=1 \
    "${GEMM_ITER[@]}" -rf json -rff "$RES/gemm-reference.json"
echo "run.sh: every other benchmark"
# (the GPU benchmarks of dev.kiln.bench.cuda run on the GPU machine; see benchmarks-jmh/README.md)
jmh 'dev\.kiln\.bench\.' -e 'dev\.kiln\.bench\.lab\.' -e 'dev\.kiln\.bench\.cuda\.' -e 'dev\.kiln\.bench\.conv\.' \
    -e 'GemmBenchmark' "${OTHER_ITER[@]}" -rf json -rff "$RES/other.json"
# convolution against PyTorch in alternating rounds: one round here (benchmarks-jmh/conv.sh alone runs three)
echo "run.sh: conv2d, Kiln and PyTorch"
CONV_QUICK=()
[[ -z "${KILN_BENCH_QUICK:-}" ]] || CONV_QUICK=(KILN_CONV_LAYERS=c512h7-o512k3s1)
env JAVA="$JAVA" KILN_CONV_JSON_DIR="$RES" KILN_CONV_ROUNDS="${KILN_CONV_ROUNDS:-1}" "${CONV_QUICK[@]}" benchmarks-jmh/conv.sh

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
MINUTES=$(( ($(date +%s) - START + 59) / 60 ))
CPU="$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
CACHES="$(lscpu 2>/dev/null | sed -n 's/^\(L[123][di]*\) cache: *\(.*\)/\1 \2/p' | paste -sd, - || true)"
"$JAVA" -cp "$JAR" dev.kiln.bench.report.Report \
    out="${KILN_BENCH_OUT:-docs/BENCHMARKS.md}" \
    cpu="$CPU; caches: $CACHES" \
    openblas="${BLAS_INFO:-absent}" \
    load="$LOAD_BEFORE / $LOAD_AFTER" \
    settings="GEMM: ${GEMM_ITER[*]}; others: ${OTHER_ITER[*]}; ${MINUTES} min in all" \
    note="${KILN_BENCH_NOTE:-not stated (set KILN_BENCH_NOTE)}" \
    notes=benchmarks-jmh/BENCHMARKS-notes.md \
    $(ls -tr "$RES"/*.json)
