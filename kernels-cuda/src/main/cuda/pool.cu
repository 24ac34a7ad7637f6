// 2-d max and average pooling over planes [h, w] (N·C of them), forward and the average's
// backward, for any windows PoolWindows describes (strided, padded, ceil mode, adaptive).
// The windows come as one int table that PoolDispatch.java uploads:
//   hStart[outH] hEnd[outH] hCount[outH] wStart[outW] wEnd[outW] wCount[outW]
//   hLo[h] hHi[h] wLo[w] wHi[w]
// where output rows hLo[ih] <= oh < hHi[ih] are the only ones whose window may hold input row ih
// (columns alike). The backward gathers over those (a thread per input element): no atomics,
// and the sum's order does not depend on scheduling.
#include "kiln.cuh"

struct PoolTable {
    const int* hStart;
    const int* hEnd;
    const int* hCount;
    const int* wStart;
    const int* wEnd;
    const int* wCount;
    const int* hLo;
    const int* hHi;
    const int* wLo;
    const int* wHi;
};

__device__ __forceinline__ PoolTable pool_table(const int* t, int h, int w, int outH, int outW) {
    PoolTable p;
    p.hStart = t;
    p.hEnd = t + outH;
    p.hCount = t + 2 * outH;
    p.wStart = t + 3 * outH;
    p.wEnd = p.wStart + outW;
    p.wCount = p.wStart + 2 * outW;
    p.hLo = p.wStart + 3 * outW;
    p.hHi = p.hLo + h;
    p.wLo = p.hHi + h;
    p.wHi = p.wLo + w;
    return p;
}

// A thread per output element. As the reference (and PyTorch's CPU kernel): a NaN wins (the
// last NaN's index), and a window of −∞ reports its first element.
template <typename T>
__device__ __forceinline__ void max_pool2d_impl(int planes, int h, int w, int outH, int outW, int dilH, int dilW,
                                                const int* table, T* out, int* indices, const T* x) {
    i64 t64 = global_index();
    if (t64 >= (i64) planes * outH * outW) return;
    int t = (int) t64;  // an element of the output tensor: below 2^31
    PoolTable p = pool_table(table, h, w, outH, outW);
    int ow = t % outW;
    int oh = (t / outW) % outH;
    i64 plane = t / (outW * outH);
    const T* xp = x + plane * h * w;
    int best = p.hStart[oh] * w + p.wStart[ow];
    T max = -INFINITY;
    for (int ih = p.hStart[oh]; ih < p.hEnd[oh]; ih += dilH) {
        for (int iw = p.wStart[ow]; iw < p.wEnd[ow]; iw += dilW) {
            T v = xp[ih * w + iw];
            if (v > max || v != v) {
                max = v;
                best = ih * w + iw;
            }
        }
    }
    out[t] = max;
    indices[t] = best;
}

// Divides by `divisor` when non-zero, else by hCount[oh]·wCount[ow].
template <typename T>
__device__ __forceinline__ T pool_divisor(const PoolTable& p, int divisor, int oh, int ow) {
    return divisor != 0 ? (T) divisor : (T) p.hCount[oh] * (T) p.wCount[ow];
}

template <typename T>
__device__ __forceinline__ void avg_pool2d_impl(int planes, int h, int w, int outH, int outW, int dilH, int dilW,
                                                int divisor, const int* table, T* out, const T* x) {
    i64 t64 = global_index();
    if (t64 >= (i64) planes * outH * outW) return;
    int t = (int) t64;  // an element of the output tensor: below 2^31
    PoolTable p = pool_table(table, h, w, outH, outW);
    int ow = t % outW;
    int oh = (t / outW) % outH;
    i64 plane = t / (outW * outH);
    const T* xp = x + plane * h * w;
    T sum = 0;
    for (int ih = p.hStart[oh]; ih < p.hEnd[oh]; ih += dilH) {
        for (int iw = p.wStart[ow]; iw < p.wEnd[ow]; iw += dilW) {
            sum += xp[ih * w + iw];
        }
    }
    out[t] = sum / pool_divisor<T>(p, divisor, oh, ow);
}

// dx[ih, iw] = Σ dy[oh, ow] / divisor over the windows that hold (ih, iw). A thread per input element.
template <typename T>
__device__ __forceinline__ void avg_pool2d_backward_impl(int planes, int h, int w, int outH, int outW, int dilH,
                                                         int dilW, int divisor, const int* table, T* dx, const T* dy) {
    i64 t64 = global_index();
    if (t64 >= (i64) planes * h * w) return;
    int t = (int) t64;  // an element of dx: below 2^31
    PoolTable p = pool_table(table, h, w, outH, outW);
    int iw = t % w;
    int ih = (t / w) % h;
    i64 plane = t / (w * h);
    const T* dyp = dy + plane * outH * outW;
    T sum = 0;
    for (int oh = p.hLo[ih]; oh < p.hHi[ih]; oh++) {
        if (ih < p.hStart[oh] || ih >= p.hEnd[oh] || (ih - p.hStart[oh]) % dilH != 0) continue;
        for (int ow = p.wLo[iw]; ow < p.wHi[iw]; ow++) {
            if (iw < p.wStart[ow] || iw >= p.wEnd[ow] || (iw - p.wStart[ow]) % dilW != 0) continue;
            sum += dyp[oh * outW + ow] / pool_divisor<T>(p, divisor, oh, ow);
        }
    }
    dx[t] = sum;
}

#define KILN_POOL(suffix, T) \
    extern "C" __global__ void max_pool2d_##suffix(int planes, int h, int w, int outH, int outW, int dilH, int dilW, \
                                                    const int* table, T* out, int* indices, const T* x) { \
        max_pool2d_impl<T>(planes, h, w, outH, outW, dilH, dilW, table, out, indices, x); \
    } \
    extern "C" __global__ void avg_pool2d_##suffix(int planes, int h, int w, int outH, int outW, int dilH, int dilW, \
                                                    int divisor, const int* table, T* out, const T* x) { \
        avg_pool2d_impl<T>(planes, h, w, outH, outW, dilH, dilW, divisor, table, out, x); \
    } \
    extern "C" __global__ void avg_pool2d_backward_##suffix(int planes, int h, int w, int outH, int outW, int dilH, \
                                                             int dilW, int divisor, const int* table, T* dx, \
                                                             const T* dy) { \
        avg_pool2d_backward_impl<T>(planes, h, w, outH, outW, dilH, dilW, divisor, table, dx, dy); \
    }
KILN_POOL(f32, float)
KILN_POOL(f64, double)
