package dev.kiln.kernels.cpu;

/**
 * Not a test: an A/B timing in one JVM, interleaved, of {@link DirectConvRows#chunked} through {@link ConvDispatch}
 * on ResNet-18's 3×3 layers (batch 32) and {@code kiln train cnn}'s (batch 128): old with the cells channels last,
 * new with them in chunks of {@link DirectConvRows#K} channels,
 * for the forward, the input gradient and the weight gradient (which the row tiles do not run: a check of the
 * noise). Medians of the rounds, CPU time (this thread's on one thread, all threads' on more); x = old / new.
 * Run after {@code ./mvnw -pl kernels-cpu -am test-compile}:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp kernels-cpu/target/classes:kernels-cpu/target/test-classes:\
 *   tensor/target/classes:tensor/target/test-classes dev.kiln.kernels.cpu.ConvChunkedAB [rounds [threads [filter]]]
 * </pre>
 */
final class ConvChunkedAB {
    private ConvChunkedAB() {
    }

    public static void main(String[] args) {
        ConvSwitchAB.run(args, ConvSwitchAB.RESNET_AND_CNN, new String[] {"old", "new"},
                v -> DirectConvRows.chunked = v == 1, ConvSwitchAB::dispatchPasses);
    }
}
