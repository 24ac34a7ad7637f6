package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;

import java.util.Arrays;

import static dev.kiln.kernels.cpu.DirectConvKernels.OC;
import static dev.kiln.kernels.cpu.DirectConvWeightTiles.C;
import static dev.kiln.kernels.cpu.DirectConvWeightTiles.STEP;

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

        static float[] atLeast(float[] a, long size) {
            return a.length >= size ? a : new float[Math.toIntExact(Math.max(1, size))];
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** dW = Σ over samples and positions of dy · x at each tap. */
    static void weight(float[] dw, int dwOff, float[] dya, int dyOff, float[] xa, int xOff, ConvShape s) {
        if (s.n() == 0) {
            Arrays.fill(dw, dwOff, dwOff + s.cOut() * s.cInPerGroup() * s.kH() * s.kW(), 0f);
            return;
        }
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
        sc.planes = Scratch.atLeast(sc.planes, chunk * perSample);
        sc.partials = Scratch.atLeast(sc.partials, (long) tiles * tileSize);
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
