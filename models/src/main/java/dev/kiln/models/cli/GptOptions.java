package dev.kiln.models.cli;

import dev.kiln.models.nn.Gpt;
import picocli.CommandLine.Option;

/** The byte-level GPT's architecture flags, shared by train gpt, bench gpt and the experiments. */
public final class GptOptions {
    @Option(names = "--layers", defaultValue = "4", description = "Transformer blocks (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.LAYERS)
    public int layers = 4;

    @Option(names = "--d-model", defaultValue = "256", description = "Width (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.WIDTH)
    public int dModel = 256;

    @Option(names = "--heads", defaultValue = "4", description = "Attention heads (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.WIDTH)
    public int heads = 4;

    @Option(names = "--kv-heads", paramLabel = "N", description = "Key/value heads for grouped-query attention (default: --heads).")
    @Range(min = 1, max = Range.WIDTH)
    public Integer kvHeads;

    @Option(names = "--context", defaultValue = "128", description = "Context length in bytes (default: ${DEFAULT-VALUE}).")
    @Range(min = 1, max = Range.CONTEXT)
    public int context = 128;

    @Option(names = "--hidden", paramLabel = "N", description = "Feed-forward width (default: 4 x --d-model).")
    @Range(min = 1, max = Range.WIDTH)
    public Integer hidden;

    @Option(names = "--norm", defaultValue = "layernorm", description = "layernorm, rmsnorm or crmsnorm (default: ${DEFAULT-VALUE}).")
    public String norm = "layernorm";

    @Option(names = "--placement", defaultValue = "pre",
            description = "Norm placement: pre, post, peri, or mix (Mix-LN: the first floor(alpha*L) blocks post, the rest pre) (default: ${DEFAULT-VALUE}).")
    public String placement = "pre";

    @Option(names = "--mix-alpha", defaultValue = "0.25", description = "Mix-LN's alpha (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, max = 1)
    public double mixAlpha = 0.25;

    @Option(names = "--attention", defaultValue = "softmax", description = "softmax, relu or linear (SLAB) (default: ${DEFAULT-VALUE}).")
    public String attention = "softmax";

    @Option(names = "--ffn", defaultValue = "mlp", description = "Feed-forward: mlp (GELU), swiglu, geglu or bilinear (default: ${DEFAULT-VALUE}).")
    public String ffn = "mlp";

    @Option(names = "--positions", defaultValue = "learned", description = "learned, rotary or none (default: ${DEFAULT-VALUE}).")
    public String positions = "learned";

    @Option(names = "--no-bias", description = "No biases in the blocks' projections.")
    public boolean noBias;

    public Gpt.Config config() {
        return new Gpt.Config(layers, dModel, heads, kvHeads != null ? kvHeads : heads, context,
                hidden != null ? hidden : 4 * dModel, norm, placement, mixAlpha, attention, ffn, positions, !noBias);
    }
}
