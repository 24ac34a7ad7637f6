package dev.kiln.kernels.cpu;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Float kernels take their species from {@link Simd}: a second float species used at run time (a
 * 128-bit copy in a JVM whose kernels run 256-bit vectors) pollutes the type profiles of the Vector
 * API's shared methods, after which C2 failed to intrinsify other kernels' vector stores and boxed
 * their vectors (the AVX2 convolution weight gradient: 1.3 GB allocated a training step, 2.6x
 * slower). Simd picks the one species; SgemmPack names the 512- and 256-bit ones only behind a
 * check that they are Simd's.
 */
class OneFloatSpeciesTest {
    private static final List<String> FIXED = List.of("FloatVector.SPECIES_64", "FloatVector.SPECIES_128",
            "FloatVector.SPECIES_256", "FloatVector.SPECIES_512", "FloatVector.SPECIES_MAX");

    @Test
    void onlySimdAndTheGuardedGemmPackingNameAFixedFloatSpecies() throws IOException {
        Path root = Path.of("src/main/java");
        List<String> offenders;
        try (Stream<Path> files = Files.walk(root)) {
            offenders = files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> !f.endsWith("Simd.java") && !f.endsWith("SgemmPack.java"))
                    .filter(f -> {
                        try {
                            String text = Files.readString(f);
                            return FIXED.stream().anyMatch(text::contains);
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    })
                    .map(Path::toString).toList();
        }
        assertThat(offenders).as("files naming a fixed float species").isEmpty();
        String pack = Files.readString(root.resolve("dev/kiln/kernels/cpu/gemm/SgemmPack.java"));
        assertThat(pack).doesNotContain("SPECIES_128").doesNotContain("SPECIES_64");
        assertThat(pack).contains("LANES == 16").contains("LANES == 8"); // the guards of S16 and S8
    }
}
