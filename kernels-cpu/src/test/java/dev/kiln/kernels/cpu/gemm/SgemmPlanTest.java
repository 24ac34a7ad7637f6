package dev.kiln.kernels.cpu.gemm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The built-in plan's derivation, the plan file's round trip, and how a foreign or broken plan is met. */
class SgemmPlanTest {
    private static final CpuInfo AVX2 = new CpuInfo("Test CPU 3000", List.of("avx", "avx2", "fma"), 256, 16,
            32 << 10, 512 << 10, 32 << 20);
    private static final CpuInfo AVX512 = new CpuInfo("Test CPU 4000", List.of("avx", "avx2", "fma", "avx512f"), 512,
            32, 32 << 10, 1 << 20, 32 << 20);

    @TempDir
    Path dir;

    @Test
    void theBuiltInTileFitsTheRegisters() {
        // 16 registers: 4 x 2, not 6 x 2, whose early broadcasts make C2 spill an accumulator
        assertThat(SgemmPlan.derived(AVX2).tile()).isEqualTo("4x2");
        assertThat(new SgemmPlan(6, 2, SgemmPlan.derived(AVX2).blocking()).registersNeeded()).isGreaterThan(16);
        assertThat(SgemmPlan.derived(AVX2).registersNeeded()).isLessThanOrEqualTo(16);
        assertThat(SgemmPlan.derived(AVX512).tile()).isEqualTo("12x2");
        for (SgemmPlan p : SgemmPlan.candidates(AVX2)) {
            assertThat(p.registersNeeded()).as(p.describe()).isLessThanOrEqualTo(16);
        }
        assertThat(SgemmPlan.candidates(AVX2).getFirst()).isEqualTo(SgemmPlan.derived(AVX2));
        assertThat(SgemmPlan.candidates(AVX512)).extracting(SgemmPlan::tile).contains("12x2", "12x1", "6x2", "4x2");
    }

    @Test
    void blockingFollowsTheCaches() {
        // A micro-panel in 3/4 of L1d, A block in half of L2, B block in a quarter of L3
        assertThat(SgemmPlan.blockingFor(AVX512, 12)).isEqualTo(new Blocking(21 * 12, 512, 4096));
        Blocking small = SgemmPlan.blockingFor(new CpuInfo("x", List.of(), 256, 16, 16 << 10, 256 << 10, 2 << 20), 12);
        assertThat(small.kc()).isEqualTo(256);
        assertThat(SgemmPlan.blockingFor(AVX2, 4)).isEqualTo(new Blocking(64, 1024, 2048)); // kc capped at 1024
        assertThat(small.mc()).isEqualTo(12 * 10);
        assertThat(small.nc()).isEqualTo(512);
    }

    @Test
    void zenKeepsTheL3RuleAndAMeshL3KeepsBInL2() {
        // Zen 4 (32 KiB L1d, 1 MiB L2, 32 MiB L3): exactly the sizes measured best there
        CpuInfo zen4 = cpu(512, 32 << 10, 1 << 20, 32 << 20);
        assertThat(SgemmPlan.meshL3(zen4)).isFalse();
        assertThat(SgemmPlan.blockingFor(zen4, 12)).isEqualTo(new Blocking(252, 512, 4096));
        assertThat(SgemmPlan.blockingFor(cpu(256, 32 << 10, 1 << 20, 32 << 20), 4))
                .isEqualTo(new Blocking(128, 1024, 2048));
        // Zen 3 (512 KiB L2) and Zen 5 (48 KiB L1d) stay on the L3 rule too
        CpuInfo zen3 = cpu(256, 32 << 10, 512 << 10, 32 << 20);
        assertThat(SgemmPlan.meshL3(zen3)).isFalse();
        assertThat(SgemmPlan.blockingFor(zen3, 4)).isEqualTo(new Blocking(64, 1024, 2048));
        CpuInfo zen5 = cpu(512, 48 << 10, 1 << 20, 32 << 20);
        assertThat(SgemmPlan.meshL3(zen5)).isFalse();
        assertThat(SgemmPlan.blockingFor(zen5, 12)).isEqualTo(new Blocking(168, 768, 2688));
        // Emerald Rapids Xeon (48 KiB L1d, 2 MiB L2, 300 MiB L3): A and B micro-panels share L1d,
        // the B block fills half of L2, the A block a quarter
        CpuInfo xeon = cpu(512, 48 << 10, 2 << 20, 300 << 20);
        assertThat(SgemmPlan.meshL3(xeon)).isTrue();
        Blocking x512 = SgemmPlan.blockingFor(xeon, 12);
        assertThat(x512).isEqualTo(new Blocking(504, 256, 1024));
        assertThat((12 + 32) * x512.kc() * 4).isLessThanOrEqualTo(48 << 10);
        assertThat((long) x512.kc() * x512.nc() * 4).isLessThanOrEqualTo(1 << 20);
        CpuInfo xeonAvx2 = cpu(256, 48 << 10, 2 << 20, 300 << 20);
        assertThat(SgemmPlan.derived(xeonAvx2)).isEqualTo(new SgemmPlan(4, 2, new Blocking(224, 576, 448)));
    }

