package dev.kiln.kernels.cpu;

import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.Backends;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.spi.ReferenceBackend;
import dev.kiln.tensor.Tensor;
import org.junit.jupiter.api.Test;


import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fused attention kernels against the reference loops: random shapes, causal and not, T not a
 * multiple of the tiles (forward: FR = 48 queries and FC = 128 keys with 512-bit vectors, 24 or 16
 * and 128 at narrower widths; backward: BR = 32, BC = 64), feature sizes that are not a multiple of
 * the vector length, grouped heads, strided views; attention masks (BOOL and float, broadcast or
 * full, unit and non-unit key stride, fully masked rows, the float mask's gradient); the forward's
 * exp2 to 2 ulp; and no T×T allocation at T = 2048, with a mask or without.
 */
class AttentionKernelsTest {
    private static final Backend CPU = new CpuBackend();
    private static final Backend REF = ReferenceBackend.INSTANCE;
    private final Generator rng = new Generator(5);

    /** {B, H, Hkv, Tq, Tk, D, Dv}: shapes around the tile edges and the vector length. */
    private static final int[][] SHAPES = {
        {1, 1, 1, 1, 1, 1, 1}, {2, 2, 1, 5, 7, 3, 5}, {1, 4, 2, 33, 33, 16, 16}, {1, 2, 2, 70, 130, 17, 33},
        {2, 3, 3, 64, 64, 64, 64}, {1, 2, 1, 1, 100, 8, 8}, {1, 1, 1, 97, 40, 12, 7}, {1, 6, 3, 31, 65, 40, 24}};

    private Tensor randn(int... shape) {
        return Tensor.randn(rng, shape);
    }

    /** |a − b| ≤ rtol·|b| + atol·max(1, max|b|) elementwise: fp32 kernels against the float64 oracle. */
    private static void assertClose(Tensor actual, Tensor expected, double rtol, double atol, String what) {
        double[] a = actual.toDoubleArray();
        double[] e = expected.toDoubleArray();
        assertThat(a).as(what + " length").hasSameSizeAs(e);
        double scale = 1;
        for (double x : e) {
            if (Double.isFinite(x)) {
                scale = Math.max(scale, Math.abs(x));
            }
        }
        for (int i = 0; i < a.length; i++) {
            if (e[i] == Double.NEGATIVE_INFINITY) {
                assertThat(a[i]).as("%s[%d]", what, i).isEqualTo(Double.NEGATIVE_INFINITY);
                continue;
            }
            assertThat(Math.abs(a[i] - e[i])).as("%s[%d]: %s vs %s", what, i, a[i], e[i])
                    .isLessThanOrEqualTo(rtol * Math.abs(e[i]) + atol * scale);
        }
    }

    /**
     * Runs a check once per CPU path for short sequences: the whole-row kernels ({@link SdpaWholeRows},
     * the default up to its {@link SdpaWholeRows#MAX_KEYS}) and the tiled ones that long sequences
     * take ({@code kiln.attn.wholeRows=false}); the name of the path is passed on for messages.
     */
    private static void onBothPaths(java.util.function.Consumer<String> check) {
        String saved = System.getProperty("kiln.attn.wholeRows");
        try {
            for (String path : new String[] {"true", "false"}) {
                System.setProperty("kiln.attn.wholeRows", path);
                check.accept(path.equals("true") ? " (whole rows)" : " (tiled)");
            }
        } finally {
            if (saved == null) {
                System.clearProperty("kiln.attn.wholeRows");
            } else {
                System.setProperty("kiln.attn.wholeRows", saved);
            }
        }
    }

    @Test
    void sdpaForwardAndBackwardMatchReference() {
        onBothPaths(this::sdpaMatchesReference);
    }

    private void sdpaMatchesReference(String path) {
        for (int[] c : SHAPES) {
            for (boolean causal : new boolean[] {false, true}) {
                String what = java.util.Arrays.toString(c) + (causal ? " causal" : "") + path;
                Tensor q = randn(c[0], c[1], c[3], c[5]);
                Tensor k = randn(c[0], c[2], c[4], c[5]);
                Tensor v = randn(c[0], c[2], c[4], c[6]);
                Tensor dout = randn(c[0], c[1], c[3], c[6]);
                double scale = 1 / Math.sqrt(c[5]);
                Tensor[] fast = sdpa(CPU, q, k, v, dout, causal, scale);
                Tensor[] ref = sdpa(REF, q, k, v, dout, causal, scale);
                String[] names = {"out", "lse", "dq", "dk", "dv"};
                for (int i = 0; i < fast.length; i++) {
                    assertClose(fast[i], ref[i], 1e-4, 2e-5, what + " " + names[i]);
                }
            }
        }
    }

    /** out, lse, dq, dk, dv from one backend's kernels called directly. */
    private static Tensor[] sdpa(Backend b, Tensor q, Tensor k, Tensor v, Tensor dout, boolean causal, double scale) {
        Tensor out = Tensor.zeros(q.size(0), q.size(1), q.size(2), v.size(3));
        Tensor lse = Tensor.zeros(q.size(0), q.size(1), q.size(2));
        b.scaledDotProductAttention(out, lse, q, k, v, null, causal, scale);
        Tensor dq = Tensor.zeros(q.shape());
        Tensor dk = Tensor.zeros(k.shape());
        Tensor dv = Tensor.zeros(v.shape());
        // the backward pass of both backends starts from the reference forward's out and lse
        Tensor refOut = Tensor.zeros(out.shape());
        Tensor refLse = Tensor.zeros(lse.shape());
        REF.scaledDotProductAttention(refOut, refLse, q, k, v, null, causal, scale);
        b.scaledDotProductAttentionBackward(dq, dk, dv, null, dout, q, k, v, null, refOut, refLse, causal, scale);
        return new Tensor[] {out, lse, dq, dk, dv};
    }

    /**
     * Masks of five layouts, each as the op hands it over (a [B, H, Tq, Tk] view of the user's mask):
     * BOOL [Tq, Tk] with a fully masked row; float [B, 1, 1, Tk] with a −∞ (key padding); float
     * [B, H, Tq, Tk], large values; float [Tq, Tk] transposed (keys not at unit stride: the scalar
     * path); BOOL [B, 1, Tq, 1] (key stride 0: a query sees all keys or none). Causal on top of each
     * at the kernel level. out, lse, dq, dk, dv and the float mask's dS against the reference loops.
     */
    @Test
    void maskedSdpaForwardAndBackwardMatchReference() {
        onBothPaths(this::maskedSdpaMatchesReference);
    }

    private void maskedSdpaMatchesReference(String path) {
        for (int[] c : SHAPES) {
            int nb = c[0], nh = c[1], tq = c[3], tk = c[4];
            int[] scores = {nb, nh, tq, tk};
            for (int kind = 0; kind < 5; kind++) {
                Tensor mask = switch (kind) {
                    case 0 -> keepWithBlindRow(tq, tk);
                    case 1 -> Tensor.where(Tensor.rand(rng, nb, 1, 1, tk).lt(0.2), Double.NEGATIVE_INFINITY,
                            randn(nb, 1, 1, tk));
                    case 2 -> randn(nb, nh, tq, tk).mul(4);
                    case 3 -> randn(tk, tq).transpose(0, 1);
                    default -> Tensor.rand(rng, nb, 1, tq, 1).gt(0.3);
                };
                Tensor view = mask.expand(scores);
                for (boolean causal : new boolean[] {false, true}) {
                    String what = java.util.Arrays.toString(c) + " mask " + kind + (causal ? " causal" : "") + path;
                    Tensor q = randn(c[0], c[1], c[3], c[5]);
                    Tensor k = randn(c[0], c[2], c[4], c[5]);
                    Tensor v = randn(c[0], c[2], c[4], c[6]);
                    Tensor dout = randn(c[0], c[1], c[3], c[6]);
                    double scale = 1 / Math.sqrt(c[5]);
                    Tensor[] fast = maskedSdpa(CPU, q, k, v, view, dout, causal, scale);
                    Tensor[] ref = maskedSdpa(REF, q, k, v, view, dout, causal, scale);
                    String[] names = {"out", "lse", "dq", "dk", "dv", "dmask"};
                    for (int i = 0; i < fast.length; i++) {
                        if (fast[i] != null) {
                            assertThat(fast[i].isnan().any().item()).as(what + " " + names[i] + " has NaN").isZero();
                            assertClose(fast[i], ref[i], 1e-4, 2e-5, what + " " + names[i]);
                        }
                    }
                }
            }
        }
    }

    /** A random BOOL [tq, tk] keep-mask whose row 1 (row 0 when tq = 1) hides every key. */
    private Tensor keepWithBlindRow(int tq, int tk) {
        boolean[] keep = new boolean[tq * tk];
        double[] u = Tensor.rand(rng, tq * tk).toDoubleArray();
        int blind = Math.min(1, tq - 1);
        for (int i = 0; i < keep.length; i++) {
            keep[i] = i / tk != blind && u[i] > 0.3;
        }
        return Tensor.of(keep, tq, tk);
    }

    /** out, lse, dq, dk, dv and (float masks) dmask, the backward from the reference forward's out and lse. */
    private static Tensor[] maskedSdpa(Backend b, Tensor q, Tensor k, Tensor v, Tensor mask, Tensor dout,
                                       boolean causal, double scale) {
        Tensor out = Tensor.zeros(q.size(0), q.size(1), q.size(2), v.size(3));
        Tensor lse = Tensor.zeros(q.size(0), q.size(1), q.size(2));
        b.scaledDotProductAttention(out, lse, q, k, v, mask, causal, scale);
        Tensor refOut = Tensor.zeros(out.shape());
        Tensor refLse = Tensor.zeros(lse.shape());
        REF.scaledDotProductAttention(refOut, refLse, q, k, v, mask, causal, scale);
        Tensor dq = Tensor.zeros(q.shape());
        Tensor dk = Tensor.zeros(k.shape());
        Tensor dv = Tensor.zeros(v.shape());
        Tensor dmask = mask.dtype() == dev.kiln.tensor.DType.BOOL ? null : Tensor.zeros(mask.shape());
        b.scaledDotProductAttentionBackward(dq, dk, dv, dmask, dout, q, k, v, mask, refOut, refLse, causal, scale);
        return new Tensor[] {out, lse, dq, dk, dv, dmask};
    }

    @Test
    void maskedSdpaThroughTheTensorApiWithAutograd() {
        // a key-padding float mask that requires grad: its gradient is dS summed over batch rows, heads and queries
        Tensor q = randn(2, 4, 37, 16).requiresGrad(true);
        Tensor k = randn(2, 2, 53, 16).requiresGrad(true);
        Tensor v = randn(2, 2, 53, 8).requiresGrad(true);
        Tensor pad = Tensor.where(Tensor.rand(rng, 2, 1, 1, 53).lt(0.25), Double.NEGATIVE_INFINITY,
                randn(2, 1, 1, 53)).requiresGrad(true);
        Tensor keep = keepWithBlindRow(37, 53);
        Tensor w = randn(2, 4, 37, 8);
        Tensor[] leaves = {q, k, v, pad};
        Tensor[][] grads = new Tensor[2][];
        Tensor[] outs = new Tensor[2];
        for (int run = 0; run < 2; run++) {
            try (Backends.Scope ignored = Backends.use(run == 0 ? CPU : REF)) {
                Tensor out = Tensor.scaledDotProductAttention(q, k, v, pad).add(Tensor.scaledDotProductAttention(q, k, v,
                        keep, 0.0, false));
                out.mul(w).sum().backward();
                outs[run] = out.detach();
            }
            grads[run] = new Tensor[leaves.length];
            for (int i = 0; i < leaves.length; i++) {
                grads[run][i] = leaves[i].grad();
                leaves[i].zeroGrad();
            }
        }
        assertClose(outs[0], outs[1], 1e-4, 2e-5, "out");
        String[] names = {"dq", "dk", "dv", "dmask"};
        for (int i = 0; i < leaves.length; i++) {
            assertThat(grads[0][i].shape()).as(names[i]).containsExactly(leaves[i].shape());
            assertClose(grads[0][i], grads[1][i], 1e-4, 2e-5, names[i]);
        }
    }

    @Test
    void sdpaThroughTheTensorApiWithStridedViewsAndAutograd() {
        // [B, T, H, D] data viewed as [B, H, T, D]: the kernels read the strides, no copy
        Tensor q = randn(2, 45, 4, 24).transpose(1, 2);
        Tensor k = randn(2, 45, 2, 24).transpose(1, 2);
        Tensor v = randn(2, 45, 2, 24).transpose(1, 2);
        Tensor fast = Tensor.scaledDotProductAttention(q, k, v, true);
        Tensor ref;
        try (Backends.Scope ignored = Backends.use(REF)) {
            ref = Tensor.scaledDotProductAttention(q, k, v, true);
        }
        assertClose(fast, ref, 1e-4, 2e-5, "strided out");

        Tensor ql = randn(1, 2, 40, 8).requiresGrad(true);
        Tensor kl = randn(1, 1, 40, 8).requiresGrad(true);
        Tensor vl = randn(1, 1, 40, 8).requiresGrad(true);
        Tensor w = randn(1, 2, 40, 8);
        Tensor.scaledDotProductAttention(ql, kl, vl, true).mul(w).sum().backward();
        Tensor[] fastGrads = {ql.grad(), kl.grad(), vl.grad()};
        ql.zeroGrad();
        kl.zeroGrad();
        vl.zeroGrad();
        try (Backends.Scope ignored = Backends.use(REF)) {
            Tensor.scaledDotProductAttention(ql, kl, vl, true).mul(w).sum().backward();
        }
        assertClose(fastGrads[0], ql.grad(), 1e-4, 2e-5, "dq");
        assertClose(fastGrads[1], kl.grad(), 1e-4, 2e-5, "dk");
        assertClose(fastGrads[2], vl.grad(), 1e-4, 2e-5, "dv");
    }

    @Test
    void sdpaWholeRowsAtATrainingShapeAndAtItsLimit() {
        // GPT's heads (T = 128, D = 64), the longest rows the whole-row path takes, more keys than
        // queries (the causal mask aligned bottom-right), and odd sizes that leave every tail
        int max = SdpaWholeRows.MAX_KEYS;
        int[][] shapes = {{2, 4, 4, 128, 128, 64, 64}, {1, 2, 2, max, max, 64, 64}, {1, 1, 1, 37, max, 24, 40},
            {1, 3, 3, 19, 23, 64, 5}};
        for (int[] c : shapes) {
            for (boolean causal : new boolean[] {false, true}) {
                String what = java.util.Arrays.toString(c) + (causal ? " causal" : "");
                Tensor q = randn(c[0], c[1], c[3], c[5]);
                Tensor k = randn(c[0], c[2], c[4], c[5]);
                Tensor v = randn(c[0], c[2], c[4], c[6]);
                Tensor dout = randn(c[0], c[1], c[3], c[6]);
                double scale = 1 / Math.sqrt(c[5]);
                Tensor[] fast = sdpa(CPU, q, k, v, dout, causal, scale);
                Tensor[] ref = sdpa(REF, q, k, v, dout, causal, scale);
                String[] names = {"out", "lse", "dq", "dk", "dv"};
                for (int i = 0; i < fast.length; i++) {
                    assertClose(fast[i], ref[i], 1e-4, 2e-5, what + " " + names[i]);
                }
            }
        }
    }

    @Test
    void sdpaForwardWithWideScoresAndWholeTiles() {
        // scores spread over hundreds of log2 units (P underflows to 0 for most keys, the running max
        // jumps by large steps), several whole forward tiles and a ragged one, D = Dv = 64 (the fast path)
        int[][] shapes = {{1, 2, 1, 100, 2 * AttentionTiles.FC + 37, 64, 64}, {1, 1, 1, AttentionTiles.FR * 2 + 5, 300, 64, 48}};
        for (int[] c : shapes) {
            for (boolean causal : new boolean[] {false, true}) {
                String what = java.util.Arrays.toString(c) + (causal ? " causal" : "");
                Tensor q = randn(c[0], c[1], c[3], c[5]).mul(12);
                Tensor k = randn(c[0], c[2], c[4], c[5]).mul(12);
                Tensor v = randn(c[0], c[2], c[4], c[6]);
                Tensor dout = randn(c[0], c[1], c[3], c[6]);
                double scale = 1 / Math.sqrt(c[5]);
                Tensor[] fast = sdpa(CPU, q, k, v, dout, causal, scale);
                Tensor[] ref = sdpa(REF, q, k, v, dout, causal, scale);
                // lse is of order 10³ here: the fp32 scores themselves carry ~1e-4 of absolute error
                assertClose(fast[0], ref[0], 1e-4, 2e-5, what + " out");
                assertClose(fast[1], ref[1], 1e-5, 1e-6, what + " lse");
            }
        }
    }

    @Test
    void sdpaForwardFollowsARowMaxThatMovesFromTileToTile() {
        // scores q·k_j = a·j: rising (the shift must move on every key tile, by less or more than its
        // slack), falling (it never moves after the first tile), and steep enough that early keys
        // underflow to 0 against later ones
        int t = 3 * AttentionTiles.FC + 5;
        int d = 4;
        for (double slope : new double[] {0.01, 0.3, 5, -0.3}) {
            float[] kv = new float[t * d];
            for (int j = 0; j < t; j++) {
                kv[j * d] = (float) (slope * (j - t / 2));
                kv[j * d + 1] = (float) Math.sin(j);
            }
            Tensor k = Tensor.of(kv, 1, 1, t, d);
            Tensor q = Tensor.of(new float[] {1, 0.5f, 0, 0, 0.5f, -1, 0, 0}, 1, 1, 2, d);
            Tensor v = randn(1, 1, t, 3);
            for (boolean causal : new boolean[] {false, true}) {
                Tensor[] fast = sdpa(CPU, q, k, v, randn(1, 1, 2, 3), causal, 1);
                Tensor[] ref = sdpa(REF, q, k, v, randn(1, 1, 2, 3), causal, 1);
                assertClose(fast[0], ref[0], 1e-4, 1e-5, "slope " + slope + " causal " + causal + " out");
                assertClose(fast[1], ref[1], 1e-5, 1e-6, "slope " + slope + " causal " + causal + " lse");
            }
        }
    }

    @Test
    void softmaxTileExp2IsWithinTwoUlpOfExact() {
        // one row of the forward's softmax step with a running max of 0: every entry becomes 2^x
        int n = AttentionTiles.FC;
        float[] s = new float[AttentionTiles.FR * AttentionTiles.FC];
        float[] m = new float[AttentionTiles.FR];
        float[] l = new float[AttentionTiles.FR * AttentionTiles.LS];
        float[] corr = new float[AttentionTiles.FR];
        java.util.Random r = new java.util.Random(7);
        double worst = 0;
        for (int round = 0; round < 400; round++) {
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                // a spread over the whole normal range, and dense near 0 where P matters most
                x[i] = round % 2 == 0 ? -126f * r.nextFloat() : -4f * r.nextFloat();
            }
            x[0] = 0f;
            if (round == 0) {
                x[1] = -126f;
                x[2] = -0.5f;
                x[3] = -1e-7f;
            }
            System.arraycopy(x, 0, s, 0, n);
            m[0] = 0f;
            java.util.Arrays.fill(l, 0f);
            AttentionTiles.softmaxTile(s, 1, n, m, l, corr);
            assertThat(m[0]).isEqualTo(0f);
            assertThat(corr[0]).isEqualTo(1f);
            double sum = 0;
            for (int i = 0; i < n; i++) {
                double exact = Math.pow(2, x[i]);
                double ulp = Math.ulp((float) exact);
                worst = Math.max(worst, Math.abs(s[i] - exact) / ulp);
                sum += s[i];
            }
            assertThat((double) AttentionTiles.rowSum(l, 0)).isCloseTo(sum, org.assertj.core.data.Offset.offset(1e-5 * sum));
        }
        assertThat(worst).as("max error of 2^x in ulp").isLessThanOrEqualTo(2.0);

        // beyond the normal range the result is 0 (or the tiny true value), −∞ gives exactly 0, NaN stays NaN
        float[] x = {0f, -126.7f, -150f, -1e9f, Float.NEGATIVE_INFINITY, Float.NaN};
        java.util.Arrays.fill(s, 0f);
        System.arraycopy(x, 0, s, 0, x.length);
        m[0] = 0f;
        java.util.Arrays.fill(l, 0f);
        AttentionTiles.softmaxTile(s, 1, x.length, m, l, corr);
        assertThat(s[0]).isEqualTo(1f);
        for (int i = 1; i < 4; i++) {
            assertThat(s[i]).as("2^%s", x[i]).isBetween(0f, 0x1p-126f);
        }
        assertThat(s[4]).isEqualTo(0f);
        assertThat(s[5]).isNaN();
        assertThat(AttentionTiles.rowSum(l, 0)).isNaN();
    }

    @Test
    void sdpaBackwardSplitsKeyTilesWhenThreadsOutnumberHeads() {
        // one head and four threads: the key tiles of the head are shared out, dQ summed from copies
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(4);
            Tensor q = randn(1, 1, 150, 16);
            Tensor k = randn(1, 1, 300, 16);
            Tensor v = randn(1, 1, 300, 16);
            Tensor dout = randn(1, 1, 150, 16);
            for (boolean causal : new boolean[] {false, true}) {
                Tensor[] fast = sdpa(CPU, q, k, v, dout, causal, 0.25);
                Tensor[] ref = sdpa(REF, q, k, v, dout, causal, 0.25);
                for (int i = 0; i < fast.length; i++) {
                    assertClose(fast[i], ref[i], 1e-4, 2e-5, "split " + causal + " #" + i);
                }
            }
        } finally {
            Parallel.setThreads(saved);
        }
    }

    @Test
    void linearAttentionPrefixFormMatchesQuadraticReference() {
        int[][] shapes = {{1, 1, 1, 1, 1, 1}, {2, 3, 9, 9, 5, 7}, {1, 2, 70, 70, 16, 33}, {1, 2, 5, 12, 4, 3},
            {1, 1, 12, 5, 4, 3}, {2, 2, 40, 40, 64, 64}};
        for (int[] c : shapes) {
            for (boolean causal : new boolean[] {false, true}) {
                String what = java.util.Arrays.toString(c) + (causal ? " causal" : "");
                Tensor q = randn(c[0], c[1], c[2], c[4]).relu();
                Tensor k = randn(c[0], c[1], c[3], c[4]).relu();
                Tensor v = randn(c[0], c[1], c[3], c[5]);
                Tensor dout = randn(c[0], c[1], c[2], c[5]);
                Tensor[] fast = linear(CPU, q, k, v, dout, causal);
                Tensor[] ref = linear(REF, q, k, v, dout, causal);
                String[] names = {"out", "dq", "dk", "dv"};
                for (int i = 0; i < fast.length; i++) {
                    // rows whose normaliser is near eps amplify rounding: a looser bound than sdpa's
                    assertClose(fast[i], ref[i], 1e-3, 1e-4, what + " " + names[i]);
                }
            }
        }
    }

    private static Tensor[] linear(Backend b, Tensor q, Tensor k, Tensor v, Tensor dout, boolean causal) {
        Tensor out = Tensor.zeros(q.size(0), q.size(1), q.size(2), v.size(3));
        b.linearAttention(out, q, k, v, causal, 1e-2);
        Tensor dq = Tensor.zeros(q.shape());
        Tensor dk = Tensor.zeros(k.shape());
        Tensor dv = Tensor.zeros(v.shape());
        b.linearAttentionBackward(dq, dk, dv, dout, q, k, v, causal, 1e-2);
        return new Tensor[] {out, dq, dk, dv};
    }

    @Test
    void sdpaAtT2048AllocatesNothingOfSizeTxT() {
        int saved = Parallel.threads();
        try {
            Parallel.setThreads(1); // everything runs, and allocates, on this thread
            int t = 2048;
            Tensor q = randn(1, 1, t, 32);
            Tensor k = randn(1, 1, t, 32);
            Tensor v = randn(1, 1, t, 32);
            Tensor small = randn(1, 1, 256, 32);
            long tt = (long) t * t * 4; // a T×T F32 matrix: 16 MiB

            warmUp(() -> Tensor.scaledDotProductAttention(small, small, small, false));
            long forward = Allocations.leastAllocatedBy(() -> Tensor.scaledDotProductAttention(q, k, v, false), tt / 16);
            // out itself is T·32 floats (256 KiB)
            assertThat(forward).as("bytes allocated by a T=2048 forward").isLessThan(tt / 16);

            // with masks: a BOOL [T, T] (itself T×T bytes, made beforehand) and a float key-padding
            // [1, 1, 1, T] are read in place, through the API's broadcast views, never expanded
            Tensor keep = Tensor.rand(rng, t, t).gt(0.1);
            Tensor pad = randn(1, 1, 1, t);
            Tensor smallKeep = Tensor.rand(rng, 256, 256).gt(0.1);
            warmUp(() -> Tensor.scaledDotProductAttention(small, small, small, smallKeep));
            warmUp(() -> Tensor.scaledDotProductAttention(small, small, small, pad.narrow(3, 0, 256)));
            long masked = Allocations.leastAllocatedBy(() -> Tensor.scaledDotProductAttention(q, k, v, keep), tt / 16);
            assertThat(masked).as("bytes allocated by a T=2048 forward with a BOOL [T, T] mask").isLessThan(tt / 16);
            long padded = Allocations.leastAllocatedBy(() -> Tensor.scaledDotProductAttention(q, k, v, pad), tt / 16);
            assertThat(padded).as("bytes allocated by a T=2048 forward with a float [1, 1, 1, T] mask")
                    .isLessThan(tt / 16);

            Tensor lse = Tensor.zeros(1, 1, t);
            Tensor out = Tensor.zeros(1, 1, t, 32);
            CPU.scaledDotProductAttention(out, lse, q, k, v, null, true, 0.2);
            Tensor sLse = Tensor.zeros(1, 1, 256);
            Tensor sOut = Tensor.zeros(1, 1, 256, 32);
            CPU.scaledDotProductAttention(sOut, sLse, small, small, small, null, true, 0.2);
            warmUp(() -> CPU.scaledDotProductAttentionBackward(Tensor.zeros(small.shape()), Tensor.zeros(small.shape()),
                    Tensor.zeros(small.shape()), null, sOut, small, small, small, null, sOut, sLse, true, 0.2));
            // dq, dk, dv are 3 · 256 KiB, plus a 256 KiB dQ partial per key-block split beyond the first (one
            // head: Parallel.MAX_CHUNKS splits, whatever the thread count): linear in T, where T×T is 16 MiB
            long bound = (3L + Parallel.MAX_CHUNKS) * t * 32 * 4 + (1 << 16);
            // at every width: JitDirectives keeps C2 from compiling the backward's tile loop with its vector
            // helpers out of line, which boxed them (33 MB a call in about half of the JVMs started)
            long backward = Allocations.leastAllocatedBy(() -> CPU.scaledDotProductAttentionBackward(Tensor.zeros(q.shape()),
                    Tensor.zeros(k.shape()), Tensor.zeros(v.shape()), null, out, q, k, v, null, out, lse, true, 0.2), bound);
            assertThat(backward).as("bytes allocated by a T=2048 backward").isLessThan(bound);
            // the same causal backward with a BOOL [T, T] mask on top: the mask adds nothing of size T×T
            Tensor keepView = keep.expand(1, 1, t, t);
            Tensor smallView = smallKeep.expand(1, 1, 256, 256);
            CPU.scaledDotProductAttention(sOut, sLse, small, small, small, smallView, true, 0.2);
            warmUp(() -> CPU.scaledDotProductAttentionBackward(Tensor.zeros(small.shape()), Tensor.zeros(small.shape()),
                    Tensor.zeros(small.shape()), null, sOut, small, small, small, smallView, sOut, sLse, true, 0.2));
            CPU.scaledDotProductAttention(out, lse, q, k, v, keepView, true, 0.2);
            long maskedBackward = Allocations.leastAllocatedBy(() -> CPU.scaledDotProductAttentionBackward(
                    Tensor.zeros(q.shape()), Tensor.zeros(k.shape()), Tensor.zeros(v.shape()), null, out, q, k, v,
                    keepView, out, lse, true, 0.2), bound);
            assertThat(maskedBackward).as("bytes allocated by a T=2048 backward with a BOOL mask").isLessThan(bound);
            // and with the float key-padding mask (its dS not asked for): JitDirectives.OUT_OF_LINE keeps the
            // second kind of masking from growing the tile loop past the size where C2 boxes its vectors
            Tensor padView = pad.expand(1, 1, t, t);
            CPU.scaledDotProductAttention(out, lse, q, k, v, padView, true, 0.2);
            long paddedBackward = Allocations.leastAllocatedBy(() -> CPU.scaledDotProductAttentionBackward(
                    Tensor.zeros(q.shape()), Tensor.zeros(k.shape()), Tensor.zeros(v.shape()), null, out, q, k, v,
                    padView, out, lse, true, 0.2), bound);
            assertThat(paddedBackward).as("bytes allocated by a T=2048 backward with a float mask").isLessThan(bound);
        } finally {
            Parallel.setThreads(saved);
        }
    }

    /** Until C2 compiles the kernels, every vector op boxes: run until a call allocates little (≤ 200 runs). */
    private static void warmUp(Runnable r) {
        for (int i = 0; i < 200; i++) {
            if (Allocations.allocatedBy(r) < 1 << 20 && i > 3) {
                return;
            }
        }
    }
}
