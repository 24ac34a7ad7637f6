package dev.kiln.kernels.cpu;

import dev.kiln.tensor.ConvShape;

/**
 * The copies between Kiln's NCHW planes and {@link DirectConvChannels}' channels-last cells: one
 * sample's input into its zero-padded grid of cells, and a block of out channels of the tiles'
 * channels-last output back into NCHW planes (with the bias). They are the price of vectorizing over
 * channels, so they live apart from the tiles, where they can be made faster on their own.
 */
final class ChannelsLast {
    private ChannelsLast() {
    }

    /**
     * The input of one sample's group, channels last, into its cells: (padH + ih, padW + iw) at cell
     * (padH + ih)·pitch + padW + iw. Channel by channel, so that x is read in order (its first reads,
     * from memory), the cells written a channel apart in cache.
     */
    static void pad(float[] xp, float[] xa, int xOff, int channels, ConvShape s, DirectConv.Grid gr) {
        int pitch = gr.pitch();
        int cols = Math.min(s.w(), pitch - s.padW());
        int rows = Math.min(s.h(), gr.rows() - s.padH()); // rows below the last output's reach are not read
        for (int c = 0; c < channels; c++) {
            int src = xOff + c * s.h() * s.w();
            for (int ih = 0; ih < rows; ih++) {
                int d = ((ih + s.padH()) * pitch + s.padW()) * channels + c;
                for (int iw = 0; iw < cols; iw++, d += channels) {
                    xp[d] = xa[src + ih * s.w() + iw];
                }
            }
        }
    }

    /**
     * Out channels o0 + j, j < count, of one sample from the channels-last tile output: y[j, oh, ow] =
     * yp[(oh·pitch + ow)·width + j] + bias[j].
     */
    static void store(float[] y, int yOff, float[] yp, int width, int count, float[] ba, int bOff, ConvShape s,
                              DirectConv.Grid gr) {
        int outW = s.outW();
        int plane = s.outH() * outW;
        int pitch = gr.pitch();
        for (int j = 0; j < count; j++) {
            int d = yOff + j * plane;
            float bias = ba == null ? 0f : ba[bOff + j];
            for (int oh = 0; oh < s.outH(); oh++) {
                int src = oh * pitch * width + j;
                if (ba == null) {
                    for (int ow = 0; ow < outW; ow++, src += width) {
                        y[d++] = yp[src];
                    }
                } else {
                    for (int ow = 0; ow < outW; ow++, src += width) {
                        y[d++] = yp[src] + bias;
                    }
                }
            }
        }
    }
}
