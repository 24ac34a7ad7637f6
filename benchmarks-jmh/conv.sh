#!/usr/bin/env bash
# Kiln's conv2d against PyTorch 1.13 (oneDNN) on ResNet-18's layers at batch 32, forward and
# forward + backward: Conv2dBench (JMH) and tools/torch_conv_bench.py (the same layers timed the same
# way), in alternating rounds, layer by layer (Kiln, then PyTorch, then the next layer), each side at
# the same thread count. The report keeps each side's fastest round. About 8 minutes a round on 2
# cores; run it on a quiet machine.
#
#   benchmarks-jmh/conv.sh                                   # 3 rounds, every layer, 2 threads
#   KILN_CONV_ROUNDS=1 KILN_CONV_LAYERS=c512h7-o512k3s1 benchmarks-jmh/conv.sh   # one layer, one round
#   KILN_CONV_THREADS=1 benchmarks-jmh/conv.sh               # both sides on one thread
#   KILN_BENCH_OUT=/tmp/conv.md benchmarks-jmh/conv.sh       # the report elsewhere (default below)
#   KILN_CONV_JVM_ARGS=-XX:UseAVX=2 ONEDNN_MAX_CPU_ISA=AVX2 DNNL_MAX_CPU_ISA=AVX2 benchmarks-jmh/conv.sh
#                                                            # the AVX2 case on an AVX-512 machine (both sides)
#
# Without /usr/bin/python3 and torch (or with KILN_CONV_NO_TORCH=1) only Kiln runs. run.sh calls this
# script with KILN_CONV_JSON_DIR set, and then only the JSON is written (its own report has it).
set -euo pipefail
cd "$(dirname "$0")/.."
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE

ROUNDS="${KILN_CONV_ROUNDS:-3}"
THREADS="${KILN_CONV_THREADS:-2}"
LAYERS="${KILN_CONV_LAYERS:-c64h56-o64k3s1 c128h28-o128k3s1 c256h14-o256k3s1 c512h7-o512k3s1 c64h56-o128k3s2 c128h28-o256k3s2 c256h14-o512k3s2 c3h224-o64k7s2}"
PYTHON="${KILN_CONV_PYTHON:-/usr/bin/python3}"
ITER=(-f 1 -wi 2 -w 2s -i 3 -r 2s)
TORCH_ITER=(--warmup-iterations 2 --warmup-time 2 --iterations 3 --time 2)
if [[ -n "${KILN_BENCH_QUICK:-}" ]]; then
  ITER=(-f 1 -wi 1 -w 1s -i 2 -r 1s); TORCH_ITER=(--warmup-iterations 1 --warmup-time 1 --iterations 2 --time 1)
fi

java_major() { "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }
JAVA="${JAVA:-}"
if [[ -z "$JAVA" ]]; then
  for c in "${JAVA_HOME:-}/bin/java" "$(command -v java || true)" /usr/lib/jvm/temurin-25-jdk-amd64/bin/java /usr/lib/jvm/*25*/bin/java; do
    if [[ -x "$c" ]] && (( $(java_major "$c" || echo 0) >= 25 )); then JAVA="$c"; break; fi
  done
fi
[[ -n "$JAVA" ]] || { echo "conv.sh: no JDK 25 found; set JAVA=/path/to/java" >&2; exit 1; }

JAR=benchmarks-jmh/target/benchmarks.jar
if [[ -z "${KILN_CONV_JSON_DIR:-}" ]]; then
  JAVA_HOME="$(dirname "$(dirname "$(readlink -f "$JAVA")")")" ./mvnw -q -B -ntp -Pbench -pl benchmarks-jmh -am package -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true
fi
RES="${KILN_CONV_JSON_DIR:-benchmarks-jmh/target/jmh-conv}"
if [[ -z "${KILN_CONV_JSON_DIR:-}" ]]; then rm -rf "$RES"; fi
mkdir -p "$RES"

TORCH=1
if [[ -n "${KILN_CONV_NO_TORCH:-}" ]]; then
  TORCH=0
elif ! "$PYTHON" -c 'import torch' 2>/dev/null; then
  echo "conv.sh: $PYTHON has no torch; timing Kiln only" >&2
  TORCH=0
fi

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
START=$(date +%s)
for round in $(seq 1 "$ROUNDS"); do
  for layer in $LAYERS; do
    echo "conv.sh: round $round/$ROUNDS, $layer: Kiln"
    "$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -jar "$JAR" \
        'dev\.kiln\.bench\.conv\.Conv2dBench\.kiln$' -p layer="$layer" -p threads="$THREADS" \
        "${ITER[@]}" ${KILN_CONV_JVM_ARGS:+-jvmArgsAppend "$KILN_CONV_JVM_ARGS"} \
        -rf json -rff "$RES/conv-kiln-r$round-$layer.json"
    if (( TORCH )); then
      echo "conv.sh: round $round/$ROUNDS, $layer: PyTorch"
      "$PYTHON" tools/torch_conv_bench.py --layer "$layer" --threads "$THREADS" "${TORCH_ITER[@]}" \
          --out "$RES/conv-torch-r$round-$layer.json"
    fi
  done
done
[[ -z "${KILN_CONV_JSON_DIR:-}" ]] || exit 0

LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
MINUTES=$(( ($(date +%s) - START + 59) / 60 ))
CPU="$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
OUT="${KILN_BENCH_OUT:-benchmarks-jmh/target/conv.md}"
"$JAVA" -cp "$JAR" dev.kiln.bench.report.Report \
    out="$OUT" by="benchmarks-jmh/conv.sh" cpu="$CPU" openblas="not used (convolution only)" \
    load="$LOAD_BEFORE / $LOAD_AFTER" \
    settings="Kiln: ${ITER[*]}; PyTorch: ${TORCH_ITER[*]}; $ROUNDS alternating rounds, the fastest kept; $THREADS threads each; ${MINUTES} min in all" \
    note="${KILN_BENCH_NOTE:-not stated (set KILN_BENCH_NOTE)}" \
    $(ls -tr "$RES"/*.json)
echo "conv.sh: wrote $OUT"
