#!/usr/bin/env bash
# Runs every JMH benchmark in dev.kiln.bench (the kernel lab excepted) once per ISA and writes
# docs/BENCHMARKS.md: the CPU model, its ISA flags, the git commit, then one section per ISA measured.
# The ISAs: native always; on a CPU with AVX-512 also forced AVX2, where Kiln's JVMs get -XX:UseAVX=2,
# OpenBLAS OPENBLAS_CORETYPE=Haswell and PyTorch (conv.sh) ONEDNN_MAX_CPU_ISA=AVX2, so that both sides
# of every ratio run at the same width. Each ISA's JMH JSON is copied to $KILN_BENCH_RESULTS/<isa>/
# (default benchmarks-jmh/results/<UTC date>/), which the report links.
# About 12 minutes per ISA on a 2-core machine. Run it on a quiet machine: other processes skew every figure.
#
#   benchmarks-jmh/run.sh                       # the whole suite, every ISA the CPU has
#   KILN_BENCH_ISA=native benchmarks-jmh/run.sh # one ISA only: native, avx2, or all (the default)
#   KILN_BENCH_QUICK=1 benchmarks-jmh/run.sh    # a smoke run (n = 256 only, short iterations), every ISA
#   KILN_BENCH_NOTE="quiet machine" benchmarks-jmh/run.sh   # says so in the report
#   KILN_BENCH_OUT=/tmp/B.md KILN_BENCH_RESULTS=/tmp/B-results benchmarks-jmh/run.sh
#                                               # the report and the JSON copies elsewhere
#
# JMH never runs in CI: the benchmarks jar is built only with -Pbench, and nothing here is a test.
set -euo pipefail
cd "$(dirname "$0")/.."

# OpenBLAS picks its kernel from the CPU unless told otherwise; some machines set these for old builds.
# Where it does not know the CPU and falls back below it (0.3.21 picks Prescott on Emerald Rapids), the
# native run sets the core it should have picked, and the report says so (dev.kiln.bench.OpenBlas).
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE

java_major() { "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }
JAVA="${JAVA:-}"
if [[ -z "$JAVA" ]]; then
  for c in "${JAVA_HOME:-}/bin/java" "$(command -v java || true)" /usr/lib/jvm/temurin-25-jdk-amd64/bin/java /usr/lib/jvm/*25*/bin/java; do
    if [[ -x "$c" ]] && (( $(java_major "$c" || echo 0) >= 25 )); then JAVA="$c"; break; fi
  done
fi
[[ -n "$JAVA" ]] || { echo "run.sh: no JDK 25 found; set JAVA=/path/to/java" >&2; exit 1; }

OUT="${KILN_BENCH_OUT:-docs/BENCHMARKS.md}"
RESULTS="${KILN_BENCH_RESULTS:-benchmarks-jmh/results/$(date -u +%F)}"
HAS_AVX512=0
grep -qw avx512f /proc/cpuinfo 2>/dev/null && HAS_AVX512=1
case "${KILN_BENCH_ISA:-all}" in
  native) ISAS=(native) ;;
  avx2) ISAS=(avx2) ;;
  all) ISAS=(native); (( HAS_AVX512 )) && ISAS+=(avx2) ;;
  *) echo "run.sh: KILN_BENCH_ISA must be native, avx2 or all, got '${KILN_BENCH_ISA}'" >&2; exit 1 ;;
esac
# why an ISA the report names has no section of figures
skipped_reason() {
  if [[ "$1" == avx2 && "${KILN_BENCH_ISA:-all}" == all ]]; then echo "the CPU has no AVX-512, so native is the AVX2 run"
  else echo "not run (KILN_BENCH_ISA=${KILN_BENCH_ISA})"; fi
}

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

# The commit measured, read before anything is written into the tree (results copies excluded)
COMMIT="$(git rev-parse --short HEAD 2>/dev/null || echo "not a git checkout")"
if [[ -n "$(git status --porcelain -- . ':!benchmarks-jmh/results' 2>/dev/null)" ]]; then
  COMMIT="$COMMIT + uncommitted changes"
fi

