package dev.kiln.kernels.cpu;

/**
 * Not a test: an A/B timing in one JVM, interleaved, of {@link DirectConvPhases#pairedStores} through {@link
 * ConvDispatch} on ResNet-18's 3×3 layers (batch 32) and {@code kiln train cnn}'s (batch 128): old with each phase
 * of dx stored one float at a time, new with a phase row's two column phases interleaved by vectors. Only the
 * strided input gradients {@link DirectConvPhases} runs change (kiln train cnn's 16 → 32 at AVX-512); the other
 * passes are A/A checks of the noise. {@link ConvSwitchAB}'s timing ({@code -Dwall=true}: wall time). Run after
 * {@code ./mvnw -pl kernels-cpu -am test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvPairsAB [rounds [threads [filter]]]
 * </pre>
 */
final class ConvPairsAB {
    private ConvPairsAB() {
    }

    public static void main(String[] args) {
        ConvSwitchAB.run(args, ConvSwitchAB.RESNET_AND_CNN, new String[] {"old", "new"},
                v -> DirectConvPhases.pairedStores = v == 1, ConvSwitchAB::dispatchPasses);
    }
}
