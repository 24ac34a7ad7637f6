package dev.kiln.kernels.cpu;

/**
 * Not a test: an A/B timing in one JVM, interleaved, of {@link DirectConvSlide} against the path before it
 * (old: {@link DirectConvSlide#enabled} off, new: on), through {@link ConvDispatch} on kiln train cnn's
 * stride-1 3×3 layers and its stem (batch 128), forward and input gradient. Medians of the rounds, CPU time
 * (this thread's on one thread, all threads' on more); x = old / new. Run after
 * {@code ./mvnw -pl kernels-cpu -am test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvSlideAB [rounds [threads [filter]]]
 * </pre>
 * With {@code -Dab.direct=true} it times the output's two ways instead ({@link DirectConvSlide#direct} off, on).
 */
final class ConvSlideAB {
    private ConvSlideAB() {
    }

    /** {n, c, h, w, o, stride}, padding 1: cnn's stem, its 16-channel layer, then the other stride-1 layers. */
    private static final int[][] SHAPES = {
        {128, 1, 28, 28, 16, 1},
        {128, 16, 28, 28, 16, 1},
        {128, 32, 14, 14, 32, 1},
        {128, 64, 7, 7, 64, 1},
        {32, 16, 56, 56, 16, 1},
        {128, 16, 14, 14, 16, 1},
        {128, 16, 7, 7, 16, 1},
    };

    public static void main(String[] args) {
        if (Boolean.getBoolean("ab.direct")) {
            // old: the tiles through channels-last cells and ChannelsLast.store; new: transposed in registers
            ConvSwitchAB.run(args, SHAPES, new String[] {"cells", "direct"}, v -> DirectConvSlide.direct = v == 1,
                    l -> java.util.Arrays.copyOf(ConvSwitchAB.dispatchPasses(l), 2));
            return;
        }
        ConvSwitchAB.run(args, SHAPES, new String[] {"old", "new"}, v -> DirectConvSlide.enabled = v == 1,
                l -> java.util.Arrays.copyOf(ConvSwitchAB.dispatchPasses(l), 2));
    }
}
