package dev.kiln.kernels.cpu;

import dev.kiln.tensor.Activation;
import dev.kiln.tensor.spi.BinaryOp;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.spi.ReduceOp;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static dev.kiln.kernels.cpu.KernelCheck.CPU;
import static dev.kiln.kernels.cpu.KernelCheck.Layout;
import static dev.kiln.kernels.cpu.KernelCheck.input;
import static dev.kiln.kernels.cpu.KernelCheck.poisoned;

/**
 * Runs every kernel whose result could depend on how it was compiled (the exp-, log- and
 * tanh-based ones, and the reductions) on fixed small inputs, and prints one line per kernel: its
 * name and a hash of its outputs' bits (NaN counted as one value: its payload is not promised).
 * {@link JitIndependenceTest} runs it in a JVM that only interprets and in one that has compiled
 * everything, and compares the lines. With {@code warm N} it runs the whole set N times first and
 * reports any kernel whose bits changed on the way (interpreted, then C1, then C2).
 */
public final class KernelBits {
    private KernelBits() {
    }

    public static void main(String[] args) {
        int rounds = args.length >= 2 && args[0].equals("warm") ? Integer.parseInt(args[1]) : 1;
        Map<String, Long> first = run();
        Map<String, Long> last = first;
        for (int i = 1; i < rounds; i++) {
            last = run();
            for (var e : last.entrySet()) {
                if (!e.getValue().equals(first.get(e.getKey()))) {
                    System.out.println("CHANGED " + e.getKey() + " in round " + i);
                    first.put(e.getKey(), e.getValue());
                }
            }
        }
        last.forEach((name, hash) -> System.out.println("RESULT " + name + " " + Long.toHexString(hash)));
    }

