package dev.kiln.layers.activation;

import dev.kiln.layers.Module;
import dev.kiln.tensor.Activation;
import dev.kiln.tensor.UnaryOp;

/**
 * The layer module of each activation that tensor declares ({@link UnaryOp}s with an
 * {@link UnaryOp#activationName()}, every {@link Activation.Kind} with its
 * {@link Activation.Kind#defaults()}), so that registries of activations by name (models' commands)
 * are built by iterating those enums.
 */
public final class ActivationModules {
    private ActivationModules() {
    }

    /** The module computing an activation op ({@code x.gelu("tanh")} for GELU_TANH). */
    public static Module of(UnaryOp op) {
        if (op == null || op.activationName() == null) {
            throw new IllegalArgumentException("ActivationModules.of: " + op + " is not an activation");
        }
        // no exhaustive switch: ops that are no activation are added to UnaryOp without touching layers
        return switch (op) {
            case TANH -> new Tanh();
            case SIGMOID -> new Sigmoid();
            case RELU -> new ReLU();
            case GELU -> new GELU();
            case GELU_TANH -> new GELU("tanh");
            case SILU -> new SiLU();
            case MISH -> new Mish();
            case SOFTPLUS -> new Softplus();
            case RELU_SQUARED -> new ReLUSquared();
            case SELU -> new SELU();
            case RELU6 -> new ReLU6();
            case HARDSWISH -> new Hardswish();
            case HARDSIGMOID -> new Hardsigmoid();
            case LOGSIGMOID -> new LogSigmoid();
            case SOFTSIGN -> new Softsign();
            case TANHSHRINK -> new Tanhshrink();
            default -> throw new IllegalStateException("ActivationModules.of: " + op + " is declared the activation '"
                    + op.activationName() + "' but has no module");
        };
    }

    /** The module of a kind with the kind's default parameters. */
    public static Module of(Activation.Kind kind) {
        if (kind == null) {
            throw new IllegalArgumentException("ActivationModules.of: kind is null");
        }
        return switch (kind) {
            case LEAKY_RELU -> new LeakyReLU();
            case SMELU -> new SmeLU();
            case HELU -> new HeLU();
            case ELEPHANT -> new Elephant();
            case FATRELU -> new FATReLU();
            case SAU -> new SAU();
            case VELU -> new VeLU();
            case ELU -> new ELU();
            case CELU -> new CELU();
            case HARDTANH -> new Hardtanh();
            case SOFTSHRINK -> new Softshrink();
            case HARDSHRINK -> new Hardshrink();
        };
    }
}
