package dev.kiln.kernels.cpu;

/**
 * Not a test: an A/B timing in one JVM, interleaved, of {@link DirectConvWeight#blocked}'s 4 × 3 tile of 32
 * registers on ResNet-18's 3×3 layers (batch 32) and {@code kiln train cnn}'s (batch 128): old on dy as it
 * lies ({@code kiln.conv.weightFours=false}), fours on dy interleaved by fours ({@link DirectConvWeight#FOURS})
 * without {@link DirectConvWeightTiles#unitTaps}, and with them; and the forward, which none touches, timed the
 * same way as a check of the noise (A/A). Medians of the rounds, CPU time (this thread's on one thread, all
 * threads' on more); x = old / fours, old / (fours + unit). At 16 registers (-XX:UseAVX=2) the three are the
 * same code (another A/A). Run after {@code ./mvnw -pl kernels-cpu -am test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvFoursAB [rounds [threads [filter]]]
 * </pre>
 */
final class ConvFoursAB {
    private ConvFoursAB() {
    }

    /** The fours switch, read by the weight pass ({@link DirectConvWeight#blocked} takes it as an argument). */
    private static boolean fours;

    public static void main(String[] args) {
        ConvSwitchAB.run(args, ConvSwitchAB.RESNET_AND_CNN, new String[] {"old", "fours", "+unit"}, v -> {
            fours = v >= 1;
            DirectConvWeightTiles.unitTaps = v == 2;
        }, l -> {
            float[] dwa = HostArrays.f(l.dw());
            float[] dya = HostArrays.f(l.dy());
            float[] xa = HostArrays.f(l.x());
            return new ConvSwitchAB.Pass[] {
                new ConvSwitchAB.Pass("forward A/A", () -> ConvDispatch.conv2d(l.y(), l.x(), l.w(), null, l.s())),
                new ConvSwitchAB.Pass("weight grad", () -> DirectConvWeight.blocked(dwa, l.dw().offset(), dya,
                        l.dy().offset(), xa, l.x().offset(), l.s(), DirectConvKernels.WIDE, true, true,
                        DirectConvWeight.PARALLEL_ENDS, fours)),
            };
        });
    }
}
