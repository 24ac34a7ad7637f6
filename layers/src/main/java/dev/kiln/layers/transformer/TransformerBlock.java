package dev.kiln.layers.transformer;

import dev.kiln.layers.Inputs;
import dev.kiln.layers.Module;
import dev.kiln.layers.attention.KvCache;
import dev.kiln.layers.attention.MultiHeadAttention;
import dev.kiln.layers.attention.ReluAttention;
import dev.kiln.layers.attention.SimplifiedLinearAttention;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.util.List;

/**
 * One transformer block: attention then feed-forward, each with a residual connection, the norms
 * placed as the {@link Placement} says (docs/formulas/norms.md), with N₁ before or after attention and N₂
 * around the feed-forward:
 * <pre>
 *   PRE   h = x + A(N₁(x))          y = h + F(N₂(h))
 *   POST  h = N₁(x + A(x))          y = N₂(h + F(h))
 *   PERI  h = x + N₁'(A(N₁(x)))     y = h + N₂'(F(N₂(h)))
 * </pre>
 * The norm type (LayerNorm, RMSNorm, CRMSNorm), the attention kind (softmax with GQA and rotary
 * options, ReLU, SLAB linear) and the feed-forward kind (GELU MLP, SwiGLU, GeGLU, bilinear) are
 * independent parameters. With CRMSNorm the block reads and writes a stream of d − 1 features
 * ({@link NormType#streamDim}); everything inside keeps width d.
 *
 * <pre>{@code
 * var block = TransformerBlock.builder(256, 4).placement(Placement.PRE).norm(NormType.RMS_NORM)
 *         .feedForward(FeedForwardKind.SWIGLU).causal(true).build(rng);
 * Tensor y = block.forward(x);                 // x [B, T, 256] → [B, T, 256]
 * }</pre>
 *
 * <p>Keys, GPT-2's: {@code ln_1}, {@code attn} (the attention module's own names), {@code ln_2},
 * {@code mlp} ({@link FeedForward}: fc1, fc2), and with PERI the output norms {@code ln_1_post}
 * and {@code ln_2_post}. Sub-layers are initialised as PyTorch initialises nn.Linear.
 */
public final class TransformerBlock extends Module {
    private final Placement placement;
    private final NormType normType;
    private final AttentionKind attentionKind;
    private final int dModel;
    private final int streamDim;
    private final Module ln1;
    private final Module attn;
    private final Module ln1Post;
    private final Module ln2;
    private final FeedForward mlp;
    private final Module ln2Post;

    private TransformerBlock(Builder b, Generator rng) {
        this.placement = b.placement;
        this.normType = b.norm;
        this.attentionKind = b.attention;
        this.dModel = b.dModel;
        this.streamDim = b.norm.streamDim(b.dModel);
        this.ln1 = registerModule("ln_1", b.norm.create(dModel, b.normEps));
        this.attn = registerModule("attn", attention(b, streamDim, rng));
        this.ln1Post = placement == Placement.PERI ? registerModule("ln_1_post", b.norm.create(dModel, b.normEps)) : null;
        this.ln2 = registerModule("ln_2", b.norm.create(dModel, b.normEps));
        this.mlp = registerModule("mlp", new FeedForward(b.feedForward, streamDim, b.hidden, streamDim, b.bias, rng));
        this.ln2Post = placement == Placement.PERI ? registerModule("ln_2_post", b.norm.create(dModel, b.normEps)) : null;
    }

    private static Module attention(Builder b, int stream, Generator rng) {
        return switch (b.attention) {
            case SOFTMAX -> MultiHeadAttention.builder(b.dModel, b.nHeads).residualDim(stream).kvHeads(b.kvHeads)
                    .rotary(b.rotary).rotaryBase(b.rotaryBase).causal(b.causal).bias(b.bias).build(rng);
            case RELU -> ReluAttention.builder(b.dModel, b.nHeads).residualDim(stream).causal(b.causal).bias(b.bias)
                    .factor(b.reluFactor).build(rng);
            case LINEAR -> SimplifiedLinearAttention.builder(b.dModel, b.nHeads, b.maxLength).residualDim(stream)
                    .causal(b.causal).qkvBias(b.bias).build(rng);
        };
    }

