package dev.kiln.kernels.cuda;

import dev.kiln.tensor.spi.Backend;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every {@link Backend} method has a kernel test on the CPU (kernels-cpu's tests) and on CUDA
 * (this module's tests): a new Backend method fails here until both backends' tests exercise it.
 * A test exercises a method when its source calls it by name ({@code CPU.softmax(...)}) or calls
 * a Tensor op that reaches only that method ({@link #REACHED_THROUGH}). Exceptions are listed
 * below with their reason; a stale exception (no such method) fails too.
 */
class BackendCoverageTest {

    /** Backend methods that Tensor ops reach under other names, with those names. */
    private static final Map<String, List<String>> REACHED_THROUGH = Map.of(
            "unary", List.of("@EnumSource(UnaryOp.class)"),
            "binary", List.of("@EnumSource(BinaryOp.class)"),
            "argReduce", List.of(".argmax(", ".argmin("),
            "copy", List.of(".contiguous()", ".clone()"),
            "fill", List.of(".fill_("),
            "copyFromHost", List.of(".to(GPU)"),
            "copyToHost", List.of(".to(CPU)"));

    /**
     * Not kernels: naming, discovery, the dtype query (tensor's DTypeBridge asks it; CudaDTypeTest
     * and the F16/BF16 cases of the CPU tests go through it) and allocation, which every kernel test uses anyway.
     */
    private static final Set<String> NOT_KERNELS = Set.of("name", "deviceType", "priority", "isAvailable", "hasKernelsFor",
            "allocate", "allocateUninitialized");

    private static final Map<String, String> CPU_EXCEPTIONS = Map.of(
            "pau", "CpuBackend runs ReferenceBackend's loops (no CPU kernel yet); autograd's GradcheckTest covers it",
            "pauBackward", "CpuBackend runs ReferenceBackend's loops (no CPU kernel yet); autograd's GradcheckTest covers it",
            "copyFromHost", "the CPU is the host: Tensor.to never calls it on the CPU backend",
            "copyToHost", "the CPU is the host: Tensor.to never calls it on the CPU backend");

    private static final Map<String, String> CUDA_EXCEPTIONS = Map.of();

    @Test
    void everyBackendMethodHasACpuKernelTest() {
        assertCovered("kernels-cpu", testSources(ModuleFiles.path("../kernels-cpu/src/test/java")), CPU_EXCEPTIONS);
    }

    @Test
    void everyBackendMethodHasACudaTest() {
        assertCovered("kernels-cuda", testSources(ModuleFiles.path("src/test/java")), CUDA_EXCEPTIONS);
    }

    @Test
    void exceptionsNameRealBackendMethods() {
        Set<String> methods = kernelMethods();
        assertThat(methods).containsAll(CPU_EXCEPTIONS.keySet()).containsAll(CUDA_EXCEPTIONS.keySet())
                .containsAll(REACHED_THROUGH.keySet());
        assertThat(methods).contains("softmax", "scaledDotProductAttentionBackward", "adamStep");
    }

    @Test
    void theCheckSeesAMissingTest() {
        String sources = "CPU.softmax(out, x, 1); y = x.argmax(0); @EnumSource(UnaryOp.class)";
        assertThat(missing(sources, Map.of())).doesNotContain("softmax", "argReduce", "unary")
                .contains("logSoftmax", "softmaxBackward", "binary", "adamStep");
        assertThat(missing("", Map.of())).containsExactlyElementsOf(kernelMethods());
        assertThat(missing("", Map.of("pau", "a reason"))).doesNotContain("pau").contains("pauBackward");
    }

    private static void assertCovered(String module, String sources, Map<String, String> exceptions) {
        assertThat(missing(sources, exceptions))
                .as("Backend methods without a test in %s (add one, or an exception with its reason)", module).isEmpty();
    }

    /** The Backend methods these sources neither call by name nor reach through their Tensor ops. */
    private static List<String> missing(String sources, Map<String, String> exceptions) {
        List<String> missing = new ArrayList<>();
        for (String m : kernelMethods()) {
            if (exceptions.containsKey(m)) {
                continue;
            }
            boolean called = Pattern.compile("[.:]" + m + "\\s*\\(|::" + m + "\\b").matcher(sources).find();
            boolean reached = REACHED_THROUGH.getOrDefault(m, List.of()).stream().anyMatch(sources::contains);
            if (!called && !reached) {
                missing.add(m);
            }
        }
        return missing;
    }

    private static Set<String> kernelMethods() {
        return Arrays.stream(Backend.class.getDeclaredMethods())
                .filter(m -> Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers()))
                .map(Method::getName)
                .filter(n -> !NOT_KERNELS.contains(n))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static String testSources(Path root) {
        assertThat(root).as("test sources at %s", root.toAbsolutePath()).isDirectory();
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.toString().endsWith(".java") && !p.endsWith("BackendCoverageTest.java"))
                    .map(BackendCoverageTest::read)
                    .collect(Collectors.joining("\n"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
