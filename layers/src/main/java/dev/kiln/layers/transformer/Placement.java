package dev.kiln.layers.transformer;

import java.util.Locale;

/**
 * Where a block's norms sit around its two sub-layers F (attention, then feed-forward), docs/formulas/
 * norms.md. Mix-LN is not a placement of one block but of a model: its first ⌊α·L⌋ blocks are
 * POST and the rest PRE ({@link TransformerLM.Builder#mixLn(double)}).
 */
public enum Placement {
    /** x + F(N(x)). */
    PRE("pre"),
    /** N(x + F(x)). */
    POST("post"),
    /** x + N_out(F(N_in(x))) (Peri-LN): the sub-layer's output is normalised before the residual add. */
    PERI("peri");

    private final String id;

    Placement(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** pre, post or peri, case-insensitive ("pre-ln" and "post-ln" also work). */
    public static Placement parse(String name) {
        String n = name == null ? "" : name.toLowerCase(Locale.ROOT).replace("-ln", "").replace("ln", "");
        return switch (n) {
            case "pre" -> PRE;
            case "post" -> POST;
            case "peri" -> PERI;
            default -> throw new IllegalArgumentException("Placement: unknown placement '" + name
                    + "'; choose pre, post or peri (mix-ln is a model option)");
        };
    }
}