    public static Builder builder(int dModel, int nHeads) {
        return new Builder(dModel, nHeads);
    }

    /** x [B, T, stream] (or [T, stream]) → the same shape. */
    @Override
    public Tensor forward(Tensor x) {
        return forward(x, null);
    }

    /**
     * As {@link #forward(Tensor)}, the attention reading and extending a KV cache (softmax
     * attention only; see {@link MultiHeadAttention#forward(Tensor, KvCache)}). A null cache is a
     * plain forward.
     */
    public Tensor forward(Tensor x, KvCache cache) {
        Inputs.requireFeatures(describe(), x, streamDim, mlp.fc2().weight().dtype());
        if (x.dim() != 2 && x.dim() != 3) {
            throw new IllegalArgumentException(describe() + ": expected input [B, T, " + streamDim + "] or [T, " + streamDim
                    + "], got " + java.util.Arrays.toString(x.shape()));
        }
        return switch (placement) {
            case PRE -> {
                Tensor h = x.add(mix(ln1.forward(x), cache));
                yield h.add(mlp.forward(ln2.forward(h)));
            }
            case POST -> {
                Tensor h = ln1.forward(x.add(mix(x, cache)));
                yield ln2.forward(h.add(mlp.forward(h)));
            }
            case PERI -> {
                Tensor h = x.add(ln1Post.forward(mix(ln1.forward(x), cache)));
                yield h.add(ln2Post.forward(mlp.forward(ln2.forward(h))));
            }
        };
    }

    private Tensor mix(Tensor x, KvCache cache) {
        if (cache == null) {
            return attn.forward(x);
        }
        if (!(attn instanceof MultiHeadAttention mha)) {
            throw new IllegalArgumentException(describe() + ": a KV cache needs softmax attention, this block has "
                    + attentionKind.id() + " attention");
        }
        return mha.forward(x, cache);
    }

    public Placement placement() {
        return placement;
    }

    public NormType normType() {
        return normType;
    }

    public AttentionKind attentionKind() {
        return attentionKind;
    }

    public int dModel() {
        return dModel;
    }

    /** The width of the input and output: d, or d − 1 with CRMSNorm. */
    public int streamDim() {
        return streamDim;
    }

    /** The attention module: a MultiHeadAttention, ReluAttention or SimplifiedLinearAttention. */
    public Module attn() {
        return attn;
    }

    public FeedForward mlp() {
        return mlp;
    }

    /** N₁, the norm before attention (PRE, PERI) or after its residual add (POST). */
    public Module ln1() {
        return ln1;
    }

    /** N₂, the norm of the feed-forward sub-layer. */
    public Module ln2() {
        return ln2;
    }

    /** The names (relative to the block) of the linear maps that read the stream: attention's input projections and fc1. */
    public List<String> inputProjections() {
        return attentionKind == AttentionKind.LINEAR ? List.of("attn.qkv", "mlp.fc1")
                : List.of("attn.q_proj", "attn.k_proj", "attn.v_proj", "mlp.fc1");
    }

    /** The names (relative to the block) of the linear maps whose outputs are added to the stream. */
    public List<String> outputProjections() {
        return List.of(attentionKind == AttentionKind.LINEAR ? "attn.proj" : "attn.out_proj", "mlp.fc2");
    }

    @Override
    protected String extraRepr() {
        return "placement=" + placement.id() + ", norm=" + normType.id() + ", attention=" + attentionKind.id()
                + ", feedForward=" + mlp.kind().id() + (streamDim != dModel ? ", stream=" + streamDim : "");
    }

