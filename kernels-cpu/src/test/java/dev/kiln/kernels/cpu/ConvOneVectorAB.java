package dev.kiln.kernels.cpu;

/**
 * Not a test: an A/B timing in one JVM, interleaved, of {@link ConvDispatch#rowsOneVectorIn} on ResNet-18's 3×3
 * layers (batch 32) and {@code kiln train cnn}'s (batch 128): old with stride-2 forwards of one vector of input
 * channels on the paths before (kiln train cnn's 16 → 32 on {@link DirectConv}'s positional tiles at AVX-512), new
 * on the row tiles. The other passes and layers are A/A checks of the noise. {@link ConvSwitchAB}'s timing
 * ({@code -Dwall=true}: wall time). Run after {@code ./mvnw -pl kernels-cpu -am test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvOneVectorAB [rounds [threads [filter]]]
 * </pre>
 */
final class ConvOneVectorAB {
    private ConvOneVectorAB() {
    }

    public static void main(String[] args) {
        ConvSwitchAB.run(args, ConvSwitchAB.RESNET_AND_CNN, new String[] {"old", "new"},
                v -> ConvDispatch.rowsOneVectorIn = v == 1, ConvSwitchAB::dispatchPasses);
    }
}
