package dev.kiln.layers.suite;

import dev.kiln.tensor.DType;

/**
 * A torch dtype by its name ("float32", "int64", ...) and the Kiln dtype that stands for it.
 * An int64 input becomes I32 (the suite's prepare_test_op makes int32 of it anyway), and an int64
 * result of torch matches an I32 result of Kiln (Kiln's index dtype, docs/OPS.md) as well as an
 * I64 one. Dtypes Kiln lacks (int16, complex) are unsupported.
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
            case "float16" -> DType.F16;
            case "bfloat16" -> DType.BF16;
            case "int8" -> DType.I8;
            case "uint8" -> DType.U8;
            default -> null;
        };
    }

    /** Whether a Kiln result of dtype {@code d} matches a torch result of dtype {@code torch}. */
    static boolean matches(DType d, String torch) {
        return d == kilnOrNull(torch) || d == DType.I64 && torch.equals("int64");
    }
}
