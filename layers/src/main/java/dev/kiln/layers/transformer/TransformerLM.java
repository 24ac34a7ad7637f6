package dev.kiln.layers.transformer;

import dev.kiln.layers.Embedding;
import dev.kiln.layers.Init;
import dev.kiln.layers.Linear;
import dev.kiln.layers.Module;
import dev.kiln.layers.ModuleList;
import dev.kiln.layers.attention.KvCache;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * A decoder-only (causal) transformer language model in GPT-2's layout: token embedding
 * {@code wte}, learned position embedding {@code wpe} (or rotary, or none), a stack of causal
 * {@link TransformerBlock}s {@code h.0 ... h.(L−1)}, a final norm {@code ln_f} (always applied,
 * whatever the blocks' placement, as in the Mix-LN code) and an output head {@code lm_head}
 * (untied). Tokens [B, T] (I32) → logits [B, T, vocab].
 *
 * <p>Initialisation follows GPT-2 (nanoGPT): every linear and embedding weight N(0, 0.02), the
 * projections that write into the residual stream (attention output, fc2) N(0, 0.02/√(2L)),
 * biases 0, norms at gain 1 and bias 0.
 *
 * <p>Each block's norm placement is a parameter, so Pre-LN, Post-LN, Peri-LN and Mix-LN (the
 * first ⌊α·L⌋ blocks Post-LN, the rest Pre-LN; {@link Builder#mixLn}) are all one class.
 * {@link NormConversion} turns a trained Pre-LN model into the Pre-RMSNorm and Pre-CRMSNorm
 * models with the same outputs.
 */
public final class TransformerLM extends Module {
    /** GPT-2's initialisation scale. */
    public static final double INIT_STD = 0.02;

    /** How positions enter: a learned embedding added to the tokens', rotary embedding in attention, or nothing. */
    public enum Positions {
        LEARNED, ROTARY, NONE;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Positions parse(String name) {
            return switch (name == null ? "" : name.toLowerCase(Locale.ROOT)) {
                case "learned" -> LEARNED;
                case "rotary", "rope" -> ROTARY;
                case "none" -> NONE;
                default -> throw new IllegalArgumentException("Positions: unknown '" + name
                        + "'; choose learned, rotary or none");
            };
        }
    }

    /** Everything that fixes the architecture; {@link Builder} fills the defaults. */
    public record Config(int vocabSize, int dModel, int nHeads, int nLayers, int context, int kvHeads, int hidden,
                         NormType norm, double normEps, List<Placement> placements, AttentionKind attention,
                         FeedForwardKind feedForward, Positions positions, boolean bias, boolean headBias) {
        public Config {
            placements = List.copyOf(placements);
        }

        /** The residual stream's width: d, or d − 1 with CRMSNorm. */
        public int streamDim() {
            return norm.streamDim(dModel);
        }

        /** The norms' ε (the norm type's default when none was set). */
        public double eps() {
            return Double.isNaN(normEps) ? norm.defaultEps() : normEps;
        }

        /** This configuration with another norm type and ε, biases everywhere (what a norm conversion produces). */
        public Config converted(NormType to, double eps) {
            return new Config(vocabSize, dModel, nHeads, nLayers, context, kvHeads, hidden, to, eps, placements, attention,
                    feedForward, positions, true, true);
        }
    }

    private final Config config;
    private final Embedding wte;
    private final Embedding wpe;
    private final ModuleList<TransformerBlock> h;
    private final Module lnF;
    private final Linear lmHead;

    public TransformerLM(Config c, Generator rng) {
        Builder.validate(c);
        this.config = c;
        int s = c.streamDim();
        this.wte = registerModule("wte", new Embedding(c.vocabSize(), s, rng));
        this.wpe = c.positions() == Positions.LEARNED ? registerModule("wpe", new Embedding(c.context(), s, rng)) : null;
        this.h = registerModule("h", new ModuleList<>());
        for (int i = 0; i < c.nLayers(); i++) {
            h.append(TransformerBlock.builder(c.dModel(), c.nHeads()).placement(c.placements().get(i)).norm(c.norm())
                    .normEps(c.normEps()).attention(c.attention()).feedForward(c.feedForward()).hidden(c.hidden())
                    .kvHeads(c.kvHeads()).rotary(c.positions() == Positions.ROTARY).causal(true).bias(c.bias())
                    .maxLength(c.context()).build(rng));
        }
        this.lnF = registerModule("ln_f", c.norm().create(c.dModel(), c.normEps()));
        this.lmHead = registerModule("lm_head", new Linear(s, c.vocabSize(), c.headBias(), rng));
        initGpt2(rng);
    }

    public static Builder builder(int vocabSize, int dModel, int nHeads, int nLayers, int context) {
        return new Builder(vocabSize, dModel, nHeads, nLayers, context);
    }

    private void initGpt2(Generator rng) {
        double residualStd = INIT_STD / Math.sqrt(2.0 * config.nLayers());
        Init.normal_(wte.weight().tensor(), 0, INIT_STD, rng);
        if (wpe != null) {
            Init.normal_(wpe.weight().tensor(), 0, INIT_STD, rng);
        }
        for (TransformerBlock b : h) {
            for (String name : b.inputProjections()) {
                initLinear(b.getSubmodule(name), INIT_STD, rng);
            }
            for (String name : b.outputProjections()) {
                initLinear(b.getSubmodule(name), residualStd, rng);
            }
        }
        initLinear(lmHead, INIT_STD, rng);
    }

    private static void initLinear(Module m, double std, Generator rng) {
        Init.normal_(m.getParameter("weight").tensor(), 0, std, rng);
        if (m.namedParameters().containsKey("bias")) {
            Init.zeros_(m.getParameter("bias").tensor());
        }
    }

    /** Tokens [B, T] (I32, T ≤ context) → logits [B, T, vocab]. */
    @Override
    public Tensor forward(Tensor tokens) {
        return forward(tokens, null);
    }

    /**
     * Tokens [B, T] that continue the sequence held in {@code caches} (one per block, from
     * {@link #newCaches()}; positions start at their length) → logits [B, T, vocab]. Needs softmax
     * attention. With null caches this is {@link #forward(Tensor)}.
     */
    public Tensor forward(Tensor tokens, List<KvCache> caches) {
        if (tokens == null || tokens.dtype() != DType.I32 || tokens.dim() != 2) {
            throw new IllegalArgumentException("TransformerLM.forward: expected I32 tokens [B, T], got "
                    + (tokens == null ? "null" : tokens.dtype() + " " + Shapes.str(tokens.shape())));
        }
        if (caches != null && caches.size() != config.nLayers()) {
            throw new IllegalArgumentException("TransformerLM.forward: expected " + config.nLayers()
                    + " KV caches (one per block), got " + caches.size());
        }
        int t = tokens.size(1);
        int offset = caches == null ? 0 : caches.get(0).length();
        if (config.positions() != Positions.ROTARY && offset + t > config.context()) {
            throw new IllegalArgumentException("TransformerLM.forward: positions " + offset + ".." + (offset + t - 1)
                    + " exceed the context of " + config.context() + " (tokens " + Shapes.str(tokens.shape())
                    + (offset > 0 ? " after " + offset + " cached" : "") + ")");
        }
        Tensor x = wte.forward(tokens);
        if (wpe != null) {
            x = x.add(wpe.weight().tensor().narrow(0, offset, t));
        }
        for (int i = 0; i < config.nLayers(); i++) {
            x = h.get(i).forward(x, caches == null ? null : caches.get(i));
        }
        return lmHead.forward(lnF.forward(x));
    }

    /** A fresh KV cache per block, for {@link #forward(Tensor, List)}. */
    public List<KvCache> newCaches() {
        if (config.attention() != AttentionKind.SOFTMAX) {
            throw new IllegalArgumentException("TransformerLM.newCaches: a KV cache needs softmax attention, this model has "
                    + config.attention().id());
        }
        List<KvCache> out = new ArrayList<>();
        for (int i = 0; i < config.nLayers(); i++) {
            out.add(new KvCache());
        }
        return Collections.unmodifiableList(out);
    }

    public Config config() {
        return config;
    }

    public Embedding wte() {
        return wte;
    }

    /** The learned position embedding, or null. */
    public Embedding wpe() {
        return wpe;
    }

    public ModuleList<TransformerBlock> blocks() {
        return h;
    }

    public Module lnF() {
        return lnF;
    }

    public Linear lmHead() {
        return lmHead;
    }

    @Override
    protected String extraRepr() {
        return "vocab=" + config.vocabSize() + ", dModel=" + config.dModel() + ", heads=" + config.nHeads() + ", layers="
                + config.nLayers() + ", context=" + config.context() + ", positions=" + config.positions().id();
    }

    /**
     * Options; defaults: GPT-2's layout (Pre-LN LayerNorm, softmax attention, GELU MLP of width
     * 4·dModel, learned positions, biases, untied head without bias).
     */
    public static final class Builder {
        private final int vocabSize;
        private final int dModel;
        private final int nHeads;
        private final int nLayers;
        private final int context;
        private int kvHeads;
        private int hidden;
        private NormType norm = NormType.LAYER_NORM;
        private double normEps = Double.NaN;
        private List<Placement> placements;
        private AttentionKind attention = AttentionKind.SOFTMAX;
        private FeedForwardKind feedForward = FeedForwardKind.MLP;
        private Positions positions = Positions.LEARNED;
        private boolean bias = true;
        private boolean headBias;

        private Builder(int vocabSize, int dModel, int nHeads, int nLayers, int context) {
            require(vocabSize > 0 && dModel > 0 && nHeads > 0 && nLayers > 0 && context > 0, "vocabSize, dModel, nHeads, "
                    + "nLayers and context must be positive, got " + vocabSize + ", " + dModel + ", " + nHeads + ", "
                    + nLayers + ", " + context);
            require(dModel % nHeads == 0, "dModel " + dModel + " must be a multiple of nHeads " + nHeads);
            this.vocabSize = vocabSize;
            this.dModel = dModel;
            this.nHeads = nHeads;
            this.nLayers = nLayers;
            this.context = context;
            this.kvHeads = nHeads;
            this.hidden = 4 * dModel;
            this.placements = Collections.nCopies(nLayers, Placement.PRE);
        }

        public Builder kvHeads(int kvHeads) {
            this.kvHeads = kvHeads;
            return this;
        }

        public Builder hidden(int hidden) {
            this.hidden = hidden;
            return this;
        }

        public Builder norm(NormType norm) {
            this.norm = norm;
            return this;
        }

        public Builder normEps(double eps) {
            this.normEps = eps;
            return this;
        }

        /** The same placement in every block. */
        public Builder placement(Placement p) {
            require(p != null, "placement is null");
            this.placements = Collections.nCopies(nLayers, p);
            return this;
        }

        /** Mix-LN (Li et al. 2024): the first ⌊α·L⌋ blocks Post-LN, the others Pre-LN; α in [0, 1]. */
        public Builder mixLn(double alpha) {
            require(alpha >= 0 && alpha <= 1, "mixLn: alpha must be in [0, 1], got " + alpha);
            int post = mixLnPostBlocks(alpha, nLayers);
            List<Placement> p = new ArrayList<>();
            for (int i = 0; i < nLayers; i++) {
                p.add(i < post ? Placement.POST : Placement.PRE);
            }
            this.placements = p;
            return this;
        }

        /** One placement per block. */
        public Builder placements(List<Placement> placements) {
            require(placements != null && placements.size() == nLayers && !placements.contains(null),
                    "placements must list " + nLayers + " non-null placements, got " + placements);
            this.placements = List.copyOf(placements);
            return this;
        }

        public Builder attention(AttentionKind attention) {
            this.attention = attention;
            return this;
        }

        public Builder feedForward(FeedForwardKind feedForward) {
            this.feedForward = feedForward;
            return this;
        }

        public Builder positions(Positions positions) {
            this.positions = positions;
            return this;
        }

        /** Biases in the blocks' projections (default true). */
        public Builder bias(boolean bias) {
            this.bias = bias;
            return this;
        }

        /** A bias in lm_head (default false). */
        public Builder headBias(boolean headBias) {
            this.headBias = headBias;
            return this;
        }

        public Config config() {
            Config c = new Config(vocabSize, dModel, nHeads, nLayers, context, kvHeads, hidden, norm, normEps, placements,
                    attention, feedForward, positions, bias, headBias);
            validate(c);
            return c;
        }

        public TransformerLM build(Generator rng) {
            require(rng != null, "build: a Generator is required (initialisation is seeded)");
            return new TransformerLM(config(), rng);
        }

        static void validate(Config c) {
            require(c.norm() != null && c.attention() != null && c.feedForward() != null && c.positions() != null,
                    "norm, attention, feedForward and positions must be set: " + c);
            require(c.vocabSize() > 0 && c.dModel() > 0 && c.nHeads() > 0 && c.nLayers() > 0 && c.context() > 0
                    && c.dModel() % c.nHeads() == 0, "sizes must be positive and nHeads must divide dModel: " + c);
            require(c.placements().size() == c.nLayers(), "expected " + c.nLayers() + " placements, got "
                    + c.placements().size());
            require(c.kvHeads() > 0 && c.nHeads() % c.kvHeads() == 0, "kvHeads " + c.kvHeads()
                    + " must be positive and divide nHeads " + c.nHeads());
            require(c.hidden() > 0, "hidden must be positive, got " + c.hidden());
            require(c.positions() != Positions.ROTARY || c.attention() == AttentionKind.SOFTMAX,
                    "rotary positions need softmax attention, got " + c.attention().id());
            require(c.positions() != Positions.ROTARY || (c.dModel() / c.nHeads()) % 2 == 0,
                    "rotary positions need an even head size, got " + c.dModel() / c.nHeads());
            require(c.kvHeads() == c.nHeads() || c.attention() == AttentionKind.SOFTMAX,
                    "grouped key/value heads need softmax attention, got " + c.attention().id());
            require(c.norm() != NormType.CRMS_NORM || c.dModel() >= 2, "CRMSNorm needs dModel >= 2");
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException("TransformerLM: " + message);
            }
        }
    }

    /** ⌊α·L⌋, the number of Post-LN blocks in Mix-LN (computed so that 0.25·12 gives 3 despite rounding). */
    public static int mixLnPostBlocks(double alpha, int layers) {
        return (int) Math.floor(alpha * layers + 1e-9);
    }
}
