package dev.kiln.models.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The bench commands refuse a PyTorch that runs on the reference BLAS, and say which OpenBLAS core the
 * rest runs and why (tools/torch_blas.py reports both).
 */
class BenchTorchBlasTest {

    @Test
    void referenceBlasIsRefusedWithWhatToInstall() {
        List<String> script = List.of("sh", "-c",
                "echo '{\"blas\": \"reference\", \"blas_path\": \"/usr/lib/x86_64-linux-gnu/blas/libblas.so.3\", \"torch\": \"1.13\"}'");
        assertThatThrownBy(() -> BenchCommand.runTorch(script, "bench mlp --torch"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("bench mlp --torch")
                .hasMessageContaining("reference BLAS")
                .hasMessageContaining("libopenblas0-pthread");
    }

    @Test
    void optimisedBlasResultIsReturned() throws Exception {
        List<String> script = List.of("sh", "-c", "echo '{\"median_ms\": 7.5, \"blas\": \"openblas\"}'");
        Map<String, String> m = BenchCommand.runTorch(script, "bench mlp --torch");
        assertThat(m).containsEntry("median_ms", "7.5").containsEntry("blas", "openblas");
    }

    @Test
    void aCoreSetBecauseOpenBlasFellBackIsSaidSo() throws Exception {
        List<String> script = List.of("sh", "-c", "echo '{\"median_ms\": 5.6, \"blas\": \"openblas\", "
                + "\"blas_path\": \"/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3\", \"blas_core\": \"SkylakeX\", "
                + "\"blas_core_note\": \"set: OpenBLAS 0.3.21 fell back to Prescott on this CPU\"}'");
        assertThat(BenchCommand.blasText(BenchCommand.runTorch(script, "bench mlp --torch")))
                .isEqualTo("OpenBLAS core SkylakeX (set: OpenBLAS 0.3.21 fell back to Prescott on this CPU), "
                        + "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3");
    }

    @Test
    void otherBlasesAndOldScriptsAreNamedAsReported() {
        assertThat(BenchCommand.blasText(Map.of("blas", "openblas", "blas_core", "Haswell",
                "blas_core_note", "OPENBLAS_CORETYPE=Haswell from the environment")))
                .isEqualTo("OpenBLAS core Haswell (OPENBLAS_CORETYPE=Haswell from the environment)");
        assertThat(BenchCommand.blasText(Map.of("blas", "mkl", "blas_path", "/opt/mkl/libmkl_rt.so")))
                .isEqualTo("mkl, /opt/mkl/libmkl_rt.so");
        assertThat(BenchCommand.blasText(Map.of("blas", "openblas"))).isEqualTo("openblas");
        assertThat(BenchCommand.blasText(Map.of("median_ms", "7.5"))).isEqualTo("not reported");
    }
}
