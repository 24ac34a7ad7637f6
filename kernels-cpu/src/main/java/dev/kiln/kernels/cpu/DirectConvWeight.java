package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;

import jdk.incubator.vector.FloatVector;

import java.util.Arrays;

import static dev.kiln.kernels.cpu.DirectConvKernels.OC;
import static dev.kiln.kernels.cpu.DirectConvKernels.STEP;
import static dev.kiln.kernels.cpu.DirectConvWeightTiles.C;
import static dev.kiln.kernels.cpu.DirectConvWeightTiles.LANES;

/**
 * The weight gradient of the direct convolution ({@link ConvDispatch#gridWeight} says when it
 * runs), on {@link DirectConv}'s padded grid: samples taken in chunks small enough to stay in
 * cache; each chunk's planes are padded (in parallel), then the (out-channel tile, in-channel tile,
 * tap) tiles of {@link DirectConvWeightTiles} are split over threads, each tile adding the chunk's
 * samples in order to its vector partial sums, which are summed across lanes ({@link Simd#sum}) at
 * the end: a fixed order whatever the thread count. Buffers are per thread, grown on demand and kept.
 */
final class DirectConvWeight {
    private DirectConvWeight() {
    }

    /** Floats of padded planes per chunk of samples (512 KiB, about half an L2). */
    static final int CHUNK_FLOATS = 1 << 17;

    /** Per-thread buffers, grown on demand and kept. */
    private static final class Scratch {
        float[] planes = new float[0];
        float[] partials = new float[0];
        /** One block of input planes on its way into the channel-blocked layout (each thread its own). */
        float[] staging = new float[0];
        /** Two chunks of dy, staged. */
        float[] dy = new float[0];
        /** The chunks' tile sums of {@link #blocked} by chunks, before they are added up. */
        float[] slices = new float[0];
        /** Whose planes' zeros lie in place in {@link #planes}, or null. */
        Zeroed zeroed;
    }

    /** A shape, register file and planes buffer whose padding zeros are in place (the buffer by identity). */
    private record Zeroed(ConvShape shape, boolean wide, float[] planes) {
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** dW = Σ over samples and positions of dy · x at each tap. */
    static void weight(float[] dw, int dwOff, float[] dya, int dyOff, float[] xa, int xOff, ConvShape s) {
        if (s.n() == 0) {
            Arrays.fill(dw, dwOff, dwOff + s.cOut() * s.cInPerGroup() * s.kH() * s.kW(), 0f);
        } else if (blocked(s)) {
            blocked(dw, dwOff, dya, dyOff, xa, xOff, s, DirectConvKernels.WIDE, ROWS, DirectConvWeightCopy.VECTOR);
        } else {
            positional(dw, dwOff, dya, dyOff, xa, xOff, s);
        }
    }

    /**
     * Whether the channel-blocked tiles can compute this shape: vectors on, at least 3/4 of the
     * lanes of the input-channel blocks real channels (1 or 3 input channels, as a first layer has,
     * would leave most lanes zero: those take the positional tiles), and a sample's blocked planes
     * within {@link #BLOCKED_MAX_SAMPLE} (two chunks of them are held).
     */
    static boolean blocked(ConvShape s) {
        int cpg = s.cInPerGroup();
        long cIn = (long) s.groups() * ((cpg + LANES - 1) / LANES * LANES);
        return Simd.ENABLED && 4L * cpg >= 3L * ((cpg + LANES - 1) / LANES * LANES)
                && cIn * DirectConv.Grid.of(s).plane() <= BLOCKED_MAX_SAMPLE;
    }

    /**
     * Whether {@link #blocked} lays a chunk's samples side by side (sample-minor), for the 3 × 3
     * tile of 16 registers: an output row of the whole chunk is then one loop, so small outputs (7 ×
     * 7) lose little to loop overhead.
     */
    static boolean sampleMinor(ConvShape s, boolean wide) {
        return DirectConvWeightTiles.outs(wide, s.cOutPerGroup()) == 3;
    }

    /**
     * Whether the channel-blocked tiles skip the taps that read padding ({@link #regions}); {@code
     * -Dkiln.conv.weightRows=false} computes every tap at every output position, as before, for A/B runs.
     */
    static final boolean ROWS = !"false".equalsIgnoreCase(System.getProperty("kiln.conv.weightRows", "true").trim());

    /** Floats of a sample's channel-blocked input planes up to which {@link #blocked} holds (16 MiB). */
    static final int BLOCKED_MAX_SAMPLE = 1 << 22;

    /**
     * Floats of one block of input channels per chunk (128 KiB): each of its tiles streams it, so
     * it should stay in L2 while the copy of the next chunk goes into the other buffer. On one
     * thread (AVX-512, loaded machine) 128 KiB ran kiln train cnn's layers 1.1-1.3× faster than
     * 512 KiB, and 64 KiB no faster.
     */
    static final int BLOCKED_CHUNK_FLOATS = 1 << 15;

    /** Output positions per tile call at least, so that loading and storing its accumulators costs little. */
    static final int TILE_MIN_POSITIONS = 512;

