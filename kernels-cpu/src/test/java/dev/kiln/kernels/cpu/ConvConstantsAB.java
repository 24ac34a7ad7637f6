package dev.kiln.kernels.cpu;

import java.util.Arrays;

/**
 * Not a test: an A/B timing in one JVM, interleaved, of the tiles whose channel stride is a constant
 * ({@link DirectConvRowTiles}, 32 registers) against the generic ones, through {@link ConvDispatch} on
 * {@code kiln train cnn}'s 3×3 layers (batch 128): old with {@link DirectConvRowTiles#enabled} off, new with
 * it on, for the
 * forward, the input gradient and the weight gradient (which they do not run: a check of the noise). Medians of the rounds, CPU time (this thread's on one
 * thread, all threads' on more); x = old / new. Run after {@code ./mvnw -pl kernels-cpu -am test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvConstantsAB [rounds [threads [filter]]]
 * </pre>
 */
final class ConvConstantsAB {
    private ConvConstantsAB() {
    }

    /** kiln train cnn's 3×3 layers (batch 128). */
    private static final int[][] SHAPES = Arrays.copyOfRange(ConvSwitchAB.RESNET_AND_CNN, 7, 12);

    public static void main(String[] args) {
        ConvSwitchAB.run(args, SHAPES, new String[] {"old", "new"},
                v -> DirectConvRowTiles.enabled = v == 1, ConvSwitchAB::dispatchPasses);
    }
}
