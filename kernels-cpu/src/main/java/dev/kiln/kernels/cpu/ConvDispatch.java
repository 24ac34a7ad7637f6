package dev.kiln.kernels.cpu;

import dev.kiln.kernels.cpu.gemm.Sgemm;
import dev.kiln.tensor.ConvShape;
import dev.kiln.tensor.Tensor;

import java.util.Arrays;

import static dev.kiln.kernels.cpu.HostArrays.REF;
import static dev.kiln.kernels.cpu.HostArrays.f;
import static dev.kiln.kernels.cpu.HostArrays.f32;

/**
 * CpuBackend's F32 convolution: im2col ({@link ConvKernels}) and Kiln's packed SGEMM, or forward
 * for small patches ({@link #DIRECT_MAX_PATCH}) the direct kernel of {@link ConvKernels}. Samples are
 * taken in blocks whose patch matrices sit side by side, so a batch of small images makes one
 * large GEMM per group rather than many small ones. The block size depends only on the shape, and
 * the weight gradient adds the blocks' partial sums in block order, so results do not depend on
 * the thread count. Other dtypes run the reference loops.
 */
final class ConvDispatch {
    private ConvDispatch() {
    }

    /** Patch-matrix elements per block of samples (16 MiB of F32), unless one sample needs more. */
    static final int BLOCK_ELEMENTS = 1 << 22;

    /** Samples per block: as many as fit in {@link #BLOCK_ELEMENTS}, at least one. */
    static int samplesPerBlock(ConvShape s) {
        long perSample = Math.max(1L, (long) s.patch() * s.outH() * s.outW());
        return (int) Math.max(1, Math.min(s.n(), BLOCK_ELEMENTS / perSample));
    }

    /** Patches up to this size (input channels per group × kH × kW) take the direct kernel forward. */
    static final int DIRECT_MAX_PATCH = 32;

    static void conv2d(Tensor out, Tensor x, Tensor weight, Tensor bias, ConvShape s) {
        if (!f32(out, x, weight, bias)) {
            REF.conv2d(out, x, weight, bias, s);
        } else if (s.patch() <= DIRECT_MAX_PATCH) {
            direct(out, x, weight, bias, s);
        } else {
            im2col(out, x, weight, bias, s);
        }
    }

    /** The direct kernel, output rows (sample, out channel) split over threads. */
    static void direct(Tensor out, Tensor x, Tensor weight, Tensor bias, ConvShape s) {
        float[] y = f(out);
        float[] xa = f(x);
        float[] wa = f(weight);
        float[] ba = bias == null ? null : f(bias);
        int rows = s.n() * s.cOut();
        long work = Math.max(1L, (long) s.outH() * s.outW() * s.patch());
        int grain = (int) Math.max(1, Math.min(rows, (1L << 16) / work));
        Parallel.forRange(rows, grain, (r0, r1) -> ConvKernels.directForward(y, out.offset(), xa, x.offset(), wa,
                weight.offset(), ba, bias == null ? 0 : bias.offset(), s, r0, r1));
    }

    /** im2col + SGEMM. */
    static void im2col(Tensor out, Tensor x, Tensor weight, Tensor bias, ConvShape s) {
        float[] y = f(out);
        float[] xa = f(x);
        float[] wa = f(weight);
        float[] ba = bias == null ? null : f(bias);
        int spatial = s.outH() * s.outW();
        int k = s.patch();
        int opg = s.cOutPerGroup();
        int per = samplesPerBlock(s);
        float[] col = new float[Math.max(1, k * per * spatial)];
        float[] tmp = new float[Math.max(1, opg * per * spatial)];
        for (int b0 = 0; b0 < s.n(); b0 += per) {
            int nb = Math.min(per, s.n() - b0);
            int ld = nb * spatial;
            int first = b0;
            for (int g = 0; g < s.groups(); g++) {
                int c0 = g * s.cInPerGroup();
                unroll(col, ld, xa, x.offset(), s, first, nb, c0);
                Sgemm.sgemm(tmp, 0, ld, wa, weight.offset() + g * opg * k, k, 1, col, 0, ld, 1, opg, ld, k);
                for (int bi = 0; bi < nb; bi++) {
                    for (int o = 0; o < opg; o++) {
                        int oc = g * opg + o;
                        int dst = out.offset() + ((first + bi) * s.cOut() + oc) * spatial;
                        System.arraycopy(tmp, o * ld + bi * spatial, y, dst, spatial);
                        if (ba != null) {
                            float bv = ba[bias.offset() + oc];
                            for (int p = 0; p < spatial; p++) {
                                y[dst + p] += bv;
                            }
                        }
                    }
                }
            }
        }
    }

