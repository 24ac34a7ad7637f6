package dev.kiln.layers.attention;

import dev.kiln.layers.Linear;
import dev.kiln.layers.Module;
import dev.kiln.layers.Parameter;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;

/**
 * SLAB's simplified linear attention (Guo et al., 2024), for token sequences. Per head, with φ = ReLU:
 * <pre>
 *   O = φ(Q)·(φ(K)ᵀ·V) / (φ(Q)·Σ_j φ(K_j) + 1e-6) + DWC(V)
 * </pre>
 * where K has a learnable position encoding added before φ (zero at init) and DWC is a depthwise
 * 1-D convolution over tokens with kernel 5 whose weights are shared by the heads (as the official
 * code's Conv2d over head_dim channels). When causal, token i sums only over tokens j ≤ i, by prefix
 * sums ({@link Tensor#linearAttention}: O(T·D²) time, O(D²) state), and the convolution sees only
 * the current and 4 previous tokens; otherwise it is centred (padding 2).
 *
 * <p>Parameters follow the official code: {@code qkv} [3·dModel, dModel] (no bias by default),
 * {@code proj} [dModel, dModel] with bias, {@code dwc.weight} [headDim, 1, 5] and {@code dwc.bias},
 * {@code positional_encoding} [1, maxLength, dModel]. The official code works on images (a 2-D
 * convolution over the token grid); the 1-D form for sequences is Kiln's (docs/formulas/attention.md).
 */
public final class SimplifiedLinearAttention extends Module {
    /** The normaliser's guard, as the official code. */
    public static final double EPS = 1e-6;
    /** The depthwise convolution's kernel, as the official code. */
    public static final int KERNEL = 5;

    private final int dModel;
    private final int residualDim;
    private final int nHeads;
    private final int headDim;
    private final int maxLength;
    private final boolean causal;
    private final Linear qkv;
    private final Linear proj;
    private final DepthwiseConv1d dwc;
    private final Parameter positionalEncoding;

    private SimplifiedLinearAttention(Builder b, Generator rng) {
        this.dModel = b.dModel;
        this.residualDim = b.residualDim == 0 ? b.dModel : b.residualDim;
        this.nHeads = b.nHeads;
        this.headDim = b.dModel / b.nHeads;
        this.maxLength = b.maxLength;
        this.causal = b.causal;
        this.qkv = registerModule("qkv", new Linear(residualDim, 3 * dModel, b.qkvBias, rng));
        this.proj = registerModule("proj", new Linear(dModel, residualDim, true, rng));
        this.dwc = registerModule("dwc", new DepthwiseConv1d(headDim, KERNEL, rng));
        this.positionalEncoding = registerParameter("positional_encoding",
                new Parameter(Tensor.zeros(1, maxLength, dModel)));
    }

    /** Sequences of up to maxLength tokens (the size of the position encoding). */
    public static Builder builder(int dModel, int nHeads, int maxLength) {
        return new Builder(dModel, nHeads, maxLength);
    }

    /** x [B, T, dModel] (or [T, dModel]) with T ≤ maxLength → the same shape. */
    @Override
    public Tensor forward(Tensor x) {
        String who = "SimplifiedLinearAttention.forward";
        Tensor in = Heads.batched(who, x, residualDim, proj.weight().dtype());
        int t = in.size(1);
        Heads.require(t <= maxLength, who + ": " + t + " tokens exceed maxLength " + maxLength
                + " (the position encoding's size), input " + Shapes.str(x.shape()));
        Tensor h = qkv.forward(in);
        Tensor q = h.narrow(2, 0, dModel).relu();
        Tensor k = h.narrow(2, dModel, dModel).add(positionalEncoding.tensor().narrow(1, 0, t)).relu();
        Tensor v = Heads.split(h.narrow(2, 2 * dModel, dModel), nHeads, headDim);
        Tensor o = Tensor.linearAttention(Heads.split(q, nHeads, headDim), Heads.split(k, nHeads, headDim), v, causal,
                EPS);
        o = o.add(dwc.forward(v, causal));
        Tensor y = proj.forward(Heads.merge(o));
        return x.dim() == 2 ? y.squeeze(0) : y;
    }

    public boolean isCausal() {
        return causal;
    }

    public int maxLength() {
        return maxLength;
    }

    @Override
    protected String extraRepr() {
        return "dModel=" + dModel + ", nHeads=" + nHeads + ", maxLength=" + maxLength + ", causal=" + causal;
    }

    /** Options; defaults: not causal, no qkv bias. */
    public static final class Builder {
        private final int dModel;
        private final int nHeads;
        private final int maxLength;
        private boolean causal;
        private boolean qkvBias;
        private int residualDim;

        private Builder(int dModel, int nHeads, int maxLength) {
            Heads.require(dModel > 0 && nHeads > 0 && dModel % nHeads == 0, "SimplifiedLinearAttention: dModel "
                    + dModel + " must be a positive multiple of nHeads " + nHeads);
            Heads.require(maxLength > 0, "SimplifiedLinearAttention: maxLength must be positive, got " + maxLength);
            this.dModel = dModel;
            this.nHeads = nHeads;
            this.maxLength = maxLength;
        }

        /**
         * The width of the residual stream the layer reads and writes (default dModel): the input is
         * [..., residualDim] and the output projection maps back to residualDim, while the heads keep
         * dModel. A Pre-CRMSNorm transformer (Jiang et al. 2023) stores d − 1 features of its
         * zero-mean stream, so its attention reads and writes dModel − 1.
         */
        public Builder residualDim(int residualDim) {
            Heads.require(residualDim > 0, "SimplifiedLinearAttention: residualDim must be positive, got " + residualDim);
            this.residualDim = residualDim;
            return this;
        }

        public Builder causal(boolean causal) {
            this.causal = causal;
            return this;
        }

        /** A bias in the qkv projection (the official code's qkv_bias, default false). */
        public Builder qkvBias(boolean qkvBias) {
            this.qkvBias = qkvBias;
            return this;
        }


        /** The layer: qkv, proj and dwc initialised from rng in that order (as PyTorch's defaults). */
        public SimplifiedLinearAttention build(Generator rng) {
            Heads.require(rng != null, "SimplifiedLinearAttention.build: a Generator is required "
                    + "(initialisation is seeded)");
            return new SimplifiedLinearAttention(this, rng);
        }
    }
}
