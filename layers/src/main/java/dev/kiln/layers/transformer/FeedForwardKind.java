package dev.kiln.layers.transformer;

import dev.kiln.layers.Gate;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The feed-forward sub-layer of a transformer block: the GPT-2 MLP with GELU, or a gated linear
 * unit (Shazeer 2020) with one of the {@link Gate}s, named as the gate names it: SiLU (SwiGLU),
 * GELU (GeGLU), none (bilinear, Pearce et al.), sigmoid (GLU), ReLU (ReGLU), ... The gated kinds are
 * derived from {@link Gate}, one per gate, so a new gate is a new kind. One instance per kind:
 * compare with {@code ==} or {@link #equals}.
 */
public final class FeedForwardKind {
    private static final List<FeedForwardKind> ALL = new ArrayList<>();

    public static final FeedForwardKind MLP = new FeedForwardKind("mlp", null);

    static {
        for (Gate gate : Gate.values()) {
            new FeedForwardKind(gate.unitName(), gate);
        }
    }

    public static final FeedForwardKind SWIGLU = gated(Gate.SILU);
    public static final FeedForwardKind GEGLU = gated(Gate.GELU);
    public static final FeedForwardKind BILINEAR = gated(Gate.IDENTITY);

    private final String id;
    private final Gate gate;

    private FeedForwardKind(String id, Gate gate) {
        this.id = id;
        this.gate = gate;
        ALL.add(this);
    }

    /** Every kind: MLP, then one gated kind per {@link Gate}, in the gates' order. */
    public static FeedForwardKind[] values() {
        return ALL.toArray(new FeedForwardKind[0]);
    }

    /** The gated linear unit with this gate. */
    public static FeedForwardKind gated(Gate gate) {
        if (gate == null) {
            throw new IllegalArgumentException("FeedForwardKind.gated: gate is null (Gate.IDENTITY for none)");
        }
        return ALL.get(1 + gate.ordinal());
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

    /** One of the {@link #id()}s (mlp, swiglu, geglu, bilinear, ...; gelu also means mlp), case-insensitive. */
    public static FeedForwardKind parse(String name) {
        String n = name == null ? "" : name.toLowerCase(Locale.ROOT);
        if (n.equals("gelu")) {
            return MLP;
        }
        for (FeedForwardKind k : ALL) {
            if (k.id.equals(n)) {
                return k;
            }
        }
        throw new IllegalArgumentException("FeedForwardKind: unknown feed-forward '" + name + "'; choose one of "
                + ids());
    }

    /** The ids, comma-separated, for messages and help texts. */
    public static String ids() {
        return String.join(", ", ALL.stream().map(FeedForwardKind::id).toList());
    }

    /** The id, as reprs and messages show the kind. */
    @Override
    public String toString() {
        return id;
    }
}
