package dev.kiln.kernels.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The committed PTX and cubins were built from the committed sources: build-ptx.sh records the
 * sources' SHA-256 in sources.sha256, and this fails when a .cu or .cuh changed since (run
 * kernels-cuda/build-ptx.sh where nvcc exists and commit its outputs).
 */
class PtxFreshnessTest {
    private static final Path SOURCES = ModuleFiles.path("src/main/cuda");
    private static final Path RESOURCES = ModuleFiles.path("src/main/resources/dev/kiln/kernels/cuda");

    @Test
    void generatedFilesMatchTheSources() throws IOException, NoSuchAlgorithmException {
        Map<String, String> recorded = new TreeMap<>();
        for (String line : Files.readAllLines(RESOURCES.resolve("sources.sha256"))) {
            if (!line.startsWith("#") && !line.isBlank()) {
                String[] parts = line.trim().split("\\s+");
                recorded.put(parts[1], parts[0]);
            }
        }
        Map<String, String> actual = new TreeMap<>();
        try (Stream<Path> files = Files.list(SOURCES)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".cu") || f.toString().endsWith(".cuh")).toList()) {
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
                actual.put(p.getFileName().toString(), HexFormat.of().formatHex(digest));
            }
        }
        assertThat(actual).as("src/main/cuda changed: run kernels-cuda/build-ptx.sh and commit its outputs")
                .isEqualTo(recorded);
    }

    @Test
    void everySourceHasItsPtxAndCubin() throws IOException {
        try (Stream<Path> files = Files.list(SOURCES)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".cu")).toList()) {
                String name = p.getFileName().toString().replace(".cu", "");
                assertThat(RESOURCES.resolve(name + ".ptx")).exists();
                assertThat(RESOURCES.resolve(name + ".sm_90.cubin")).exists();
                assertThat(Kernels.modules()).as("a module nothing launches").contains(name);
            }
        }
    }
}
