package dev.kiln.layers.ffn;

import dev.kiln.layers.Gate;
import dev.kiln.tensor.Generator;

/** The gated linear unit with a SiLU gate: SiLU(L·x) ⊙ (R·x), see {@link Bilinear}. No bias by default (Shazeer omits it). */
public final class SwiGLU extends Bilinear {
    public SwiGLU(int inFeatures, int outFeatures, Generator rng) {
        super(inFeatures, outFeatures, Gate.SILU, false, rng);
    }

    public SwiGLU(int inFeatures, int outFeatures, boolean bias, Generator rng) {
        super(inFeatures, outFeatures, Gate.SILU, bias, rng);
    }
}
