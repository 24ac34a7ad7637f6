package dev.kiln.layers.transformer;

import dev.kiln.layers.Gate;

import java.util.Locale;

/**
 * The feed-forward sub-layer of a transformer block: the GPT-2 MLP with GELU, or a gated linear
 * unit (Shazeer 2020) whose gate is SiLU (SwiGLU), GELU (GeGLU) or none (bilinear, Pearce et al.).
 */
public enum FeedForwardKind {
    MLP("mlp", null),
    SWIGLU("swiglu", Gate.SILU),
    GEGLU("geglu", Gate.GELU),
    BILINEAR("bilinear", Gate.IDENTITY);

    private final String id;
    private final Gate gate;

    FeedForwardKind(String id, Gate gate) {
        this.id = id;
        this.gate = gate;
    }

    public String id() {
        return id;
    }

    /** The gate of a gated kind, null for MLP. */
    public Gate gate() {
        return gate;
    }

    public boolean isGated() {
        return gate != null;
    }

    /** mlp (also gelu), swiglu, geglu or bilinear, case-insensitive. */
    public static FeedForwardKind parse(String name) {
        return switch (name == null ? "" : name.toLowerCase(Locale.ROOT)) {
            case "mlp", "gelu" -> MLP;
            case "swiglu" -> SWIGLU;
            case "geglu" -> GEGLU;
            case "bilinear" -> BILINEAR;
            default -> throw new IllegalArgumentException("FeedForwardKind: unknown feed-forward '" + name
                    + "'; choose mlp, swiglu, geglu or bilinear");
        };
    }
}
