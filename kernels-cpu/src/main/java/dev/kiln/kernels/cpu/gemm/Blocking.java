package dev.kiln.kernels.cpu.gemm;

/**
 * Cache blocking of the packed GEMM (the loop nest of GotoBLAS and BLIS): the product is cut into
 * blocks of {@code kc} steps of the inner dimension, {@code mc} rows of A and {@code nc} columns of B,
 * and each block of A and of B is packed before the micro-kernel runs over it.
 * <ul>
 *   <li>{@code kc} (L1): one micro-panel of A, {@code MR × kc} floats (12 × 512 × 4 B = 24 KiB),
 *       stays in L1 while the micro-kernel sweeps every B panel of the block past it; a larger kc
 *       also means fewer passes over C (each block of k reads and writes C once);</li>
 *   <li>{@code mc} (L2): the packed block of A, {@code mc × kc} floats (half of L2: 252 × 512 × 4 B = 504 KiB of 1 MiB);</li>
 *   <li>{@code nc} (L3): the packed block of B, {@code kc × nc} floats, streamed past each micro-panel
 *       of A from L2 or L3. Each vector of B feeds MR = 12 FMAs, so the tile needs about 5 bytes per
 *       cycle, which L3 supplies; a large nc means A is packed fewer times (once per nc columns).</li>
 * </ul>
 * Sizes are upper bounds: a dimension is cut into equal blocks no larger than these, so a remainder
 * does not get a block of its own (k = 784 with kc = 512 runs as two blocks of 392).
 *
 * <p>The sizes in use come from the machine's cache sizes ({@link SgemmPlan#blockingFor}) or from a
 * tuned plan file; {@code -Dkiln.gemm.mc}, {@code -Dkiln.gemm.kc} and {@code -Dkiln.gemm.nc}
 * override either. On a 2-core AVX-512 Zen 4 (32 KiB L1d, 1 MiB L2, 32 MiB L3) that derivation gives
 * kc 512, nc 4096, the sizes earlier A/B runs had found best there (kc 512 over 256 gained 5-10%,
 * nc 4096 over 512 another 2-5%, mc between 48 and 192 made no measurable difference). Where the L3
 * is a many-core mesh (a 2-core slice of an Emerald Rapids Xeon: 2 MiB L2, 300 MiB L3) B comes from
 * L3 too slowly for a core with two 512-bit FMA ports, and the derivation keeps the B block in half
 * of L2 instead (kc 256, nc 1024 at AVX-512; see {@link SgemmPlan}).
 *
 * @param mc rows of A per block (rounded up to the micro-tile height)
 * @param kc steps of the inner dimension per block
 * @param nc columns of B per block (rounded up to the micro-tile width)
 */
public record Blocking(int mc, int kc, int nc) {
    public Blocking {
        if (mc < 1 || kc < 1 || nc < 1) {
            throw new IllegalArgumentException("Blocking: mc, kc and nc must be >= 1, got mc=" + mc + ", kc=" + kc
                    + ", nc=" + nc);
        }
    }
}