    static void conv2dBackwardInput(Tensor dx, Tensor dy, Tensor weight, ConvShape s) {
        if (!f32(dx, dy, weight)) {
            REF.conv2dBackwardInput(dx, dy, weight, s);
            return;
        }
        float[] g0 = f(dx);
        Arrays.fill(g0, dx.offset(), dx.offset() + dx.numel(), 0f);
        float[] dya = f(dy);
        float[] wa = f(weight);
        int spatial = s.outH() * s.outW();
        int k = s.patch();
        int opg = s.cOutPerGroup();
        int per = samplesPerBlock(s);
        float[] col = new float[Math.max(1, k * per * spatial)];
        float[] dyBlock = new float[Math.max(1, opg * per * spatial)];
        int sampleSize = s.cIn() * s.h() * s.w();
        for (int b0 = 0; b0 < s.n(); b0 += per) {
            int nb = Math.min(per, s.n() - b0);
            int ld = nb * spatial;
            int first = b0;
            for (int g = 0; g < s.groups(); g++) {
                int c0 = g * s.cInPerGroup();
                gatherDy(dyBlock, ld, dya, dy.offset(), s, first, nb, g);
                // col = W_gᵀ · dy_g: A(i, p) = weight[g·opg + p, i]
                Sgemm.sgemm(col, 0, ld, wa, weight.offset() + g * opg * k, 1, k, dyBlock, 0, ld, 1, k, ld, opg);
                Parallel.forRange(nb, 1, (lo, hi) -> {
                    for (int bi = lo; bi < hi; bi++) {
                        ConvKernels.col2im(g0, dx.offset() + (first + bi) * sampleSize, col, bi * spatial, ld, s, c0);
                    }
                });
            }
        }
    }

    static void conv2dBackwardWeight(Tensor dweight, Tensor dy, Tensor x, ConvShape s) {
        if (!f32(dweight, dy, x)) {
            REF.conv2dBackwardWeight(dweight, dy, x, s);
            return;
        }
        float[] dw = f(dweight);
        float[] dya = f(dy);
        float[] xa = f(x);
        int spatial = s.outH() * s.outW();
        int k = s.patch();
        int opg = s.cOutPerGroup();
        int per = samplesPerBlock(s);
        float[] col = new float[Math.max(1, k * per * spatial)];
        float[] dyBlock = new float[Math.max(1, opg * per * spatial)];
        float[] part = new float[Math.max(1, opg * k)];
        for (int b0 = 0; b0 < s.n(); b0 += per) {
            int nb = Math.min(per, s.n() - b0);
            int ld = nb * spatial;
            for (int g = 0; g < s.groups(); g++) {
                int c0 = g * s.cInPerGroup();
                unroll(col, ld, xa, x.offset(), s, b0, nb, c0);
                gatherDy(dyBlock, ld, dya, dy.offset(), s, b0, nb, g);
                int dst = dweight.offset() + g * opg * k;
                // dW_g = dy_g · colᵀ: B(p, j) = col[j·ld + p]; the first block writes, later ones add
                if (b0 == 0) {
                    Sgemm.sgemm(dw, dst, k, dyBlock, 0, ld, 1, col, 0, 1, ld, opg, k, ld);
                } else {
                    Sgemm.sgemm(part, 0, k, dyBlock, 0, ld, 1, col, 0, 1, ld, opg, k, ld);
                    ElementwiseKernels.add(dw, dst, dw, dst, 1, part, 0, 1, opg * k);
                }
            }
        }
    }

    /** The patch matrices of samples first..first+nb−1 side by side, samples unrolled in parallel. */
    private static void unroll(float[] col, int ld, float[] xa, int xOff, ConvShape s, int first, int nb, int c0) {
        int spatial = s.outH() * s.outW();
        int sampleSize = s.cIn() * s.h() * s.w();
        Parallel.forRange(nb, 1, (lo, hi) -> {
            for (int bi = lo; bi < hi; bi++) {
                ConvKernels.im2col(col, bi * spatial, ld, xa, xOff + (first + bi) * sampleSize, s, c0);
            }
        });
    }

    /** dy's out channels of group g for samples first..first+nb−1 as one matrix [opg, nb·spatial]. */
    private static void gatherDy(float[] dst, int ld, float[] dya, int dyOff, ConvShape s, int first, int nb, int g) {
        int spatial = s.outH() * s.outW();
        int opg = s.cOutPerGroup();
        for (int bi = 0; bi < nb; bi++) {
            for (int o = 0; o < opg; o++) {
                System.arraycopy(dya, dyOff + ((first + bi) * s.cOut() + g * opg + o) * spatial, dst,
                        o * ld + bi * spatial, spatial);
            }
        }
    }
}
