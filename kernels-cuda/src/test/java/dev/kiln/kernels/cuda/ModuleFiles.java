package dev.kiln.kernels.cuda;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Files of this module for tests that read sources: Maven runs tests in the module's folder, the
 * GPU machine's run.sh in the repository root.
 */
final class ModuleFiles {
    private ModuleFiles() {
    }

    static Path path(String relative) {
        Path here = Path.of(relative);
        if (Files.exists(here)) {
            return here;
        }
        Path fromRoot = Path.of("kernels-cuda").resolve(relative);
        return Files.exists(fromRoot) ? fromRoot : here;
    }
}