    /**
     * Samples per chunk of the channel-blocked weight gradient: as many as keep one block of
     * channels ({@link #BLOCKED_CHUNK_FLOATS}) in cache, since the tiles of one block run one after
     * another over it, and at least enough for {@link #TILE_MIN_POSITIONS} (with hundreds of channels and
     * 7 × 7 outputs the accumulators of all tiles are megabytes, loaded and stored every chunk).
     */
    static int blockedChunk(ConvShape s, DirectConv.Grid gr) {
        long block = (long) gr.plane() * LANES;
        long spatial = Math.max(1, (long) s.outH() * s.outW());
        long chunk = Math.max(BLOCKED_CHUNK_FLOATS / block, (TILE_MIN_POSITIONS + spatial - 1) / spatial);
        return (int) Math.max(1, Math.min(s.n(), chunk));
    }

    /**
     * The weight gradient on channel-blocked planes: each chunk's input goes into blocks of
     * {@link #LANES} channels, interleaved (position-major, a block's channels in consecutive
     * floats; for the 3 × 3 tile of 16 registers sample-minor, a position's samples side by side, so
     * that an output row of the whole chunk is one run), then the (group, in-channel block,
     * out-channel tile, tap group) tiles are split over
     * threads, each adding the chunk's samples in order to its accumulators, whose lanes are the
     * block's input channels: one weight per lane, summed over samples and positions in one fixed
     * order whatever the thread count, with no lanes to add at the end. {@code wide}: the tiles for
     * 32 vector registers, else those for 16 ({@link DirectConvKernels#WIDE} picks; tests run both).
     * {@code rows}: each tile only where its taps read input ({@link #regions}), else everywhere.
     * {@code vectorCopies}: full blocks of channels copied in by {@link DirectConvWeightCopy}'s
     * register transposes where they apply, else by the scalar loop.
     */
    static void blocked(float[] dw, int dwOff, float[] dya, int dyOff, float[] xa, int xOff, ConvShape s,
                        boolean wide, boolean rows, boolean vectorCopies) {
        blocked(dw, dwOff, dya, dyOff, xa, xOff, s, wide, rows, vectorCopies, PARALLEL_ENDS);
    }

    /**
     * False with {@code -Dkiln.conv.weightParallelEnds=false}: {@link #blocked} zeroes its buffers and copies
     * the finished weights out of its tiles' accumulators on the calling thread, as before (A/B runs). Split
     * over threads, ResNet-18's 512 × 7 × 7 at batch 32 (AVX2) no longer spends 3 ms of each call's ~40 (two
     * threads) on one thread copying out 2.4 M weights, nor 256 × 14 × 14 1.3 ms.
     */
    static final boolean PARALLEL_ENDS =
            !"false".equalsIgnoreCase(System.getProperty("kiln.conv.weightParallelEnds", "true").trim());

    /** {@link #blocked}, the zeroing and the copy-out split over threads where {@code parallelEnds}. */
    static void blocked(float[] dw, int dwOff, float[] dya, int dyOff, float[] xa, int xOff, ConvShape s,
                        boolean wide, boolean rows, boolean vectorCopies, boolean parallelEnds) {
        blocked(dw, dwOff, dya, dyOff, xa, xOff, s, wide, rows, vectorCopies, parallelEnds, FOURS);
    }

    /**
     * False with {@code -Dkiln.conv.weightFours=false}: the 4 × 3 tile of 32 registers reads dy as it lies
     * (four planes, four moving indices), as before (A/B runs). Else dy is staged interleaved by 4 out
     * channels, [position][4], in the planes' array: a step's 4 broadcasts are constant displacements of
     * one index, and C2 keeps one array base less in a register.
     */
    static final boolean FOURS = !"false".equalsIgnoreCase(System.getProperty("kiln.conv.weightFours", "true").trim());

    /**
     * Whether dy goes by fours for one block of input channels too (16 channels at AVX-512) where {@link
     * DirectConvWeightCopy#vectorFours} interleaves it; {@code -Dkiln.conv.weightFoursOneBlock=false}: dy as it
     * lies there, as before (not final: A/B harnesses switch it in one JVM).
     */
    static boolean foursOneBlock =
            !"false".equalsIgnoreCase(System.getProperty("kiln.conv.weightFoursOneBlock", "true").trim());