    private static CpuInfo cpu(int bits, int l1d, int l2, int l3) {
        return new CpuInfo("x", List.of(), bits, bits >= 512 ? 32 : 16, l1d, l2, l3);
    }

    @Test
    void aWrittenPlanIsReadBackOnTheSameCpu() throws IOException {
        SgemmPlan plan = new SgemmPlan(4, 2, new Blocking(96, 256, 1024));
        Path file = dir.resolve("sub/plan.json");
        SgemmPlanFile.write(file, plan, AVX2, 93.25, "2026-12-06T13:00:00Z");
        List<String> warnings = new ArrayList<>();
        assertThat(SgemmPlanFile.read(file, AVX2, warnings::add)).isEqualTo(plan);
        assertThat(warnings).isEmpty();
        assertThat(Files.readString(file)).contains("\"gflops\": 93.3", "\"tile\": \"4x2\"");
        // and resolve() picks it up from the property, the environment, or the default path
        assertThat(SgemmPlan.resolve(AVX2, file.toString(), null, null, warnings::add)).isEqualTo(plan);
        assertThat(SgemmPlan.resolve(AVX2, null, file.toString(), null, warnings::add)).isEqualTo(plan);
        Path home = dir.resolve("home");
        SgemmPlanFile.write(SgemmPlan.defaultFile(AVX2, home.toString()), plan, AVX2, 1, "now");
        assertThat(SgemmPlan.defaultFile(AVX2, home.toString()).getFileName().toString())
                .isEqualTo("plan-test-cpu-3000-256.json");
        assertThat(SgemmPlan.resolve(AVX2, null, null, home.toString(), warnings::add)).isEqualTo(plan);
        assertThat(SgemmPlan.resolve(AVX2, "none", null, home.toString(), warnings::add))
                .isEqualTo(SgemmPlan.derived(AVX2));
        assertThat(warnings).isEmpty();
    }

    @Test
    void aPlanFromAnotherCpuIsIgnoredWithOneWarning() throws IOException {
        Path file = dir.resolve("plan.json");
        SgemmPlanFile.write(file, new SgemmPlan(4, 2, new Blocking(96, 256, 1024)), AVX512, 100, "now");
        List<String> warnings = new ArrayList<>();
        assertThat(SgemmPlanFile.read(file, AVX2, warnings::add)).isNull();
        assertThat(SgemmPlan.resolve(AVX2, file.toString(), null, null, warnings::add))
                .isEqualTo(SgemmPlan.derived(AVX2));
        assertThat(warnings).hasSize(2).allSatisfy(w -> assertThat(w)
                .contains(file.toString(), "Test CPU 4000", "Test CPU 3000", "kiln tune").doesNotContain("\n"));
        // the same CPU at another forced width is another machine to the GEMM
        CpuInfo narrow = new CpuInfo(AVX512.model(), AVX512.isa(), 256, 16, AVX512.l1d(), AVX512.l2(), AVX512.l3());
        assertThat(SgemmPlanFile.read(file, narrow, warnings::add)).isNull();
    }

