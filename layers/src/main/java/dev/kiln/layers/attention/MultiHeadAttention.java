package dev.kiln.layers.attention;

import dev.kiln.layers.Linear;
import dev.kiln.layers.Module;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

/**
 * Multi-head scaled dot-product attention on the fused kernel ({@link Tensor#scaledDotProductAttention}):
 * q, k, v projections, optional rotary position embedding on q and k, softmax(q·kᵀ/√D + mask)·v
 * per head, and an output projection. Options: a causal mask, grouped key/value heads (GQA:
 * {@code kvHeads} &lt; {@code nHeads}, each key/value head serving nHeads/kvHeads query heads),
 * rotary embedding (base 10000) and biases. Generation goes token by token through
 * {@link #forward(Tensor, KvCache)}.
 *
 * <pre>{@code
 * var attn = MultiHeadAttention.builder(512, 8).causal(true).kvHeads(2).rotary(true).bias(false).build(rng);
 * Tensor y = attn.forward(x);                       // x [B, T, 512] → [B, T, 512]
 * }</pre>
 *
 * <p>Parameters use the names of Hugging Face's attention layers: {@code q_proj}, {@code k_proj},
 * {@code v_proj} (weights [heads·headDim, dModel]) and {@code out_proj} (as torch.nn.MultiheadAttention),
 * each initialised as torch.nn.Linear. PyTorch's own MultiheadAttention packs q, k, v into one
 * {@code in_proj_weight}, which cannot express grouped heads.
 */
public final class MultiHeadAttention extends Module {
    private final int dModel;
    private final int residualDim;
    private final int nHeads;
    private final int kvHeads;
    private final int headDim;
    private final boolean causal;
    private final Linear qProj;
    private final Linear kProj;
    private final Linear vProj;
    private final Linear outProj;
    private final RotaryEmbedding rotary;

    private MultiHeadAttention(Builder b, Generator rng) {
        this.dModel = b.dModel;
        this.residualDim = b.residualDim == 0 ? b.dModel : b.residualDim;
        this.nHeads = b.nHeads;
        this.kvHeads = b.kvHeads;
        this.headDim = b.dModel / b.nHeads;
        this.causal = b.causal;
        this.qProj = registerModule("q_proj", new Linear(residualDim, nHeads * headDim, b.bias, rng));
        this.kProj = registerModule("k_proj", new Linear(residualDim, kvHeads * headDim, b.bias, rng));
        this.vProj = registerModule("v_proj", new Linear(residualDim, kvHeads * headDim, b.bias, rng));
        this.outProj = registerModule("out_proj", new Linear(nHeads * headDim, residualDim, b.bias, rng));
        this.rotary = b.rotary ? registerModule("rotary", new RotaryEmbedding(headDim, b.rotaryBase)) : null;
    }

    /** Options in PyTorch's names; {@code nHeads} must divide {@code dModel}. */
    public static Builder builder(int dModel, int nHeads) {
        return new Builder(dModel, nHeads);
    }

    /** Self-attention over x [B, T, dModel] (or [T, dModel]), positions 0..T−1. */
    @Override
    public Tensor forward(Tensor x) {
        return forward(x, null);
    }

    /**
     * Self-attention of the new tokens x [B, T, dModel] over the cached tokens and themselves: their
     * positions start at {@code cache.length()}, their keys and values are appended to the cache,
     * and with a causal mask token i sees every cached token and the new ones up to itself. With a
     * null cache this is {@link #forward(Tensor)}. Decoding token by token gives the same outputs
     * as one causal forward over the whole sequence.
     */
    public Tensor forward(Tensor x, KvCache cache) {
        String who = getClass().getSimpleName() + ".forward";
        Tensor in = Heads.batched(who, x, residualDim, qProj.weight().dtype());
        Tensor q = Heads.split(qProj.forward(in), nHeads, headDim);
        Tensor k = Heads.split(kProj.forward(in), kvHeads, headDim);
        Tensor v = Heads.split(vProj.forward(in), kvHeads, headDim);
        if (rotary != null) {
            int position = cache == null ? 0 : cache.length();
            q = rotary.apply(q, position);
            k = rotary.apply(k, position);
        }
        if (cache != null) {
            Tensor[] all = cache.append(k, v);
            k = all[0];
            v = all[1];
        }
        Tensor o = Tensor.scaledDotProductAttention(q, k, v, causal);
        Tensor y = outProj.forward(Heads.merge(o));
        return x.dim() == 2 ? y.squeeze(0) : y;
    }