    /**
     * Options; defaults: PRE, LayerNorm (its default ε), softmax attention without rotary, kvHeads =
     * nHeads, not causal (as PyTorch's layers), MLP with hidden 4·dModel, biases.
     */
    public static final class Builder {
        private final int dModel;
        private final int nHeads;
        private Placement placement = Placement.PRE;
        private NormType norm = NormType.LAYER_NORM;
        private double normEps = Double.NaN;
        private AttentionKind attention = AttentionKind.SOFTMAX;
        private FeedForwardKind feedForward = FeedForwardKind.MLP;
        private int hidden;
        private int kvHeads;
        private boolean rotary;
        private double rotaryBase = 10000;
        private boolean causal;
        private boolean bias = true;
        private int maxLength;
        private double reluFactor = Double.NaN;

        private Builder(int dModel, int nHeads) {
            require(dModel > 0 && nHeads > 0 && dModel % nHeads == 0, "dModel " + dModel
                    + " must be a positive multiple of nHeads " + nHeads);
            this.dModel = dModel;
            this.nHeads = nHeads;
            this.hidden = 4 * dModel;
            this.kvHeads = nHeads;
        }

        public Builder placement(Placement placement) {
            require(placement != null, "placement is null");
            this.placement = placement;
            return this;
        }

        public Builder norm(NormType norm) {
            require(norm != null, "norm is null");
            this.norm = norm;
            return this;
        }

        /** The norms' ε; NaN (the default) means the norm type's default. */
        public Builder normEps(double eps) {
            require(Double.isNaN(eps) || eps >= 0, "normEps must be >= 0, got " + eps);
            this.normEps = eps;
            return this;
        }

        public Builder attention(AttentionKind attention) {
            require(attention != null, "attention is null");
            this.attention = attention;
            return this;
        }

        public Builder feedForward(FeedForwardKind feedForward) {
            require(feedForward != null, "feedForward is null");
            this.feedForward = feedForward;
            return this;
        }

        /** The feed-forward's hidden width (default 4·dModel). */
        public Builder hidden(int hidden) {
            require(hidden > 0, "hidden must be positive, got " + hidden);
            this.hidden = hidden;
            return this;
        }

        /** Key/value heads (softmax attention only): must divide nHeads. */
        public Builder kvHeads(int kvHeads) {
            require(kvHeads > 0 && nHeads % kvHeads == 0, "kvHeads " + kvHeads + " must be positive and divide nHeads "
                    + nHeads);
            this.kvHeads = kvHeads;
            return this;
        }

        /** Rotary position embedding on q and k (softmax attention only). */
        public Builder rotary(boolean rotary) {
            this.rotary = rotary;
            return this;
        }

        public Builder rotaryBase(double base) {
            require(base > 0 && Double.isFinite(base), "rotaryBase must be positive, got " + base);
            this.rotaryBase = base;
            return this;
        }

        public Builder causal(boolean causal) {
            this.causal = causal;
            return this;
        }

        /** Biases in every projection (for linear attention: the qkv bias; its output projection always has one). */
        public Builder bias(boolean bias) {
            this.bias = bias;
            return this;
        }

        /** The longest sequence (needed by linear attention, whose key position encoding has this size). */
        public Builder maxLength(int maxLength) {
            require(maxLength > 0, "maxLength must be positive, got " + maxLength);
            this.maxLength = maxLength;
            return this;
        }

        /** ReLU attention's output scale; NaN (default) means 1/T. */
        public Builder reluFactor(double factor) {
            this.reluFactor = factor;
            return this;
        }

        public TransformerBlock build(Generator rng) {
            require(rng != null, "build: a Generator is required (initialisation is seeded)");
            if (attention != AttentionKind.SOFTMAX) {
                require(kvHeads == nHeads, attention.id() + " attention has no grouped key/value heads (kvHeads "
                        + kvHeads + " != nHeads " + nHeads + "); use softmax attention");
                require(!rotary, attention.id() + " attention has no rotary embedding; use softmax attention");
            }
            require(attention != AttentionKind.LINEAR || maxLength > 0,
                    "linear attention needs maxLength (the size of its key position encoding)");
            require(norm != NormType.CRMS_NORM || dModel >= 2, "CRMSNorm needs dModel >= 2 (it stores d − 1 features)");
            return new TransformerBlock(this, rng);
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException("TransformerBlock: " + message);
            }
        }
    }
}
