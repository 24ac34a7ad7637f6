package dev.kiln.kernels.cpu;

/**
 * Not a test: an A/B timing in one JVM, interleaved, of {@link DirectConvSlidePairs} against the path before it
 * (old: {@link DirectConvSlidePairs#enabled} off, new: on), through {@link ConvDispatch} on kiln train cnn's
 * stride-1 32- and 64-channel 3×3 layers (batch 128), then 28 × 28 ones and ResNet-18's stride-1 layers (batch 32,
 * then one sample), forward and input gradient. Medians of the rounds, CPU time (this thread's on one thread, all threads' on more; wall
 * with {@code -Dab.wall=true}); x = old / new. Run after {@code ./mvnw -pl kernels-cpu -am test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvSlidePairsAB [rounds [threads [filter]]]
 * </pre>
 * With {@code -Dab.copies=true} the new tiles run twice, on padded copies of x and on x in place.
 */
final class ConvSlidePairsAB {
    private ConvSlidePairsAB() {
    }

    /** {n, c, h, w, o, stride}, padding 1. */
    private static final int[][] SHAPES = {
        {128, 32, 14, 14, 32, 1},
        {128, 64, 7, 7, 64, 1},
        {128, 32, 28, 28, 32, 1},
        {32, 64, 28, 28, 64, 1},
        {32, 64, 56, 56, 64, 1},
        {32, 128, 28, 28, 128, 1},
        {32, 256, 14, 14, 256, 1},
        {32, 512, 7, 7, 512, 1},
        {1, 256, 14, 14, 256, 1},   // one sample: blocks split over the threads
        {1, 512, 7, 7, 512, 1},
    };

    public static void main(String[] args) {
        if (Boolean.getBoolean("ab.copies")) {
            // old: the row tiles; then the new tiles on padded copies of x ({@link DirectConvSlidePairs#inPlace} off),
            // then on x in place
            ConvSwitchAB.run(args, SHAPES, new String[] {"old", "copies", "new"}, v -> {
                DirectConvSlidePairs.enabled = v >= 1;
                DirectConvSlidePairs.inPlace = v == 2;
            }, l -> java.util.Arrays.copyOf(ConvSwitchAB.dispatchPasses(l), 2));
            return;
        }
        ConvSwitchAB.run(args, SHAPES, new String[] {"old", "new"}, v -> DirectConvSlidePairs.enabled = v == 1,
                l -> java.util.Arrays.copyOf(ConvSwitchAB.dispatchPasses(l), 2));
    }
}
