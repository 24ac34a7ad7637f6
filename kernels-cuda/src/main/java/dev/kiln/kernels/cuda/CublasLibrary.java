package dev.kiln.kernels.cuda;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Finds a cuBLAS shared library for the FFM binding: {@code libcublas.so.13}, else {@code .12},
 * in this order of places: the system property {@code kiln.cublas.path} (a file or a folder),
 * the folders of {@code LD_LIBRARY_PATH}, the CUDA toolkit's folders ({@code CUDA_HOME},
 * {@code /usr/local/cuda*}), the system library folders, and the lib folders of NVIDIA's pip
 * packages ({@code site-packages/nvidia/cublas/lib}) under the usual Python prefixes.
 */
final class CublasLibrary {
    static final List<String> NAMES = List.of("libcublas.so.13", "libcublas.so.12");

    private CublasLibrary() {
    }

    /** The first library found, or empty. */
    static Optional<Path> find() {
        for (String name : NAMES) {
            for (Path dir : searchPath()) {
                Path p = dir.resolve(name);
                if (Files.isRegularFile(p) || Files.isSymbolicLink(p) && Files.exists(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /** Every folder searched, in order. */
    static List<Path> searchPath() {
        Set<Path> dirs = new LinkedHashSet<>();
        String prop = System.getProperty("kiln.cublas.path");
        if (prop != null && !prop.isBlank()) {
            Path p = Path.of(prop.trim());
            dirs.add(Files.isDirectory(p) ? p : p.toAbsolutePath().getParent());
        }
        addAll(dirs, System.getenv("LD_LIBRARY_PATH"));
        String cudaHome = System.getenv("CUDA_HOME");
        if (cudaHome != null && !cudaHome.isBlank()) {
            dirs.add(Path.of(cudaHome, "lib64"));
            dirs.add(Path.of(cudaHome, "lib"));
        }
        for (Path cuda : glob(Path.of("/usr/local"), "cuda*")) {
            dirs.add(cuda.resolve("lib64"));
            dirs.add(cuda.resolve("lib"));
            dirs.add(cuda.resolve("targets/x86_64-linux/lib"));
        }
        dirs.add(Path.of("/usr/lib/x86_64-linux-gnu"));
        dirs.add(Path.of("/usr/lib64"));
        dirs.add(Path.of("/usr/lib"));
        List<Path> pythonRoots = new ArrayList<>();
        for (String root : List.of("/usr/lib", "/usr/local/lib", "/opt/conda/lib",
                System.getProperty("user.home") + "/.local/lib")) {
            pythonRoots.addAll(glob(Path.of(root), "python3*"));
        }
        for (Path py : pythonRoots) {
            for (String sub : List.of("site-packages", "dist-packages")) {
                dirs.add(py.resolve(sub).resolve("nvidia/cublas/lib"));
                dirs.add(py.resolve(sub).resolve("nvidia/cu13/lib"));
            }
        }
        return dirs.stream().filter(Files::isDirectory).toList();
    }

    private static void addAll(Set<Path> dirs, String pathList) {
        if (pathList == null) {
            return;
        }
        for (String s : pathList.split(":")) {
            if (!s.isBlank()) {
                dirs.add(Path.of(s));
            }
        }
    }

    private static List<Path> glob(Path dir, String pattern) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, pattern)) {
            s.forEach(out::add);
        } catch (IOException e) {
            // an unreadable folder is simply not searched
        }
        out.sort(null);
        return out;
    }
}
