package dev.kiln.tensor;

/**
 * Element types, PyTorch's {@code torch.float32 ... torch.bool}. {@link #F32} is the compute type;
 * {@link #F64} serves reference kernels and gradient checks; {@link #F16} and {@link #BF16} are
 * stored as 16 bits and computed in F32 where a backend has no kernel of their own; {@link #I32}
 * holds Kiln's indices and labels; {@link #I64}, {@link #I8} and {@link #U8} are PyTorch's
 * {@code long}, {@code int8} and {@code uint8}; {@link #BOOL} is what comparisons return.
 */
public enum DType {
    F32(4),
    F64(8),
    I32(4),
    BOOL(1),
    /** IEEE 754 half precision ({@code torch.float16}). */
    F16(2),
    /** bfloat16: the top 16 bits of an F32 ({@code torch.bfloat16}). */
    BF16(2),
    /** {@code torch.int64}. */
    I64(8),
    /** {@code torch.int8}. */
    I8(1),
    /** {@code torch.uint8}: 0 to 255, arithmetic wraps modulo 256. */
    U8(1);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element in memory. */
    public int byteSize() {
        return byteSize;
    }

    /** F16, BF16, F32 and F64: the types gradients flow through. */
    public boolean isFloatingPoint() {
        return this == F32 || this == F64 || this == F16 || this == BF16;
    }

    /** I8, U8, I32 and I64 (not BOOL, as PyTorch's {@code is_floating_point}/integral split with {@code includeBool=false}). */
    public boolean isIntegral() {
        return this == I32 || this == I64 || this == I8 || this == U8;
    }

    /** Whether the type holds negative values: every type but U8 and BOOL. */
    public boolean isSigned() {
        return this != U8 && this != BOOL;
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

    /** F16 and BF16: stored in 16 bits, computed in F32 where a backend has no kernel for them. */
    public boolean isReducedFloat() {
        return this == F16 || this == BF16;
    }
}