    /** {@link #blocked}, with {@code fours}: {@link #FOURS} for this call (only the 32-register tiles use it). */
    static void blocked(float[] dw, int dwOff, float[] dya, int dyOff, float[] xa, int xOff, ConvShape s,
                        boolean wide, boolean rows, boolean vectorCopies, boolean parallelEnds, boolean foursWanted) {
        DirectConv.Grid gr = DirectConv.Grid.of(s);
        int chunk = blockedChunk(s, gr);
        int chunks = (s.n() + chunk - 1) / chunk;
        Geometry ge = Geometry.of(s, wide);
        int floats = ge.tiles() * ge.tileSize();
        if (!byChunks(s, wide)) {
            pipelined(dw, dwOff, dya, dyOff, xa, xOff, s, wide, rows, vectorCopies, parallelEnds, foursWanted, null, 0,
                    null);
            return;
        }
        Scratch sc = SCRATCH.get();
        sc.slices = HostArrays.atLeast(sc.slices, (long) chunks * floats);
        float[] part = sc.slices;
        int sampleSize = s.cIn() * s.h() * s.w();
        int dySample = s.cOut() * s.outH() * s.outW();
        // the copies' table once a call, not once a chunk (a division or two a position)
        int[] cells = vectorCopies && DirectConvWeightCopy.VECTOR ? DirectConvWeightCopy.cells(s, gr) : null;
        Parallel.forRange(chunks, 1, (lo, hi) -> {
            for (int k = lo; k < hi; k++) {
                int first = k * chunk;
                ConvShape sub = new ConvShape(Math.min(chunk, s.n() - first), s.cIn(), s.h(), s.w(), s.cOut(), s.kH(),
                        s.kW(), s.strideH(), s.strideW(), s.padH(), s.padW(), s.dilationH(), s.dilationW(), s.groups(),
                        s.outH(), s.outW());
                // one chunk on this thread (a parallel loop inside a parallel loop runs on its caller)
                pipelined(null, 0, dya, dyOff + first * dySample, xa, xOff + first * sampleSize, sub, wide, rows,
                        vectorCopies, parallelEnds, foursWanted, part, k * floats, cells);
            }
        });
        // each sum: the chunks' in chunk order (chunk by chunk into the first, the same float additions), a
        // vector at a time (C2 left the scalar loop on one array unvectorized: 2.6% of 16 → 32 s2)
        Parallel.forRange(floats, Math.max(1, COPY_GRAIN / chunks), (lo, hi) -> {
            for (int k = 1; k < chunks; k++) {
                int at = k * floats;
                int i = lo;
                if (Simd.ENABLED) {
                    for (; i <= hi - LANES; i += LANES) {
                        FloatVector.fromArray(Simd.F32, part, i).add(FloatVector.fromArray(Simd.F32, part, at + i))
                                .intoArray(part, i);
                    }
                }
                for (; i < hi; i++) {
                    part[i] += part[at + i];
                }
            }
        });
        scatter(dw, dwOff, part, s, ge, parallelEnds);
    }

    /**
     * Whether {@link #blocked} gives each task a chunk of samples, its copies and tiles, where there are
     * {@link #SLICES_MIN_CHUNKS} chunks or more and their tile sums fit {@link #SLICES_MAX_FLOATS}, and adds the
     * chunks' sums in chunk order at the end (the chunks depend on the shape only: the same bits on any thread
     * count); {@code -Dkiln.conv.weightSlices=false}: every chunk through one pipeline, a parallel loop a chunk,
     * as before (not final: A/B harnesses switch it). In the pipeline a chunk's input, copied on one core, was
     * read by the tiles of both, and every chunk (2 samples of kiln train cnn's 16 → 16 channels at 28 × 28)
     * ended at a barrier: two threads ran that layer no faster than one (ConvWgradAB, AVX-512, wall).
     */
    static boolean slices = !"false".equalsIgnoreCase(System.getProperty("kiln.conv.weightSlices", "true").trim());

    /** Whether {@link #blocked} takes this shape a chunk of samples a task ({@link #slices}). */
    static boolean byChunks(ConvShape s, boolean wide) {
        int chunk = blockedChunk(s, DirectConv.Grid.of(s));
        int chunks = (s.n() + chunk - 1) / chunk;
        Geometry ge = Geometry.of(s, wide);
        return slices && chunks >= SLICES_MIN_CHUNKS && (long) chunks * ge.tiles() * ge.tileSize() <= SLICES_MAX_FLOATS;
    }

    /** Floats of the chunks' tile sums at most for {@link #slices} (4 MiB). */
    static final int SLICES_MAX_FLOATS = 1 << 20;

    /**
     * Chunks at least for {@link #slices}, so that they share out evenly enough over threads (a bound set, not
     * measured: kiln train cnn's layers have 10-64 chunks at AVX-512; ResNet-18's at batch 32, 2-32 chunks, all
     * exceed {@link #SLICES_MAX_FLOATS} or this).
     */
    static final int SLICES_MIN_CHUNKS = 8;

    /** How {@link #blocked} tiles a shape: the tile (ro × rt), its blocks, tap groups and count. */
    private record Geometry(int ro, int rt, boolean threes, int cBlocks, boolean pairs, int cStep, int cUnits,
                            int tGroups, int oBlocks, int tiles, int tileSize) {
        static Geometry of(ConvShape s, boolean wide) {
            int opg = s.cOutPerGroup();
            int rt = DirectConvWeightTiles.taps(wide, opg);
            int ro = DirectConvWeightTiles.outs(wide, opg);
            // the 3 × 3 tile reads sample-minor chunks and dy interleaved, the others sample-major chunks
            // and dy as it lies
            boolean threes = sampleMinor(s, wide);
            int cBlocks = (s.cInPerGroup() + LANES - 1) / LANES;
            int kk = s.kH() * s.kW();
            // the 4 × 2 tile on a kernel of an odd number of taps: its two columns are two blocks of input
            // channels at one tap rather than two taps of one block, so that no tap is padded (a 3 × 3
            // kernel's tenth tap was a tenth of the work; 1.03-1.09× on 16 → 16 channels at 28 × 28, AVX2)
            boolean pairs = !wide && !threes && cBlocks % 2 == 0 && kk % rt != 0;
            int cStep = pairs ? 2 : 1;
            int cUnits = cBlocks / cStep;
            int tGroups = pairs ? kk : (kk + rt - 1) / rt;
            int oBlocks = (opg + ro - 1) / ro;
            return new Geometry(ro, rt, threes, cBlocks, pairs, cStep, cUnits, tGroups, oBlocks,
                    s.groups() * cUnits * oBlocks * tGroups, ro * rt * LANES);
        }
    }

