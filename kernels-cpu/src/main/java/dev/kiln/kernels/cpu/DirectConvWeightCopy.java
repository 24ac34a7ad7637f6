package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import static dev.kiln.kernels.cpu.ChannelsLast.DOWN1;
import static dev.kiln.kernels.cpu.ChannelsLast.DOWN2;
import static dev.kiln.kernels.cpu.ChannelsLast.DOWN4;
import static dev.kiln.kernels.cpu.ChannelsLast.DOWN8;
import static dev.kiln.kernels.cpu.ChannelsLast.HI1;
import static dev.kiln.kernels.cpu.ChannelsLast.HI2;
import static dev.kiln.kernels.cpu.ChannelsLast.HI4;
import static dev.kiln.kernels.cpu.ChannelsLast.HI8;
import static dev.kiln.kernels.cpu.ChannelsLast.UP1;
import static dev.kiln.kernels.cpu.ChannelsLast.UP2;
import static dev.kiln.kernels.cpu.ChannelsLast.UP4;
import static dev.kiln.kernels.cpu.ChannelsLast.UP8;

/**
 * The copy of a block of input planes into {@link DirectConvWeight}'s channel-blocked layout (a grid
 * position's block of channels in one vector), as register transposes: a full block of {@code L}
 * channels (8 or 16 lanes) moves {@code L} consecutive input positions at a time (of the whole
 * plane, across rows), {@code L} vector loads, an L × L transpose (butterfly stages of lane
 * permutes and blends) and {@code L} vector stores, each position's channels to its own grid
 * position ({@link #cells}: any padding, stride phase or row length). The scalar copy it replaces
 * moves each float with a load and a store of its own. The last block of a plane overlaps the one
 * before (written twice, same values).
 */
final class DirectConvWeightCopy {
    private DirectConvWeightCopy() {
    }

    private static final VectorSpecies<Float> S = Simd.F32;
    private static final int L = S.length();

    /**
     * Whether the copy transposes in registers: with 8 or 16 lanes, unless {@code
     * -Dkiln.conv.weightCopies=false} (the scalar copy, for A/B runs).
     */
    static final boolean VECTOR = Simd.ENABLED && (L == 8 || L == 16)
            && !"false".equalsIgnoreCase(System.getProperty("kiln.conv.weightCopies", "true").trim());

    // the butterfly's lane shuffles and masks are ChannelsLast's (UP_h, DOWN_h, HI_h at stage h)

    /**
     * For each input position ih·w + iw, the grid position its channels go to (as DirectConvWeight's
     * scalar copy lays them: the stride phase (padH + ih) mod strideH, (padW + iw) mod strideW, then
     * row (padH + ih) / strideH and column (padW + iw) / strideW of that phase), or −1 where the input
     * lies beyond the last output's reach and is not copied.
     */
    static int[] cells(ConvShape s, DirectConv.Grid gr) {
        int[] cells = new int[s.h() * s.w()];
        for (int ih = 0; ih < s.h(); ih++) {
            int r = ih + s.padH();
            for (int iw = 0; iw < s.w(); iw++) {
                int c = iw + s.padW();
                boolean reached = r / s.strideH() < gr.rows() && c / s.strideW() < gr.pitch();
                cells[ih * s.w() + iw] = !reached ? -1 : ((r % s.strideH()) * s.strideW() + c % s.strideW())
                        * gr.phasePlane() + r / s.strideH() * gr.pitch() + c / s.strideW();
            }
        }
        return cells;
    }

    /** Whether {@link #pad} can copy a block of {@code channels} channels of this plane size. */
    static boolean applies(int channels, int hw) {
        return VECTOR && channels == L && hw >= L;
    }

    /**
     * xb[dst + cells[p]·posStride + c] = xa[src + c·hw + p] for the L channels c of a block and every
     * input position p with a cell ({@link #applies} must hold).
     */
    static void pad(float[] xb, int dst, int posStride, float[] xa, int src, int hw, int[] cells) {
        for (int f0 = 0; f0 < hw; f0 += L) {
            int f = Math.min(f0, hw - L);
            if (L == 8) {
                transpose8(xa, src + f, hw, xb, dst, posStride, cells, f);
            } else {
                transpose16(xa, src + f, hw, xb, dst, posStride, cells, f);
            }
        }
    }

