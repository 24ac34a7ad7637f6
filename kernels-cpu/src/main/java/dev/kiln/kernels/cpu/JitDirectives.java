package dev.kiln.kernels.cpu;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

import javax.management.ObjectName;

/**
 * Asks HotSpot's C2 to always inline the kernels' vector helpers ({@link #INLINED}) into the
 * kernels that call them, through a compiler directive added once at start-up (what {@code jcmd
 * <pid> Compiler.directives_add} does, reached in-process through the DiagnosticCommand MBean).
 *
 * <p>Why: a {@code FloatVector} is a plain object unless C2 sees both its producer and its consumer
 * in one compiled method. C2 inlines a helper such as {@code SimdMath.exp} (about 160 bytecodes)
 * only at a call site it deems hot, and that verdict comes from the caller's profile at the time it
 * is compiled. When a kernel loop was first compiled by tier 2 (which keeps no call-site profile, and
 * which tiered compilation picks when C2's queue is long), the site looks cold, the helper is called
 * rather than inlined, and every vector that crosses the call is boxed: for the life of the JVM. The
 * attention backward at T = 2048 then allocated 33 MB a call and ran 1.5x slower in about half of
 * the JVMs started (AMD EPYC Zen 4, AVX-512, measured with PrintInlining and allocation counters).
 * With the directive, it allocated 4.6 MB (its outputs and dQ partials) in every one of ten.
 *
 * <p>Nothing depends on it for correctness: without the MBean (another JVM, a jlinked image without
 * {@code jdk.management}), or with {@code -Dkiln.jitDirectives=false}, Kiln runs as before.
 */
final class JitDirectives {
    private JitDirectives() {
    }

    /**
     * The helpers that take or return vectors, as directive patterns (class and method; a trailing
     * {@code *} matches any suffix). JitDirectivesTest checks every such method of this package is
     * covered, so a new helper cannot silently reintroduce the boxing.
     */
    static final List<String> INLINED = List.of(
            "dev/kiln/kernels/cpu/Simd.*",
            "dev/kiln/kernels/cpu/SimdMath.*",
            "dev/kiln/kernels/cpu/SimdFunctions.*",
            "dev/kiln/kernels/cpu/MathKernels.gaussian",
            "dev/kiln/kernels/cpu/ActivationKernels.one",
            "dev/kiln/kernels/cpu/ActivationKernels.mills",
            "dev/kiln/kernels/cpu/ActivationKernels.clampA",
            "dev/kiln/kernels/cpu/ActivationKernels.softplus",
            "dev/kiln/kernels/cpu/ActivationKernels.mishT",
            "dev/kiln/kernels/cpu/ScanKernels.load",
            "dev/kiln/kernels/cpu/ScanKernels.store",
            "dev/kiln/kernels/cpu/DirectConvStem.store");

    /**
     * Helpers kept out of line: their vectors stay inside them, and inlined they make a kernel large
     * enough that C2 leaves some of its other vector helpers out of line. With the masking of
     * attention's score rows inlined into the backward's tile loop, that loop boxed a vector per row
     * (3 MB a call at T = 2048, measured at 512 bits); a call per row costs little next to the row's exp.
     * GELU's loops fill most of C2's node budget: inlined into a caller (the fused linear's epilogue)
     * they left part of SimdMath.exp out of line and boxed a vector per vector of input (the GPT
     * step's GELU, 2026-12-06).
     */
    static final List<String> OUT_OF_LINE = List.of(
            "dev/kiln/kernels/cpu/AttentionRows.addRow",
            "dev/kiln/kernels/cpu/AttentionRows.hideRow",
            "dev/kiln/kernels/cpu/ActivationKernels.gelu",
            "dev/kiln/kernels/cpu/ActivationKernels.geluBackward");

    // On a daemon thread: the platform MBean server takes about 0.2 s to start, which no user should
    // wait for, and C2 reaches the kernels' loops only after they have run for a while
    private static final FutureTask<Boolean> INSTALL = new FutureTask<>(JitDirectives::install);

    static {
        Thread.ofPlatform().daemon().name("kiln-jit-directives").start(INSTALL);
    }

    /** Starts adding the directive (once per JVM; {@link Simd} calls this before any kernel runs). */
    static void begin() {
        // the work is in the static initializer
    }

    /** Whether the directive is in place, waiting for the attempt to finish. */
    static boolean installed() {
        try {
            return INSTALL.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return false;
        }
    }

    private static boolean install() {
        if ("false".equalsIgnoreCase(System.getProperty("kiln.jitDirectives", "true").trim())) {
            return false;
        }
        Path file = null;
        try {
            file = Files.createTempFile("kiln-jit", ".json"); // owner-only on POSIX; removed below
            Files.writeString(file, directive());
            Object reply = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesAdd",
                    new Object[] {new String[] {file.toString()}}, new String[] {String[].class.getName()});
            // HotSpot answers "1 compiler directives added"; anything else means it refused the file
            return String.valueOf(reply).startsWith("1 ");
        } catch (Exception | LinkageError e) {
            System.getLogger(JitDirectives.class.getName()).log(System.Logger.Level.DEBUG,
                    "compiler directive not added (kernels may box vectors in some JVMs): " + e);
            return false;
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (Exception ignored) {
                    // a leftover temp file of a few hundred bytes is harmless
                }
            }
        }
    }

    /**
     * The directive: in C2 compilations of this package's methods, force-inline {@link #INLINED} and
     * never inline {@link #OUT_OF_LINE}.
     */
    static String directive() {
        StringBuilder inline = new StringBuilder();
        for (String p : INLINED) {
            inline.append(inline.isEmpty() ? "" : ", ").append("\"+").append(p).append('"');
        }
        for (String p : OUT_OF_LINE) {
            inline.append(", \"-").append(p).append('"');
        }
        return "[{match: [\"dev/kiln/kernels/cpu/*.*\"], c2: {inline: [" + inline + "]}}]";
    }
}
