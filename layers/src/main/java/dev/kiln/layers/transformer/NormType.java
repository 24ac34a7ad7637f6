package dev.kiln.layers.transformer;

import dev.kiln.layers.Identity;
import dev.kiln.layers.Module;
import dev.kiln.layers.norm.CRMSNorm;
import dev.kiln.layers.norm.LayerNorm;
import dev.kiln.layers.norm.PRepBN;
import dev.kiln.layers.norm.RMSNorm;

import java.util.Locale;

/**
 * The norm a transformer block uses (docs/formulas/norms.md). LayerNorm and RMSNorm work on the full width
 * d; CRMSNorm (Jiang et al. 2023) works on a residual stream that stores only d − 1 features of a
 * zero-mean vector, so a model with CRMS_NORM has a stream of width d − 1 everywhere (embeddings,
 * residual adds, the inputs of the projections) while its heads and feed-forward keep width d.
 * PREPBN (SLAB, Guo et al. 2024) trains as LayerNorm handing over to BatchNorm + α·x; IDENTITY (no
 * norm) is what a Pre-norm PREPBN model becomes once {@link NormConversion#foldPRepBN} has folded its
 * norms into the linear maps that read them.
 */
public enum NormType {
    /** LayerNorm with gain and bias, ε 1e-5 by default. */
    LAYER_NORM("layernorm", 1e-5),
    /** RMSNorm with a gain, ε 1e-6 by default. */
    RMS_NORM("rmsnorm", 1e-6),
    /** Compressed RMSNorm on d − 1 stored features, no gain, ε 1e-6 by default. */
    CRMS_NORM("crmsnorm", 1e-6),
    /**
     * SLAB's progressive re-parameterised BatchNorm ({@link PRepBN}): LayerNorm moving to BatchNorm + α·x
     * during training, ε 1e-5 by default; its decay length is set with {@link PRepBN#schedule(Module, int, int)}.
     */
    PREPBN("prepbn", 1e-5),
    /** No norm ({@link Identity}): what {@link NormConversion#foldPRepBN} leaves once the norms' maps are folded. */
    IDENTITY("identity", 0);

    private final String id;
    private final double defaultEps;

    NormType(String id, double defaultEps) {
        this.id = id;
        this.defaultEps = defaultEps;
    }

    /** The name used on the command line and in configurations: layernorm, rmsnorm, crmsnorm, prepbn or identity. */
    public String id() {
        return id;
    }

    public double defaultEps() {
        return defaultEps;
    }

    /** The width of the residual stream of a model of width dModel: d − 1 for CRMSNorm, else d. */
    public int streamDim(int dModel) {
        return this == CRMS_NORM ? dModel - 1 : dModel;
    }

    /** A norm over the stream of a model of width dModel; eps NaN means this type's default. */
    public Module create(int dModel, double eps) {
        double e = Double.isNaN(eps) ? defaultEps : eps;
        return switch (this) {
            case LAYER_NORM -> new LayerNorm(dModel, e);
            case RMS_NORM -> new RMSNorm(dModel, e);
            case CRMS_NORM -> new CRMSNorm(dModel - 1, e);
            case PREPBN -> new PRepBN(dModel, e);
            case IDENTITY -> new Identity();
        };
    }

    /** layernorm (or ln), rmsnorm (rms), crmsnorm (crms), prepbn, identity (none), case-insensitive. */
    public static NormType parse(String name) {
        return switch (name == null ? "" : name.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "")) {
            case "layernorm", "ln" -> LAYER_NORM;
            case "rmsnorm", "rms" -> RMS_NORM;
            case "crmsnorm", "crms" -> CRMS_NORM;
            case "prepbn" -> PREPBN;
            case "identity", "none" -> IDENTITY;
            default -> throw new IllegalArgumentException("NormType: unknown norm '" + name
                    + "'; choose layernorm, rmsnorm, crmsnorm, prepbn or identity");
        };
    }
}
