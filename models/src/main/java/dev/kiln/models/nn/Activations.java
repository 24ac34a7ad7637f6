package dev.kiln.models.nn;

import dev.kiln.layers.Module;
import dev.kiln.layers.activation.ActivationModules;
import dev.kiln.layers.activation.PAU;
import dev.kiln.layers.activation.PReLU;
import dev.kiln.tensor.Activation;
import dev.kiln.tensor.UnaryOp;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The activations of docs/formulas/activations.md by command-line name, derived from their one
 * declaration in tensor: every {@link UnaryOp} with an {@link UnaryOp#activationName()} and every
 * {@link Activation.Kind} (built with the kind's defaults), in declaration order, then the learnable
 * ones, which are layers only (PReLU, shared or per channel, and PAU). The argument of a factory is
 * the layer's width, used by per-channel PReLU.
 */
public final class Activations {
    private static final Map<String, IntFunction<Module>> BY_NAME = new LinkedHashMap<>();

    static {
        for (UnaryOp op : UnaryOp.values()) {
            if (op.activationName() != null) {
                BY_NAME.put(op.activationName(), w -> ActivationModules.of(op));
            }
        }
        for (Activation.Kind kind : Activation.Kind.values()) {
            BY_NAME.put(kind.activationName(), w -> ActivationModules.of(kind));
        }
        BY_NAME.put("prelu", w -> new PReLU());
        BY_NAME.put("prelu-channel", PReLU::new);
        BY_NAME.put("pau", w -> new PAU());
    }

    private Activations() {
    }

    /** Every name {@link #create} accepts, in a stable order. */
    public static Iterable<String> names() {
        return BY_NAME.keySet();
    }

    /** A fresh activation module for a layer of {@code width} features. */
    public static Module create(String name, int width) {
        IntFunction<Module> f = name == null ? null : BY_NAME.get(name.toLowerCase(Locale.ROOT));
        if (f == null) {
            throw new IllegalArgumentException("unknown activation '" + name + "'; choose one of " + BY_NAME.keySet());
        }
        return f.apply(width);
    }
}