START=$(date +%s)
REPORT_ARGS=()
for isa in native avx2; do
  if [[ " ${ISAS[*]} " != *" $isa "* ]]; then
    REPORT_ARGS+=("isa=$isa" "skipped=$(skipped_reason "$isa")")
    continue
  fi
  RES=benchmarks-jmh/target/jmh/$isa
  rm -rf "$RES" && mkdir -p "$RES"
  # what this ISA changes: the benchmark JVMs' flags, OpenBLAS's kernel, oneDNN's ISA (conv.sh)
  ISA_JVM=(); ISA_ENV=(); CONV_ENV=()
  if [[ "$isa" == avx2 ]]; then
    ISA_JVM=(-XX:UseAVX=2); ISA_ENV=(OPENBLAS_CORETYPE=Haswell)
    CONV_ENV=(KILN_CONV_JVM_ARGS=-XX:UseAVX=2 ONEDNN_MAX_CPU_ISA=AVX2 DNNL_MAX_CPU_ISA=AVX2)
  fi
  JMH_EXTRA=()
  (( ${#ISA_JVM[@]} == 0 )) || JMH_EXTRA=(-jvmArgsAppend "${ISA_JVM[*]}")
  jmh() { env "${ISA_ENV[@]}" "$JAVA" "${JVM_FLAGS[@]}" -jar "$JAR" "$@" "${JMH_EXTRA[@]}"; }
  MACHINE=$("$JAVA" "${JVM_FLAGS[@]}" "${ISA_JVM[@]}" -cp "$JAR" dev.kiln.bench.report.Machine 2>/dev/null || true)
  SIMD=$(sed -n 's/^simd=//p' <<<"$MACHINE")
  if [[ "$isa" == native || -z "${CPU_MODEL:-}" ]]; then
    CPU_MODEL=$(sed -n 's/^cpu=//p' <<<"$MACHINE"); CPU_FLAGS=$(sed -n 's/^flags=//p' <<<"$MACHINE")
  fi
  EXCLUDE_BLAS=()
  JVM_TEXT="nothing: each library picks its kernels for the CPU"
  [[ "$isa" != avx2 ]] || JVM_TEXT="-XX:UseAVX=2 (Kiln); OPENBLAS_CORETYPE=Haswell; ONEDNN_MAX_CPU_ISA=AVX2 (PyTorch)"
  blas_field() { sed -n "s/^$1=//p" <<<"$2"; }
  if BLAS_OUT=$(env "${ISA_ENV[@]}" "$JAVA" "${JVM_FLAGS[@]}" -cp "$JAR" dev.kiln.bench.OpenBlas 2>/dev/null); then
    FORCE=$(blas_field force "$BLAS_OUT")
    if [[ -n "$FORCE" ]]; then
      # OpenBLAS fell back below this CPU (only where OPENBLAS_CORETYPE is unset, so never in the AVX2 run):
      # the OpenBLAS JMH forks get the core it should have picked, and the report says so
      FELL_BACK="$(blas_field version "$BLAS_OUT") fell back to $(blas_field core "$BLAS_OUT") on this CPU"
      echo "run.sh [$isa]: $FELL_BACK; OPENBLAS_CORETYPE=$FORCE for its benchmarks" >&2
      ISA_ENV=(OPENBLAS_CORETYPE="$FORCE")
      BLAS_OUT=$(env "${ISA_ENV[@]}" "$JAVA" "${JVM_FLAGS[@]}" -cp "$JAR" dev.kiln.bench.OpenBlas 2>/dev/null)
      BLAS_INFO="$(blas_field library "$BLAS_OUT"): $(blas_field config "$BLAS_OUT") (OPENBLAS_CORETYPE=$FORCE set by run.sh: $FELL_BACK)"
      JVM_TEXT="OPENBLAS_CORETYPE=$FORCE ($FELL_BACK); otherwise nothing: each library picks its kernels for the CPU"
    else
      BLAS_INFO="$(blas_field library "$BLAS_OUT"): $(blas_field config "$BLAS_OUT")"
      [[ -z "${ISA_ENV[*]}" ]] || BLAS_INFO="$BLAS_INFO (${ISA_ENV[*]})"
    fi
  else
    BLAS_INFO="$BLAS_OUT"
    echo "run.sh: $BLAS_INFO" >&2
    echo "run.sh: the OpenBLAS benchmarks are skipped; GEMM ratios will be missing" >&2
    EXCLUDE_BLAS=(-e 'GemmBenchmark\.openblas')
    BLAS_INFO="absent: $BLAS_INFO"
  fi

  LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
  ISA_START=$(date +%s)
  # One JMH run per shape, so that the figures a ratio compares are taken minutes apart, not ten.
  for shape in ${GEMM_SHAPES//,/ }; do
    echo "run.sh [$isa]: GEMM $shape (Kiln, OpenBLAS, EJML) at 1 and 2 threads"
    jmh 'dev\.kiln\.bench\.GemmBenchmark\.(kiln|openblas|ejml)$' "${EXCLUDE_BLAS[@]}" -p shape="$shape" -p threads=1,2 \
        "${GEMM_ITER[@]}" -rf json -rff "$RES/gemm-$shape.json"
  done
  echo "run.sh [$isa]: GEMM (ReferenceBackend) up to n = ${REF_SHAPES##*,}"
  jmh 'dev\.kiln\.bench\.GemmBenchmark\.reference$' -p shape="$REF_SHAPES" -p threads=1 \
      "${GEMM_ITER[@]}" -rf json -rff "$RES/gemm-reference.json"
  echo "run.sh [$isa]: every other benchmark"
  # (the GPU benchmarks of dev.kiln.bench.cuda run on the GPU machine; see benchmarks-jmh/README.md)
  jmh 'dev\.kiln\.bench\.' -e 'dev\.kiln\.bench\.lab\.' -e 'dev\.kiln\.bench\.cuda\.' -e 'dev\.kiln\.bench\.conv\.' \
      -e 'GemmBenchmark' "${OTHER_ITER[@]}" -rf json -rff "$RES/other.json"
  # convolution against PyTorch in alternating rounds: one round here (benchmarks-jmh/conv.sh alone runs three)
  echo "run.sh [$isa]: conv2d, Kiln and PyTorch"
  CONV_QUICK=()
  [[ -z "${KILN_BENCH_QUICK:-}" ]] || CONV_QUICK=(KILN_CONV_LAYERS=c512h7-o512k3s1)
  env JAVA="$JAVA" KILN_CONV_JSON_DIR="$RES" KILN_CONV_ROUNDS="${KILN_CONV_ROUNDS:-1}" "${CONV_QUICK[@]}" "${CONV_ENV[@]}" \
      benchmarks-jmh/conv.sh

  LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
  ISA_MINUTES=$(( ($(date +%s) - ISA_START + 59) / 60 ))
  # the raw JSON beside the report: this ISA's folder replaced whole, so it holds one run
  rm -rf "${RESULTS:?}/$isa" && mkdir -p "$RESULTS/$isa"
  cp -p "$RES"/*.json "$RESULTS/$isa/"
  REPORT_ARGS+=("isa=$isa" "simd=${SIMD:-?}" "jvm=$JVM_TEXT" "openblas=$BLAS_INFO" \
      "load=$LOAD_BEFORE / $LOAD_AFTER" \
      "settings=GEMM: ${GEMM_ITER[*]}; others: ${OTHER_ITER[*]}; conv2d: ${KILN_CONV_ROUNDS:-1} round; ${ISA_MINUTES} min" \
      "results=$RESULTS/$isa")
  # oldest first, as JMH wrote them (cp -p kept the times)
  while IFS= read -r f; do REPORT_ARGS+=("$f"); done < <(ls -tr "$RESULTS/$isa"/*.json)
done

MINUTES=$(( ($(date +%s) - START + 59) / 60 ))
CACHES="$(lscpu 2>/dev/null | sed -n 's/^\(L[123][di]*\) cache: *\(.*\)/\1 \2/p' | paste -sd, - || true)"
"$JAVA" -cp "$JAR" dev.kiln.bench.report.Report \
    out="$OUT" \
    cpu="${CPU_MODEL:-$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)}, $(nproc) cores; caches: $CACHES" \
    flags="${CPU_FLAGS:-?}" \
    commit="$COMMIT" \
    note="${KILN_BENCH_NOTE:-not stated (set KILN_BENCH_NOTE)}; ${MINUTES} min in all" \
    notes=benchmarks-jmh/BENCHMARKS-notes.md \
    "${REPORT_ARGS[@]}"
