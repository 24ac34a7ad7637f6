package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ChannelsLast}'s copies against their definitions, at whatever width the JVM runs (the build
 * runs this at every width): channel counts 1 to 17, rows narrower and wider than a vector and not a
 * multiple of it, paddings 0 to 2, bias or none. Every float the copy should not write keeps a
 * sentinel, so a block overlapping its neighbour or running past a row shows.
 */
class ChannelsLastTest {
    private static final float SENTINEL = -12345f;

    private static ConvShape shape(int c, int h, int w, int o, int k, int pad) {
        return new ConvShape(1, c, h, w, o, k, k, 1, 1, pad, pad, 1, 1, 1, h + 2 * pad - k + 1, w + 2 * pad - k + 1);
    }

    @Test
    void padPutsEveryInputFloatInItsCellAndNothingElsewhere() {
        for (int c = 1; c <= 17; c++) {
            for (int[] hw : new int[][] {{3, 5}, {7, 7}, {5, 8}, {4, 9}, {6, 16}, {5, 17}, {28, 28}}) {
                for (int k : new int[] {2, 3, 5}) {
                    for (int pad = 0; pad <= 2; pad++) {
                        if (hw[0] + 2 * pad < k || hw[1] + 2 * pad < k) {
                            continue;
                        }
                        checkPad(shape(c, hw[0], hw[1], 4, k, pad));
                    }
                }
            }
        }
    }

    private static void checkPad(ConvShape s) {
        DirectConv.Grid gr = DirectConv.Grid.forward(s);
        int c = s.cIn();
        int xOff = 3;
        float[] x = new float[xOff + c * s.h() * s.w() + 5];
        for (int i = 0; i < x.length; i++) {
            x[i] = i < xOff || i >= xOff + c * s.h() * s.w() ? Float.NaN : i;
        }
        int cells = (gr.rows() + 1) * gr.pitch() + 1;
        float[] xp = new float[cells * c];
        Arrays.fill(xp, SENTINEL);
        ChannelsLast.pad(xp, x, xOff, c, s, gr);
        float[] expected = new float[xp.length];
        Arrays.fill(expected, SENTINEL);
        int cols = Math.min(s.w(), gr.pitch() - s.padW());
        int rows = Math.min(s.h(), gr.rows() - s.padH());
        for (int ch = 0; ch < c; ch++) {
            for (int ih = 0; ih < rows; ih++) {
                for (int iw = 0; iw < cols; iw++) {
                    expected[((ih + s.padH()) * gr.pitch() + s.padW() + iw) * c + ch] =
                            x[xOff + (ch * s.h() + ih) * s.w() + iw];
                }
            }
        }
        assertThat(xp).as("pad of %s", s).containsExactly(expected);
    }

    @Test
    void storePutsEveryOutputFloatInItsPlaneWithTheBiasAndNothingElsewhere() {
        for (int count = 1; count <= 17; count++) {
            for (int[] hw : new int[][] {{3, 5}, {7, 7}, {5, 8}, {4, 9}, {6, 16}, {5, 17}, {28, 28}}) {
                for (int pad = 0; pad <= 2; pad++) {
                    for (boolean bias : new boolean[] {false, true}) {
                        checkStore(shape(3, hw[0], hw[1], 40, 3, pad), count, bias);
                    }
                }
            }
        }
    }

    private static void checkStore(ConvShape s, int count, boolean withBias) {
        DirectConv.Grid gr = DirectConv.Grid.forward(s);
        int width = (count + 7) / 8 * 8; // the tiles' block of out channels: count or more
        int computed = gr.positions() + 5;
        float[] yp = new float[computed * width];
        for (int i = 0; i < yp.length; i++) {
            yp[i] = i * 0.5f;
        }
        int bOff = 2;
        float[] bias = new float[bOff + count + 3];
        for (int i = 0; i < bias.length; i++) {
            bias[i] = i >= bOff && i < bOff + count ? 1000f * i : Float.NaN;
        }
        int plane = s.outH() * s.outW();
        int yOff = 7;
        float[] y = new float[yOff + count * plane + 9];
        Arrays.fill(y, SENTINEL);
        ChannelsLast.store(y, yOff, yp, width, count, withBias ? bias : null, bOff, s, gr);
        float[] expected = new float[y.length];
        Arrays.fill(expected, SENTINEL);
        for (int j = 0; j < count; j++) {
            for (int oh = 0; oh < s.outH(); oh++) {
                for (int ow = 0; ow < s.outW(); ow++) {
                    float v = yp[(oh * gr.pitch() + ow) * width + j];
                    expected[yOff + j * plane + oh * s.outW() + ow] = withBias ? v + bias[bOff + j] : v;
                }
            }
        }
        assertThat(y).as("store of %s, %d channels, bias %s", s, count, withBias).containsExactly(expected);
    }
}
