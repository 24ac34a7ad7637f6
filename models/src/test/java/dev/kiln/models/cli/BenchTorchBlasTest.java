package dev.kiln.models.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bench commands refuse a PyTorch that runs on the reference BLAS (tools/torch_blas.py reports it). */
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
}
