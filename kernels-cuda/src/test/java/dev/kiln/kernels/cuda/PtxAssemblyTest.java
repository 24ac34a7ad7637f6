package dev.kiln.kernels.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import jcuda.nvptxcompiler.JNvPTXCompiler;
import jcuda.nvptxcompiler.nvPTXCompilerHandle;

/**
 * Every committed PTX module assembles into machine code for sm_80 and sm_90, with JCuda's
 * bundled PTX compiler (CUDA 12.0's nvPTXCompiler, in-process, no GPU and no driver needed).
 * It only accepts PTX ISA up to 8.0, so this also proves the lowered .version line is enough.
 * The cubins are checked too: each is an ELF image for sm_90. Assembly runs without
 * optimisation (--opt-level=0) to keep the test to seconds: what it proves is that the PTX is
 * valid for both targets; the optimised build is checked by ptxas (check-ptx.sh) where nvcc exists.
 */
class PtxAssemblyTest {

    static java.util.List<String> modules() {
        return Kernels.modules();
    }

    @ParameterizedTest
    @MethodSource("modules")
    void ptxAssemblesForAmpereAndHopper(String module) {
        String ptx = PtxIndex.ptx(module);
        assertThat(ptx).contains(".version 8.0").contains(".target sm_80");
        for (String arch : new String[] {"sm_80", "sm_90"}) {
            assertThat(assemble(ptx, arch)).as(module + " for " + arch).isGreaterThan(0);
        }
    }

    @Test
    void ptxOfANewerIsaOrWithErrorsIsRefused() {
        // nvcc 13 writes ISA 9.0, which CUDA 12 drivers and this compiler refuse: why build-ptx.sh lowers it
        String ptx = PtxIndex.ptx("optim");
        assertThatThrownBy(() -> assemble(ptx.replace(".version 8.0", ".version 9.0"), "sm_90"))
                .isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> assemble(ptx.replace("ret;", "rett;"), "sm_90"))
                .isInstanceOf(AssertionError.class).hasMessageContaining("does not assemble");
    }

    @ParameterizedTest
    @MethodSource("modules")
    void cubinIsAnElfImage(String module) {
        byte[] cubin = PtxIndex.resource(module + ".sm_90.cubin");
        assertThat(cubin).as(module + ".sm_90.cubin").isNotNull();
        assertThat(Arrays.copyOf(cubin, 4)).containsExactly(0x7f, 'E', 'L', 'F');
    }

    /** Compiles PTX for arch; returns the size of the machine code, failing with the compiler's log. */
    static long assemble(String ptx, String arch) {
        byte[] src = ptx.getBytes(StandardCharsets.US_ASCII);
        nvPTXCompilerHandle h = new nvPTXCompilerHandle();
        JNvPTXCompiler.setExceptionsEnabled(false);
        int created = JNvPTXCompiler.nvPTXCompilerCreate(h, src.length, src);
        assertThat(created).as("nvPTXCompilerCreate").isZero();
        try {
            int status = JNvPTXCompiler.nvPTXCompilerCompile(h, 2, new String[] {"--gpu-name=" + arch, "--opt-level=0"});
            if (status != 0) {
                long[] size = new long[1];
                JNvPTXCompiler.nvPTXCompilerGetErrorLogSize(h, size);
                byte[] log = new byte[(int) size[0]];
                JNvPTXCompiler.nvPTXCompilerGetErrorLog(h, log);
                throw new AssertionError("PTX does not assemble for " + arch + " (status " + status + "): "
                        + new String(log, StandardCharsets.US_ASCII));
            }
            long[] size = new long[1];
            JNvPTXCompiler.nvPTXCompilerGetCompiledProgramSize(h, size);
            return size[0];
        } finally {
            JNvPTXCompiler.nvPTXCompilerDestroy(h);
        }
    }
}
