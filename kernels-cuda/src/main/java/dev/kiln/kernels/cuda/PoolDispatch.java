package dev.kiln.kernels.cuda;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.kiln.tensor.PoolWindows;
import dev.kiln.tensor.Tensor;

import static dev.kiln.kernels.cuda.DeviceTensors.*;

/**
 * CudaBackend's 2-d pooling: the kernels of pool.cu, with the windows of a {@link PoolWindows}
 * as one int table on the device (its layout is described in pool.cu). The last few tables are
 * kept per device by content: a network pools with the same windows every step, and a copy
 * from the (pageable) host waits until the device has finished everything queued before it.
 */
final class PoolDispatch {
    private PoolDispatch() {
    }

    static final int CACHED_TABLES = 32;
    private static final Map<CudaDevice, Map<TableKey, CachingAllocator.Block>> TABLES = new HashMap<>();

    /** A table compared by content. */
    private record TableKey(int[] table) {
        @Override
        public boolean equals(Object o) {
            return o instanceof TableKey k && Arrays.equals(table, k.table);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(table);
        }
    }

    static void maxPool2d(Tensor out, Tensor indices, Tensor x, PoolWindows p) {
        int planes = p.n() * p.c();
        long total = (long) planes * p.outH() * p.outW();
        if (total == 0) {
            return;
        }
        CudaDevice d = dev(out);
        d.launch1d(Kernels.MAX_POOL2D, sfx(x), total, geometry(p, planes).ptr(deviceTable(d, p)).ptr(ptr(out))
                .ptr(ptr(indices)).ptr(ptr(x)));
    }

    static void avgPool2d(Tensor out, Tensor x, PoolWindows p) {
        int planes = p.n() * p.c();
        long total = (long) planes * p.outH() * p.outW();
        if (total == 0) {
            return;
        }
        CudaDevice d = dev(out);
        d.launch1d(Kernels.AVG_POOL2D, sfx(x), total, geometry(p, planes).i(p.divisor()).ptr(deviceTable(d, p))
                .ptr(ptr(out)).ptr(ptr(x)));
    }

    static void avgPool2dBackward(Tensor dx, Tensor dy, PoolWindows p) {
        int planes = p.n() * p.c();
        long total = (long) planes * p.h() * p.w();
        if (total == 0) {
            return;
        }
        CudaDevice d = dev(dx);
        d.launch1d(Kernels.AVG_POOL2D_BACKWARD, sfx(dy), total, geometry(p, planes).i(p.divisor())
                .ptr(deviceTable(d, p)).ptr(ptr(dx)).ptr(ptr(dy)));
    }

    private static Args geometry(PoolWindows p, int planes) {
        return new Args().i(planes).i(p.h()).i(p.w()).i(p.outH()).i(p.outW()).i(p.dilationH()).i(p.dilationW());
    }

    /**
     * The device address of p's window table, uploaded unless one of the last {@link #CACHED_TABLES}
     * had the same content. An evicted table goes back to the allocator at once: whatever reuses
     * that memory is queued after the kernels that read the table.
     */
    private static long deviceTable(CudaDevice d, PoolWindows p) {
        TableKey key = new TableKey(table(p));
        synchronized (TABLES) {
            Map<TableKey, CachingAllocator.Block> cache = TABLES.computeIfAbsent(d, k -> new LinkedHashMap<>(16, 0.75f,
                    true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<TableKey, CachingAllocator.Block> eldest) {
                    if (size() > CACHED_TABLES) {
                        d.release(eldest.getValue());
                        return true;
                    }
                    return false;
                }
            });
            CachingAllocator.Block b = cache.get(key);
            if (b == null) {
                long bytes = (long) key.table().length * Integer.BYTES;
                b = d.scratch(bytes);
                d.copyHostToDevice(b.address(), key.table(), 0, bytes);
                cache.put(key, b);
            }
            return b.address();
        }
    }

    /**
     * hStart, hEnd, hCount, wStart, wEnd, wCount, then for each input row the range [lo, hi) of
     * output rows whose windows may hold it (columns alike): the backward visits only those.
     */
    static int[] table(PoolWindows p) {
        int oh = p.outH();
        int ow = p.outW();
        int[] t = new int[3 * oh + 3 * ow + 2 * p.h() + 2 * p.w()];
        System.arraycopy(p.hStart(), 0, t, 0, oh);
        System.arraycopy(p.hEnd(), 0, t, oh, oh);
        System.arraycopy(p.hCount(), 0, t, 2 * oh, oh);
        int at = 3 * oh;
        System.arraycopy(p.wStart(), 0, t, at, ow);
        System.arraycopy(p.wEnd(), 0, t, at + ow, ow);
        System.arraycopy(p.wCount(), 0, t, at + 2 * ow, ow);
        at += 3 * ow;
        ranges(p.hStart(), p.hEnd(), p.dilationH(), p.h(), t, at);
        ranges(p.wStart(), p.wEnd(), p.dilationW(), p.w(), t, at + 2 * p.h());
        return t;
    }

    /** lo at t[at + i], hi at t[at + in + i]: the first and one past the last window that holds input i (0, 0 if none). */
    private static void ranges(int[] start, int[] end, int dilation, int in, int[] t, int at) {
        for (int i = 0; i < in; i++) {
            t[at + i] = Integer.MAX_VALUE;
        }
        for (int o = 0; o < start.length; o++) {
            for (int i = start[o]; i < end[o]; i += dilation) {
                t[at + i] = Math.min(t[at + i], o);
                t[at + in + i] = Math.max(t[at + in + i], o + 1);
            }
        }
        for (int i = 0; i < in; i++) {
            if (t[at + i] == Integer.MAX_VALUE) {
                t[at + i] = 0;
            }
        }
    }
}
