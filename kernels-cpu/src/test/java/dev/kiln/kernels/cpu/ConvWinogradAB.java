package dev.kiln.kernels.cpu;

/**
 * Not a test: an A/B timing in one JVM, interleaved, of {@link ConvWinograd} (new) against the path {@link
 * ConvDispatch} takes without it (old), forward and input gradient of kiln train cnn's stride-1 3×3 layers (batch
 * 128) and ResNet-18's (batch 32), through {@link ConvSwitchAB#run}. Run after {@code ./mvnw -pl kernels-cpu -am
 * test-compile}, with {@code -XX:UseAVX=2} for 16 registers:
 * <pre>
 * java -XX:UseAVX=2 --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvWinogradAB [rounds [threads [filter]]]
 * </pre>
 * CPU time (the thread's on one thread, all threads' on more), wall with {@code -Dwall=true}; x = old / new.
 * Leaves the dispatch as it was.
 */
final class ConvWinogradAB {
    private ConvWinogradAB() {
    }

    /** {n, c, h, w, o, stride}: 3×3, padding 1, stride 1. */
    private static final int[][] SHAPES = {
        {128, 16, 28, 28, 16, 1},
        {128, 32, 14, 14, 32, 1},
        {128, 64, 7, 7, 64, 1},
        {32, 64, 56, 56, 64, 1},
        {32, 128, 28, 28, 128, 1},
        {32, 256, 14, 14, 256, 1},
        {32, 512, 7, 7, 512, 1},
    };

    public static void main(String[] args) {
        boolean route = ConvDispatch.winogradRoute;
        boolean all = ConvDispatch.winogradAll;
        ConvSwitchAB.run(args, SHAPES, new String[] {"old", "wino"}, v -> {
            ConvDispatch.winogradRoute = v == 1;
            ConvDispatch.winogradAll = v == 1;
        }, l -> java.util.Arrays.copyOf(ConvSwitchAB.dispatchPasses(l), 2));
        ConvDispatch.winogradRoute = route;
        ConvDispatch.winogradAll = all;
    }
}
