package dev.kiln.kernels.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.kiln.tensor.DType;

/**
 * What the Java side launches matches what the CUDA sources define: every kernel of
 * {@link Kernels} exists in its module's PTX with exactly the declared parameter kinds, and every
 * entry in the PTX is launched by something (no dead kernels).
 */
class KernelSignatureTest {

    @Test
    void everyLaunchedKernelExistsWithItsParameters() {
        for (KernelSpec spec : Kernels.all()) {
            Map<String, List<String>> entries = PtxIndex.entries(PtxIndex.ptx(spec.module()));
            List<String> expected = spec.params().stream().map(Param::ptx).toList();
            for (String name : spec.names()) {
                assertThat(entries).as("module " + spec.module()).containsKey(name);
                assertThat(entries.get(name)).as("parameters of " + name).isEqualTo(expected);
            }
        }
    }

    @Test
    void everyPtxEntryIsLaunched() {
        Set<String> launched = new HashSet<>();
        for (KernelSpec spec : Kernels.all()) {
            launched.addAll(spec.names());
        }
        for (String module : Kernels.modules()) {
            assertThat(launched).as("entries of " + module + ".ptx").containsAll(
                    PtxIndex.entries(PtxIndex.ptx(module)).keySet());
        }
    }

    @Test
    void structSizesMatchThePackedLayouts() {
        // kiln.cuh: int rank, numel, shape[8], stride[4][8]; and keptRank, redRank, outer, inner + 4 arrays
        assertThat(Param.LAYOUT.ptx()).isEqualTo(".align 4 .b8[168]");
        assertThat(Param.REDUCE_LAYOUT.ptx()).isEqualTo(".align 4 .b8[144]");
        assertThat(PtxIndex.entries(PtxIndex.ptx("elementwise")).get("binary_f32").getFirst())
                .isEqualTo(".align 4 .b8[168]");
    }

    @Test
    void everyDtypeHasASuffix() {
        for (DType t : DType.values()) {
            assertThat(Kernels.STORAGE_TYPES).contains(Kernels.suffix(t));
        }
    }

    @Test
    void parserReadsScalarAndStructParameters() {
        String ptx = ".visible .entry k(\n\t.param .align 4 .b8 k_param_0[168],\n\t.param .u32 k_param_1,\n"
                + "\t.param .u64 k_param_2,\n\t.param .f64 k_param_3\n)\n{ ret; }";
        assertThat(PtxIndex.entries(ptx)).containsExactly(
                Map.entry("k", List.of(".align 4 .b8[168]", ".u32", ".u64", ".f64")));
    }
}