    /**
     * Eight rows of 8 floats, sStride apart, transposed: row k of the result to cell cells[at + k]
     * (none where that is −1). The stores are written out rather than in a helper taking a vector,
     * which C2 might not inline (a boxed vector; see {@link JitDirectives}).
     */
    private static void transpose8(float[] src, int sOff, int sStride, float[] xb, int dst, int posStride, int[] cells,
                                   int at) {
        FloatVector r0 = FloatVector.fromArray(S, src, sOff);
        FloatVector r1 = FloatVector.fromArray(S, src, sOff + sStride);
        FloatVector r2 = FloatVector.fromArray(S, src, sOff + 2 * sStride);
        FloatVector r3 = FloatVector.fromArray(S, src, sOff + 3 * sStride);
        FloatVector r4 = FloatVector.fromArray(S, src, sOff + 4 * sStride);
        FloatVector r5 = FloatVector.fromArray(S, src, sOff + 5 * sStride);
        FloatVector r6 = FloatVector.fromArray(S, src, sOff + 6 * sStride);
        FloatVector r7 = FloatVector.fromArray(S, src, sOff + 7 * sStride);
        FloatVector t0 = r0.blend(r4.rearrange(UP4), HI4);
        FloatVector t4 = r0.rearrange(DOWN4).blend(r4, HI4);
        FloatVector t1 = r1.blend(r5.rearrange(UP4), HI4);
        FloatVector t5 = r1.rearrange(DOWN4).blend(r5, HI4);
        FloatVector t2 = r2.blend(r6.rearrange(UP4), HI4);
        FloatVector t6 = r2.rearrange(DOWN4).blend(r6, HI4);
        FloatVector t3 = r3.blend(r7.rearrange(UP4), HI4);
        FloatVector t7 = r3.rearrange(DOWN4).blend(r7, HI4);
        r0 = t0.blend(t2.rearrange(UP2), HI2);
        r2 = t0.rearrange(DOWN2).blend(t2, HI2);
        r1 = t1.blend(t3.rearrange(UP2), HI2);
        r3 = t1.rearrange(DOWN2).blend(t3, HI2);
        r4 = t4.blend(t6.rearrange(UP2), HI2);
        r6 = t4.rearrange(DOWN2).blend(t6, HI2);
        r5 = t5.blend(t7.rearrange(UP2), HI2);
        r7 = t5.rearrange(DOWN2).blend(t7, HI2);
        if (cells[at] >= 0) {
            r0.blend(r1.rearrange(UP1), HI1).intoArray(xb, dst + cells[at] * posStride);
        }
        if (cells[at + 1] >= 0) {
            r0.rearrange(DOWN1).blend(r1, HI1).intoArray(xb, dst + cells[at + 1] * posStride);
        }
        if (cells[at + 2] >= 0) {
            r2.blend(r3.rearrange(UP1), HI1).intoArray(xb, dst + cells[at + 2] * posStride);
        }
        if (cells[at + 3] >= 0) {
            r2.rearrange(DOWN1).blend(r3, HI1).intoArray(xb, dst + cells[at + 3] * posStride);
        }
        if (cells[at + 4] >= 0) {
            r4.blend(r5.rearrange(UP1), HI1).intoArray(xb, dst + cells[at + 4] * posStride);
        }
        if (cells[at + 5] >= 0) {
            r4.rearrange(DOWN1).blend(r5, HI1).intoArray(xb, dst + cells[at + 5] * posStride);
        }
        if (cells[at + 6] >= 0) {
            r6.blend(r7.rearrange(UP1), HI1).intoArray(xb, dst + cells[at + 6] * posStride);
        }
        if (cells[at + 7] >= 0) {
            r6.rearrange(DOWN1).blend(r7, HI1).intoArray(xb, dst + cells[at + 7] * posStride);
        }
    }

