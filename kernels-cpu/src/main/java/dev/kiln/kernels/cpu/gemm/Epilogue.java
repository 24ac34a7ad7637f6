package dev.kiln.kernels.cpu.gemm;

/**
 * Work {@link Sgemm} does on a block of C as soon as the block is final (its last block of the inner
 * dimension added), while it is still in cache: the fused linear's bias and activation, instead of a
 * second pass over all of C once the product is done.
 *
 * <p>Sgemm calls it once for every block of C it finishes, on the thread that finished it; the
 * blocks tile C exactly, so each element is passed once. A block's columns start at 0 or at a
 * multiple of the micro-tile width (a multiple of the vector length), so a vector loop over a row's
 * columns splits the row where a loop over the whole row would.
 */
@FunctionalInterface
public interface Epilogue {
    /**
     * Rows [r0, r1) and columns [c0, c1) of C, counted from the C of the {@code sgemm} call, are final.
     */
    void apply(int r0, int r1, int c0, int c1);
}
