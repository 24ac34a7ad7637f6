package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * A direct convolution vectorized over output channels rather than positions, for layers of more than
 * two vectors of out channels on small planes (kiln train cnn's 64 channels on 7×7, ResNet-18's 3×3
 * layers), where {@link DirectConvKernels}' vectors of positions leave much of each vector on padding
 * and row ends, and im2col's patch matrix costs as much as the multiply ({@link ConvDispatch} says when
 * it runs). The design follows oneDNN's blocked-channel direct kernels, written for C2.
 *
 * <p>Per sample (and group) the input is copied into a zero-padded grid of cells, channels last
 * ([row][column][channel], rows {@code pitch} cells apart: {@link DirectConv.Grid}'s geometry, so output
 * position q = oh·pitch + ow reads tap t at cell q + taps[t]). A strided convolution's cells hold the
 * padded input's stride phases (even and odd rows × even and odd columns at stride 2), each a grid of
 * the output's pitch, so that tap (i, j) reads phase (i mod stride, j mod stride) at a fixed offset
 * and the tiles run unchanged; or, where the phases' wider rows would make the tiles compute a tenth more
 * positions than the outputs (7 × 7 outputs), a plane per row phase and tap column ({@link TapColumns}). The weights are packed [block][tap][input channel][out channel of the
 * block], a block being V vectors of out channels, zero past the last. A tile keeps P consecutive
 * positions × V vectors of out channels in registers: per (tap, input channel) it loads V weight
 * vectors, broadcasts the input of each of its P positions and does P·V fused multiply-adds
 * ({@link #positions}: 6 × 4 with 32 vector registers, 5 × 2 with 16). A run of positions goes across
 * row ends (the columns past outW are computed and dropped) and the last tile of a plane past its end,
 * into zeros; so every output is one tile's sum in (tap, input channel) order, and results do not
 * depend on the thread count. Each block's channels-last output is then copied into the NCHW planes of
 * y. The input channels can also be cut into chunks whose weights stay in L1 ({@link #CHUNKS}, off: it
 * measured slower).
 */
final class DirectConvChannels {
    private DirectConvChannels() {
    }

    /** False with {@code -Dkiln.conv.channels=false}: the positional tiles take every shape (A/B runs). */
    static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty("kiln.conv.channels", "true").trim());

    private static final VectorSpecies<Float> S = DirectConvKernels.S;
    private static final int L = DirectConvKernels.L;

    /** Vectors of out channels per tile: 4 with 32 vector registers, 2 with 16. */
    static int vectors(boolean wide) {
        return wide ? 4 : 2;
    }

    /**
     * Positions per tile: 6 × 4 vectors with 32 registers (24 accumulators, 4 weights and the
     * broadcasts; C2 keeps two broadcasts live and two accumulators on the stack, still faster than
     * 5 × 4), 5 × 2 with 16 (10 + 2 + 2: 6 × 2 spills inside the loop and runs at half the speed).
     */
    static int positions(boolean wide) {
        return wide ? 6 : 5;
    }

    /** Whether this kernel can compute the shape (ConvDispatch decides where it should). */
    static boolean applies(ConvShape s) {
        return ENABLED && Simd.ENABLED && s.kH() * s.kW() > 1;
    }

    /**
     * Whether the input channels are cut into chunks of {@link #CHUNK_BYTES} of weights
     * ({@code -Dkiln.conv.channelChunks=true}); off by default, every tile then sums over all input
     * channels at once, streaming its whole block of weights from L2. Chunked, ResNet-18's 3×3 layers ran
     * 0.94-0.98× of that at AVX-512 on 1 and 2 threads and 0.96-1.0× at AVX2 (ConvChannelsAB
     * {@code -Dab=chunks}): a Zen 4 core's L2 feeds a tile's 4 weight vectors per 24 FMAs with room to
     * spare, while each chunk adds a pass over the tiles' output.
     */
    static final boolean CHUNKS = Boolean.getBoolean("kiln.conv.channelChunks");

    /**
     * Bytes of packed weights one chunk of input channels may take (20 KiB: with the chunk's input and the
     * tile's output lines, within a Zen 4 core's 32 KiB L1): 8 channels × 9 taps × 64 out channels at
     * AVX-512, 35 × 9 × 16 at AVX2. {@code -Dkiln.conv.channelChunkBytes} for A/B runs.
     */
    static final int CHUNK_BYTES = Integer.getInteger("kiln.conv.channelChunkBytes", 20 << 10);

    /**
     * Input channels per chunk: as many as keep the chunk's weights ({@code taps × chunk × width} floats)
     * within {@link #CHUNK_BYTES}, evened out over the chunks a group needs (256 channels at AVX-512: 32
     * chunks of 8); all of them with {@link #CHUNKS} off. Depends on the shape and the vector width only,
     * never on the threads, so the sum order does too.
     */
    static int chunk(ConvShape s, boolean wide) {
        return CHUNKS ? budgetChunk(s, wide) : s.cInPerGroup();
    }

    /** {@link #chunk} with {@link #CHUNKS} on. */
    static int budgetChunk(ConvShape s, boolean wide) {
        int cpg = s.cInPerGroup();
        long per = (long) s.kH() * s.kW() * vectors(wide) * L * Float.BYTES;
        int most = (int) Math.max(1, Math.min(cpg, CHUNK_BYTES / per));
        int chunks = (cpg + most - 1) / most;
        return (cpg + chunks - 1) / chunks;
    }

    /** Per-thread buffers, grown on demand and kept. */
    private static final class Scratch {
        float[] weights = new float[0];
        float[] cells = new float[0];
        /**
         * The shape, chunk and cells per channel (which the tile's positions set) whose padded cells
         * {@code cells} last held: their zeros are in place for them.
         */
        ConvShape cellsShape;
        int cellsChunk;
        long cellsPerChannel;
        /** Whether those cells were laid out by {@link TapColumns} (the same shape's phases put zeros elsewhere). */
        boolean cellsColumns;
        /** Floats from the start of {@code cells} that the last clearing zeroed. */
        long cellsCleared;
        float[] out = new float[0];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** y = conv2d(x, w) + bias; bias may be null. */
    static void forward(float[] y, int yOff, float[] xa, int xOff, float[] wa, int wOff, float[] ba, int bOff,
                        ConvShape s) {
        forward(y, yOff, xa, xOff, wa, wOff, ba, bOff, s, DirectConvKernels.WIDE);
    }

    /** {@link #forward}, with the tiles of 32 vector registers ({@code wide}) or of 16 (tests run both). */
    static void forward(float[] y, int yOff, float[] xa, int xOff, float[] wa, int wOff, float[] ba, int bOff,
                        ConvShape s, boolean wide) {
        forward(y, yOff, xa, xOff, wa, wOff, ba, bOff, s, wide, chunk(s, wide));
    }

    /**
     * {@link #forward} with chunks of {@code chunk} input channels (the last one the rest): the input
     * cells are laid out [chunk][cell][channel of the chunk] and the weights [block][chunk][tap][channel
     * of the chunk][out channel of the block], so that a chunk's weights stay in L1 while its tiles run
     * over the plane; a tile's accumulators start from the block's output, zeroed before the first chunk
     * and stored by the chunk before for the others, so every output sums in (chunk, tap, channel) order.
     */
    static void forward(float[] y, int yOff, float[] xa, int xOff, float[] wa, int wOff, float[] ba, int bOff,
                        ConvShape s, boolean wide, int chunk) {
        forward(y, yOff, xa, xOff, wa, wOff, ba, bOff, s, wide, chunk,
                TapColumns.applies(s, (s.cInPerGroup() + chunk - 1) / chunk, positions(wide)));
    }

    /**
     * {@link #forward} on {@link TapColumns}' cells ({@code columns}: a strided shape in one chunk) or, strided,
     * on the stride phases (tests run both).
     */
    static void forward(float[] y, int yOff, float[] xa, int xOff, float[] wa, int wOff, float[] ba, int bOff,
                        ConvShape s, boolean wide, int chunk, boolean columns) {
        boolean strideOne = s.strideH() == 1 && s.strideW() == 1;
        int cpg = s.cInPerGroup();
        if (columns && (strideOne || chunk < cpg)) {
            throw new IllegalArgumentException("tap columns need a stride above 1 and one chunk: " + s + ", chunks of "
                    + chunk);
        }
        // stride s: the cells hold the input's planes per row phase and tap column (else its s² phases, each
        // a padded grid of the output's pitch and the kernel's reach)
        DirectConv.Grid gr = strideOne ? DirectConv.Grid.forward(s) : columns ? TapColumns.grid(s) : DirectConv.Grid.of(s);
        int opg = s.cOutPerGroup();
        int kk = s.kH() * s.kW();
        int v = vectors(wide);
        int p = positions(wide);
        int width = v * L;
        int blocks = (opg + width - 1) / width;
        int computed = (gr.positions() + p - 1) / p * p;
        int reach = Arrays.stream(gr.taps()).max().orElse(0);
        long cells = (long) computed + reach;
        int chunks = (cpg + chunk - 1) / chunk;
        int last = cpg - (chunks - 1) * chunk;
        // a tile's reads of tap t: cell offsets scaled by the channels of its chunk (full, or the last)
        int[] taps = new int[kk];
        int[] lastTaps = new int[kk];
        for (int t = 0; t < kk; t++) {
            taps[t] = gr.taps()[t] * chunk;
            lastTaps[t] = gr.taps()[t] * last;
        }
        int[][] tables = columns ? TapColumns.tables(s, gr, cells) : null;
        int blockSize = kk * cpg * width;
        Scratch sc = SCRATCH.get();
        sc.weights = HostArrays.atLeast(sc.weights, (long) s.groups() * blocks * blockSize);
        float[] wp = sc.weights;
        pack(wp, wa, wOff, s, width, blocks, chunk);
        int units = s.n() * s.groups();
        int split = DirectConv.split(units, blocks);
        UnitLoop.forRange(units * split, DirectConv.grain(units, split, (long) computed * blocks * blockSize),
                (lo, hi) -> {
                    Scratch mine = SCRATCH.get();
                    mine.cells = HostArrays.atLeast(mine.cells, cells * cpg);
                    // each sample's input lands on the same floats: only the first copy of a shape clears
                    boolean zeroed = s.equals(mine.cellsShape) && mine.cellsChunk == chunk
                            && mine.cellsPerChannel == cells && mine.cellsColumns == columns
                            && mine.cellsCleared >= cells * cpg;
                    mine.cellsShape = null; // until a copy of s has completed
                    mine.out = HostArrays.atLeast(mine.out, (long) computed * width);
                    float[] xp = mine.cells;
                    float[] yp = mine.out;
                    for (int u = lo; u < hi; u++) {
                        int unit = u / split;
                        int part = u % split;
                        int n = unit / s.groups();
                        int g = unit % s.groups();
                        if (!zeroed) {
                            Arrays.fill(xp, 0, (int) (cells * cpg), 0f);
                            mine.cellsCleared = cells * cpg;
                        }
                        int src = xOff + (n * s.cIn() + g * cpg) * s.h() * s.w();
                        if (strideOne && chunks == 1) {
                            ChannelsLast.pad(xp, xa, src, cpg, s, gr);
                        } else if (columns) {
                            TapColumns.copy(xp, xa, src, cpg, s, tables);
                        } else {
                            cells(xp, (int) cells, xa, src, cpg, chunk, s, gr);
                        }
                        zeroed = true;
                        mine.cellsShape = s;
                        mine.cellsChunk = chunk;
                        mine.cellsPerChannel = cells;
                        mine.cellsColumns = columns;
                        for (int b = blocks * part / split; b < blocks * (part + 1) / split; b++) {
                            int wBlock = (g * blocks + b) * blockSize;
                            // the tiles add onto yp: zero before the first chunk (a tile choosing between zero and
                            // a load made C2 keep its accumulators in memory, 2.7x slower)
                            Arrays.fill(yp, 0, computed * width, 0f);
                            for (int c0 = 0; c0 < cpg; c0 += chunk) {
                                int ck = Math.min(chunk, cpg - c0);
                                int[] tk = ck == chunk ? taps : lastTaps;
                                int xChunk = (int) (c0 * cells);
                                int wChunk = wBlock + kk * c0 * width;
                                for (int q = 0; q < computed; q += p) {
                                    tile(wide, yp, q * width, xp, xChunk + q * ck, ck, tk, wp, wChunk);
                                }
                            }
                            int o0 = g * opg + b * width;
                            ChannelsLast.store(y, yOff + (n * s.cOut() + o0) * s.outH() * s.outW(), yp, width,
                                    Math.min(width, opg - b * width), ba, bOff + o0, s, gr);
                        }
                    }
                });
    }

    /**
     * Whether the weights are packed and a strided input's cells copied as before issue 16: on the calling
     * thread, float by float ({@code -Dkiln.conv.oldCopies=true}; A/B runs flip it).
     */
    static boolean oldCopies = Boolean.getBoolean("kiln.conv.oldCopies");

    /** Input channels a packing step covers: their taps × 32 out channels of writes (9 KiB at 3×3) stay in L1. */
    private static final int PACK_CHANNELS = 8;

    /**
     * w [opg·groups, cpg, kH, kW] into [group][block][chunk][tap][channel of the chunk][out channel of the
     * block], out channels past opg zero; with one chunk of all cpg channels, [group][block][tap][channel][out
     * channel] ({@link DirectConvRows}' layout too). Blocks are packed in parallel (ResNet-18's 512 × 512 ×
     * 3 × 3, 9.4 MB, took 4.5 ms on the calling thread, 7% of the forward on one thread and more on two).
     */
    static void pack(float[] wp, float[] wa, int wOff, ConvShape s, int width, int blocks, int chunk) {
        if (oldCopies) {
            packSerial(wp, wa, wOff, s, width, blocks, chunk);
            return;
        }
        int blockSize = s.kH() * s.kW() * s.cInPerGroup() * width;
        Parallel.forRange(s.groups() * blocks, Math.max(1, PACK_GRAIN / blockSize), (lo, hi) -> {
            for (int gb = lo; gb < hi; gb++) {
                packBlock(wp, wa, wOff, s, width, blocks, chunk, gb);
            }
        });
    }

    /** Floats of packed weights below which a packing task is not split further. */
    private static final int PACK_GRAIN = 1 << 16;

    /**
     * Block gb = g·blocks + b of {@link #pack}. With 32 vector registers (AVX-512) or 8 lanes (AVX2) a vector
     * of out channels at a time, gathered from w's rows (cpg·kH·kW floats apart) and stored whole: 2.0 ms for
     * ResNet-18's 9.4 MB of 512 × 512 × 3 × 3 on one thread, where the float-by-float loop below took 4.5
     * (each of its writes lands {@code width} floats after the one before); at AVX2 ({@code vgatherdps}) 0.65-0.69
     * ms for the 4.7 MB of 256 → 512 against 2.0. Elsewhere (the gather may not be compiled to one
     * instruction there) that loop, a few input channels at a time.
     */
    private static void packBlock(float[] wp, float[] wa, int wOff, ConvShape s, int width, int blocks, int chunk,
                                  int gb) {
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        int kk = s.kH() * s.kW();
        int g = gb / blocks;
        int b = gb % blocks;
        int base = gb * kk * cpg * width;
        if (Simd.ENABLED && (DirectConvKernels.WIDE || L == 8) && width % L == 0) {
            int[] rows = new int[L];
            for (int j = 0; j < L; j++) {
                rows[j] = j * cpg * kk;
            }
            for (int h = 0; h < width; h += L) {
                int o0 = b * width + h;
                int src = wOff + (g * opg + o0) * cpg * kk;
                // a masked gather range-checks its unset lanes too: a vector reaching past opg goes float by float
                boolean whole = o0 + L <= opg;
                for (int c0 = 0; c0 < cpg; c0 += chunk) {
                    int ck = Math.min(chunk, cpg - c0);
                    for (int c = c0; c < c0 + ck; c++) {
                        int d = base + (kk * c0 + c - c0) * width + h;
                        for (int t = 0; t < kk; t++, d += ck * width) {
                            if (whole) {
                                FloatVector.fromArray(S, wa, src + c * kk + t, rows, 0).intoArray(wp, d);
                            } else {
                                for (int j = 0; j < L; j++) {
                                    wp[d + j] = o0 + j < opg ? wa[src + rows[j] + c * kk + t] : 0f;
                                }
                            }
                        }
                    }
                }
            }
            return;
        }
        for (int c1 = 0; c1 < cpg; c1 += PACK_CHANNELS) {
            int c2 = Math.min(cpg, c1 + PACK_CHANNELS);
            for (int j = 0; j < width; j++) {
                int o = b * width + j;
                for (int c = c1; c < c2; c++) {
                    int c0 = c / chunk * chunk;
                    int ck = Math.min(chunk, cpg - c0);
                    int d = base + (kk * c0 + c - c0) * width + j;
                    int src = wOff + ((g * opg + o) * cpg + c) * kk;
                    for (int t = 0; t < kk; t++, d += ck * width) {
                        wp[d] = o < opg ? wa[src + t] : 0f;
                    }
                }
            }
        }
    }

    /**
     * The packed weights of the input gradient's convolution, {@link ConvDispatch#transposed}(s), straight
     * from the forward's w [opg·groups, cpg, kH, kW] (one chunk): [group][block of {@code width} input
     * channels c][tap t][out channel o][c of the block] = w[g·opg + o, c, kH·kW − 1 − t], c past cpg zero.
     * One pass over w, where {@link ConvDispatch#flipTransposed} then {@link #pack} took two on the calling
     * thread; a block of w's rows is read in order and written {@code width} floats at a time.
     */
    static void packTransposed(float[] wp, float[] wa, int wOff, ConvShape s, int width, int blocks) {
        int kk = s.kH() * s.kW();
        int[] flipped = new int[kk];
        for (int t = 0; t < kk; t++) {
            flipped[t] = kk - 1 - t;
        }
        packTransposed(wp, wa, wOff, s, width, blocks, flipped, 0);
    }

    /**
     * {@link #packTransposed} of some of w's taps, into wp from {@code wpOff}: packed tap t is w's tap
     * {@code source[t]} (a strided convolution's input gradient runs one such convolution per phase of dx,
     * {@link DirectConvRows}).
     */
    static void packTransposed(float[] wp, float[] wa, int wOff, ConvShape s, int width, int blocks, int[] source,
                               int wpOff) {
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        int kk = s.kH() * s.kW();
        int taps = source.length;
        int blockSize = taps * opg * width;
        // a vector of input channels gathered kk floats apart, as in packBlock
        boolean gather = Simd.ENABLED && DirectConvKernels.WIDE;
        int[] apart = new int[L];
        for (int j = 0; j < L; j++) {
            apart[j] = j * kk;
        }
        Parallel.forRange(s.groups() * blocks, Math.max(1, PACK_GRAIN / blockSize), (lo, hi) -> {
            for (int gb = lo; gb < hi; gb++) {
                int g = gb / blocks;
                int c0 = gb % blocks * width;
                int ck = Math.min(width, cpg - c0);
                int base = wpOff + gb * blockSize;
                for (int o = 0; o < opg; o++) {
                    for (int tp = 0; tp < taps; tp++) {
                        int src = wOff + ((g * opg + o) * cpg + c0) * kk + source[tp];
                        int d = base + (tp * opg + o) * width;
                        int j = 0;
                        for (; gather && j + L <= ck; j += L) {
                            FloatVector.fromArray(S, wa, src + j * kk, apart, 0).intoArray(wp, d + j);
                        }
                        for (; j < ck; j++) {
                            wp[d + j] = wa[src + j * kk];
                        }
                        Arrays.fill(wp, d + ck, d + width, 0f);
                    }
                }
            }
        });
    }

    /** {@link #pack} as it was before issue 16: on the calling thread, out channel by out channel. */
    private static void packSerial(float[] wp, float[] wa, int wOff, ConvShape s, int width, int blocks, int chunk) {
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        int kk = s.kH() * s.kW();
        int blockSize = kk * cpg * width;
        for (int g = 0; g < s.groups(); g++) {
            for (int b = 0; b < blocks; b++) {
                int base = (g * blocks + b) * blockSize;
                for (int j = 0; j < width; j++) {
                    int o = b * width + j;
                    for (int c = 0; c < cpg; c++) {
                        int c0 = c / chunk * chunk;
                        int ck = Math.min(chunk, cpg - c0);
                        for (int t = 0; t < kk; t++) {
                            wp[base + (kk * c0 + t * ck + c - c0) * width + j] =
                                    o < opg ? wa[wOff + ((g * opg + o) * cpg + c) * kk + t] : 0f;
                        }
                    }
                }
            }
        }
    }

    /**
     * Whether {@link #cells} copies by register transposes ({@link DirectConvWeightCopy#pad}: L channels × L
     * positions, 8 × 8 at AVX2, 16 × 16 at AVX-512) rather than float by float (AVX2) or a gathered vector of
     * channels at a time (AVX-512): every chunk at least a vector of channels, a plane at least a vector of
     * positions, and neither {@code -Dkiln.conv.transposedCells=false} nor {@link #oldCopies} (A/B runs).
     */
    static boolean transposedCells(int cpg, int chunk, int hw) {
        int last = cpg - (cpg - 1) / chunk * chunk;
        return transposedCells && !oldCopies && ChannelsLast.VECTOR && Math.min(chunk, last) >= L && hw >= L;
    }

    /** {@link #transposedCells}'s switch: {@code -Dkiln.conv.transposedCells=false} turns it off (A/B runs flip it). */
    static boolean transposedCells = !"false".equalsIgnoreCase(
            System.getProperty("kiln.conv.transposedCells", "true").trim());

    /**
     * One sample's group of input channels into cells laid out [chunk][cell][channel of the chunk]: the
     * padded input's (r, col) goes to phase (r mod strideH, col mod strideW) at cell phase·phasePlane +
     * (r / strideH)·pitch + col / strideW (stride 1: one phase, {@link ChannelsLast#pad}'s cell). Cells
     * beyond the grid's rows, its pitch or the last tile's reach are read by no output and not written.
     */
    static void cells(float[] xp, int cells, float[] xa, int xOff, int cpg, int chunk, ConvShape s, DirectConv.Grid gr) {
        int sh = s.strideH();
        int sw = s.strideW();
        int pitch = gr.pitch();
        // each input row's and column's part of its cell, -1 where no output reads it: no division per float
        int[] rowCell = new int[s.h()];
        for (int ih = 0; ih < s.h(); ih++) {
            int r = ih + s.padH();
            rowCell[ih] = r / sh < gr.rows() ? (r % sh) * sw * gr.phasePlane() + r / sh * pitch : -1;
        }
        int[] colCell = new int[s.w()];
        for (int iw = 0; iw < s.w(); iw++) {
            int col = iw + s.padW();
            colCell[iw] = col / sw < pitch ? (col % sw) * gr.phasePlane() + col / sw : -1;
        }
        int hw = s.h() * s.w();
        if (transposedCells(cpg, chunk, hw)) {
            // a block of L channels × L consecutive input positions at a time, transposed in registers, each
            // position's vector of channels stored to its own cell
            int[] table = new int[hw];
            for (int ih = 0; ih < s.h(); ih++) {
                for (int iw = 0; iw < s.w(); iw++) {
                    int cell = rowCell[ih] + colCell[iw];
                    table[ih * s.w() + iw] = rowCell[ih] < 0 || colCell[iw] < 0 || cell >= cells ? -1 : cell;
                }
            }
            for (int c0 = 0; c0 < cpg; c0 += chunk) {
                int ck = Math.min(chunk, cpg - c0);
                for (int b0 = 0; b0 < ck; b0 += L) {
                    // the last block of a chunk overlaps the one before: its shared channels are written twice
                    int c1 = Math.min(b0, ck - L);
                    DirectConvWeightCopy.pad(xp, c0 * cells + c1, ck, xa, xOff + (c0 + c1) * hw, hw, table);
                }
            }
            return;
        }
        // with 32 registers (AVX-512), a vector of channels at a time, gathered from their planes: the
        // float-by-float copy took 4.2 ms of the 35 of ResNet-18's stride-2 128 → 256 forward (batch 32,
        // one thread), each of its writes on another line
        boolean gather = Simd.ENABLED && DirectConvKernels.WIDE && !oldCopies;
        int[] planes = new int[L];
        for (int j = 0; j < L; j++) {
            planes[j] = j * hw;
        }
        for (int c0 = 0; c0 < cpg; c0 += chunk) {
            int ck = Math.min(chunk, cpg - c0);
            int c1 = c0;
            for (; gather && c1 + L <= c0 + ck; c1 += L) {
                int base = c0 * cells + c1 - c0;
                int src = xOff + c1 * hw;
                for (int ih = 0; ih < s.h(); ih++, src += s.w()) {
                    if (rowCell[ih] < 0) {
                        continue;
                    }
                    for (int iw = 0; iw < s.w(); iw++) {
                        int cell = rowCell[ih] + colCell[iw];
                        if (colCell[iw] >= 0 && cell < cells) {
                            FloatVector.fromArray(S, xa, src + iw, planes, 0).intoArray(xp, base + cell * ck);
                        }
                    }
                }
            }
            for (int c = c1; c < c0 + ck; c++) {
                int base = c0 * cells + c - c0;
                int src = xOff + c * s.h() * s.w();
                for (int ih = 0; ih < s.h(); ih++, src += s.w()) {
                    if (rowCell[ih] < 0) {
                        continue;
                    }
                    for (int iw = 0; iw < s.w(); iw++) {
                        int cell = rowCell[ih] + colCell[iw];
                        if (colCell[iw] >= 0 && cell < cells) {
                            xp[base + cell * ck] = xa[src + iw];
                        }
                    }
                }
            }
        }
    }

    /**
     * One tile of p positions × v vectors of out channels added onto yp[yOff + i·v·L + lane] for position i.
     */
    private static void tile(boolean wide, float[] yp, int yOff, float[] xp, int xOff, int cpg,
                             int[] taps, float[] wp, int wOff) {
        if (wide) {
            tile4x6(yp, yOff, xp, xOff, cpg, taps, wp, wOff);
        } else {
            tile2x5(yp, yOff, xp, xOff, cpg, taps, wp, wOff);
        }
    }

    private static void tile4x6(float[] yp, int yOff, float[] xp, int xOff, int cpg, int[] taps, float[] wp,
                                 int wOff) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a0_2 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a0_3 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a1_1 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        FloatVector a1_2 = FloatVector.fromArray(S, yp, yOff + 6 * L);
        FloatVector a1_3 = FloatVector.fromArray(S, yp, yOff + 7 * L);
        FloatVector a2_0 = FloatVector.fromArray(S, yp, yOff + 8 * L);
        FloatVector a2_1 = FloatVector.fromArray(S, yp, yOff + 9 * L);
        FloatVector a2_2 = FloatVector.fromArray(S, yp, yOff + 10 * L);
        FloatVector a2_3 = FloatVector.fromArray(S, yp, yOff + 11 * L);
        FloatVector a3_0 = FloatVector.fromArray(S, yp, yOff + 12 * L);
        FloatVector a3_1 = FloatVector.fromArray(S, yp, yOff + 13 * L);
        FloatVector a3_2 = FloatVector.fromArray(S, yp, yOff + 14 * L);
        FloatVector a3_3 = FloatVector.fromArray(S, yp, yOff + 15 * L);
        FloatVector a4_0 = FloatVector.fromArray(S, yp, yOff + 16 * L);
        FloatVector a4_1 = FloatVector.fromArray(S, yp, yOff + 17 * L);
        FloatVector a4_2 = FloatVector.fromArray(S, yp, yOff + 18 * L);
        FloatVector a4_3 = FloatVector.fromArray(S, yp, yOff + 19 * L);
        FloatVector a5_0 = FloatVector.fromArray(S, yp, yOff + 20 * L);
        FloatVector a5_1 = FloatVector.fromArray(S, yp, yOff + 21 * L);
        FloatVector a5_2 = FloatVector.fromArray(S, yp, yOff + 22 * L);
        FloatVector a5_3 = FloatVector.fromArray(S, yp, yOff + 23 * L);
        int wi = wOff;
        for (int t = 0; t < taps.length; t++) {
            int xi = xOff + taps[t];
            for (int c = 0; c < cpg; c++, xi++, wi += 4 * L) {
                FloatVector w0 = FloatVector.fromArray(S, wp, wi);
                FloatVector w1 = FloatVector.fromArray(S, wp, wi + L);
                FloatVector w2 = FloatVector.fromArray(S, wp, wi + 2 * L);
                FloatVector w3 = FloatVector.fromArray(S, wp, wi + 3 * L);
                FloatVector x = FloatVector.broadcast(S, xp[xi]);
                a0_0 = w0.fma(x, a0_0);
                a0_1 = w1.fma(x, a0_1);
                a0_2 = w2.fma(x, a0_2);
                a0_3 = w3.fma(x, a0_3);
                x = FloatVector.broadcast(S, xp[xi + cpg]);
                a1_0 = w0.fma(x, a1_0);
                a1_1 = w1.fma(x, a1_1);
                a1_2 = w2.fma(x, a1_2);
                a1_3 = w3.fma(x, a1_3);
                x = FloatVector.broadcast(S, xp[xi + 2 * cpg]);
                a2_0 = w0.fma(x, a2_0);
                a2_1 = w1.fma(x, a2_1);
                a2_2 = w2.fma(x, a2_2);
                a2_3 = w3.fma(x, a2_3);
                x = FloatVector.broadcast(S, xp[xi + 3 * cpg]);
                a3_0 = w0.fma(x, a3_0);
                a3_1 = w1.fma(x, a3_1);
                a3_2 = w2.fma(x, a3_2);
                a3_3 = w3.fma(x, a3_3);
                x = FloatVector.broadcast(S, xp[xi + 4 * cpg]);
                a4_0 = w0.fma(x, a4_0);
                a4_1 = w1.fma(x, a4_1);
                a4_2 = w2.fma(x, a4_2);
                a4_3 = w3.fma(x, a4_3);
                x = FloatVector.broadcast(S, xp[xi + 5 * cpg]);
                a5_0 = w0.fma(x, a5_0);
                a5_1 = w1.fma(x, a5_1);
                a5_2 = w2.fma(x, a5_2);
                a5_3 = w3.fma(x, a5_3);
            }
        }
        a0_0.intoArray(yp, yOff);
        a0_1.intoArray(yp, yOff + L);
        a0_2.intoArray(yp, yOff + 2 * L);
        a0_3.intoArray(yp, yOff + 3 * L);
        a1_0.intoArray(yp, yOff + 4 * L);
        a1_1.intoArray(yp, yOff + 5 * L);
        a1_2.intoArray(yp, yOff + 6 * L);
        a1_3.intoArray(yp, yOff + 7 * L);
        a2_0.intoArray(yp, yOff + 8 * L);
        a2_1.intoArray(yp, yOff + 9 * L);
        a2_2.intoArray(yp, yOff + 10 * L);
        a2_3.intoArray(yp, yOff + 11 * L);
        a3_0.intoArray(yp, yOff + 12 * L);
        a3_1.intoArray(yp, yOff + 13 * L);
        a3_2.intoArray(yp, yOff + 14 * L);
        a3_3.intoArray(yp, yOff + 15 * L);
        a4_0.intoArray(yp, yOff + 16 * L);
        a4_1.intoArray(yp, yOff + 17 * L);
        a4_2.intoArray(yp, yOff + 18 * L);
        a4_3.intoArray(yp, yOff + 19 * L);
        a5_0.intoArray(yp, yOff + 20 * L);
        a5_1.intoArray(yp, yOff + 21 * L);
        a5_2.intoArray(yp, yOff + 22 * L);
        a5_3.intoArray(yp, yOff + 23 * L);
    }

    /**
     * 5 positions (cpg floats apart in xp) × 2 vectors of out channels added onto yp[yOff + i·2L + lane]
     * for position i: the sum over the taps, then the cpg input channels, of each position's cells
     * ({@link DirectConvPhaseChannels} runs it too).
     */
    static void tile2x5(float[] yp, int yOff, float[] xp, int xOff, int cpg, int[] taps, float[] wp, int wOff) {
        FloatVector a0_0 = FloatVector.fromArray(S, yp, yOff);
        FloatVector a0_1 = FloatVector.fromArray(S, yp, yOff + 1 * L);
        FloatVector a1_0 = FloatVector.fromArray(S, yp, yOff + 2 * L);
        FloatVector a1_1 = FloatVector.fromArray(S, yp, yOff + 3 * L);
        FloatVector a2_0 = FloatVector.fromArray(S, yp, yOff + 4 * L);
        FloatVector a2_1 = FloatVector.fromArray(S, yp, yOff + 5 * L);
        FloatVector a3_0 = FloatVector.fromArray(S, yp, yOff + 6 * L);
        FloatVector a3_1 = FloatVector.fromArray(S, yp, yOff + 7 * L);
        FloatVector a4_0 = FloatVector.fromArray(S, yp, yOff + 8 * L);
        FloatVector a4_1 = FloatVector.fromArray(S, yp, yOff + 9 * L);
        int wi = wOff;
        for (int t = 0; t < taps.length; t++) {
            int xi = xOff + taps[t];
            for (int c = 0; c < cpg; c++, xi++, wi += 2 * L) {
                FloatVector w0 = FloatVector.fromArray(S, wp, wi);
                FloatVector w1 = FloatVector.fromArray(S, wp, wi + L);
                FloatVector x = FloatVector.broadcast(S, xp[xi]);
                a0_0 = w0.fma(x, a0_0);
                a0_1 = w1.fma(x, a0_1);
                x = FloatVector.broadcast(S, xp[xi + cpg]);
                a1_0 = w0.fma(x, a1_0);
                a1_1 = w1.fma(x, a1_1);
                x = FloatVector.broadcast(S, xp[xi + 2 * cpg]);
                a2_0 = w0.fma(x, a2_0);
                a2_1 = w1.fma(x, a2_1);
                x = FloatVector.broadcast(S, xp[xi + 3 * cpg]);
                a3_0 = w0.fma(x, a3_0);
                a3_1 = w1.fma(x, a3_1);
                x = FloatVector.broadcast(S, xp[xi + 4 * cpg]);
                a4_0 = w0.fma(x, a4_0);
                a4_1 = w1.fma(x, a4_1);
            }
        }
        a0_0.intoArray(yp, yOff);
        a0_1.intoArray(yp, yOff + L);
        a1_0.intoArray(yp, yOff + 2 * L);
        a1_1.intoArray(yp, yOff + 3 * L);
        a2_0.intoArray(yp, yOff + 4 * L);
        a2_1.intoArray(yp, yOff + 5 * L);
        a3_0.intoArray(yp, yOff + 6 * L);
        a3_1.intoArray(yp, yOff + 7 * L);
        a4_0.intoArray(yp, yOff + 8 * L);
        a4_1.intoArray(yp, yOff + 9 * L);
    }
}
