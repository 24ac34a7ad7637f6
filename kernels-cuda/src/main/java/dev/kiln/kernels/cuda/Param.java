package dev.kiln.kernels.cuda;

/**
 * The kinds of kernel parameter, with how each appears in PTX. KernelSignatureTest reads the
 * {@code .param} lines of every entry in the committed PTX and checks them against
 * {@link Kernels}, so a Java launch can never pass an int where the kernel takes a pointer.
 */
enum Param {
    /** A device pointer (T*), 8 bytes. */
    PTR(".u64"),
    /** int, 4 bytes. */
    INT(".u32"),
    /** long long, 8 bytes. */
    LONG(".u64"),
    /** double, 8 bytes. */
    DOUBLE(".f64"),
    /** float, 4 bytes. */
    FLOAT(".f32"),
    /** struct Layout by value. */
    LAYOUT(".align 4 .b8[" + Layout.INTS * 4 + "]"),
    /** struct ReduceLayout by value. */
    REDUCE_LAYOUT(".align 4 .b8[" + ReduceLayout.INTS * 4 + "]"),
    /** struct AttnShape by value (attention.cu). */
    ATTN_SHAPE(".align 4 .b8[" + AttentionShape.INTS * 4 + "]"),
    /** struct ConvGeom by value (conv.cu). */
    CONV_GEOM(".align 4 .b8[" + ConvGeom.INTS * 4 + "]"),
    /** struct PoolDims by value (pool.cu). */
    POOL_DIMS(".align 4 .b8[" + PoolDispatch.DIMS * 4 + "]");

    private final String ptx;

    Param(String ptx) {
        this.ptx = ptx;
    }

    /** The parameter's type as PTX declares it, with array sizes folded in (".align 4 .b8[168]"). */
    String ptx() {
        return ptx;
    }
}
