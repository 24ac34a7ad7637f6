package dev.kiln.kernels.cpu.gemm;

/**
 * Cache blocking of the packed GEMM (the loop nest of BLIS/GotoBLAS): the product is cut into
 * blocks of {@code kc} steps of the inner dimension, {@code mc} rows of A and {@code nc} columns of B.
 * <ul>
 *   <li>{@code kc} (L1): a micro-panel of A, {@code MR × kc} floats, stays in L1 while the micro-kernel
 *       sweeps the B panels past it;</li>
 *   <li>{@code nc} (L2): the packed block of B, {@code kc × nc} floats, stays in L2 and is reused by
 *       every row panel of A;</li>
 *   <li>{@code mc} (L3): the packed block of A, {@code mc × kc} floats, stays in L3 (or the rest of L2)
 *       while the next blocks of B are packed.</li>
 * </ul>
 * Sizes are upper bounds: a dimension is cut into equal blocks no larger than these, so that a
 * remainder does not get a block of its own (k = 300 with kc = 256 runs as two blocks of 150).
 *
 * @param mc rows of A per block (rounded up to the micro-tile height)
 * @param kc steps of the inner dimension per block
 * @param nc columns of B per block (rounded up to the micro-tile width)
 */
public record Blocking(int mc, int kc, int nc) {
    /** Defaults tuned on a 2-core AVX-512 Zen 4 (32 KiB L1d, 1 MiB L2 per core, 32 MiB L3); see docs/BENCHMARKS.md. */
    public static final Blocking DEFAULT = new Blocking(
            Integer.getInteger("kiln.gemm.mc", 192),
            Integer.getInteger("kiln.gemm.kc", 256),
            Integer.getInteger("kiln.gemm.nc", 512));

    public Blocking {
        if (mc < 1 || kc < 1 || nc < 1) {
            throw new IllegalArgumentException("Blocking: mc, kc and nc must be >= 1, got mc=" + mc + ", kc=" + kc
                    + ", nc=" + nc);
        }
    }
}
