package dev.kiln.kernels.cuda;

import org.junit.jupiter.api.Test;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

/**
 * Fused softmax and linear attention, forward and backward, against plain double loops over the
 * formulas. Shapes: several heads and batches, grouped-query heads, Tq ≠ Tk with the
 * end-aligned causal mask, rows that see no key, head dims up to 256, [B, T, H, D] data viewed as
 * [B, H, T, D]; masks, BOOL and float, read through broadcast strides, with fully masked rows and
 * the float mask's gradient, against the reference backend. Skipped without a GPU.
 */
class CudaAttentionTest extends GpuTesting {
    private static final int[][] ALL_SHAPES = {
        // B, H, Hkv, Tq, Tk, D, Dv
        {1, 1, 1, 1, 1, 1, 1}, {2, 3, 3, 17, 17, 8, 8}, {2, 4, 2, 33, 33, 64, 64}, {1, 2, 1, 5, 40, 16, 24},
        {1, 2, 2, 40, 5, 16, 16}, {1, 1, 1, 70, 70, 256, 128}, {2, 8, 8, 128, 128, 64, 64}};
    /** The quick emulator run leaves out the two largest (most of the minutes there); the kernels are the same. */
    private static final int[][] SHAPES = QUICK ? java.util.Arrays.copyOf(ALL_SHAPES, 5) : ALL_SHAPES;

    /** q, k, v (and dout) as [B, T, H, D] data viewed as [B, H, T, D], like a fused QKV projection's output. */
    private Tensor bthd(DType t, int b, int h, int tt, int d) {
        return randn(t, b, tt, h, d).transpose(1, 2);
    }