    /** {@link #transpose8} for 16 lanes: 16 rows of 16 floats, four butterfly stages. */
    private static void transpose16(float[] src, int sOff, int sStride, float[] xb, int dst, int posStride,
                                    int[] cells, int at) {
        FloatVector r0 = FloatVector.fromArray(S, src, sOff);
        FloatVector r1 = FloatVector.fromArray(S, src, sOff + sStride);
        FloatVector r2 = FloatVector.fromArray(S, src, sOff + 2 * sStride);
        FloatVector r3 = FloatVector.fromArray(S, src, sOff + 3 * sStride);
        FloatVector r4 = FloatVector.fromArray(S, src, sOff + 4 * sStride);
        FloatVector r5 = FloatVector.fromArray(S, src, sOff + 5 * sStride);
        FloatVector r6 = FloatVector.fromArray(S, src, sOff + 6 * sStride);
        FloatVector r7 = FloatVector.fromArray(S, src, sOff + 7 * sStride);
        FloatVector r8 = FloatVector.fromArray(S, src, sOff + 8 * sStride);
        FloatVector r9 = FloatVector.fromArray(S, src, sOff + 9 * sStride);
        FloatVector r10 = FloatVector.fromArray(S, src, sOff + 10 * sStride);
        FloatVector r11 = FloatVector.fromArray(S, src, sOff + 11 * sStride);
        FloatVector r12 = FloatVector.fromArray(S, src, sOff + 12 * sStride);
        FloatVector r13 = FloatVector.fromArray(S, src, sOff + 13 * sStride);
        FloatVector r14 = FloatVector.fromArray(S, src, sOff + 14 * sStride);
        FloatVector r15 = FloatVector.fromArray(S, src, sOff + 15 * sStride);
        // stage 8
        FloatVector a0 = r0.blend(r8.rearrange(UP8), HI8);
        FloatVector a8 = r0.rearrange(DOWN8).blend(r8, HI8);
        FloatVector a1 = r1.blend(r9.rearrange(UP8), HI8);
        FloatVector a9 = r1.rearrange(DOWN8).blend(r9, HI8);
        FloatVector a2 = r2.blend(r10.rearrange(UP8), HI8);
        FloatVector a10 = r2.rearrange(DOWN8).blend(r10, HI8);
        FloatVector a3 = r3.blend(r11.rearrange(UP8), HI8);
        FloatVector a11 = r3.rearrange(DOWN8).blend(r11, HI8);
        FloatVector a4 = r4.blend(r12.rearrange(UP8), HI8);
        FloatVector a12 = r4.rearrange(DOWN8).blend(r12, HI8);
        FloatVector a5 = r5.blend(r13.rearrange(UP8), HI8);
        FloatVector a13 = r5.rearrange(DOWN8).blend(r13, HI8);
        FloatVector a6 = r6.blend(r14.rearrange(UP8), HI8);
        FloatVector a14 = r6.rearrange(DOWN8).blend(r14, HI8);
        FloatVector a7 = r7.blend(r15.rearrange(UP8), HI8);
        FloatVector a15 = r7.rearrange(DOWN8).blend(r15, HI8);
        // stage 4, within each half
        r0 = a0.blend(a4.rearrange(UP4), HI4);
        r4 = a0.rearrange(DOWN4).blend(a4, HI4);
        r1 = a1.blend(a5.rearrange(UP4), HI4);
        r5 = a1.rearrange(DOWN4).blend(a5, HI4);
        r2 = a2.blend(a6.rearrange(UP4), HI4);
        r6 = a2.rearrange(DOWN4).blend(a6, HI4);
        r3 = a3.blend(a7.rearrange(UP4), HI4);
        r7 = a3.rearrange(DOWN4).blend(a7, HI4);
        r8 = a8.blend(a12.rearrange(UP4), HI4);
        r12 = a8.rearrange(DOWN4).blend(a12, HI4);
        r9 = a9.blend(a13.rearrange(UP4), HI4);
        r13 = a9.rearrange(DOWN4).blend(a13, HI4);
        r10 = a10.blend(a14.rearrange(UP4), HI4);
        r14 = a10.rearrange(DOWN4).blend(a14, HI4);
        r11 = a11.blend(a15.rearrange(UP4), HI4);
        r15 = a11.rearrange(DOWN4).blend(a15, HI4);
        // stage 2
        a0 = r0.blend(r2.rearrange(UP2), HI2);
        a2 = r0.rearrange(DOWN2).blend(r2, HI2);
        a1 = r1.blend(r3.rearrange(UP2), HI2);
        a3 = r1.rearrange(DOWN2).blend(r3, HI2);
        a4 = r4.blend(r6.rearrange(UP2), HI2);
        a6 = r4.rearrange(DOWN2).blend(r6, HI2);
        a5 = r5.blend(r7.rearrange(UP2), HI2);
        a7 = r5.rearrange(DOWN2).blend(r7, HI2);
        a8 = r8.blend(r10.rearrange(UP2), HI2);
        a10 = r8.rearrange(DOWN2).blend(r10, HI2);
        a9 = r9.blend(r11.rearrange(UP2), HI2);
        a11 = r9.rearrange(DOWN2).blend(r11, HI2);
        a12 = r12.blend(r14.rearrange(UP2), HI2);
        a14 = r12.rearrange(DOWN2).blend(r14, HI2);
        a13 = r13.blend(r15.rearrange(UP2), HI2);
        a15 = r13.rearrange(DOWN2).blend(r15, HI2);
        // stage 1, stored
        if (cells[at] >= 0) {
            a0.blend(a1.rearrange(UP1), HI1).intoArray(xb, dst + cells[at] * posStride);
        }
        if (cells[at + 1] >= 0) {
            a0.rearrange(DOWN1).blend(a1, HI1).intoArray(xb, dst + cells[at + 1] * posStride);
        }
        if (cells[at + 2] >= 0) {
            a2.blend(a3.rearrange(UP1), HI1).intoArray(xb, dst + cells[at + 2] * posStride);
        }
        if (cells[at + 3] >= 0) {
            a2.rearrange(DOWN1).blend(a3, HI1).intoArray(xb, dst + cells[at + 3] * posStride);
        }
        if (cells[at + 4] >= 0) {
            a4.blend(a5.rearrange(UP1), HI1).intoArray(xb, dst + cells[at + 4] * posStride);
        }
        if (cells[at + 5] >= 0) {
            a4.rearrange(DOWN1).blend(a5, HI1).intoArray(xb, dst + cells[at + 5] * posStride);
        }
        if (cells[at + 6] >= 0) {
            a6.blend(a7.rearrange(UP1), HI1).intoArray(xb, dst + cells[at + 6] * posStride);
        }
        if (cells[at + 7] >= 0) {
            a6.rearrange(DOWN1).blend(a7, HI1).intoArray(xb, dst + cells[at + 7] * posStride);
        }
        if (cells[at + 8] >= 0) {
            a8.blend(a9.rearrange(UP1), HI1).intoArray(xb, dst + cells[at + 8] * posStride);
        }
        if (cells[at + 9] >= 0) {
            a8.rearrange(DOWN1).blend(a9, HI1).intoArray(xb, dst + cells[at + 9] * posStride);
        }
        if (cells[at + 10] >= 0) {
            a10.blend(a11.rearrange(UP1), HI1).intoArray(xb, dst + cells[at + 10] * posStride);
        }
        if (cells[at + 11] >= 0) {
            a10.rearrange(DOWN1).blend(a11, HI1).intoArray(xb, dst + cells[at + 11] * posStride);
        }
        if (cells[at + 12] >= 0) {
            a12.blend(a13.rearrange(UP1), HI1).intoArray(xb, dst + cells[at + 12] * posStride);
        }
        if (cells[at + 13] >= 0) {
            a12.rearrange(DOWN1).blend(a13, HI1).intoArray(xb, dst + cells[at + 13] * posStride);
        }
        if (cells[at + 14] >= 0) {
            a14.blend(a15.rearrange(UP1), HI1).intoArray(xb, dst + cells[at + 14] * posStride);
        }
        if (cells[at + 15] >= 0) {
            a14.rearrange(DOWN1).blend(a15, HI1).intoArray(xb, dst + cells[at + 15] * posStride);
        }
    }

