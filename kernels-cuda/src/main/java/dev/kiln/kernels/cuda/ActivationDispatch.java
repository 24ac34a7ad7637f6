package dev.kiln.kernels.cuda;

import java.util.Arrays;
import dev.kiln.tensor.Activation;
import dev.kiln.tensor.spi.ReduceOp;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;

import static dev.kiln.kernels.cuda.DeviceTensors.*;

/**
 * CudaBackend's activation backwards, parameterised activations, PReLU and PAU: the kernels of
 * activation.cu.
 */
final class ActivationDispatch {
    private ActivationDispatch() {
    }

    static void unaryBackward(UnaryOp op, Tensor dx, Tensor x, Tensor dy) {
        int code = OpCodes.unary(op);
        forEachChunk(dev(dx), Kernels.UNARY_BACKWARD, sfx(x), dx.shape(), new Tensor[] {dx, x, dy},
                (l, a) -> new Args().layout(l).i(code).ptr(a[0]).ptr(a[1]).ptr(a[2]));
    }

    static void activation(Activation f, Tensor out, Tensor x) {
        double[] p = Arrays.copyOf(f.params(), 4);
        int code = OpCodes.activation(f.kind());
        forEachChunk(dev(out), Kernels.ACTIVATION, sfx(x), out.shape(), new Tensor[] {out, x},
                (l, a) -> new Args().layout(l).i(code).d(p[0]).d(p[1]).d(p[2]).d(p[3]).ptr(a[0]).ptr(a[1]));
    }

    static void activationBackward(Activation f, Tensor dx, Tensor x, Tensor dy) {
        double[] p = Arrays.copyOf(f.params(), 4);
        int code = OpCodes.activation(f.kind());
        forEachChunk(dev(dx), Kernels.ACTIVATION_BACKWARD, sfx(x), dx.shape(), new Tensor[] {dx, x, dy},
                (l, a) -> new Args().layout(l).i(code).d(p[0]).d(p[1]).d(p[2]).d(p[3]).ptr(a[0]).ptr(a[1])
                        .ptr(a[2]));
    }

    /** PReLU's view of x: [outer, channels, inner] with one slope per channel, or one shared slope. */
    private static int preluInner(Tensor x, int channels) {
        return channels == 1 ? 1 : inner(x.shape(), 1);
    }

    static void prelu(Tensor out, Tensor x, Tensor weight) {
        int n = x.numel();
        int channels = weight.numel();
        dev(out).launch1d(Kernels.PRELU, sfx(x), n, new Args().i(n).i(channels).i(preluInner(x, channels))
                .ptr(ptr(out)).ptr(ptr(x)).ptr(ptr(weight)));
    }

    static void preluBackward(Tensor dx, Tensor dweight, Tensor dy, Tensor x, Tensor weight) {
        CudaDevice d = dev(dy);
        int n = x.numel();
        int channels = weight.numel();
        int inner = preluInner(x, channels);
        if (dx != null) {
            d.launch1d(Kernels.PRELU_BACKWARD, sfx(x), n, new Args().i(n).i(channels).i(inner).ptr(ptr(dx))
                    .ptr(ptr(dy)).ptr(ptr(x)).ptr(ptr(weight)));
        }
        if (dweight == null) {
            return;
        }
        long perChannel = n / channels;
        if (perChannel == 0) {
            MemoryDispatch.fill(dweight, 0);
            return;
        }
        int splits = (int) Math.max(1, Math.min(ceilDiv(perChannel, 8192), ceilDiv(4L * d.multiprocessors(), channels)));
        CachingAllocator.Block partial = d.scratch((long) channels * splits * 8);
        try {
            d.launch(Kernels.PRELU_WEIGHT_PARTIAL, sfx(x), channels, splits, 1, 256, 0, new Args().i(n).i(channels)
                    .i(inner).i(splits).ptr(partial.address()).ptr(ptr(dy)).ptr(ptr(x)));
            d.launch(Kernels.REDUCE_FINISH, sfx(dweight), channels, 1, 1, rowBlock(splits), 0, new Args().i(channels)
                    .i(splits).i(OpCodes.reduce(ReduceOp.SUM)).ptr(ptr(dweight)).ptr(partial.address()));
        } finally {
            d.release(partial);
        }
    }

    static void pau(Tensor out, Tensor x, Tensor numerator, Tensor denominator) {
        int n = x.numel();
        dev(out).launch1d(Kernels.PAU, sfx(x), n, new Args().i(n).i(numerator.numel()).i(denominator.numel())
                .ptr(ptr(out)).ptr(ptr(x)).ptr(ptr(numerator)).ptr(ptrOrNull(denominator)));
    }

    static void pauBackward(Tensor dx, Tensor dnumerator, Tensor ddenominator, Tensor dy, Tensor x, Tensor numerator,
                            Tensor denominator) {
        CudaDevice d = dev(dy);
        int n = x.numel();
        int m1 = numerator.numel();
        int nd = denominator.numel();
        boolean sums = dnumerator != null || ddenominator != null && nd > 0;
        if (n == 0) {
            if (dnumerator != null) {
                MemoryDispatch.fill(dnumerator, 0);
            }
            if (ddenominator != null) {
                MemoryDispatch.fill(ddenominator, 0);
            }
            return;
        }
        if (dx == null && !sums) {
            return;
        }
        int splits = (int) Math.max(1, Math.min(ceilDiv(n, 256L * 16), 4L * d.multiprocessors()));
        CachingAllocator.Block partial = sums ? d.scratch((long) (m1 + nd) * splits * 8) : null;
        try {
            long pp = partial == null ? 0 : partial.address();
            d.launch(Kernels.PAU_BACKWARD, sfx(x), splits, 1, 1, 256, 0, new Args().i(n).i(m1).i(nd)
                    .ptr(ptrOrNull(dx)).ptr(pp).ptr(ptr(dy)).ptr(ptr(x)).ptr(ptr(numerator))
                    .ptr(ptrOrNull(denominator)));
            int sum = OpCodes.reduce(ReduceOp.SUM);
            if (dnumerator != null) {
                d.launch(Kernels.REDUCE_FINISH, sfx(dnumerator), m1, 1, 1, rowBlock(splits), 0, new Args().i(m1)
                        .i(splits).i(sum).ptr(ptr(dnumerator)).ptr(pp));
            }
            if (ddenominator != null && nd > 0) {
                d.launch(Kernels.REDUCE_FINISH, sfx(ddenominator), nd, 1, 1, rowBlock(splits), 0, new Args().i(nd)
                        .i(splits).i(sum).ptr(ptr(ddenominator)).ptr(pp + (long) m1 * splits * 8));
            }
        } finally {
            if (partial != null) {
                d.release(partial);
            }
        }
    }
}
