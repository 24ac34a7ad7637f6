package dev.kiln.kernels.cpu;

/**
 * Not a test: an A/B timing in one JVM, interleaved, of {@link DirectConvWeightStem} against the path before it
 * (old: {@link DirectConvWeightStem#enabled} off, new: on), the weight gradient through {@link ConvDispatch}, with
 * the forward, which it does not touch, as an A/A: kiln train cnn's stem (1 → 16 on 28 × 28, batch 128), RGB stems
 * 3 → 16 and 3 → 32 on 32 × 32 (batch 32), and the cnn stem at batch 8 (dy in L2); 3×3, padding 1. Medians of the
 * rounds, CPU time (this thread's on one thread, all threads' on more; {@code -Dab.wall=true}: wall); x = old / new.
 * {@code -Dab=planes}: the kernel with its shifted copies row by row against a plane at a time
 * ({@link DirectConvWeightStem#wholePlanes}). Run after {@code ./mvnw -pl kernels-cpu -am test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvWgradStemAB [rounds [threads [filter]]]
 * </pre>
 */
final class ConvWgradStemAB {
    private ConvWgradStemAB() {
    }

    /** {n, c, h, w, o, stride}, padding 1. */
    private static final int[][] SHAPES = {
        {128, 1, 28, 28, 16, 1},
        {32, 3, 32, 32, 16, 1},
        {32, 3, 32, 32, 32, 1},
        {8, 1, 28, 28, 16, 1},
    };

    public static void main(String[] args) {
        if ("planes".equals(System.getProperty("ab"))) {
            // the kernel both ways, its shifted copies row by row or a plane at a time
            ConvSwitchAB.run(args, SHAPES, new String[] {"rows", "planes"}, v -> DirectConvWeightStem.wholePlanes = v == 1,
                    l -> new ConvSwitchAB.Pass[] {ConvSwitchAB.dispatchPasses(l)[2]});
            return;
        }
        ConvSwitchAB.run(args, SHAPES, new String[] {"old", "new"}, v -> DirectConvWeightStem.enabled = v == 1,
                l -> new ConvSwitchAB.Pass[] {ConvSwitchAB.dispatchPasses(l)[0], ConvSwitchAB.dispatchPasses(l)[2]});
    }
}
