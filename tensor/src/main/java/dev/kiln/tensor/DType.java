package dev.kiln.tensor;

/**
 * Element types. {@link #F32} is the compute type; {@link #F64} serves reference kernels and
 * gradient checks; {@link #I32} holds indices and labels; {@link #BOOL} is what comparisons return
 * (PyTorch's {@code torch.bool}).
 */
public enum DType {
    F32(4),
    F64(8),
    I32(4),
    BOOL(1);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element in memory. */
    public int byteSize() {
        return byteSize;
    }

    /** F32 and F64: the types gradients flow through. */
    public boolean isFloatingPoint() {
        return this == F32 || this == F64;
    }

    /** Types that arithmetic accepts (everything but BOOL). */
    public boolean isNumeric() {
        return this != BOOL;
    }

    /**
     * PyTorch's {@code torch.promote_types}: the dtype an op on a and b computes in. The higher
     * category wins (bool &lt; integer &lt; floating), within one the wider dtype; see {@code
     * Tensor.resultType} for operands that are 0-d tensors or scalars.
     */
    public static DType promoteTypes(DType a, DType b) {
        return TypePromotion.promoteTypes(a, b);
    }

    /** PyTorch's {@code torch.can_cast}: false exactly where the cast lowers the category (F32 to I32, I32 to BOOL). */
    public static boolean canCast(DType from, DType to) {
        return TypePromotion.canCast(from, to);
    }
}
