package dev.kiln.tensor;

import dev.kiln.tensor.spi.Backend;

/**
 * The scalars of one fused SGD step (see {@link Backend#sgdStep}), torch.optim.SGD's update:
 * <pre>
 *   d ← g + λ·θ                                   (λ = weightDecay; d = g when λ = 0)
 *   b ← d on the first step, else μ·b + (1 − dampening)·d      (μ = momentum; no b when μ = 0)
 *   d ← d + μ·b if nesterov, else b
 *   θ ← θ − lr·d
 * </pre>
 * {@code firstStep}: the momentum buffer is set to d rather than decayed (PyTorch creates it then).
 */
public record SgdConfig(double lr, double momentum, double dampening, double weightDecay, boolean nesterov,
                        boolean firstStep) {

    public SgdConfig {
        if (!(lr >= 0)) {
            throw new IllegalArgumentException("sgdStep: lr must be >= 0, got " + lr);
        }
        if (!(momentum >= 0)) {
            throw new IllegalArgumentException("sgdStep: momentum must be >= 0, got " + momentum);
        }
        if (!Double.isFinite(dampening)) {
            throw new IllegalArgumentException("sgdStep: dampening must be finite, got " + dampening);
        }
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("sgdStep: weightDecay must be >= 0, got " + weightDecay);
        }
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("sgdStep: Nesterov momentum requires momentum > 0 and dampening = 0, "
                    + "got momentum " + momentum + " and dampening " + dampening);
        }
    }
}