    /**
     * {@link #blocked} as a pipeline of chunks: a parallel loop a chunk, its copies beside the last chunk's
     * tiles. With {@code raw}, the tile sums go there from rawOff, not into dw. {@code cellsGiven}: the copies'
     * table ({@link DirectConvWeightCopy#cells}) where the caller has it, else null.
     */
    private static void pipelined(float[] dw, int dwOff, float[] dya, int dyOff, float[] xa, int xOff, ConvShape s,
                                  boolean wide, boolean rows, boolean vectorCopies, boolean parallelEnds,
                                  boolean foursWanted, float[] raw, int rawOff, int[] cellsGiven) {
        DirectConv.Grid gr = DirectConv.Grid.of(s);
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        Geometry ge = Geometry.of(s, wide);
        int rt = ge.rt();
        int ro = ge.ro();
        boolean threes = ge.threes();
        int cBlocks = ge.cBlocks();
        // dy interleaved by fours for the 4 × 3 tile of 32 registers where a staged dy feeds at least two
        // blocks of input channels, or one where the copy interleaves with vectors: float by float it costs
        // more than System.arraycopy, and with one block (16 → 16 channels at 28 × 28) that ate the tile's
        // gain (0.92-0.99×)
        boolean fours = foursWanted && wide && DirectConvWeightTiles.outs(wide, opg) == 4
                && (cBlocks >= 2 || foursOneBlock && DirectConvWeightCopy.vectorFours);
        // dy interleaved (by tiles of 3 or 4 out channels) lies after the planes, in the same array
        boolean inBuf = threes || fours;
        int kk = s.kH() * s.kW();
        int oBlocks = ge.oBlocks();
        int block = gr.plane() * LANES;
        boolean pairs = ge.pairs();
        int cStep = ge.cStep();
        int cUnits = ge.cUnits();
        int tGroups = ge.tGroups();
        int[] region = regions(s, rt, tGroups, pairs, rows, wide);
        int[] cells = cellsGiven != null ? cellsGiven
                : vectorCopies && DirectConvWeightCopy.VECTOR ? DirectConvWeightCopy.cells(s, gr) : null;
        // a sample in a chunk: [group][cBlocks x blocks]
        long perSample = (long) s.groups() * cBlocks * block;
        int chunk = blockedChunk(s, gr);
        int tiles = ge.tiles();
        int tileSize = ge.tileSize();
        Scratch sc = SCRATCH.get();
        int half = (int) (chunk * perSample);
        int hw = s.h() * s.w();
        int sampleSize = s.cIn() * hw;
        int spatial = s.outH() * s.outW();
        int dySample = s.cOut() * spatial;
        // dy staged too, a sample at a time, so that the tiles find it in cache: as it lies (one
        // sequential copy), or for the 3 × 3 tile interleaved by tiles of 3 out channels
        int dyStaged = inBuf ? s.groups() * oBlocks * spatial * ro : dySample;
        int dyHalf = chunk * dyStaged;
        // the 3 × 3 tile's dy after the planes, in the same array: one array base less for C2 to keep
        // in a register (with two, it kept two accumulators on the stack)
        sc.planes = HostArrays.atLeast(sc.planes, 2L * half + (inBuf ? 2L * dyHalf : 0));
        // the blocks' zeros (padding, margins, lanes past the channels) lie where no input is copied,
        // the same places for every sample: zeroed once a call, not once a chunk (by chunks, once a thread
        // while the shape stays: a chunk writes its input where the last chunk of its shape did)
        if (!new Zeroed(s, wide, sc.planes).equals(sc.zeroed)) {
            fill(sc.planes, 0, 2 * half, parallelEnds);
        }
        sc.zeroed = null;
        if (raw == null) {
            sc.partials = HostArrays.atLeast(sc.partials, (long) tiles * tileSize);
        }
        if (!inBuf) {
            sc.dy = HostArrays.atLeast(sc.dy, 2L * dyHalf);
        }
        float[] buf = sc.planes;
        float[] part = raw == null ? sc.partials : raw;
        int partOff = raw == null ? 0 : rawOff;
        float[] dyStage = inBuf ? buf : sc.dy;
        int dyBase = inBuf ? 2 * half : 0;
        // a sample's copies: its blocks of input channels, then its dy
        int units = s.groups() * cBlocks + 1;
        int chunks = (s.n() + chunk - 1) / chunk;
        // step j copies chunk j into half j mod 2 while the tiles add chunk j − 1 from the other half,
        // so that the copy, which waits on memory (it reads x for the first time), overlaps arithmetic
        for (int j = 0; j <= chunks; j++) {
            int padFirst = j * chunk;
            int padSamples = j < chunks ? Math.min(chunk, s.n() - padFirst) : 0;
            int pads = padSamples * units;
            int dyPadAt = dyBase + j % 2 * dyHalf;
            int dyTileAt = dyBase + (j + 1) % 2 * dyHalf;
            int tileFirst = (j - 1) * chunk;
            int tileSamples = j > 0 ? Math.min(chunk, s.n() - tileFirst) : 0;
            int tileUnits = j > 0 ? tiles : 0;
            int padAt = j % 2 * half;
            int tileAt = (j + 1) % 2 * half;
            int both = Math.min(pads, tileUnits);
            if (threes && padSamples > 0 && padSamples < chunk) {
                // a shorter last chunk spaces its positions closer: its zeros lie elsewhere
                fill(buf, padAt, padAt + half, parallelEnds);
            }
            // sample-minor (3 × 3 tile): a chunk of nb samples is [block][position][sample][lane]
            int padPos = threes ? padSamples * LANES : LANES;
            int padBlockSize = threes ? padSamples * block : block;
            int tilePos = threes ? tileSamples * LANES : LANES;
            int tileBlock = threes ? tileSamples * block : block;
            // each tap's offset in floats; the last group padded with the last tap (whose sums are
            // dropped); with pairs each tap twice, in the first block and in the second
            int[] taps = new int[tGroups * rt];
            for (int i = 0; i < taps.length; i++) {
                taps[i] = pairs ? gr.taps()[i / 2] * LANES + i % 2 * block : gr.taps()[Math.min(i, kk - 1)] * tilePos;
            }
            Parallel.forRange(pads + tileUnits, 1, (lo, hi) -> {
                for (int i = lo; i < hi; i++) {
                    // copies and tiles alternate, so that each thread mixes the two
                    int pad = i < 2 * both ? (i % 2 == 0 ? i / 2 : -1) : pads > tileUnits ? i - both : -1;
                    if (pad >= 0) {
                        int si = pad / units;
                        int v = pad % units;
                        if (v == units - 1) {
                            if (fours) {
                                interleaveDy(dyStage, dyPadAt + si * dyStaged, ro, dya,
                                        dyOff + (padFirst + si) * dySample, s.groups(), opg, oBlocks, ro, spatial);
                            } else if (!threes) {
                                System.arraycopy(dya, dyOff + (padFirst + si) * dySample, dyStage,
                                        dyPadAt + si * dySample, dySample);
                            } else {
                                interleaveDy(dyStage, dyPadAt + si * ro, padSamples * ro, dya,
                                        dyOff + (padFirst + si) * dySample, s.groups(), opg, oBlocks, ro, spatial);
                            }
                            continue;
                        }
                        int c0 = v / cBlocks * cpg + v % cBlocks * LANES;
                        int at = threes ? padAt + v * padBlockSize + si * LANES : padAt + (int) (si * perSample) + v * block;
                        padBlock(buf, at, padPos, xa, xOff + (padFirst + si) * sampleSize + c0 * hw,
                                Math.min(LANES, cpg - v % cBlocks * LANES), s, gr, cells);
                        continue;
                    }
                    int tile = i < 2 * both ? i / 2 : i - both;
                    int tg = tile % tGroups;
                    int ob = tile / tGroups % oBlocks;
                    int gc = tile / tGroups / oBlocks;
                    if (fours) {
                        DirectConvWeightTiles.blockedTile4x3Fours(part, partOff + tile * tileSize, tileFirst > 0, buf,
                                tileAt + gc * block, (int) perSample, taps, tg * rt,
                                dyTileAt + (gc / cUnits * oBlocks + ob) * spatial * ro, dyStaged, tileSamples,
                                s.outW(), gr.pitch(), region, tg * DirectConvWeightTiles.REGION);
                    } else if (wide) {
                        DirectConvWeightTiles.blockedTile4x3(part, partOff + tile * tileSize, tileFirst > 0, buf,
                                tileAt + gc * cStep * block, (int) perSample, taps, tg * rt, dyStage,
                                dyTileAt + gc / cUnits * opg * spatial, ob * ro, opg, spatial, dySample, tileSamples,
                                s.outW(), gr.pitch(), region, tg * DirectConvWeightTiles.REGION);
                    } else if (!threes) {
                        DirectConvWeightTiles.blockedTile4x2(part, partOff + tile * tileSize, tileFirst > 0, buf,
                                tileAt + gc * cStep * block, (int) perSample, taps, tg * rt, dyStage,
                                dyTileAt + gc / cUnits * opg * spatial, ob * ro, opg, spatial, dySample, tileSamples,
                                s.outW(), gr.pitch(), region, tg * DirectConvWeightTiles.REGION);
                    } else {
                        // the chunk's samples side by side: an output row of all of them is one run
                        if (tileFirst == 0) {
                            Arrays.fill(part, partOff + tile * tileSize, partOff + (tile + 1) * tileSize, 0f);
                        }
                        DirectConvWeightTiles.blockedTile3x3(part, partOff + tile * tileSize, buf, tileAt + gc * tileBlock, taps,
                                tg * rt, dyTileAt + (gc / cUnits * oBlocks + ob) * spatial * tileSamples * ro,
                                s.outW() * tileSamples, gr.pitch() * tileSamples, tileSamples, region,
                                tg * DirectConvWeightTiles.REGION);
                    }
                }
            });
        }
        if (chunks == 1) {
            // one chunk, in the first half: its zeros lie where the next call of this shape wants them
            sc.zeroed = new Zeroed(s, wide, sc.planes);
        }
        if (raw == null) {
            scatter(dw, dwOff, part, s, ge, parallelEnds);
        }
    }

