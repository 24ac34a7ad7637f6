// Max and average pooling over volumes [d, h, w] (N·C of them; 2-d pooling is d = 1), forward
// and the average's backward, for any windows PoolWindows/PoolWindows3d describe (strided,
// padded, ceil mode, adaptive, dilated). The windows come as one int table that
// PoolDispatch.java uploads, per axis a in (d, h, w) in that order:
//   start_a[out_a] end_a[out_a] count_a[out_a]
// then per axis lo_a[in_a] hi_a[in_a]: the outputs o with lo_a[i] <= o < hi_a[i] are the only
// ones whose window may hold input i along that axis. The backward gathers over those (a thread
// per input element): no atomics, and the sum's order does not depend on scheduling.
#include "kiln.cuh"

struct PoolAxis {
    const int* start;
    const int* end;
    const int* count;
    const int* lo;
    const int* hi;
};

struct PoolTable {
    PoolAxis d, h, w;
};

__device__ __forceinline__ PoolTable pool_table(const int* t, int d, int h, int w, int outD, int outH, int outW) {
    PoolTable p;
    p.d.start = t;
    p.d.end = t + outD;
    p.d.count = t + 2 * outD;
    t += 3 * outD;
    p.h.start = t;
    p.h.end = t + outH;
    p.h.count = t + 2 * outH;
    t += 3 * outH;
    p.w.start = t;
    p.w.end = t + outW;
    p.w.count = t + 2 * outW;
    t += 3 * outW;
    p.d.lo = t;
    p.d.hi = t + d;
    t += 2 * d;
    p.h.lo = t;
    p.h.hi = t + h;
    t += 2 * h;
    p.w.lo = t;
    p.w.hi = t + w;
    return p;
}

// The geometry every pooling kernel takes.
struct PoolDims {
    int planes, d, h, w, outD, outH, outW, dilD, dilH, dilW;
};

// Output element t as (volume, od, oh, ow); t is an element of the output tensor: below 2^31.
__device__ __forceinline__ void pool_out_coords(const PoolDims& D, int t, int& vol, int& od, int& oh, int& ow) {
    ow = t % D.outW;
    int r = t / D.outW;
    oh = r % D.outH;
    r /= D.outH;
    od = r % D.outD;
    vol = r / D.outD;
}

// A thread per output element. As the reference (and PyTorch's CPU kernel): a NaN wins (the
// last NaN's index), and a window of −∞ reports its first element. Indices are flat within the
// volume (ih·w + iw for 2-d pooling).
template <typename T>
__device__ __forceinline__ void max_pool_impl(const PoolDims& D, const int* table, T* out, int* indices, const T* x) {
    i64 t64 = global_index();
    if (t64 >= (i64) D.planes * D.outD * D.outH * D.outW) return;
    int t = (int) t64;
    PoolTable p = pool_table(table, D.d, D.h, D.w, D.outD, D.outH, D.outW);
    int vol, od, oh, ow;
    pool_out_coords(D, t, vol, od, oh, ow);
    int hw = D.h * D.w;
    const T* xp = x + (i64) vol * D.d * hw;
    int best = p.d.start[od] * hw + p.h.start[oh] * D.w + p.w.start[ow];
    T max = -INFINITY;
    for (int id = p.d.start[od]; id < p.d.end[od]; id += D.dilD) {
        for (int ih = p.h.start[oh]; ih < p.h.end[oh]; ih += D.dilH) {
            for (int iw = p.w.start[ow]; iw < p.w.end[ow]; iw += D.dilW) {
                int at = id * hw + ih * D.w + iw;
                T v = xp[at];
                if (v > max || v != v) {
                    max = v;
                    best = at;
                }
            }
        }
    }
    out[t] = max;
    indices[t] = best;
}

// Divides by `divisor` when non-zero, else by the product of the axes' counts.
template <typename T>
__device__ __forceinline__ T pool_divisor(const PoolTable& p, int divisor, int od, int oh, int ow) {
    return divisor != 0 ? (T) divisor : (T) p.d.count[od] * (T) p.h.count[oh] * (T) p.w.count[ow];
}

