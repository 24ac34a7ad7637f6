package dev.kiln.kernels.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The FFM cuBLAS binding without a GPU: where a cuBLAS library is installed, every symbol Kiln
 * binds resolves in it and gets a downcall handle (skipped with the searched folders otherwise);
 * the library search honours kiln.cublas.path and prefers .13 over .12.
 */
class CublasBindingTest {

    @Test
    void everyBoundSymbolResolvesInTheInstalledCublas() {
        Optional<Path> lib = CublasLibrary.find();
        assumeTrue(lib.isPresent(), "no libcublas.so.13 or .12 on this machine; searched " + CublasLibrary.searchPath());
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup lookup = SymbolLookup.libraryLookup(lib.get(), arena);
            assertThat(FfmBlas.missingSymbols(lookup)).as("symbols missing from " + lib.get()).isEmpty();
            assertThat(FfmBlas.bind(lookup)).containsOnlyKeys(FfmBlas.FUNCTIONS.keySet());
        }
    }

    @Test
    void bindingNamesTheMissingSymbols() {
        // the C library exports none of cuBLAS's functions
        SymbolLookup libc = java.lang.foreign.Linker.nativeLinker().defaultLookup();
        assertThat(FfmBlas.missingSymbols(libc)).contains("cublasCreate_v2", "cublasSgemm_v2", "cublasGemmEx",
                "cublasSgemmStridedBatched", "cublasSetMathMode", "cublasSetStream_v2", "cublasDestroy_v2");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> FfmBlas.bind(libc))
                .hasMessageContaining("lacks").hasMessageContaining("cublasSgemm_v2");
    }

    @Test
    void searchHonoursThePropertyAndPrefersVersion13(@TempDir Path dir) throws IOException {
        Files.createFile(dir.resolve("libcublas.so.12"));
        String old = System.getProperty("kiln.cublas.path");
        try {
            System.setProperty("kiln.cublas.path", dir.toString());
            assertThat(CublasLibrary.searchPath().getFirst()).isEqualTo(dir);
            // a .13 anywhere else on this machine would win over our .12, so only check ours is found when none is
            Optional<Path> found = CublasLibrary.find();
            assertThat(found).isPresent();
            if (!found.get().getFileName().toString().endsWith(".13")) {
                assertThat(found.get()).isEqualTo(dir.resolve("libcublas.so.12"));
            }
            Files.createFile(dir.resolve("libcublas.so.13"));
            assertThat(CublasLibrary.find().orElseThrow().getFileName().toString()).isEqualTo("libcublas.so.13");
            System.setProperty("kiln.cublas.path", dir.resolve("libcublas.so.13").toString());
            assertThat(CublasLibrary.searchPath().getFirst()).isEqualTo(dir);
        } finally {
            if (old == null) {
                System.clearProperty("kiln.cublas.path");
            } else {
                System.setProperty("kiln.cublas.path", old);
            }
        }
    }
}
