package dev.kiln.layers;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Shapes;
import dev.kiln.tensor.Tensor;

/**
 * The checks a layer makes on its input before any op runs, so that a mistake is reported in
 * the layer's terms ("Linear(inFeatures=784, ...): expected input [..., 784], got [32, 100]")
 * rather than as a failure deep inside a matmul.
 */
public final class Inputs {
    private Inputs() {
    }

    /** Fails unless x is floating-point and of the parameters' dtype. */
    public static void requireDType(String layer, Tensor x, DType expected) {
        if (x == null) {
            throw new IllegalArgumentException(layer + ": input is null");
        }
        if (!x.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(layer + ": expected a floating-point input (" + expected + "), got "
                    + x.dtype() + " " + Shapes.str(x.shape()));
        }
        if (x.dtype() != expected) {
            throw new IllegalArgumentException(layer + ": input is " + x.dtype() + " " + Shapes.str(x.shape())
                    + " but the parameters are " + expected + "; convert the input with to(DType." + expected
                    + ") or the module with to(DType." + x.dtype() + ")");
        }
    }

    /** Fails unless x is floating-point with at least one dim and its last dim has the given size. */
    public static void requireFeatures(String layer, Tensor x, int features) {
        if (x == null) {
            throw new IllegalArgumentException(layer + ": input is null");
        }
        if (!x.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(layer + ": expected a floating-point input [..., " + features + "], got "
                    + x.dtype() + " " + Shapes.str(x.shape()));
        }
        if (x.dim() == 0 || x.size(-1) != features) {
            throw new IllegalArgumentException(layer + ": expected input [..., " + features + "] (last dim "
                    + features + "), got " + Shapes.str(x.shape()));
        }
    }

    /** Both checks: features in the last dim and the parameters' dtype. */
    public static void requireFeatures(String layer, Tensor x, int features, DType dtype) {
        requireFeatures(layer, x, features);
        requireDType(layer, x, dtype);
    }

    /**
     * As {@link #requireFeatures(String, Tensor, int, DType)} in the layer's name; the name (the
     * layer's description) is built only when the check fails, not on every forward.
     */
    public static void requireFeatures(Module layer, Tensor x, int features, DType dtype) {
        if (x == null || !x.dtype().isFloatingPoint() || x.dtype() != dtype || x.dim() == 0
                || x.size(-1) != features) {
            requireFeatures(layer.describe(), x, features, dtype);
        }
    }

    /** As {@link #requireFloat(String, Tensor)}, the layer's description built only for a failure. */
    public static void requireFloat(Module layer, Tensor x) {
        if (x == null || !x.dtype().isFloatingPoint()) {
            requireFloat(layer.describe(), x);
        }
    }

    /** Fails unless x has a floating-point dtype. */
    public static void requireFloat(String layer, Tensor x) {
        if (x == null) {
            throw new IllegalArgumentException(layer + ": input is null");
        }
        if (!x.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(layer + ": expected a floating-point input (F32, F64, F16 or BF16), got "
                    + x.dtype() + " " + Shapes.str(x.shape()));
        }
    }
}