    public int dModel() {
        return dModel;
    }

    /** The width of the input and output (dModel unless set with {@link Builder#residualDim}). */
    public int residualDim() {
        return residualDim;
    }

    public int nHeads() {
        return nHeads;
    }

    public int kvHeads() {
        return kvHeads;
    }

    public int headDim() {
        return headDim;
    }

    public boolean isCausal() {
        return causal;
    }

    /** Whether q and k get rotary position embedding. */
    public boolean hasRotary() {
        return rotary != null;
    }

    @Override
    protected String extraRepr() {
        return "dModel=" + dModel + ", nHeads=" + nHeads + ", kvHeads=" + kvHeads + ", causal=" + causal;
    }

    /** The options of {@link MultiHeadAttention}; defaults: not causal, kvHeads = nHeads, no rotary, biases. */
    public static final class Builder {
        private final int dModel;
        private final int nHeads;
        private int kvHeads;
        private boolean causal;
        private boolean rotary;
        private double rotaryBase = 10000;
        private int residualDim;
        private boolean bias = true;

        private Builder(int dModel, int nHeads) {
            Heads.require(dModel > 0 && nHeads > 0 && dModel % nHeads == 0, "MultiHeadAttention: dModel " + dModel
                    + " must be a positive multiple of nHeads " + nHeads);
            this.dModel = dModel;
            this.nHeads = nHeads;
            this.kvHeads = nHeads;
        }

        /** Each position attends only to itself and earlier positions. */
        public Builder causal(boolean causal) {
            this.causal = causal;
            return this;
        }

        /** Key/value heads for grouped-query attention; must divide nHeads (1: multi-query attention). */
        public Builder kvHeads(int kvHeads) {
            Heads.require(kvHeads > 0 && nHeads % kvHeads == 0, "MultiHeadAttention: kvHeads " + kvHeads
                    + " must be positive and divide nHeads " + nHeads);
            this.kvHeads = kvHeads;
            return this;
        }

        /** Rotary position embedding on q and k (base 10000); needs an even head size. */
        public Builder rotary(boolean rotary) {
            this.rotary = rotary;
            return this;
        }

        /** The rotary base (10000 unless changed); implies nothing unless rotary(true). */
        public Builder rotaryBase(double base) {
            Heads.require(base > 0 && Double.isFinite(base), "MultiHeadAttention: rotaryBase must be positive, got "
                    + base);
            this.rotaryBase = base;
            return this;
        }

        /**
         * The width of the residual stream the layer reads and writes (default dModel): the input is
         * [..., residualDim] and the output projection maps back to residualDim, while the heads keep
         * dModel. A Pre-CRMSNorm transformer (Jiang et al. 2023) stores d − 1 features of its
         * zero-mean stream, so its attention reads and writes dModel − 1.
         */
        public Builder residualDim(int residualDim) {
            Heads.require(residualDim > 0, "MultiHeadAttention: residualDim must be positive, got " + residualDim);
            this.residualDim = residualDim;
            return this;
        }

        /** Biases in the four projections (PyTorch's default: true). */
        public Builder bias(boolean bias) {
            this.bias = bias;
            return this;
        }


        /** The layer, its projections initialised from rng as torch.nn.Linear (q, k, v, out in order). */
        public MultiHeadAttention build(Generator rng) {
            Heads.require(rng != null, "MultiHeadAttention.build: a Generator is required (initialisation is seeded)");
            Heads.require(!rotary || (dModel / nHeads) % 2 == 0, "MultiHeadAttention: rotary embedding needs an even "
                    + "head size, got dModel " + dModel + " / nHeads " + nHeads + " = " + dModel / nHeads);
            return new MultiHeadAttention(this, rng);
        }
    }
}
