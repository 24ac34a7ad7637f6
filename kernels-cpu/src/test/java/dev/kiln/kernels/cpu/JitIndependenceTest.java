package dev.kiln.kernels.cpu;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every exp-, log- and tanh-based kernel, and the reductions, give the same bits in a JVM that
 * only interprets ({@code -Xint}: the Vector API runs its Java fallback) as in one where C2 has
 * compiled them (its intrinsics), at the vector width this JVM was given. {@link KernelBits} does
 * the work in both JVMs; the compiled one runs it many times with C2 alone and a low compile
 * threshold, and must also agree with itself from the first round to the last.
 */
class JitIndependenceTest {
    private static final int ROUNDS = 100;

    @Test
    void kernelsGiveTheSameBitsInterpretedAndCompiled() throws Exception {
        List<String> interpreted = run(List.of("-Xint"));
        List<String> compiled = run(List.of("-XX:-TieredCompilation", "-XX:CompileThreshold=100", "-Xbatch",
                "-XX:+PrintCompilation"), "warm", String.valueOf(ROUNDS));

        Map<String, String> xint = hashes(interpreted);
        Map<String, String> c2 = hashes(compiled);
        assertThat(xint).as("kernels run").hasSizeGreaterThan(60);
        assertThat(compiled).as("bits that changed while the JIT compiled").noneMatch(l -> l.startsWith("CHANGED"));
        // the compiled JVM really compiled the kernels and SimdMath (PrintCompilation lines)
        assertThat(compiled).anyMatch(l -> l.contains("dev.kiln.kernels.cpu.SimdMath::exp"));
        assertThat(compiled).anyMatch(l -> l.contains("dev.kiln.kernels.cpu.SoftmaxKernels::"));
        assertThat(compiled).anyMatch(l -> l.contains("dev.kiln.kernels.cpu.ActivationKernels::"));
        for (var e : xint.entrySet()) {
            assertThat(c2.get(e.getKey())).as("%s: compiled vs interpreted bits", e.getKey()).isEqualTo(e.getValue());
        }
    }

    /** KernelBits's result lines ("name hash") by name. */
    private static Map<String, String> hashes(List<String> lines) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String l : lines) {
            if (l.startsWith("RESULT ")) {
                int at = l.lastIndexOf(' ');
                out.put(l.substring("RESULT ".length(), at), l.substring(at + 1));
            }
        }
        return out;
    }

    /** Runs KernelBits in a fresh JVM with the given flags (plus this one's vector width, one thread); its output lines. */
    private static List<String> run(List<String> flags, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-modules");
        cmd.add("jdk.incubator.vector");
        cmd.addAll(flags);
        cmd.add("-Dkiln.threads=1");
        String simd = System.getProperty("kiln.simd");
        if (simd != null) {
            cmd.add("-Dkiln.simd=" + simd);
        }
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        cmd.add("-cp");
        cmd.add(cp);
        cmd.add(KernelBits.class.getName());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] bytes = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("KernelBits finished").isTrue();
        String text = new String(bytes, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("KernelBits %s exit status; output:%n%s", flags, text).isZero();
        return text.lines().toList();
    }
}
