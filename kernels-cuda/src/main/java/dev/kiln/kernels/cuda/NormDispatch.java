package dev.kiln.kernels.cuda;

import dev.kiln.tensor.Tensor;

import static dev.kiln.kernels.cuda.DeviceTensors.*;

/**
 * CudaBackend's layer_norm, rms_norm and batch_norm, forward and backward: the kernels of norm.cu.
 */
final class NormDispatch {
    private NormDispatch() {
    }

    static void layerNorm(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor weight, Tensor bias, double eps) {
        int rows = mean.numel();
        if (rows == 0) {
            return;
        }
        int d = x.numel() / rows;
        dev(out).launch(Kernels.LAYER_NORM, sfx(x), rows, 1, 1, rowBlock(d), 0, new Args().i(d).d(eps).ptr(ptr(out))
                .ptr(ptr(mean)).ptr(ptr(rstd)).ptr(ptr(x)).ptr(ptrOrNull(weight)).ptr(ptrOrNull(bias)));
    }

    static void layerNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dy, Tensor x, Tensor mean,
                                  Tensor rstd, Tensor weight) {
        normBackward(dx, dweight, dbias, dy, x, mean, rstd, weight);
    }

    static void rmsNorm(Tensor out, Tensor rstd, Tensor x, Tensor weight, double eps) {
        int rows = rstd.numel();
        if (rows == 0) {
            return;
        }
        int d = x.numel() / rows;
        dev(out).launch(Kernels.RMS_NORM, sfx(x), rows, 1, 1, rowBlock(d), 0, new Args().i(d).d(eps).ptr(ptr(out))
                .ptr(ptr(rstd)).ptr(ptr(x)).ptr(ptrOrNull(weight)));
    }

    static void rmsNormBackward(Tensor dx, Tensor dweight, Tensor dy, Tensor x, Tensor rstd, Tensor weight) {
        normBackward(dx, dweight, null, dy, x, null, rstd, weight);
    }

    static void batchNorm(Tensor out, Tensor mean, Tensor invstd, Tensor x, Tensor weight, Tensor bias, double eps) {
        int channels = x.size(1);
        long m = (long) x.size(0) * x.size(2);
        if (channels == 0 || m == 0) {
            return;
        }
        dev(out).launch(Kernels.BATCH_NORM, sfx(x), channels, 1, 1, rowBlock((int) Math.min(m, 1 << 20)), 0,
                new Args().i(x.size(0)).i(channels).i(x.size(2)).d(eps).ptr(ptr(out)).ptr(ptr(mean)).ptr(ptr(invstd))
                        .ptr(ptr(x)).ptr(ptrOrNull(weight)).ptr(ptrOrNull(bias)));
    }

    static void batchNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dy, Tensor x, Tensor mean,
                                  Tensor invstd, Tensor weight) {
        int channels = x.size(1);
        long m = (long) x.size(0) * x.size(2);
        if (channels == 0 || m == 0) {
            return;
        }
        dev(dx).launch(Kernels.BATCH_NORM_BACKWARD, sfx(x), channels, 1, 1, rowBlock((int) Math.min(m, 1 << 20)), 0,
                new Args().i(x.size(0)).i(channels).i(x.size(2)).ptr(ptr(dx)).ptr(ptrOrNull(dweight))
                        .ptr(ptrOrNull(dbias)).ptr(ptr(dy)).ptr(ptr(x)).ptr(ptr(mean)).ptr(ptr(invstd))
                        .ptr(ptrOrNull(weight)));
    }

    static void batchNormEval(Tensor out, Tensor x, Tensor scale, Tensor shift) {
        long total = x.numel();
        if (total == 0) {
            return;
        }
        dev(out).launch1d(Kernels.BATCH_NORM_EVAL, sfx(x), total, new Args().i(x.numel()).i(x.size(1)).i(x.size(2))
                .ptr(ptr(out)).ptr(ptr(x)).ptr(ptr(scale)).ptr(ptr(shift)));
    }

    /** Both norms: dx a block per row, then dweight/dbias as column sums over chunks of rows. */
    private static void normBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor dy, Tensor x, Tensor mean, Tensor rstd,
                              Tensor weight) {
        int rows = rstd.numel();
        int d = rows == 0 ? (dweight != null ? dweight.numel() : dbias != null ? dbias.numel() : 0) : x.numel() / rows;
        CudaDevice dev = dev(dx);
        String s = sfx(dy);
        if (rows > 0 && d > 0) {
            dev.launch(Kernels.NORM_BACKWARD, s, rows, 1, 1, rowBlock(d), 0, new Args().i(d).ptr(ptr(dx)).ptr(ptr(dy))
                    .ptr(ptr(x)).ptr(ptrOrNull(mean)).ptr(ptr(rstd)).ptr(ptrOrNull(weight)));
        }
        if (dweight == null && dbias == null || d == 0) {
            return;
        }
        if (rows == 0) {  // sums over no rows
            if (dweight != null) {
                MemoryDispatch.fill(dweight, 0);
            }
            if (dbias != null) {
                MemoryDispatch.fill(dbias, 0);
            }
            return;
        }
        // enough (column, chunk) threads to fill the GPU, each summing a run of rows
        long wanted = 4L * dev.multiprocessors() * 256;
        int chunks = (int) Math.max(1, Math.min(rows, wanted / d));
        int rowsPerChunk = (int) ceilDiv(rows, chunks);
        chunks = (int) ceilDiv(rows, rowsPerChunk);
        int es = dy.dtype().byteSize();
        CachingAllocator.Block dwPart = dev.scratch((long) chunks * d * es);
        CachingAllocator.Block dbPart = dbias == null ? null : dev.scratch((long) chunks * d * es);
        try {
            dev.launch(Kernels.NORM_PARAMS_PARTIAL, s, CudaDevice.blocks(d, 256), chunks, 1, 256, 0, new Args().i(rows)
                    .i(d).i(rowsPerChunk).ptr(dwPart.address()).ptr(dbPart == null ? 0 : dbPart.address())
                    .ptr(ptr(dy)).ptr(ptr(x)).ptr(ptrOrNull(mean)).ptr(ptr(rstd)));
            if (dweight != null) {
                dev.launch1d(Kernels.COLUMN_SUM, s, d, new Args().i(chunks).i(d).ptr(ptr(dweight)).ptr(dwPart.address()));
            }
            if (dbias != null) {
                dev.launch1d(Kernels.COLUMN_SUM, s, d, new Args().i(chunks).i(d).ptr(ptr(dbias)).ptr(dbPart.address()));
            }
        } finally {
            dev.release(dwPart);
            if (dbPart != null) {
                dev.release(dbPart);
            }
        }
    }
}