template <typename T>
__device__ __forceinline__ void avg_pool_impl(const PoolDims& D, int divisor, const int* table, T* out, const T* x) {
    i64 t64 = global_index();
    if (t64 >= (i64) D.planes * D.outD * D.outH * D.outW) return;
    int t = (int) t64;
    PoolTable p = pool_table(table, D.d, D.h, D.w, D.outD, D.outH, D.outW);
    int vol, od, oh, ow;
    pool_out_coords(D, t, vol, od, oh, ow);
    int hw = D.h * D.w;
    const T* xp = x + (i64) vol * D.d * hw;
    T sum = 0;
    for (int id = p.d.start[od]; id < p.d.end[od]; id += D.dilD) {
        for (int ih = p.h.start[oh]; ih < p.h.end[oh]; ih += D.dilH) {
            for (int iw = p.w.start[ow]; iw < p.w.end[ow]; iw += D.dilW) {
                sum += xp[id * hw + ih * D.w + iw];
            }
        }
    }
    out[t] = sum / pool_divisor<T>(p, divisor, od, oh, ow);
}

// Whether output o's window along an axis holds input i.
__device__ __forceinline__ bool pool_holds(const PoolAxis& a, int o, int i, int dilation) {
    return i >= a.start[o] && i < a.end[o] && (i - a.start[o]) % dilation == 0;
}

// dx[id, ih, iw] = Σ dy[od, oh, ow] / divisor over the windows that hold it. A thread per input element.
template <typename T>
__device__ __forceinline__ void avg_pool_backward_impl(const PoolDims& D, int divisor, const int* table, T* dx,
                                                       const T* dy) {
    i64 t64 = global_index();
    if (t64 >= (i64) D.planes * D.d * D.h * D.w) return;
    int t = (int) t64;  // an element of dx: below 2^31
    PoolTable p = pool_table(table, D.d, D.h, D.w, D.outD, D.outH, D.outW);
    int iw = t % D.w;
    int r = t / D.w;
    int ih = r % D.h;
    r /= D.h;
    int id = r % D.d;
    int vol = r / D.d;
    const T* dyp = dy + (i64) vol * D.outD * D.outH * D.outW;
    T sum = 0;
    for (int od = p.d.lo[id]; od < p.d.hi[id]; od++) {
        if (!pool_holds(p.d, od, id, D.dilD)) continue;
        for (int oh = p.h.lo[ih]; oh < p.h.hi[ih]; oh++) {
            if (!pool_holds(p.h, oh, ih, D.dilH)) continue;
            for (int ow = p.w.lo[iw]; ow < p.w.hi[iw]; ow++) {
                if (!pool_holds(p.w, ow, iw, D.dilW)) continue;
                sum += dyp[(od * D.outH + oh) * D.outW + ow] / pool_divisor<T>(p, divisor, od, oh, ow);
            }
        }
    }
    dx[t] = sum;
}

// dx[p, indices[p, o]] += dy[p, o]: a thread per plane, adding its outputs in order, so that
// overlapping windows sum in the same order as on the host and nothing needs atomics. dx is zero.
template <typename T>
__device__ __forceinline__ void max_pool_backward_impl(int planes, int inPlane, int outPlane, T* dx, const T* dy,
                                                       const int* indices) {
    i64 p = global_index();
    if (p >= planes) return;
    T* g = dx + p * inPlane;
    const T* d = dy + p * outPlane;
    const int* ix = indices + p * outPlane;
    for (int o = 0; o < outPlane; o++) {
        g[ix[o]] += d[o];
    }
}

#define KILN_POOL(suffix, T) \
    extern "C" __global__ void max_pool_##suffix(PoolDims D, const int* table, T* out, int* indices, const T* x) { \
        max_pool_impl<T>(D, table, out, indices, x); \
    } \
    extern "C" __global__ void avg_pool_##suffix(PoolDims D, int divisor, const int* table, T* out, const T* x) { \
        avg_pool_impl<T>(D, divisor, table, out, x); \
    } \
    extern "C" __global__ void avg_pool_backward_##suffix(PoolDims D, int divisor, const int* table, T* dx, \
                                                           const T* dy) { \
        avg_pool_backward_impl<T>(D, divisor, table, dx, dy); \
    } \
    extern "C" __global__ void max_pool_backward_##suffix(int planes, int inPlane, int outPlane, T* dx, const T* dy, \
                                                           const int* indices) { \
        max_pool_backward_impl<T>(planes, inPlane, outPlane, dx, dy, indices); \
    }
KILN_POOL(f32, float)
KILN_POOL(f64, double)
