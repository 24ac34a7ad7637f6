package dev.kiln.kernels.cpu;

import jdk.incubator.vector.Vector;
import jdk.incubator.vector.VectorMask;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The compiler directive is accepted by this JVM and covers every helper that passes vectors. */
class JitDirectivesTest {
    @Test
    void hotSpotAcceptsTheDirective() {
        assertThat(JitDirectives.installed()).as("directive " + JitDirectives.directive()).isTrue();
    }

    @Test
    void everyMethodThatTakesOrReturnsVectorsIsForceInlined() throws IOException, URISyntaxException {
        Path classes = Path.of(Simd.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> uncovered = new ArrayList<>();
        int checked = 0;
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(f).toString().replace(f.getFileSystem().getSeparator(), "/");
                name = name.substring(0, name.length() - ".class".length());
                if (!name.startsWith("dev/kiln/kernels/cpu/") || name.endsWith("module-info")) {
                    continue;
                }
                Class<?> c;
                try {
                    c = Class.forName(name.replace('/', '.'), false, Simd.class.getClassLoader());
                } catch (ClassNotFoundException e) {
                    throw new AssertionError(e);
                }
                for (Method m : c.getDeclaredMethods()) {
                    if (m.isSynthetic() || !passesVectors(m)) {
                        continue;
                    }
                    checked++;
                    if (!covered(name, m.getName())) {
                        uncovered.add(name + "." + m.getName());
                    }
                }
            }
        }
        assertThat(checked).as("vector helpers found").isGreaterThanOrEqualTo(10);
        assertThat(uncovered).as("methods passing vectors that C2 may leave out of line (add them to "
                + "JitDirectives.INLINED)").isEmpty();
    }

    private static boolean passesVectors(Method m) {
        return isVector(m.getReturnType()) || Arrays.stream(m.getParameterTypes()).anyMatch(JitDirectivesTest::isVector);
    }

    private static boolean isVector(Class<?> t) {
        return Vector.class.isAssignableFrom(t) || VectorMask.class.isAssignableFrom(t);
    }

    /** The directive's pattern rule: class and method, each exact or a prefix before a trailing '*'. */
    private static boolean covered(String className, String method) {
        for (String p : JitDirectives.INLINED) {
            int dot = p.lastIndexOf('.');
            if (matches(p.substring(0, dot), className) && matches(p.substring(dot + 1), method)) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(String pattern, String s) {
        return pattern.endsWith("*") ? s.startsWith(pattern.substring(0, pattern.length() - 1)) : s.equals(pattern);
    }
}