    /** dW from the tiles' sums (part from 0, in {@code ge}'s tiles). */
    private static void scatter(float[] dw, int dwOff, float[] part, ConvShape s, Geometry ge, boolean parallelEnds) {
        int tiles = ge.tiles();
        int tileSize = ge.tileSize();
        int tGroups = ge.tGroups();
        int oBlocks = ge.oBlocks();
        int cUnits = ge.cUnits();
        int cStep = ge.cStep();
        int ro = ge.ro();
        int rt = ge.rt();
        boolean pairs = ge.pairs();
        int opg = s.cOutPerGroup();
        int cpg = s.cInPerGroup();
        int kk = s.kH() * s.kW();
        // each tile's weights are its own: tiles split over threads write disjoint floats of dw
        Parallel.forRange(tiles, parallelEnds ? Math.max(1, COPY_GRAIN / tileSize) : Math.max(1, tiles), (lo, hi) -> {
            for (int tile = lo; tile < hi; tile++) {
                int tg = tile % tGroups;
                int ob = tile / tGroups % oBlocks;
                int cb0 = tile / tGroups / oBlocks % cUnits * cStep;
                int g = tile / tGroups / oBlocks / cUnits;
                for (int r = 0; r < ro && ob * ro + r < opg; r++) {
                    for (int t = 0; t < rt; t++) {
                        // a column of the tile: tap tg·rt + t of block cb0, or with pairs tap tg of block cb0 + t
                        int tap = pairs ? tg : tg * rt + t;
                        int cb = pairs ? cb0 + t : cb0;
                        for (int lane = 0; lane < LANES && tap < kk && cb * LANES + lane < cpg; lane++) {
                            dw[dwOff + ((g * opg + ob * ro + r) * cpg + cb * LANES + lane) * kk + tap] =
                                    part[tile * tileSize + (r * rt + t) * LANES + lane];
                        }
                    }
                }
            }
        });
    }