    /**
     * Whether {@link DirectConvWeight}'s dy by fours interleaves 4 planes with vectors ({@link #interleave4});
     * false: float by float, as before (not final: A/B harnesses switch it in one JVM).
     */
    static boolean vectorFours = VECTOR
            && !"false".equalsIgnoreCase(System.getProperty("kiln.conv.weightVectorFours", "true").trim());

    // output vector k of a step holds positions k·L/4 .. (k + 1)·L/4 − 1, lane j position k·L/4 + j/4 of
    // plane j mod 4: each source rearranged by QUARTER[k], then blended in under the lanes of its plane
    private static final VectorShuffle<Float>[] QUARTER = quarters();
    private static final VectorMask<Float> PLANE1 = VectorMask.fromLong(S, planeLanes(1));
    private static final VectorMask<Float> PLANE2 = VectorMask.fromLong(S, planeLanes(2));
    private static final VectorMask<Float> PLANE3 = VectorMask.fromLong(S, planeLanes(3));

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] quarters() {
        VectorShuffle<Float>[] q = new VectorShuffle[4];
        for (int k = 0; k < 4; k++) {
            int first = k * L / 4;
            q[k] = VectorShuffle.fromOp(S, j -> first + j / 4);
        }
        return q;
    }

    /** The lanes of plane r as mask bits (a long, not a mask: JitDirectives wants every vector method inlined). */
    private static long planeLanes(int r) {
        long bits = 0;
        for (int j = 0; j < L; j++) {
            if (j % 4 == r) {
                bits |= 1L << j;
            }
        }
        return bits;
    }

    /**
     * dst[to + 4q + r] = dy[p0 + r·spatial + q] for the 4 planes r and the positions q in [0, spatial − spatial
     * mod L) (the rest is the caller's), L positions at a time: 4 loads, 16 one-source permutes, 12 blends and 4
     * stores where the scalar interleave spends a load and a store on each of the 4L floats. Returns the positions
     * done.
     */
    static int interleave4(float[] dst, int to, float[] dy, int p0, int spatial) {
        int end = spatial - spatial % L;
        VectorShuffle<Float> q0 = QUARTER[0];
        VectorShuffle<Float> q1 = QUARTER[1];
        VectorShuffle<Float> q2 = QUARTER[2];
        VectorShuffle<Float> q3 = QUARTER[3];
        for (int q = 0; q < end; q += L) {
            FloatVector a = FloatVector.fromArray(S, dy, p0 + q);
            FloatVector b = FloatVector.fromArray(S, dy, p0 + spatial + q);
            FloatVector c = FloatVector.fromArray(S, dy, p0 + 2 * spatial + q);
            FloatVector d = FloatVector.fromArray(S, dy, p0 + 3 * spatial + q);
            int o = to + 4 * q;
            a.rearrange(q0).blend(b.rearrange(q0), PLANE1).blend(c.rearrange(q0), PLANE2)
                    .blend(d.rearrange(q0), PLANE3).intoArray(dst, o);
            a.rearrange(q1).blend(b.rearrange(q1), PLANE1).blend(c.rearrange(q1), PLANE2)
                    .blend(d.rearrange(q1), PLANE3).intoArray(dst, o + L);
            a.rearrange(q2).blend(b.rearrange(q2), PLANE1).blend(c.rearrange(q2), PLANE2)
                    .blend(d.rearrange(q2), PLANE3).intoArray(dst, o + 2 * L);
            a.rearrange(q3).blend(b.rearrange(q3), PLANE1).blend(c.rearrange(q3), PLANE2)
                    .blend(d.rearrange(q3), PLANE3).intoArray(dst, o + 3 * L);
        }
        return end;
    }
}
