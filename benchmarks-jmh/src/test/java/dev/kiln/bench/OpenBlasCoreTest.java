package dev.kiln.bench;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** When OpenBLAS fell back below what the CPU runs, and which core run.sh then sets (no library loaded). */
class OpenBlasCoreTest {
    // the first processor's flags of this Emerald Rapids Xeon (family 6, model 207), shortened
    private static final String EMERALD_RAPIDS = """
            processor\t: 0
            vendor_id\t: GenuineIntel
            cpu family\t: 6
            model\t\t: 207
            flags\t\t: fpu sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c avx2 avx512f avx512dq avx512cd avx512bw avx512vl avx512_bf16 amx_tile
            bugs\t\t: spectre_v1

            processor\t: 1
            flags\t\t: fpu sse sse2
            """;
    private static final Set<String> AVX512_BF16 = OpenBlas.cpuFlags(EMERALD_RAPIDS);
    private static final Set<String> AVX512 = Set.of("sse2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq");
    private static final Set<String> AVX2 = Set.of("sse2", "avx", "avx2", "fma");
    private static final Set<String> AVX = Set.of("sse2", "sse4_2", "avx");

    @Test
    void cpuFlagsAreTheFirstProcessorsFlagsLine() {
        assertThat(AVX512_BF16).contains("avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_bf16", "amx_tile")
                .doesNotContain("spectre_v1", "flags", "");
        assertThat(OpenBlas.cpuFlags("processor : 0\nmodel name : Neoverse\n")).isEmpty();
    }

    @Test
    void aGenericCoreOnAnAvx512CpuForcesTheAvx512Core() {
        // Debian's 0.3.21 on Emerald Rapids: Prescott
        assertThat(OpenBlas.coreToForce(AVX512_BF16, "Prescott")).contains("Cooperlake");
        assertThat(OpenBlas.coreToForce(AVX512, "Prescott")).contains("SkylakeX");
        assertThat(OpenBlas.coreToForce(AVX512, "Nehalem")).contains("SkylakeX");
        assertThat(OpenBlas.coreToForce(AVX512, "sandybridge")).contains("SkylakeX");
        assertThat(OpenBlas.coreToForce(AVX512, "Core2")).contains("SkylakeX");
    }

    @Test
    void aGenericCoreOnAnAvx2CpuForcesHaswell() {
        assertThat(OpenBlas.coreToForce(AVX2, "Prescott")).contains("Haswell");
        assertThat(OpenBlas.coreToForce(AVX2, "Sandybridge")).contains("Haswell");
        assertThat(OpenBlas.coreToForce(AVX2, "Barcelona")).contains("Haswell");
        // AVX-512 without BW/VL (Knights Landing) has no SkylakeX kernels to run
        assertThat(OpenBlas.coreToForce(Set.of("avx2", "fma", "avx512f", "avx512cd"), "Prescott")).contains("Haswell");
    }

    @Test
    void aCoreWithAvx2KernelsOrACpuWithoutAvx2ForcesNothing() {
        for (String core : new String[] {"Haswell", "SkylakeX", "Cooperlake", "Zen", "Excavator", "sapphirerapids"}) {
            assertThat(OpenBlas.coreToForce(AVX512_BF16, core)).as(core).isEmpty();
        }
        // Sandybridge is right for an AVX CPU; Prescott for an SSE3 one
        assertThat(OpenBlas.coreToForce(AVX, "Sandybridge")).isEmpty();
        assertThat(OpenBlas.coreToForce(AVX, "Prescott")).isEmpty();
        assertThat(OpenBlas.coreToForce(Set.of("avx2"), "Prescott")).as("AVX2 without FMA").isEmpty();
        // another architecture's core, or no name (a library without openblas_get_corename)
        assertThat(OpenBlas.coreToForce(Set.of(), "NEOVERSEN1")).isEmpty();
        assertThat(OpenBlas.coreToForce(AVX512, "")).isEmpty();
    }

    @Test
    void missingArgumentsAreRefusedByName() {
        assertThatThrownBy(() -> OpenBlas.coreToForce(null, "Prescott")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("OpenBlas.coreToForce");
        assertThatThrownBy(() -> OpenBlas.coreToForce(AVX2, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("OpenBlas.coreToForce");
    }
}