    /** Floats per task of {@link #blocked}'s parallel zeroing and copy-out at least. */
    private static final int COPY_GRAIN = 1 << 15;

    /** a[from, to) = 0, in parallel pieces where {@code parallel}. */
    private static void fill(float[] a, int from, int to, boolean parallel) {
        if (!parallel) {
            Arrays.fill(a, from, to, 0f);
            return;
        }
        int pieces = Math.max(1, (to - from) / COPY_GRAIN);
        Parallel.forRange(pieces, 1, (lo, hi) -> Arrays.fill(a, from + (int) ((long) (to - from) * lo / pieces),
                from + (int) ((long) (to - from) * hi / pieces), 0f));
    }

    /**
     * Where each tap group of the channel-blocked tiles reads input rather than padding, {@link
     * DirectConvWeightTiles#REGION} ints a group: output rows [r0, r1), columns [c0, c1) with all
     * its taps, and a flag each for an edge column c0 − 1 without the group's first tap and c1
     * without its last. Tap (i, j) reads input at (oh, ow) iff 0 ≤ oh·strideH + i·dilationH − padH
     * &lt; h and likewise for the column, so a group that is a kernel row of 3 taps (tiles of 3 taps, a
     * kernel 3 wide) has one range of rows, and where the ranges of its 3 taps' columns differ by at
     * most one column at each end (padding 1: column 0 without tap 0, the last without tap 2) those
     * edges are shorter steps of the tile ({@code edges}: the 4 × 3 tile of 32 registers, whose step
     * of 8 FMAs in place of 12 is 2/3 the time; the 3 × 3 tile of 16 registers keeps its edge columns
     * whole, as a step of 6 FMAs on 6 accumulators waits on their latency, 4 cycles, and took as long
     * as one of 9, measured); a group of one tap (pairs of blocks) is its exact ranges. Elsewhere
     * (without {@code rows}, kernels not 3 wide, wider padding) a range is the whole output, the
     * padding's zeros multiplied as before. Only zero terms are left out, in the same order, so
     * the sums of finite inputs are the same.
     */
    static int[] regions(ConvShape s, int rt, int tGroups, boolean pairs, boolean rows, boolean edges) {
        int n = DirectConvWeightTiles.REGION;
        int[] region = new int[tGroups * n];
        boolean kernelRows = rows && !pairs && rt == 3 && s.kW() == 3;
        int[] lo = new int[3];
        int[] hi = new int[3];
        for (int j = 0; j < 3; j++) {
            lo[j] = start(s.padW(), j * s.dilationW(), s.strideW());
            hi[j] = Math.max(lo[j], end(s.w(), s.padW(), j * s.dilationW(), s.strideW(), s.outW()));
        }
        boolean shorter = edges && kernelRows && lo[1] == lo[2] && lo[0] - lo[2] <= 1 && hi[0] == hi[1]
                && hi[0] - hi[2] <= 1 && lo[0] <= hi[2];
        for (int tg = 0; tg < tGroups; tg++) {
            int at = tg * n;
            region[at + 1] = s.outH();
            region[at + 3] = s.outW();
            int i = pairs ? tg / s.kW() : tg;
            if (rows && (pairs || kernelRows)) {
                region[at] = start(s.padH(), i * s.dilationH(), s.strideH());
                region[at + 1] = Math.max(region[at], end(s.h(), s.padH(), i * s.dilationH(), s.strideH(), s.outH()));
            }
            if (rows && pairs) {
                int j = tg % s.kW();
                region[at + 2] = start(s.padW(), j * s.dilationW(), s.strideW());
                region[at + 3] = Math.max(region[at + 2], end(s.w(), s.padW(), j * s.dilationW(), s.strideW(), s.outW()));
            } else if (shorter) {
                region[at + 2] = lo[0];
                region[at + 3] = hi[2];
                region[at + 4] = lo[0] - lo[2];
                region[at + 5] = hi[0] - hi[2];
            }
        }
        return region;
    }

