package dev.kiln.kernels.cpu;

/**
 * Not a test: an A/B timing in one JVM, interleaved, of {@link DirectConvSlideStrided} (forward) and {@link
 * DirectConvPhasesSlide} (input gradient) against the paths before them (old: both {@code enabled} off, so the row
 * tiles, channel tiles, {@link DirectConvPhases}, row phases or phase channels as {@link ConvDispatch} routes them;
 * new: both on), forwards and input gradients through {@link ConvDispatch} on ResNet-18's and kiln train cnn's 3×3
 * layers; the stride-1 layers are an A/A check of the noise. {@link ConvSwitchAB}'s timing ({@code -Dwall=true}: wall
 * time). Run after {@code ./mvnw -pl kernels-cpu -am test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvSlideStridedAB [rounds [threads [filter]]]
 * </pre>
 */
final class ConvSlideStridedAB {
    private ConvSlideStridedAB() {
    }

    public static void main(String[] args) {
        ConvSwitchAB.run(args, ConvSwitchAB.RESNET_AND_CNN, new String[] {"old", "new"},
                v -> DirectConvSlideStrided.enabled = DirectConvPhasesSlide.enabled = v == 1,
                l -> java.util.Arrays.copyOf(ConvSwitchAB.dispatchPasses(l), 2));
    }
}
