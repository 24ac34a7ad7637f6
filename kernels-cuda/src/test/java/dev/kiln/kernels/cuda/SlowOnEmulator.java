package dev.kiln.kernels.cuda;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A GPU test that takes minutes on the CPU emulator (millions of emulated threads). The quick
 * emulator run of every build ({@code -Dkiln.cuda.emulator.quick=true}) leaves it out, reported as
 * skipped; on a GPU and in the whole emulator run ({@code -Pemulator}) it runs. {@link RequiresCuda}
 * reads it.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@interface SlowOnEmulator {
    /** What makes it slow there, for the skip message. */
    String value();
}
