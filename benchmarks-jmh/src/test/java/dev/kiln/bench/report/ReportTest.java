package dev.kiln.bench.report;

import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ReportTest {
    private static String fixture(String name) {
        try {
            return Path.of(ReportTest.class.getResource("/report/" + name).toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String report(Map<String, String> opts, String... args) throws Exception {
        List<Report.Section> sections = Report.parse(args, opts);
        return Report.render(sections, opts);
    }

    @Test
    void eachIsaGetsItsSectionWithRatiosFromItsOwnRun() throws Exception {
        Map<String, String> opts = new LinkedHashMap<>();
        String md = report(opts, "out=docs/BENCHMARKS.md", "cpu=AMD EPYC (family 25, model 17)",
                "flags=avx2 fma avx512f", "commit=abc1234 + uncommitted changes",
                "isa=native", "simd=512-bit (AVX-512)", "openblas=Cooperlake", "results=benchmarks-jmh/results/2026-12-07/native",
                fixture("gemm-native.json"),
                "isa=avx2", "simd=256-bit (AVX2)", "jvm=-XX:UseAVX=2", "openblas=Haswell",
                "results=benchmarks-jmh/results/2026-12-07/avx2", fixture("gemm-avx2.json"));

        assertThat(md).contains("| Machine | AMD EPYC (family 25, model 17) |",
                "| ISA flags (Kiln's CpuInfo) | avx2 fma avx512f |", "| Commit | abc1234 + uncommitted changes |",
                "| ISAs | native: 512-bit (AVX-512), 2 results; avx2: 256-bit (AVX2), 2 results |",
                "| OpenBLAS | Cooperlake |");
        int nativeAt = md.indexOf("## ISA: native");
        int avx2At = md.indexOf("## ISA: avx2");
        int rawAt = md.indexOf("## Raw JMH results");
        assertThat(nativeAt).isPositive();
        assertThat(avx2At).isGreaterThan(nativeAt);
        assertThat(rawAt).isGreaterThan(avx2At);
        String nativePart = md.substring(nativeAt, avx2At);
        String avx2Part = md.substring(avx2At, rawAt);
        // 2·64³ flops: 5 µs is 104.9 GFLOP/s, 4 µs 131.1, 10 µs 52.4
        assertThat(nativePart).contains("### GemmBenchmark", "| shape=64, threads=1 | 104.9 (0.80×) | 131.1 |")
                .doesNotContain("0.40×");
        assertThat(avx2Part).contains("### GemmBenchmark", "| shape=64, threads=1 | 52.4 (0.50×) | 104.9 |",
                "| ISA forced by | -XX:UseAVX=2 |", "| OpenBLAS | Haswell |");
        assertThat(md.substring(rawAt)).contains("### native", "### avx2",
                "JSON: [benchmarks-jmh/results/2026-12-07/native](../benchmarks-jmh/results/2026-12-07/native/)");
    }

    @Test
    void aMissingFileOrIsaIsReportedNotFatal() throws Exception {
        Map<String, String> opts = new LinkedHashMap<>();
        String md = report(opts, "isa=native", "simd=512-bit", "no-such-dir/gemm.json", fixture("gemm-native.json"),
                "isa=avx2", "skipped=not run (KILN_BENCH_ISA=native)");

        assertThat(md).contains("no-such-dir/gemm.json (absent)", "| shape=64, threads=1 | 104.9 (0.80×) | 131.1 |",
                "## ISA: avx2\n\nNot measured: not run (KILN_BENCH_ISA=native).",
                "avx2: not measured (not run (KILN_BENCH_ISA=native))");
        assertThat(md.substring(md.indexOf("## Raw JMH results"))).doesNotContain("### avx2");

        String empty = report(new LinkedHashMap<>(), "isa=native", "no-such-dir/other.json");
        assertThat(empty).contains("## ISA: native\n\nNot measured: its result files could not be read.",
                "no-such-dir/other.json (absent)");
    }

    @Test
    void withoutIsaTheReportHasOneUnnamedSection() throws Exception {
        Map<String, String> opts = new LinkedHashMap<>();
        String md = report(opts, "by=benchmarks-jmh/conv.sh", "openblas=not used", "settings=short",
                fixture("gemm-native.json"));

        assertThat(md).contains("Written by `benchmarks-jmh/conv.sh`", "| OpenBLAS | not used |",
                "| JMH settings | short |", "## GemmBenchmark (GFLOP/s", "| shape=64, threads=1 | 104.9 (0.80×) |")
                .doesNotContain("ISA:", "### ");
    }

    @Test
    void aGenericModelNameGetsFamilyAndModel() {
        String genoa = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 17\n"
                + "model name\t: AMD EPYC\nstepping\t: 1\n\nprocessor\t: 1\nmodel name\t: other\n";
        assertThat(Machine.describe(genoa)).isEqualTo("AMD EPYC (family 25, model 17, stepping 1; Zen 4, EPYC 9xx4)");

        String named = "vendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 1\nmodel name\t: AMD EPYC 7B13\n";
        assertThat(Machine.describe(named)).isEqualTo("AMD EPYC 7B13");
        String intel = "vendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 143\nmodel name\t: Intel Xeon Processor\n";
        assertThat(Machine.describe(intel)).isEqualTo("Intel Xeon Processor (family 6, model 143)");
        assertThat(Machine.describe("")).isEmpty();
    }
}