    @Test
    void aCorruptPlanIsAOneLineErrorNamingTheFile() throws IOException {
        String[] broken = {
            "", "{", "not json", "{\"cpu\": \"" + AVX2.key() + "\"}",
            "{\"cpu\": \"" + AVX2.key() + "\", \"tile\": \"7x3\", \"mc\": 96, \"kc\": 256, \"nc\": 1024}",
            "{\"cpu\": \"" + AVX2.key() + "\", \"tile\": \"12x1\", \"mc\": -1, \"kc\": 256, \"nc\": 1024}",
            "{\"cpu\": \"" + AVX2.key() + "\", \"tile\": \"12x1\", \"mc\": 96, \"kc\": 1e9, \"nc\": 1024}",
            "{\"cpu\": \"" + AVX2.key() + "\", \"tile\": \"12x1\", \"mc\": 96, \"kc\": 99999999, \"nc\": 1024}",
            "{\"cpu\": \"" + AVX2.key() + "\", \"tile\": \"x\", \"mc\": 96, \"kc\": 256, \"nc\": 1024}",
            // 12 x 2 needs 29 registers; this CPU has 16
            "{\"cpu\": \"" + AVX2.key() + "\", \"tile\": \"12x2\", \"mc\": 96, \"kc\": 256, \"nc\": 1024}",
            "{\"cpu\": \"" + AVX2.key() + "\", \"cpu\": \"again\"}",
            "{\"cpu\": \"" + AVX2.key() + "\", \"tile\": \"12x1\"} trailing",
        };
        Path file = dir.resolve("plan.json");
        for (String text : broken) {
            Files.writeString(file, text);
            assertThatThrownBy(() -> SgemmPlanFile.read(file, AVX2, w -> { }))
                    .as(text)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("GEMM plan " + file)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
            List<String> warnings = new ArrayList<>();
            assertThat(SgemmPlan.resolve(AVX2, file.toString(), null, null, warnings::add))
                    .isEqualTo(SgemmPlan.derived(AVX2));
            assertThat(warnings).singleElement().asString().contains(file.toString());
        }
        assertThatThrownBy(() -> SgemmPlanFile.read(dir.resolve("missing.json"), AVX2, w -> { }))
                .hasMessageStartingWith("GEMM plan " + dir.resolve("missing.json") + " cannot be read");
    }

    @Test
    void aBadBlockingOverrideIsAWarningNotAFailure() {
        SgemmPlan p = SgemmPlan.derived(AVX2);
        String saved = System.getProperty("kiln.gemm.kc");
        try {
            System.setProperty("kiln.gemm.kc", "99999999");
            List<String> warnings = new ArrayList<>();
            assertThat(SgemmPlan.overridden(p, warnings::add)).isEqualTo(p);
            assertThat(warnings).singleElement().asString().contains("kiln.gemm", "kc");
            System.setProperty("kiln.gemm.kc", "128");
            assertThat(SgemmPlan.overridden(p, warnings::add).blocking().kc()).isEqualTo(128);
        } finally {
            if (saved == null) {
                System.clearProperty("kiln.gemm.kc");
            } else {
                System.setProperty("kiln.gemm.kc", saved);
            }
        }
    }

    @Test
    void cpuInfoReadsModelFlagsAndCachesAndFallsBackWhenAbsent() throws IOException {
        Path cpuinfo = dir.resolve("cpuinfo");
        Files.writeString(cpuinfo, "processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu sse4_2 avx avx2 fma\n");
        Path cache = dir.resolve("cache");
        writeCache(cache.resolve("index0"), 1, "Data", "48K");
        writeCache(cache.resolve("index1"), 1, "Instruction", "32K");
        writeCache(cache.resolve("index2"), 2, "Unified", "2048K");
        writeCache(cache.resolve("index3"), 3, "Unified", "64M");
        CpuInfo c = CpuInfo.read(cpuinfo, cache, 256, "amd64");
        assertThat(c).isEqualTo(new CpuInfo("AMD EPYC 7B13", List.of("sse4_2", "avx", "avx2", "fma"), 256, 16,
                48 << 10, 2 << 20, 64 << 20));
        assertThat(c.key()).isEqualTo("AMD EPYC 7B13 | sse4_2 avx avx2 fma | 256-bit");
        CpuInfo none = CpuInfo.read(dir.resolve("absent"), dir.resolve("absent"), 128, "aarch64");
        assertThat(none).isEqualTo(new CpuInfo("aarch64", List.of(), 128, 32, CpuInfo.DEFAULT_L1D, CpuInfo.DEFAULT_L2,
                CpuInfo.DEFAULT_L3));
        assertThat(CpuInfo.parseSize("1024K")).isEqualTo(1 << 20);
        assertThat(CpuInfo.parseSize("junk")).isEqualTo(-1);
    }

    private static void writeCache(Path index, int level, String type, String size) throws IOException {
        Files.createDirectories(index);
        Files.writeString(index.resolve("level"), level + "\n");
        Files.writeString(index.resolve("type"), type + "\n");
        Files.writeString(index.resolve("size"), size + "\n");
    }
}