    /** The first output index whose input index out·stride + offset − pad is at least 0. */
    private static int start(int pad, int offset, int stride) {
        return Math.max(0, Math.ceilDiv(pad - offset, stride));
    }

    /** One past the last output index (at most outSize) whose input index out·stride + offset − pad is below size. */
    private static int end(int size, int pad, int offset, int stride, int outSize) {
        return Math.min(outSize, Math.floorDiv(size - 1 + pad - offset, stride) + 1);
    }

    /**
     * One sample's dy (groups × opg planes of spatial positions, from src) interleaved by tiles of
     * ro out channels, positions qStride apart (the chunk's other samples between them):
     * dst[to + (g·oBlocks + b)·spatial·qStride + q·qStride + r] = dy[g·opg + b·ro + r, q], zero
     * where b·ro + r ≥ opg.
     */
    private static void interleaveDy(float[] dst, int to, int qStride, float[] dy, int src, int groups, int opg,
                                     int oBlocks, int ro, int spatial) {
        for (int g = 0; g < groups; g++) {
            for (int b = 0; b < oBlocks; b++, to += spatial * qStride) {
                int p0 = src + (g * opg + b * ro) * spatial;
                int real = Math.min(ro, opg - b * ro);
                if (real == 3 && ro == 3) {
                    // the three planes read side by side
                    for (int q = 0, d = to; q < spatial; q++, d += qStride) {
                        dst[d] = dy[p0 + q];
                        dst[d + 1] = dy[p0 + spatial + q];
                        dst[d + 2] = dy[p0 + 2 * spatial + q];
                    }
                } else if (real == 4 && ro == 4) {
                    // by fours (qStride 4): whole vectors of positions with register shuffles, the rest float by float
                    int done = qStride == 4 && DirectConvWeightCopy.vectorFours
                            ? DirectConvWeightCopy.interleave4(dst, to, dy, p0, spatial) : 0;
                    for (int q = done, d = to + done * qStride; q < spatial; q++, d += qStride) {
                        dst[d] = dy[p0 + q];
                        dst[d + 1] = dy[p0 + spatial + q];
                        dst[d + 2] = dy[p0 + 2 * spatial + q];
                        dst[d + 3] = dy[p0 + 3 * spatial + q];
                    }
                } else {
                    for (int q = 0; q < spatial; q++) {
                        for (int r = 0; r < ro; r++) {
                            dst[to + q * qStride + r] = r < real ? dy[p0 + r * spatial + q] : 0f;
                        }
                    }
                }
            }
        }
    }

    /**
     * A block of {@code channels} (at most {@link #LANES}) consecutive input planes (h × w each) from
     * src on the grid, interleaved, positions posStride apart (LANES, or with a chunk's samples side
     * by side their number × LANES): xb[dst + position·posStride + c]. Writes only where input lands:
     * padding, margins and lanes past channels must be zero already. (Gathering a position's channels into a
     * vector was no faster: the copy waits on memory, reading x for the first time.) A full block
     * goes through {@link DirectConvWeightCopy}'s transposes where {@code cells} (its table for this
     * shape) is given.
     */
    private static void padBlock(float[] xb, int dst, int posStride, float[] xa, int src, int channels, ConvShape s,
                                 DirectConv.Grid gr, int[] cells) {
        int hw = s.h() * s.w();
        // the block's planes staged with one sequential copy first: read straight from memory, the
        // interleaving's LANES streams at once ran at a fraction of the speed (x is not in cache yet)
        Scratch mine = SCRATCH.get();
        mine.staging = HostArrays.atLeast(mine.staging, (long) channels * hw);
        System.arraycopy(xa, src, mine.staging, 0, channels * hw);
        xa = mine.staging;
        src = 0;
        if (cells != null && DirectConvWeightCopy.applies(channels, hw)) {
            DirectConvWeightCopy.pad(xb, dst, posStride, xa, 0, hw, cells);
            return;
        }
        int sH = s.strideH();
        int sW = s.strideW();
        int pitch = gr.pitch();
        for (int ih = 0; ih < s.h(); ih++) {
            int r = ih + s.padH();
            if (r / sH >= gr.rows()) {
                break; // rows below the last output's reach
            }
            int row = (r % sH) * sW * gr.phasePlane() + r / sH * pitch;
            // phase b holds the columns padW + iw ≡ b (mod sW), as in DirectConv.pad
            for (int b = 0; b < sW; b++) {
                int iw0 = Math.floorMod(b - s.padW(), sW);
                int p0 = row + b * gr.phasePlane() + (iw0 + s.padW()) / sW;
                int count = Math.min((s.w() - iw0 + sW - 1) / sW, row + b * gr.phasePlane() + pitch - p0);
                int from = src + ih * s.w() + iw0;
                int to = dst + p0 * posStride;
                // a position's channels in one run of stores (16 streams of reads, each along its row)
                for (int k = 0; k < count; k++, from += sW, to += posStride) {
                    if (channels == LANES) {
                        for (int c = 0; c < LANES; c++) { // a constant count: unrolled
                            xb[to + c] = xa[from + c * hw];
                        }
                    } else {
                        for (int c = 0; c < channels; c++) {
                            xb[to + c] = xa[from + c * hw];
                        }
                    }
                }
            }
        }
    }