    /** Every kernel once: name to the hash of its outputs. */
    static Map<String, Long> run() {
        Map<String, Long> out = new LinkedHashMap<>();
        SplittableRandom rng = new SplittableRandom(14);
        int n = 64 * 16 + 11; // vector loops and a scalar tail at every width
        Tensor x = values(rng, n, 4);
        Tensor xStrided = input(raw(values(rng, n, 4)), new int[] {n}, Layout.STRIDED);
        Tensor dy = values(rng, n, 1);
        for (UnaryOp op : UnaryOp.values()) {
            record(out, "unary " + op, t -> CPU.unary(op, t, x), n);
            record(out, "unary strided " + op, t -> CPU.unary(op, t, xStrided), n);
            record(out, "unaryBackward " + op, t -> CPU.unaryBackward(op, t, x, dy), n);
        }
        for (BinaryOp op : BinaryOp.values()) {
            record(out, "binary " + op, t -> CPU.binary(op, t, x, dy), n);
        }
        for (Activation f : new Activation[] {Activation.helu(1.0), Activation.sau(0.1, 0.5),
                Activation.velu(1.0, 1.0, 1.0, 0.5), Activation.elu(1.0), Activation.celu(0.7)}) {
            record(out, "activation " + f.kind(), t -> CPU.activation(f, t, x), n);
            record(out, "activationBackward " + f.kind(), t -> CPU.activationBackward(f, t, x, dy), n);
        }

        int[] shape = {3, 37, 21};
        Tensor a = values(rng, 3 * 37 * 21, 3).view(shape);
        Tensor g = values(rng, 3 * 37 * 21, 1).view(shape);
        for (int dim : new int[] {1, 2}) {
            record(out, "softmax dim " + dim, t -> CPU.softmax(t, a, dim), shape);
            record(out, "logSoftmax dim " + dim, t -> CPU.logSoftmax(t, a, dim), shape);
            Tensor y = poisoned(shape);
            CPU.softmax(y, a, dim);
            record(out, "softmaxBackward dim " + dim, t -> CPU.softmaxBackward(t, y, g, dim), shape);
            Tensor ly = poisoned(shape);
            CPU.logSoftmax(ly, a, dim);
            record(out, "logSoftmaxBackward dim " + dim, t -> CPU.logSoftmaxBackward(t, ly, g, dim), shape);
        }
        for (int[] dims : new int[][] {{0}, {1}, {2}, {0, 1, 2}}) {
            int[] kept = shape.clone();
            for (int d : dims) {
                kept[d] = 1;
            }
            record(out, "sum " + java.util.Arrays.toString(dims), t -> CPU.reduce(ReduceOp.SUM, t, a, dims), kept);
        }

        int rows = 13;
        int classes = 37;
        Tensor logits = values(rng, rows * classes, 5).view(rows, classes);
        double[] lab = new double[rows];
        for (int r = 0; r < rows; r++) {
            lab[r] = r == 4 ? -100 : rng.nextInt(classes);
        }
        Tensor labels = KernelCheck.contiguous(DType.I32, lab, rows);
        Tensor dloss = values(rng, rows, 1);
        record(out, "crossEntropy", t -> CPU.crossEntropy(t, logits, labels, -100), rows);
        record(out, "crossEntropyBackward", t -> CPU.crossEntropyBackward(t, logits, labels, dloss, -100), rows,
                classes);

        int d = 45;
        Tensor nx = values(rng, 9 * d, 2).view(9, d);
        Tensor ndy = values(rng, 9 * d, 1).view(9, d);
        Tensor w = values(rng, d, 1);
        Tensor b = values(rng, d, 1);
        Tensor mean = poisoned(9);
        Tensor rstd = poisoned(9);
        record(out, "layerNorm", t -> CPU.layerNorm(t, mean, rstd, nx, w, b, 1e-5), 9, d);
        Tensor dw = poisoned(d);
        Tensor db = poisoned(d);
        Tensor ndx = poisoned(9, d);
        record(out, "layerNormBackward", () -> {
            CPU.layerNormBackward(ndx, dw, db, ndy, nx, mean, rstd, w);
            return new Tensor[] {ndx, dw, db};
        });
        Tensor rrstd = poisoned(9);
        record(out, "rmsNorm", t -> CPU.rmsNorm(t, rrstd, nx, w, 1e-5), 9, d);
        record(out, "rmsNormBackward", () -> {
            CPU.rmsNormBackward(ndx, dw, ndy, nx, rrstd, w);
            return new Tensor[] {ndx, dw};
        });

        for (boolean causal : new boolean[] {false, true}) {
            Tensor q = values(rng, 2 * 4 * 19 * 8, 1).view(2, 4, 19, 8);
            Tensor k = values(rng, 2 * 2 * 23 * 8, 1).view(2, 2, 23, 8);
            Tensor v = values(rng, 2 * 2 * 23 * 8, 1).view(2, 2, 23, 8);
            Tensor dout = values(rng, 2 * 4 * 19 * 8, 1).view(2, 4, 19, 8);
            Tensor o = Tensor.zeros(2, 4, 19, 8);
            Tensor lse = Tensor.zeros(2, 4, 19);
            String c = causal ? " causal" : "";
            record(out, "attention" + c, () -> {
                CPU.scaledDotProductAttention(o, lse, q, k, v, null, causal, 0.35);
                return new Tensor[] {o, lse};
            });
            record(out, "attentionBackward" + c, () -> {
                Tensor dq = Tensor.zeros(q.shape());
                Tensor dk = Tensor.zeros(k.shape());
                Tensor dv = Tensor.zeros(v.shape());
                CPU.scaledDotProductAttentionBackward(dq, dk, dv, null, dout, q, k, v, null, o, lse, causal, 0.35);
                return new Tensor[] {dq, dk, dv};
            });
        }
        // a convolution of DirectConvChannels (40 out channels: more than two vectors at every width)
        var cs = new dev.kiln.tensor.ConvShape(1, 8, 5, 5, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 5, 5);
        Tensor cx = values(rng, 8 * 25, 1).view(1, 8, 5, 5);
        Tensor cw = values(rng, 40 * 8 * 9, 1).view(40, 8, 3, 3);
        record(out, "conv2d channels", t -> CPU.conv2d(t, cx, cw, null, cs), 1, 40, 5, 5);
        // and at stride 2, through the input's phases
        var cs2 = new dev.kiln.tensor.ConvShape(1, 8, 9, 9, 40, 3, 3, 2, 2, 1, 1, 1, 1, 1, 5, 5);
        Tensor cx2 = values(rng, 8 * 81, 1).view(1, 8, 9, 9);
        record(out, "conv2d channels stride 2", t -> CPU.conv2d(t, cx2, cw, null, cs2), 1, 40, 5, 5);
        // and one of DirectConvRows at AVX-512 (32 in channels, rows of 9: a tile overlapping the one before)
        var cs3 = new dev.kiln.tensor.ConvShape(1, 32, 9, 9, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 9, 9);
        Tensor cx3 = values(rng, 32 * 81, 1).view(1, 32, 9, 9);
        Tensor cw3 = values(rng, 40 * 32 * 9, 1).view(40, 32, 3, 3);
        record(out, "conv2d rows", t -> CPU.conv2d(t, cx3, cw3, null, cs3), 1, 40, 9, 9);
        // its input gradients: stride 1 (weights packed straight from w) and stride 2 (by the phases of dx)
        Tensor cdy3 = values(rng, 40 * 81, 1).view(1, 40, 9, 9);
        record(out, "conv2d rows input grad", t -> CPU.conv2dBackwardInput(t, cdy3, cw3, cs3), 1, 32, 9, 9);
        var cs4 = new dev.kiln.tensor.ConvShape(1, 32, 15, 15, 40, 3, 3, 2, 2, 1, 1, 1, 1, 1, 8, 8);
        Tensor cdy4 = values(rng, 40 * 64, 1).view(1, 40, 8, 8);
        record(out, "conv2d rows input grad stride 2", t -> CPU.conv2dBackwardInput(t, cdy4, cw3, cs4), 1, 32, 15, 15);
        // a strided 1×1 convolution (DirectConvPointwise), forward with bias and both gradients: 3 samples of 9 × 10,
        // 5 × 5 out (25 positions: a vector and an overlapping one at 16 lanes), 6 → 10 channels
        var cs5 = new dev.kiln.tensor.ConvShape(3, 6, 9, 10, 10, 1, 1, 2, 2, 0, 0, 1, 1, 1, 5, 5);
        Tensor cx5 = values(rng, 3 * 6 * 90, 1).view(3, 6, 9, 10);
        Tensor cw5 = values(rng, 10 * 6, 1).view(10, 6, 1, 1);
        Tensor cb5 = values(rng, 10, 1);
        Tensor cdy5 = values(rng, 3 * 10 * 25, 1).view(3, 10, 5, 5);
        record(out, "conv2d pointwise stride 2", t -> CPU.conv2d(t, cx5, cw5, cb5, cs5), 3, 10, 5, 5);
        record(out, "conv2d pointwise stride 2 input grad", t -> CPU.conv2dBackwardInput(t, cdy5, cw5, cs5), 3, 6, 9, 10);
        record(out, "conv2d pointwise stride 2 weight grad", t -> CPU.conv2dBackwardWeight(t, cdy5, cx5, cs5), 10, 6, 1,
                1);
        Tensor ma = values(rng, 17 * 33, 1).view(17, 33);
        Tensor mb = values(rng, 33 * 19, 1).view(33, 19);
        record(out, "matmul", t -> CPU.matmul(t, ma, mb), 17, 19);
        return out;
    }

