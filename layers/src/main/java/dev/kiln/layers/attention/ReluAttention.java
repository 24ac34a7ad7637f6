package dev.kiln.layers.attention;

import dev.kiln.layers.Linear;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

/**
 * Multi-head attention with ReLU in place of softmax: P = factor·ReLU(q·kᵀ/√D + mask), O = P·v,
 * between the same q, k, v and output projections as {@link MultiHeadAttention} (q_proj, k_proj,
 * v_proj, out_proj). The mask removes future keys when causal (ReLU of −∞ is 0).
 *
 * <p>Softmax's rows sum to 1; ReLU's do not, so the output is scaled to keep its variance near
 * softmax attention's. The factor is a parameter, by default 1/T for T keys (the division by the
 * sequence length of Wortsman et al., 2023). <b>Unverified</b>: the exact factor of the ReLUFormer
 * paper has not been checked against its text or code, so the default may differ from it.
 *
 * <p>This is a composition of tensor ops that builds the T×T matrix P; it is meant for the short
 * sequences such models are compared on, not for long ones.
 */
public final class ReluAttention extends Module {
    private final int dModel;
    private final int residualDim;
    private final int nHeads;
    private final int headDim;
    private final boolean causal;
    private final double factor;
    private final Linear qProj;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear outProj;

    private ReluAttention(Builder b, Generator rng) {
        this.dModel = b.dModel;
        this.residualDim = b.residualDim == 0 ? b.dModel : b.residualDim;
        this.nHeads = b.nHeads;
        this.headDim = b.dModel / b.nHeads;
        this.causal = b.causal;
        this.factor = b.factor;
        this.qProj = registerModule("q_proj", new Linear(residualDim, dModel, b.bias, rng));
        this.kProj = registerModule("k_proj", new Linear(residualDim, dModel, b.bias, rng));
        this.vProj = registerModule("v_proj", new Linear(residualDim, dModel, b.bias, rng));
        this.outProj = registerModule("out_proj", new Linear(dModel, residualDim, b.bias, rng));
    }

    public static Builder builder(int dModel, int nHeads) {
        return new Builder(dModel, nHeads);
    }

    /** x [B, T, dModel] (or [T, dModel]) → the same shape. */
    @Override
    public Tensor forward(Tensor x) {
        Tensor in = Heads.batched("ReluAttention.forward", x, residualDim, qProj.weight().dtype());
        int t = in.size(1);
        Tensor q = Heads.split(qProj.forward(in), nHeads, headDim);
        Tensor k = Heads.split(kProj.forward(in), nHeads, headDim);
        Tensor v = Heads.split(vProj.forward(in), nHeads, headDim);
        Tensor p = q.matmul(k.transpose(-1, -2)).mul(1 / Math.sqrt(headDim)).relu();
        if (causal) {
            p = Tensor.where(Heads.causalMask(t, t), p, 0);
        }
        double f = Double.isNaN(factor) ? 1.0 / Math.max(t, 1) : factor;
        Tensor y = outProj.forward(Heads.merge(p.mul(f).matmul(v)));
        return x.dim() == 2 ? y.squeeze(0) : y;
    }

    /** The output scale, or NaN for the default 1/T. */
    public double factor() {
        return factor;
    }

    public boolean isCausal() {
        return causal;
    }

    @Override
    protected String extraRepr() {
        return "dModel=" + dModel + ", nHeads=" + nHeads + ", causal=" + causal + ", factor="
                + (Double.isNaN(factor) ? "1/T" : Double.toString(factor));
    }

    /** Options; defaults: not causal, factor 1/T, biases. */
    public static final class Builder {
        private final int dModel;
        private final int nHeads;
        private boolean causal;
        private boolean bias = true;
        private double factor = Double.NaN;
        private int residualDim;

        private Builder(int dModel, int nHeads) {
            Heads.require(dModel > 0 && nHeads > 0 && dModel % nHeads == 0, "ReluAttention: dModel " + dModel
                    + " must be a positive multiple of nHeads " + nHeads);
            this.dModel = dModel;
            this.nHeads = nHeads;
        }

        public Builder causal(boolean causal) {
            this.causal = causal;
            return this;
        }

        /**
         * The width of the residual stream the layer reads and writes (default dModel): the input is
         * [..., residualDim] and the output projection maps back to residualDim, while the heads keep
         * dModel. A Pre-CRMSNorm transformer (Jiang et al. 2023) stores d − 1 features of its
         * zero-mean stream, so its attention reads and writes dModel − 1.
         */
        public Builder residualDim(int residualDim) {
            Heads.require(residualDim > 0, "ReluAttention: residualDim must be positive, got " + residualDim);
            this.residualDim = residualDim;
            return this;
        }

        public Builder bias(boolean bias) {
            this.bias = bias;
            return this;
        }

        /** The scale of ReLU(S); NaN (the default) means 1/T for T keys. */
        public Builder factor(double factor) {
            Heads.require(Double.isNaN(factor) || (factor > 0 && Double.isFinite(factor)),
                    "ReluAttention: factor must be positive and finite (or NaN for 1/T), got " + factor);
            this.factor = factor;
            return this;
        }


        public ReluAttention build(Generator rng) {
            Heads.require(rng != null, "ReluAttention.build: a Generator is required (initialisation is seeded)");
            return new ReluAttention(this, rng);
        }
    }
}
