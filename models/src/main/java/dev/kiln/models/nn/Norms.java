package dev.kiln.models.nn;

import dev.kiln.layers.Module;
import dev.kiln.layers.norm.CRMSNorm;
import dev.kiln.layers.norm.LayerNorm;
import dev.kiln.layers.norm.RMSNorm;

import java.util.List;
import java.util.Locale;

/** Normalisation layers by command-line name: none, layernorm, rmsnorm, crmsnorm. */
public final class Norms {
    public static final List<String> NAMES = List.of("none", "layernorm", "rmsnorm", "crmsnorm");

    private Norms() {
    }

    /** A norm over {@code dim} features, or null for "none". */
    public static Module create(String name, int dim) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "none" -> null;
            case "layernorm" -> new LayerNorm(dim);
            case "rmsnorm" -> new RMSNorm(dim);
            case "crmsnorm" -> new CRMSNorm(dim);
            default -> throw new IllegalArgumentException("unknown norm '" + name + "'; choose one of " + NAMES);
        };
    }
}