    /** Random normal values times scale, with a few specials among them. */
    static Tensor values(SplittableRandom rng, int n, double scale) {
        double[] v = new double[n];
        double[] specials = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0, 100, -100,
            1e-30, 20.5, -90};
        for (int i = 0; i < n; i++) {
            double u1 = rng.nextDouble();
            double u2 = rng.nextDouble();
            v[i] = scale * Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
        }
        if (scale > 2) {
            for (int i = 0; i < specials.length && 5 * i < n; i++) {
                v[5 * i] = specials[i];
            }
        }
        return input(v, new int[] {n}, Layout.CONTIGUOUS);
    }

    private static double[] raw(Tensor t) {
        return KernelCheck.values(t);
    }

    /** Runs kernel into a fresh output of the given shape and records the hash of its bits. */
    private static void record(Map<String, Long> out, String name, Consumer<Tensor> kernel, int... shape) {
        record(out, name, () -> {
            Tensor t = poisoned(shape);
            kernel.accept(t);
            return new Tensor[] {t};
        });
    }

    private static void record(Map<String, Long> out, String name, Supplier<Tensor[]> kernel) {
        long h = 1;
        try {
            for (Tensor t : kernel.get()) {
                h = h * 0x9E3779B97F4A7C15L + hash(t);
            }
        } catch (RuntimeException e) {
            h = e.getClass().getName().hashCode(); // an op without this kernel: the same in every JVM
        }
        out.put(name, h);
    }

    static long hash(Tensor t) {
        long h = 1;
        for (double v : KernelCheck.values(t)) {
            h = h * 31 + Float.floatToIntBits((float) v);
        }
        return h;
    }
}
