package dev.kiln.layers.transformer;

import java.util.Locale;

/** The token mixer of a transformer block. */
public enum AttentionKind {
    /** Softmax multi-head attention on the fused kernel ({@link dev.kiln.layers.attention.MultiHeadAttention}): GQA, rotary, KV cache. */
    SOFTMAX("softmax"),
    /** ReLU in place of softmax, scaled by 1/T by default ({@link dev.kiln.layers.attention.ReluAttention}). */
    RELU("relu"),
    /** SLAB's simplified linear attention ({@link dev.kiln.layers.attention.SimplifiedLinearAttention}). */
    LINEAR("linear");

    private final String id;

    AttentionKind(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** softmax, relu, or linear (also slab), case-insensitive. */
    public static AttentionKind parse(String name) {
        return switch (name == null ? "" : name.toLowerCase(Locale.ROOT)) {
            case "softmax", "mha" -> SOFTMAX;
            case "relu" -> RELU;
            case "linear", "slab" -> LINEAR;
            default -> throw new IllegalArgumentException("AttentionKind: unknown attention '" + name
                    + "'; choose softmax, relu or linear");
        };
    }
}
