package dev.kiln.layers.ffn;

import dev.kiln.layers.Gate;
import dev.kiln.tensor.Generator;

/** The gated linear unit with a GELU gate: GELU(L·x) ⊙ (R·x), see {@link Bilinear}. No bias by default (Shazeer omits it). */
public final class GeGLU extends Bilinear {
    public GeGLU(int inFeatures, int outFeatures, Generator rng) {
        super(inFeatures, outFeatures, Gate.GELU, false, rng);
    }

    public GeGLU(int inFeatures, int outFeatures, boolean bias, Generator rng) {
        super(inFeatures, outFeatures, Gate.GELU, bias, rng);
    }
}
