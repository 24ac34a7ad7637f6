package dev.kiln.kernels.cpu;

/**
 * Not a test: an A/B timing in one JVM, interleaved ({@link ConvSwitchAB}), of {@link DirectConvWeight#blocked}
 * on ResNet-18's 3×3 layers (batch 32) and {@code kiln train cnn}'s (batch 128): main (dy interleaved by fours
 * float by float, and only where it feeds two blocks of input channels or more), vec (the same shapes by fours,
 * interleaved with vectors, {@link DirectConvWeightCopy#vectorFours}), and +one (by fours on one block of 16
 * input channels too, {@link DirectConvWeight#foursOneBlock}); the forward, which none touches, as an A/A. CPU
 * time (this thread's on one thread, all threads' on more); x = main / each. Run after {@code ./mvnw -pl
 * kernels-cpu -am test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvWgradAB [rounds [threads [filter]]]
 * </pre>
 */
final class ConvWgradAB {
    private ConvWgradAB() {
    }

    public static void main(String[] args) {
        ConvSwitchAB.run(args, ConvSwitchAB.RESNET_AND_CNN, new String[] {"main", "vec", "+one"}, v -> {
            DirectConvWeightCopy.vectorFours = v >= 1 && DirectConvWeightCopy.VECTOR;
            DirectConvWeight.foursOneBlock = v == 2;
        }, l -> {
            float[] dwa = HostArrays.f(l.dw());
            float[] dya = HostArrays.f(l.dy());
            float[] xa = HostArrays.f(l.x());
            return new ConvSwitchAB.Pass[] {
                new ConvSwitchAB.Pass("forward A/A", () -> ConvDispatch.conv2d(l.y(), l.x(), l.w(), null, l.s())),
                new ConvSwitchAB.Pass("weight grad", () -> DirectConvWeight.blocked(dwa, l.dw().offset(), dya,
                        l.dy().offset(), xa, l.x().offset(), l.s(), DirectConvKernels.WIDE, true, true)),
            };
        });
    }
}