    /** The positional tiles: vectors of positions, a weight's partial sums in the lanes of one vector. */
    static void positional(float[] dw, int dwOff, float[] dya, int dyOff, float[] xa, int xOff, ConvShape s) {
        DirectConv.Grid gr = DirectConv.Grid.of(s);
        int cpg = s.cInPerGroup();
        int opg = s.cOutPerGroup();
        int kk = s.kH() * s.kW();
        int oBlocks = (opg + OC - 1) / OC;
        int cBlocks = (cpg + C - 1) / C;
        int positions = gr.positionsUpTo(STEP);
        // a sample in a chunk: [group][cBlocks·C x planes], then [group][oBlocks·OC dy planes of positions]
        long xPart = (long) s.groups() * cBlocks * C * gr.plane();
        long perSample = xPart + (long) s.groups() * oBlocks * OC * positions;
        int chunk = (int) Math.max(1, Math.min(s.n(), CHUNK_FLOATS / perSample));
        int tiles = s.groups() * oBlocks * cBlocks * kk;
        int tileSize = OC * C * STEP;
        Scratch sc = SCRATCH.get();
        sc.zeroed = null;
        sc.planes = HostArrays.atLeast(sc.planes, chunk * perSample);
        sc.partials = HostArrays.atLeast(sc.partials, (long) tiles * tileSize);
        float[] buf = sc.planes;
        float[] part = sc.partials;
        int sampleSize = s.cIn() * s.h() * s.w();
        int dySample = s.cOut() * s.outH() * s.outW();
        int tileWork = (int) Math.max(1, (long) positions * OC * C);
        for (int b0 = 0; b0 < s.n(); b0 += chunk) {
            int nb = Math.min(chunk, s.n() - b0);
            int first = b0;
            Parallel.forRange(nb * s.groups(), 1, (lo, hi) -> {
                for (int u = lo; u < hi; u++) {
                    int si = u / s.groups();
                    int g = u % s.groups();
                    int base = (int) (si * perSample);
                    int n = first + si;
                    int xDst = base + g * cBlocks * C * gr.plane();
                    DirectConv.pad(buf, xDst, xa, xOff + n * sampleSize + g * cpg * s.h() * s.w(), cpg, s, gr);
                    Arrays.fill(buf, xDst + cpg * gr.plane(), xDst + cBlocks * C * gr.plane(), 0f);
                    int dDst = (int) (base + xPart) + g * oBlocks * OC * positions;
                    padDy(buf, dDst, positions, dya, dyOff + n * dySample + g * opg * s.outH() * s.outW(), opg, s, gr);
                    Arrays.fill(buf, dDst + opg * positions, dDst + oBlocks * OC * positions, 0f);
                }
            });
            Parallel.forRange(tiles, (int) Math.max(1, Math.min(tiles, (1L << 16) / ((long) tileWork * nb))), (lo, hi) -> {
                for (int tile = lo; tile < hi; tile++) {
                    int t = tile % kk;
                    int cb = tile / kk % cBlocks;
                    int ob = tile / kk / cBlocks % oBlocks;
                    int g = tile / kk / cBlocks / oBlocks;
                    int xAt = (g * cBlocks + cb) * C * gr.plane();
                    int dAt = (int) xPart + (g * oBlocks + ob) * OC * positions;
                    DirectConvWeightTiles.weightTile(part, tile * tileSize, buf, dAt, positions, buf, xAt, gr.plane(),
                            gr.taps()[t], positions, nb, (int) perSample, first > 0);
                }
            });
        }
        // each weight: its tile's lanes summed in one fixed order
        for (int tile = 0; tile < tiles; tile++) {
            int t = tile % kk;
            int cb = tile / kk % cBlocks;
            int ob = tile / kk / cBlocks % oBlocks;
            int g = tile / kk / cBlocks / oBlocks;
            for (int r = 0; r < OC && ob * OC + r < opg; r++) {
                for (int c = 0; c < C && cb * C + c < cpg; c++) {
                    int at = tile * tileSize + (r * C + c) * STEP;
                    float v = Simd.ENABLED ? Simd.sum(jdk.incubator.vector.FloatVector.fromArray(Simd.F32, part, at))
                            : part[at];
                    dw[dwOff + ((g * opg + ob * OC + r) * cpg + cb * C + c) * kk + t] = v;
                }
            }
        }
    }

    /** dy planes on the grid: dyp[o·ld + oh·pitch + ow] = dy[o, oh, ow], zero at ow ≥ outW and past the last row. */
    private static void padDy(float[] buf, int dst, int ld, float[] dya, int dyOff, int channels, ConvShape s, DirectConv.Grid gr) {
        int spatial = s.outH() * s.outW();
        for (int o = 0; o < channels; o++) {
            int plane = dst + o * ld;
            Arrays.fill(buf, plane, plane + ld, 0f);
            for (int oh = 0; oh < s.outH(); oh++) {
                System.arraycopy(dya, dyOff + o * spatial + oh * s.outW(), buf, plane + oh * gr.pitch(), s.outW());
            }
        }
    }
}
