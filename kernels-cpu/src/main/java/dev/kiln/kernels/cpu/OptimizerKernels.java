package dev.kiln.kernels.cpu;

import dev.kiln.tensor.AdamConfig;
import dev.kiln.tensor.SgdConfig;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fused optimizer steps: one pass over parameter, gradient and moments, updated in place.
 *
 * <p>The three conventions of {@link AdamConfig.Mode} are one update with different constants:
 * <pre>
 *   θ ← θ·pre;  g ← g + λg·θ;  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  (amsgrad: v̂ ← max(v̂, v))
 *   θ ← (θ − step · m / (√v·a + ε)) · post
 *   ADAM:     pre 1,        λg λ, a 1/√bc2, step lr/bc1,      post 1
 *   ADAMW:    pre 1 − lr·λ, λg 0, a 1/√bc2, step lr/bc1,      post 1
 *   ADAMW_HF: pre 1,        λg 0, a 1,      step lr·√bc2/bc1, post 1 − lr·λ
 * </pre>
 */
public final class OptimizerKernels {
    private static final VectorSpecies<Float> S = Simd.F32;
    private static final int L = S.length();

    private OptimizerKernels() {
    }

    /**
     * One Adam step on elements [i0, i1) of p, g, m, v (and vmax for amsgrad, else null), each
     * array with its own offset.
     */
    public static void adamStep(float[] p, int po, float[] g, int go, float[] m, int mo, float[] v, int vo,
                                float[] vmax, int vmo, AdamConfig c, int i0, int i1) {
        double bc1 = c.biasCorrection1();
        double bc2 = c.biasCorrection2();
        boolean hf = c.mode() == AdamConfig.Mode.ADAMW_HF;
        float pre = c.mode() == AdamConfig.Mode.ADAMW ? (float) (1 - c.lr() * c.weightDecay()) : 1f;
        float post = hf ? (float) (1 - c.lr() * c.weightDecay()) : 1f;
        float wdGrad = c.mode() == AdamConfig.Mode.ADAM ? (float) c.weightDecay() : 0f;
        float a = hf ? 1f : (float) (1 / Math.sqrt(bc2));
        float step = (float) (hf ? c.lr() * Math.sqrt(bc2) / bc1 : c.lr() / bc1);
        float eps = (float) c.eps();
        float b1 = (float) c.beta1();
        float b2 = (float) c.beta2();
        float ob1 = (float) (1 - c.beta1());
        float ob2 = (float) (1 - c.beta2());
        int i = i0;
        if (Simd.ENABLED) {
            for (; i + L <= i1; i += L) {
                FloatVector th = FloatVector.fromArray(S, p, po + i);
                FloatVector gr = FloatVector.fromArray(S, g, go + i).add(th.mul(wdGrad));
                th = th.mul(pre);
                FloatVector mi = FloatVector.fromArray(S, m, mo + i).mul(b1).add(gr.mul(ob1));
                FloatVector vi = FloatVector.fromArray(S, v, vo + i).mul(b2).add(gr.mul(gr).mul(ob2));
                mi.intoArray(m, mo + i);
                vi.intoArray(v, vo + i);
                if (vmax != null) {
                    vi = vi.max(FloatVector.fromArray(S, vmax, vmo + i));
                    vi.intoArray(vmax, vmo + i);
                }
                FloatVector denom = vi.sqrt().mul(a).add(eps);
                th.sub(mi.mul(step).div(denom)).mul(post).intoArray(p, po + i);
            }
        }
        for (; i < i1; i++) {
            float th = p[po + i];
            float gr = g[go + i] + wdGrad * th;
            th *= pre;
            float mi = b1 * m[mo + i] + ob1 * gr;
            float vi = b2 * v[vo + i] + gr * gr * ob2; // (gr·gr)·ob2, as the vector loop: the same bits wherever a range ends
            m[mo + i] = mi;
            v[vo + i] = vi;
            if (vmax != null) {
                vi = Math.max(vmax[vmo + i], vi);
                vmax[vmo + i] = vi;
            }
            p[po + i] = (th - step * mi / ((float) Math.sqrt(vi) * a + eps)) * post;
        }
    }

    /**
     * One SGD step ({@link SgdConfig}) on elements [i0, i1) of p, g and the momentum buffer b (null
     * when momentum is 0). Every product and sum is rounded to float on its own, as the separate ops
     * (mul by a scalar, add) round them, so the values are theirs bit for bit.
     */
    public static void sgdStep(float[] p, int po, float[] g, int go, float[] b, int bo, SgdConfig c, int i0, int i1) {
        float wd = (float) c.weightDecay();
        float mom = (float) c.momentum();
        float damp = (float) (1 - c.dampening());
        float step = (float) -c.lr();
        boolean decay = c.weightDecay() != 0;
        boolean first = c.firstStep();
        boolean nesterov = c.nesterov();
        int i = i0;
        if (Simd.ENABLED) {
            for (; i + L <= i1; i += L) {
                FloatVector th = FloatVector.fromArray(S, p, po + i);
                FloatVector d = FloatVector.fromArray(S, g, go + i);
                if (decay) {
                    d = d.add(th.mul(wd));
                }
                if (b != null) {
                    FloatVector bv = first ? d : FloatVector.fromArray(S, b, bo + i).mul(mom).add(d.mul(damp));
                    bv.intoArray(b, bo + i);
                    d = nesterov ? d.add(bv.mul(mom)) : bv;
                }
                th.add(d.mul(step)).intoArray(p, po + i);
            }
        }
        for (; i < i1; i++) {
            float th = p[po + i];
            float d = g[go + i];
            if (decay) {
                d += th * wd;
            }
            if (b != null) {
                float bv = first ? d : b[bo + i] * mom + d * damp;
                b[bo + i] = bv;
                d = nesterov ? d + bv * mom : bv;
            }
            p[po + i] = th + d * step;
        }
    }
}
