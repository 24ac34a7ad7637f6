package dev.kiln.kernels.cpu;

/**
 * Not a test: an A/B timing in one JVM, interleaved, of this session's changes together against main's paths, through
 * {@link ConvDispatch} on ResNet-18's 3×3 layers (batch 32) and {@code kiln train cnn}'s (batch 128): old with
 * {@link ConvDispatch#rowsOneVectorIn} and {@link DirectConvPhases#pairedStores} off (kiln train cnn's stride-2
 * 16 → 32 forward on {@link DirectConv}'s positional tiles, its input gradient's phases stored one float at a time),
 * new with both on (the forward on the row tiles with {@link DirectConvRowTiles}' 16-channel copies, the phases
 * stored in interleaved pairs). Every other pass is an A/A check of the noise. {@link ConvSwitchAB}'s timing
 * ({@code -Dwall=true}: wall time). Run after {@code ./mvnw -pl kernels-cpu -am test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvStride2InAB [rounds [threads [filter]]]
 * </pre>
 */
final class ConvStride2InAB {
    private ConvStride2InAB() {
    }

    public static void main(String[] args) {
        ConvSwitchAB.run(args, ConvSwitchAB.RESNET_AND_CNN, new String[] {"old", "new"},
                v -> ConvDispatch.rowsOneVectorIn = DirectConvPhases.pairedStores = v == 1, ConvSwitchAB::dispatchPasses);
    }
}
