package dev.kiln.layers.ffn;

import dev.kiln.layers.Gate;
import dev.kiln.tensor.Generator;

/** The gated linear unit with a sigmoid gate: sigmoid(L·x) ⊙ (R·x), see {@link Bilinear}. No bias by default (Shazeer omits it). */
public final class GLU extends Bilinear {
    public GLU(int inFeatures, int outFeatures, Generator rng) {
        super(inFeatures, outFeatures, Gate.SIGMOID, false, rng);
    }

    public GLU(int inFeatures, int outFeatures, boolean bias, Generator rng) {
        super(inFeatures, outFeatures, Gate.SIGMOID, bias, rng);
    }
}
