package dev.kiln.models.nn;

import dev.kiln.layers.Embedding;
import dev.kiln.layers.Linear;
import dev.kiln.layers.Module;
import dev.kiln.layers.activation.GELU;
import dev.kiln.layers.norm.LayerNorm;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.Tensor;

/**
 * A byte-level MLP language model in the manner of Bengio et al. (2003), "A Neural Probabilistic
 * Language Model": the embeddings of the previous {@code context} bytes, concatenated, feed a
 * hidden layer that predicts the next byte. It reads a window [B, T] and predicts every position
 * from the {@code context} bytes before it (zero-padded at the start), giving logits [B·T, 256].
 * Small and fast: the demo's model until the byte-level GPT lands.
 */
public final class ByteMlpLm extends Module {
    public static final int VOCAB = 256;

    /** Context length, embedding width and hidden width. */
    public record Config(int context, int embed, int hidden) {
        public Config {
            if (context < 1 || embed < 1 || hidden < 1) {
                throw new IllegalArgumentException("ByteMlpLm: context, embed and hidden must be >= 1, got " + context + ", "
                        + embed + ", " + hidden);
            }
        }
    }

    private final Config config;
    private final Embedding wte;
    private final Linear fc;
    private final LayerNorm ln;
    private final GELU act;
    private final Linear head;

    public ByteMlpLm(Config c, Generator rng) {
        this.config = c;
        // index 256 is the padding before the text starts
        this.wte = registerModule("wte", new Embedding(VOCAB + 1, c.embed(), rng));
        this.fc = registerModule("fc", new Linear(c.context() * c.embed(), c.hidden(), rng));
        this.ln = registerModule("ln", new LayerNorm(c.hidden()));
        this.act = registerModule("act", new GELU());
        this.head = registerModule("head", new Linear(c.hidden(), VOCAB, rng));
    }

    /** I32 bytes [B, T] to next-byte logits [B·T, 256]. */
    @Override
    public Tensor forward(Tensor tokens) {
        if (tokens.dim() != 2) {
            throw new IllegalArgumentException("ByteMlpLm: expected I32 tokens [B, T], got " + java.util.Arrays.toString(tokens.shape()));
        }
        int b = tokens.size(0);
        int t = tokens.size(1);
        Tensor ctx = contexts(tokens, config.context());                 // [B·T, K]
        Tensor e = wte.forward(ctx).reshape(b * t, config.context() * config.embed());
        return head.forward(act.forward(ln.forward(fc.forward(e))));
    }

    /** For each position, the K previous bytes (oldest first), 256 where the window has none. */
    static Tensor contexts(Tensor tokens, int k) {
        int b = tokens.size(0);
        int t = tokens.size(1);
        int[] x = tokens.contiguous().toIntArray();
        int[] out = new int[b * t * k];
        for (int i = 0; i < b; i++) {
            for (int p = 0; p < t; p++) {
                int base = (i * t + p) * k;
                for (int j = 0; j < k; j++) {
                    int src = p - k + 1 + j;
                    out[base + j] = src >= 0 ? x[i * t + src] : VOCAB;
                }
            }
        }
        return Tensor.of(out, b * t, k);
    }

    public Config config() {
        return config;
    }

    @Override
    protected String extraRepr() {
        return "context=" + config.context() + ", embed=" + config.embed() + ", hidden=" + config.hidden();
    }
}
