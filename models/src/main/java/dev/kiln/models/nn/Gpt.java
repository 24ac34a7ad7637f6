package dev.kiln.models.nn;

import dev.kiln.autograd.NoGrad;
import dev.kiln.layers.Module;
import dev.kiln.layers.attention.KvCache;
import dev.kiln.layers.transformer.AttentionKind;
import dev.kiln.layers.transformer.FeedForwardKind;
import dev.kiln.layers.transformer.NormType;
import dev.kiln.layers.transformer.Placement;
import dev.kiln.layers.transformer.TransformerLM;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A byte-level GPT: a {@link TransformerLM} over the 256 byte values, in GPT-2's layout by default
 * (learned positions, Pre-LN LayerNorm, causal softmax attention, GELU MLP of width 4·d). Every
 * architectural choice is a {@link Config} field: layers, width, heads, key/value heads, context,
 * feed-forward width, norm type and placement (pre, post, peri, or mix with α), attention kind,
 * feed-forward kind, positions, biases.
 *
 * <p>It maps I32 bytes [B, T] to logits [B·T, 256] (a row per position), as the byte-level
 * training loop and {@link TextSampler} expect. Its state dict is the transformer's under
 * "transformer." ("transformer.h.0.attn.q_proj.weight"). {@link #generate} samples with a KV cache.
 */
public final class Gpt extends Module {
    public static final int VOCAB = 256;

    /**
     * The architecture. {@code placement} is pre, post, peri or mix (Mix-LN with {@code mixAlpha});
     * norm, attention, feedForward and positions are the ids of {@link NormType},
     * {@link AttentionKind}, {@link FeedForwardKind} and {@link TransformerLM.Positions}.
     */
    public record Config(int layers, int dModel, int heads, int kvHeads, int context, int hidden, String norm,
                         String placement, double mixAlpha, String attention, String feedForward, String positions,
                         boolean bias) {
        public Config {
            norm = NormType.parse(norm).id();
            attention = AttentionKind.parse(attention).id();
            feedForward = FeedForwardKind.parse(feedForward).id();
            positions = TransformerLM.Positions.parse(positions).id();
            placement = placement == null ? "" : placement.toLowerCase(Locale.ROOT);
            if (!placement.equals("mix")) {
                placement = Placement.parse(placement).id();
            }
            if (!(mixAlpha >= 0 && mixAlpha <= 1)) {
                throw new IllegalArgumentException("Gpt: mixAlpha must be in [0, 1], got " + mixAlpha);
            }
            // every other check (sizes, heads, combinations) is the transformer's; the fields are not assigned yet
            lm(layers, dModel, heads, kvHeads, context, hidden, norm, placement, mixAlpha, attention, feedForward, positions,
                    bias);
        }

        /** GPT-2's layout at a given size: Pre-LN LayerNorm, softmax attention, GELU MLP 4·d, learned positions, biases. */
        public static Config gpt2(int layers, int dModel, int heads, int context) {
            return new Config(layers, dModel, heads, heads, context, 4 * dModel, "layernorm", "pre", 0.25, "softmax", "mlp",
                    "learned", true);
        }

        public Config withNorm(String n, String p, double alpha) {
            return new Config(layers, dModel, heads, kvHeads, context, hidden, n, p, alpha, attention, feedForward, positions,
                    bias);
        }

        /** The transformer's configuration. */
        public TransformerLM.Config lm() {
            return lm(layers, dModel, heads, kvHeads, context, hidden, norm, placement, mixAlpha, attention, feedForward,
                    positions, bias);
        }

        private static TransformerLM.Config lm(int layers, int dModel, int heads, int kvHeads, int context, int hidden,
                                               String norm, String placement, double mixAlpha, String attention,
                                               String feedForward, String positions, boolean bias) {
            TransformerLM.Builder b = TransformerLM.builder(VOCAB, dModel, heads, layers, context).kvHeads(kvHeads)
                    .hidden(hidden).norm(NormType.parse(norm)).attention(AttentionKind.parse(attention))
                    .feedForward(FeedForwardKind.parse(feedForward)).positions(TransformerLM.Positions.parse(positions))
                    .bias(bias);
            if (placement.equals("mix")) {
                b.mixLn(mixAlpha);
            } else {
                b.placement(Placement.parse(placement));
            }
            return b.config();
        }

        /** "4 layers, d 256, 4 heads, context 128, layernorm pre, softmax attention, mlp 1024, learned positions". */
        public String describe() {
            return String.format(Locale.ROOT, "%d layers, d %d, %d heads%s, context %d, %s %s, %s attention, %s %d, %s positions",
                    layers, dModel, heads, kvHeads != heads ? " (" + kvHeads + " kv)" : "", context, norm,
                    placement.equals("mix") ? "mix-ln(" + mixAlpha + ")" : placement + "-ln", attention, feedForward, hidden,
                    positions);
        }
    }

    private final Config config;
    private final TransformerLM transformer;

    public Gpt(Config c, Generator rng) {
        this.config = c;
        this.transformer = registerModule("transformer", new TransformerLM(c.lm(), rng));
    }

    /** Wraps an existing transformer (e.g. one converted by NormConversion) with the byte-level interface. */
    public Gpt(Config c, TransformerLM transformer) {
        this.config = c;
        this.transformer = registerModule("transformer", transformer);
    }

    /** I32 bytes [B, T] (T ≤ context) → next-byte logits [B·T, 256]. */
    @Override
    public Tensor forward(Tensor tokens) {
        Tensor logits = transformer.forward(tokens);
        return logits.reshape(-1, VOCAB);
    }

    public Config config() {
        return config;
    }

    public TransformerLM transformer() {
        return transformer;
    }

    /**
     * The prompt followed by {@code length} sampled bytes (temperature, top-k; seeded). With softmax
     * attention the keys and values of past tokens are cached, so each new byte costs one token's
     * forward pass; when the cache reaches the context, it restarts from the last half context.
     * Other attention kinds rerun the last context window for every byte.
     */
    public String generate(String prompt, int length, double temperature, int topK, Generator rng) {
        if (!config.attention().equals(AttentionKind.SOFTMAX.id())) {
            return new TextSampler(this, config.context()).sample(prompt, length, temperature, topK, rng);
        }
        if (length < 0 || !(temperature > 0) || topK < 0) {
            throw new IllegalArgumentException("Gpt.generate: need length >= 0, temperature > 0 and topK >= 0, got "
                    + length + ", " + temperature + ", " + topK);
        }
        byte[] p = prompt.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(p);
        int[] seq = new int[Math.max(1, p.length) + length];
        int n = 0;
        for (byte b : p) {
            seq[n++] = b & 0xff;
        }
        if (n == 0) {
            seq[n++] = '\n'; // no prompt: start as after a line break
            out.write('\n');
            length--;
        }
        boolean wasTraining = isTraining();
        eval();
        try (NoGrad ignored = NoGrad.enter()) {
            List<KvCache> caches = transformer.newCaches();
            int window = config.context();
            int from = Math.max(0, n - window);
            Tensor logits = transformer.forward(ModelDevice.input(this, Tensor.of(Arrays.copyOfRange(seq, from, n), 1, n - from)), caches);
            for (int s = 0; s < length; s++) {
                float[] last = logits.select(1, logits.size(1) - 1).reshape(VOCAB).toFloatArray();
                int next = TextSampler.pick(last, temperature, topK, rng);
                seq[n++] = next;
                out.write(next);
                if (s == length - 1) {
                    break;
                }
                if (caches.get(0).length() >= window) {
                    // the cache is full: restart it from the last half window (amortised O(1) prefill per byte)
                    caches = transformer.newCaches();
                    int keep = Math.max(1, window / 2);
                    logits = transformer.forward(ModelDevice.input(this, Tensor.of(Arrays.copyOfRange(seq, n - keep, n), 1, keep)), caches);
                } else {
                    logits = transformer.forward(ModelDevice.input(this, Tensor.of(new int[] {next}, 1, 1)), caches);
                }
            }
        } finally {
            train(wasTraining);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    protected String extraRepr() {
        return config.describe();
    }
}