    @Test
    void softmaxAttentionForwardAndBackward() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, new Tol(1e-4, 1e-5), new Tol(1e-10, 1e-12));
            for (int[] s : SHAPES) {
                for (boolean causal : new boolean[] {false, true}) {
                    Tensor q = bthd(t, s[0], s[1], s[3], s[5]);
                    Tensor k = bthd(t, s[0], s[2], s[4], s[5]);
                    Tensor v = bthd(t, s[0], s[2], s[4], s[6]);
                    Tensor g = bthd(t, s[0], s[1], s[3], s[6]);
                    double scale = 1 / Math.sqrt(s[5]);
                    String what = "sdpa " + t + " " + java.util.Arrays.toString(s) + (causal ? " causal" : "");
                    AttentionReference ref = new AttentionReference(q, k, v, g, causal, scale, false, 0);
                    Tensor out = Tensor.full(0, t, GPU, s[0], s[1], s[3], s[6]);
                    Tensor lse = Tensor.full(0, t, GPU, s[0], s[1], s[3]);
                    CUDA.scaledDotProductAttention(out, lse, q.to(GPU), k.to(GPU), v.to(GPU), null, causal, scale);
                    assertClose(what + " out", tol, ref.out, out.to(CPU));
                    assertClose(what + " lse", tol, ref.stat, lse.to(CPU));
                    Tensor dq = Tensor.full(0, t, GPU, q.shape());
                    Tensor dk = Tensor.full(0, t, GPU, k.shape());
                    Tensor dv = Tensor.full(0, t, GPU, v.shape());
                    CUDA.scaledDotProductAttentionBackward(dq, dk, dv, null, g.to(GPU), q.to(GPU), k.to(GPU), v.to(GPU),
                            null, out, lse, causal, scale);
                    assertClose(what + " dq", tol, ref.dq, dq.to(CPU));
                    assertClose(what + " dk", tol, ref.dk, dk.to(CPU));
                    assertClose(what + " dv", tol, ref.dv, dv.to(CPU));
                }
            }
        }
    }

    /**
     * A BOOL [Tq, Tk] mask with a fully masked row, a float [B, 1, 1, Tk] padding mask with a −∞, a
     * full BOOL [B, H, Tq, Tk] and a float [Tq, Tk] with a row of −∞ and its gradient, each handed
     * over as the op does: a [B, H, Tq, Tk] view with stride 0 on the broadcast dims.
     */
    @Test
    void maskedSoftmaxAttentionAgainstTheReference() {
        int[][] shapes = {{2, 2, 1, 5, 7, 8, 4}, {1, 3, 3, 33, 40, 16, 16}, {2, 2, 2, 40, 5, 8, 8}};
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, new Tol(1e-4, 1e-5), new Tol(1e-10, 1e-12));
            for (int[] s : shapes) {
                int nb = s[0], nh = s[1], tq = s[3], tk = s[4];
                for (int kind = 0; kind < 4; kind++) {
                    Tensor mask = switch (kind) {
                        case 0 -> keepWithBlindRow(tq, tk);
                        case 1 -> Tensor.where(firstKeyOfFirstBatch(nb, tk), Double.NEGATIVE_INFINITY, randn(t, nb, 1, 1, tk));
                        case 2 -> randn(t, nb, nh, tq, tk).gt(0.3);
                        default -> Tensor.where(keepWithBlindRow(tq, tk), randn(t, tq, tk).mul(2), Double.NEGATIVE_INFINITY);
                    };
                    boolean grad = mask.dtype() != DType.BOOL;
                    Tensor q = bthd(t, nb, nh, tq, s[5]);
                    Tensor k = bthd(t, nb, s[2], tk, s[5]);
                    Tensor v = bthd(t, nb, s[2], tk, s[6]);
                    Tensor g = bthd(t, nb, nh, tq, s[6]);
                    double scale = 0.4;
                    int[] scores = {nb, nh, tq, tk};
                    checkKernel("masked sdpa " + t + " " + java.util.Arrays.toString(s) + " mask " + kind, tol,
                            d -> new Tensor[] {Tensor.full(0, t, d, nb, nh, tq, s[6]), Tensor.full(0, t, d, nb, nh, tq),
                                on(d, q), on(d, k), on(d, v), on(d, mask).expand(scores),
                                Tensor.full(0, t, d, q.shape()), Tensor.full(0, t, d, k.shape()),
                                Tensor.full(0, t, d, v.shape()), grad ? Tensor.full(0, t, d, scores) : null, on(d, g)},
                            (be, a) -> {
                                be.scaledDotProductAttention(a[0], a[1], a[2], a[3], a[4], a[5], false, scale);
                                be.scaledDotProductAttentionBackward(a[6], a[7], a[8], a[9], a[10], a[2], a[3], a[4],
                                        a[5], a[0], a[1], false, scale);
                            });
                }
            }
        }
    }

    /**
     * Through the Tensor API with autograd: a float key-padding mask [B, 1, 1, Tk] (−∞ on a few keys)
     * that requires grad, grouped heads; out and the gradients of q, k, v and the mask (dS summed over
     * heads and queries) against the same calls on the reference backend.
     */
    @Test
    void maskedAttentionThroughTheApiWithTheMasksGradient() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, new Tol(1e-4, 1e-5), new Tol(1e-10, 1e-12));
            Tensor q = randn(t, 2, 4, 9, 8);
            Tensor k = randn(t, 2, 2, 11, 8);
            Tensor v = randn(t, 2, 2, 11, 4);
            Tensor w = randn(t, 2, 4, 9, 4);
            Tensor pad = Tensor.where(Tensor.rand(rng, 2, 1, 1, 11).lt(0.25), Double.NEGATIVE_INFINITY,
                    randn(t, 2, 1, 1, 11));
            Tensor[][] results = new Tensor[2][];
            for (int run = 0; run < 2; run++) {
                dev.kiln.tensor.Device d = run == 0 ? CPU : GPU;
                Tensor[] leaves = {on(d, q).requiresGrad(true), on(d, k).requiresGrad(true),
                    on(d, v).requiresGrad(true), on(d, pad).requiresGrad(true)};
                Tensor out;
                try (dev.kiln.tensor.Backends.Scope s = run == 0 ? dev.kiln.tensor.Backends.use(REF) : null) {
                    out = Tensor.scaledDotProductAttention(leaves[0], leaves[1], leaves[2], leaves[3]);
                    out.mul(on(d, w)).sum().backward();
                }
                results[run] = new Tensor[] {out.detach().to(CPU), leaves[0].grad().to(CPU), leaves[1].grad().to(CPU),
                    leaves[2].grad().to(CPU), leaves[3].grad().to(CPU)};
            }
            String[] names = {"out", "dq", "dk", "dv", "dmask"};
            for (int i = 0; i < names.length; i++) {
                assertClose("masked sdpa via the API " + t + " " + names[i], tol, results[0][i], results[1][i]);
            }
        }
    }

    /** A random BOOL [tq, tk] keep-mask whose row 1 (or 0 when tq = 1) hides every key. */
    private Tensor keepWithBlindRow(int tq, int tk) {
        boolean[] keep = new boolean[tq * tk];
        double[] u = Tensor.rand(rng, tq * tk).toDoubleArray();
        int blind = Math.min(1, tq - 1);
        for (int i = 0; i < keep.length; i++) {
            keep[i] = i / tk != blind && u[i] > 0.3;
        }
        return Tensor.of(keep, tq, tk);
    }

    /** BOOL [nb, 1, 1, tk], true only at key 0 of batch 0. */
    private static Tensor firstKeyOfFirstBatch(int nb, int tk) {
        boolean[] m = new boolean[nb * tk];
        m[0] = true;
        return Tensor.of(m, nb, 1, 1, tk);
    }

    @Test
    void linearAttentionForwardAndBackward() {
        for (DType t : new DType[] {DType.F32, DType.F64}) {
            Tol tol = floats(t, new Tol(1e-3, 1e-4), new Tol(1e-9, 1e-11));
            for (int[] s : SHAPES) {
                if (s[1] != s[2]) {
                    continue;  // linear attention takes equal heads
                }
                for (boolean causal : new boolean[] {false, true}) {
                    // positive features (as elu + 1 would give) keep the denominators away from 0
                    Tensor q = bthd(t, s[0], s[1], s[3], s[5]).abs().add(0.1);
                    Tensor k = bthd(t, s[0], s[2], s[4], s[5]).abs().add(0.1);
                    Tensor v = bthd(t, s[0], s[2], s[4], s[6]);
                    Tensor g = bthd(t, s[0], s[1], s[3], s[6]);
                    String what = "linear " + t + " " + java.util.Arrays.toString(s) + (causal ? " causal" : "");
                    AttentionReference ref = new AttentionReference(q, k, v, g, causal, 1, true, 1e-6);
                    Tensor out = Tensor.full(0, t, GPU, s[0], s[1], s[3], s[6]);
                    CUDA.linearAttention(out, q.to(GPU), k.to(GPU), v.to(GPU), causal, 1e-6);
                    assertClose(what + " out", tol, ref.out, out.to(CPU));
                    Tensor dq = Tensor.full(0, t, GPU, q.shape());
                    Tensor dk = Tensor.full(0, t, GPU, k.shape());
                    Tensor dv = Tensor.full(0, t, GPU, v.shape());
                    CUDA.linearAttentionBackward(dq, dk, dv, g.to(GPU), q.to(GPU), k.to(GPU), v.to(GPU), causal, 1e-6);
                    assertClose(what + " dq", tol, ref.dq, dq.to(CPU));
                    assertClose(what + " dk", tol, ref.dk, dk.to(CPU));
                    assertClose(what + " dv", tol, ref.dv, dv.to(CPU));
                }
            }
        }
    }
}
