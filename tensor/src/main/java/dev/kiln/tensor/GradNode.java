package dev.kiln.tensor;

/**
 * The node autograd attaches to a tensor an op produced; opaque to {@code tensor}, which only
 * shows its name (PyTorch's {@code grad_fn}).
 */
public interface GradNode {
    /** The op that made the tensor, e.g. "MulBackward". */
    String name();
}
