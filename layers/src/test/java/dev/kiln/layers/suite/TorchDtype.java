package dev.kiln.layers.suite;

import dev.kiln.tensor.DType;

/**
 * A torch dtype by its name ("float32", "int64", ...) and the Kiln dtype that stands for it.
 * int64 maps to I32, Kiln's index dtype (docs/OPS.md): an int64 result of torch matches an I32
 * result of Kiln with the same values. Dtypes Kiln lacks (float16, bfloat16, int8, uint8, int16,
 * complex) are unsupported.
 */
record TorchDtype(String name) {

    DType kiln() {
        DType d = kilnOrNull(name);
        if (d == null) {
            throw new Unsupported("dtype " + name);
        }
        return d;
    }

    static DType kilnOrNull(String name) {
        return switch (name) {
            case "float32" -> DType.F32;
            case "float64" -> DType.F64;
            case "int32", "int64" -> DType.I32;
            case "bool" -> DType.BOOL;
            default -> null;
        };
    }

    /** Whether a Kiln result of dtype {@code d} matches a torch result of dtype {@code torch}. */
    static boolean matches(DType d, String torch) {
        return d == kilnOrNull(torch);
    }
}
