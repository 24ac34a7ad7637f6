package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;

import java.util.Arrays;

/**
 * A strided input's cells for {@link DirectConvChannels} laid out by tap column, so that its tiles
 * compute no column past the output's width. The stride phases ({@link DirectConv.Grid#of}) put tap
 * (i, j) at a column offset j·dilation / stride within phase (i mod stride, j mod stride), so a phase's
 * rows must be {@code outW + reach / stride} cells wide and a tile computes that many positions a row:
 * at stride 2 with a 3×3 kernel, 15 for 14 outputs and 8 for 7 (a fifth of the work on ResNet-18's 7 × 7
 * outputs, with the last tile's rounding). Here each tap column j has planes of its own, one per row
 * phase: plane (r, j) holds padded input (stride·row + r, strideW·ow + j·dilationW) at cell row·outW + ow,
 * so that every plane is exactly outW wide and tap (i, j) reads plane (i·dilationH mod strideH, j) at
 * offset (i·dilationH / strideH)·outW. An input column that several tap columns read (the even ones at
 * stride 2, read by taps 0 and 2) is copied into each of their planes: 6 planes of rows × outW cells
 * where the phases took 4 of rows × (outW + 1). A tile reads the same values in the same (tap, channel)
 * order as on the phases, so results are bit for bit the same.
 */
final class TapColumns {
    private TapColumns() {
    }

    private static final int L = Simd.F32.length();

    /**
     * Whether strided forwards take this layout ({@code -Dkiln.conv.tapColumns=false}: the stride phases, for
     * A/B runs and tests).
     */
    static boolean enabled = !"false".equalsIgnoreCase(System.getProperty("kiln.conv.tapColumns", "true").trim());

    /**
     * Whether a forward of this shape by tiles of {@code positions} positions, its input channels in {@code
     * chunks} chunks, takes the tap columns: strided, one chunk, and the phases' tiles would compute at least
     * {@link #MIN_SAVING} tenths of the columns' positions ({@link #pays}).
     */
    static boolean applies(ConvShape s, int chunks, int positions) {
        return enabled && chunks == 1 && (s.strideH() > 1 || s.strideW() > 1) && pays(s, positions);
    }

    /**
     * The least ratio of positions computed on the phases to those on the tap columns at which the columns
     * are taken, in tenths (11: 1.1). At stride 2 their planes hold about 1.5× the cells of the phases (the
     * even columns copied twice, the taps' reads spread over 6 planes rather than 4), so fewer positions pay
     * only where the phases waste much. ConvStridedAB (AVX2, 5 × 2 tiles, one JVM, CPU time, 1 and 2 threads,
     * three runs), columns / phases: ResNet-18's stride-2 256 → 512 (7 × 7 outputs: 60 positions computed for
     * 49 on the phases, 50 here) 1.16-1.22× and kiln train cnn's 32 → 64 1.10-1.14×, but 128 → 256 (210
     * against 200) 0.96-1.05× and 64 → 128 (812 against 785; 6 planes of 29 × 28 cells × 64 channels, 1.25
     * MB, past a Zen 4 core's L2) 0.91-0.97×.
     */
    static final int MIN_SAVING = 11;

    /** Whether the phases' tiles would compute at least {@link #MIN_SAVING} tenths of the columns' positions. */
    static boolean pays(ConvShape s, int positions) {
        long phases = DirectConv.Grid.of(s).positionsUpTo(positions);
        long columns = ((long) s.outH() * s.outW() + positions - 1) / positions * positions;
        return phases * 10 >= MIN_SAVING * columns;
    }

    /**
     * The grid: rows outW apart (the pitch), {@code outH + reach / strideH} rows a plane, planes of
     * {@code phasePlane} cells, one per (row phase, tap column) in that order, and each tap's offset.
     */
    static DirectConv.Grid grid(ConvShape s) {
        int pitch = s.outW();
        int rows = s.outH() + s.dilationH() * (s.kH() - 1) / s.strideH();
        int plane = rows * pitch;
        int[] taps = new int[s.kH() * s.kW()];
        for (int i = 0; i < s.kH(); i++) {
            int di = i * s.dilationH();
            for (int j = 0; j < s.kW(); j++) {
                taps[i * s.kW() + j] = ((di % s.strideH()) * s.kW() + j) * plane + di / s.strideH() * pitch;
            }
        }
        return new DirectConv.Grid(pitch, rows, plane, s.strideH() * s.kW() * plane, s.outH() * pitch, taps);
    }

    /**
     * Where each input position's channels go: tables[k][ih·w + iw] is the k-th cell (in tap column order)
     * that input position lands in, −1 where it has fewer, or the cell lies at or past {@code cells}.
     */
    static int[][] tables(ConvShape s, DirectConv.Grid gr, long cells) {
        int sh = s.strideH();
        int sw = s.strideW();
        int hw = s.h() * s.w();
        int[][] tables = new int[s.kW()][hw];
        int used = 0;
        for (int ih = 0; ih < s.h(); ih++) {
            int r = ih + s.padH();
            int row = r / sh;
            for (int iw = 0; iw < s.w(); iw++) {
                int p = ih * s.w() + iw;
                int k = 0;
                for (int j = 0; j < s.kW() && row < gr.rows(); j++) {
                    int col = iw + s.padW() - j * s.dilationW();
                    if (col < 0 || col % sw != 0 || col / sw >= gr.pitch()) {
                        continue;
                    }
                    long cell = (long) ((r % sh) * s.kW() + j) * gr.phasePlane() + (long) row * gr.pitch() + col / sw;
                    if (cell < cells) {
                        tables[k++][p] = (int) cell;
                    }
                }
                used = Math.max(used, k);
                for (; k < s.kW(); k++) {
                    tables[k][p] = -1;
                }
            }
        }
        return Arrays.copyOf(tables, used);
    }

    /**
     * One sample's group of cpg input channels (planes of xa from xOff) into xp, laid out [cell][channel]:
     * each position's channels to its cells of {@link #tables}. Cells no position lands in are left as
     * they are (zero: the padding). By register transposes where {@link DirectConvChannels#transposedCells}
     * holds, else float by float.
     */
    static void copy(float[] xp, float[] xa, int xOff, int cpg, ConvShape s, int[][] tables) {
        int hw = s.h() * s.w();
        if (DirectConvChannels.transposedCells(cpg, cpg, hw)) {
            for (int[] table : tables) {
                for (int b0 = 0; b0 < cpg; b0 += L) {
                    // the last block overlaps the one before: its shared channels are written twice
                    int c = Math.min(b0, cpg - L);
                    DirectConvWeightCopy.pad(xp, c, cpg, xa, xOff + c * hw, hw, table);
                }
            }
            return;
        }
        for (int c = 0; c < cpg; c++) {
            int src = xOff + c * hw;
            for (int[] table : tables) {
                for (int p = 0; p < hw; p++) {
                    if (table[p] >= 0) {
                        xp[table[p] * cpg + c] = xa[src + p];
                    }
                }
            }
        }
    }
}
