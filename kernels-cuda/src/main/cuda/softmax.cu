// softmax / log-softmax forward and backward along one dim of a contiguous tensor, and the
// cross-entropy loss over [N, C] logits. The tensor is viewed as [outer, n, inner]; the op runs
// along n. inner == 1 (the last dim) gets a block per row with an online max/sum in one pass
// (Milakov & Gimelshein, "Online normalizer calculation for softmax", 2018); other dims get a
// thread per (outer, inner) column, which keeps the loads coalesced across inner.
#include "kiln.cuh"

// ---------------------------------------------------------------- forward

template <typename T>
__device__ __forceinline__ void softmax_rows_impl(int n, int logMode, T* out, const T* x) {
    __shared__ MaxSum<T> scratch[32];
    i64 row = blockIdx.x;
    const T* xr = x + row * n;
    T* outr = out + row * n;
    MaxSum<T> acc;
    acc.m = -INFINITY;
    acc.s = 0;
    for (int k = threadIdx.x; k < n; k += blockDim.x) maxsum_add(acc, xr[k]);
    acc = block_maxsum(acc, scratch);
    T lse = maxsum_lse(acc);
    for (int k = threadIdx.x; k < n; k += blockDim.x) {
        T v = xr[k];
        outr[k] = logMode ? v - lse : exp(v - lse);
    }
}

template <typename T>
__device__ __forceinline__ void softmax_cols_impl(int outer, int n, int inner, int logMode, T* out, const T* x) {
    i64 t = global_index();
    if (t >= (i64) outer * inner) return;
    i64 a = t / inner;
    i64 c = t - a * inner;
    i64 base = a * n * inner + c;
    MaxSum<T> acc;
    acc.m = -INFINITY;
    acc.s = 0;
    for (int k = 0; k < n; k++) maxsum_add(acc, x[base + (i64) k * inner]);
    T lse = maxsum_lse(acc);
    for (int k = 0; k < n; k++) {
        T v = x[base + (i64) k * inner];
        out[base + (i64) k * inner] = logMode ? v - lse : exp(v - lse);
    }
}

// ---------------------------------------------------------------- backward

// softmax: dx = y (dy - Σ dy y); log-softmax: dx = dy - exp(y) Σ dy
template <typename T>
__device__ __forceinline__ void softmax_backward_rows_impl(int n, int logMode, T* dx, const T* y, const T* dy) {
    __shared__ T scratch[32];
    i64 row = blockIdx.x;
    const T* yr = y + row * n;
    const T* gr = dy + row * n;
    T* dxr = dx + row * n;
    T dot = 0;
    for (int k = threadIdx.x; k < n; k += blockDim.x) dot += logMode ? gr[k] : gr[k] * yr[k];
    dot = block_sum(dot, scratch);
    for (int k = threadIdx.x; k < n; k += blockDim.x) {
        dxr[k] = logMode ? gr[k] - exp(yr[k]) * dot : yr[k] * (gr[k] - dot);
    }
}

template <typename T>
__device__ __forceinline__ void softmax_backward_cols_impl(int outer, int n, int inner, int logMode, T* dx,
                                                           const T* y, const T* dy) {
    i64 t = global_index();
    if (t >= (i64) outer * inner) return;
    i64 a = t / inner;
    i64 c = t - a * inner;
    i64 base = a * n * inner + c;
    T dot = 0;
    for (int k = 0; k < n; k++) {
        i64 j = base + (i64) k * inner;
        dot += logMode ? dy[j] : dy[j] * y[j];
    }
    for (int k = 0; k < n; k++) {
        i64 j = base + (i64) k * inner;
        dx[j] = logMode ? dy[j] - exp(y[j]) * dot : y[j] * (dy[j] - dot);
    }
}

#define KILN_SOFTMAX(suffix, T) \
    extern "C" __global__ void softmax_rows_##suffix(int n, int logMode, T* out, const T* x) { \
        softmax_rows_impl<T>(n, logMode, out, x); \
    } \
    extern "C" __global__ void softmax_cols_##suffix(int outer, int n, int inner, int logMode, T* out, const T* x) { \
        softmax_cols_impl<T>(outer, n, inner, logMode, out, x); \
    } \
    extern "C" __global__ void softmax_backward_rows_##suffix(int n, int logMode, T* dx, const T* y, const T* dy) { \
        softmax_backward_rows_impl<T>(n, logMode, dx, y, dy); \
    } \
    extern "C" __global__ void softmax_backward_cols_##suffix(int outer, int n, int inner, int logMode, T* dx, \
                                                               const T* y, const T* dy) { \
        softmax_backward_cols_impl<T>(outer, n, inner, logMode, dx, y, dy); \
    }
KILN_SOFTMAX(f32, float)
KILN_SOFTMAX(f64, double)

// ---------------------------------------------------------------- cross-entropy

// loss[r] = logsumexp(logits[r]) - logits[r, label], 0 where label == ignoreIndex; a block per row.
template <typename T>
__device__ __forceinline__ void cross_entropy_impl(int c, int ignoreIndex, T* loss, const T* logits, const int* labels) {
    __shared__ MaxSum<T> scratch[32];
    i64 row = blockIdx.x;
    int label = labels[row];
    if (label == ignoreIndex) {  // uniform across the block
        if (threadIdx.x == 0) loss[row] = 0;
        return;
    }
    const T* xr = logits + row * c;
    MaxSum<T> acc;
    acc.m = -INFINITY;
    acc.s = 0;
    for (int k = threadIdx.x; k < c; k += blockDim.x) maxsum_add(acc, xr[k]);
    acc = block_maxsum(acc, scratch);
    if (threadIdx.x == 0) loss[row] = maxsum_lse(acc) - xr[label];
}

// dlogits[r] = dloss[r] (softmax(logits[r]) - onehot(label)), 0 for ignored rows.
template <typename T>
__device__ __forceinline__ void cross_entropy_backward_impl(int c, int ignoreIndex, T* dlogits, const T* logits,
                                                            const int* labels, const T* dloss) {
    __shared__ MaxSum<T> scratch[32];
    i64 row = blockIdx.x;
    int label = labels[row];
    T* dr = dlogits + row * c;
    if (label == ignoreIndex) {
        for (int k = threadIdx.x; k < c; k += blockDim.x) dr[k] = 0;
        return;
    }
    const T* xr = logits + row * c;
    MaxSum<T> acc;
    acc.m = -INFINITY;
    acc.s = 0;
    for (int k = threadIdx.x; k < c; k += blockDim.x) maxsum_add(acc, xr[k]);
    acc = block_maxsum(acc, scratch);
    T lse = maxsum_lse(acc);
    T g = dloss[row];
    for (int k = threadIdx.x; k < c; k += blockDim.x) {
        dr[k] = g * (exp(xr[k] - lse) - (k == label ? (T) 1 : (T) 0));
    }
}

#define KILN_CROSS_ENTROPY(suffix, T) \
    extern "C" __global__ void cross_entropy_##suffix(int c, int ignoreIndex, T* loss, const T* logits, const int* labels) { \
        cross_entropy_impl<T>(c, ignoreIndex, loss, logits, labels); \
    } \
    extern "C" __global__ void cross_entropy_backward_##suffix(int c, int ignoreIndex, T* dlogits, const T* logits, \
                                                                const int* labels, const T* dloss) { \
        cross_entropy_backward_impl<T>(c, ignoreIndex, dlogits, logits, labels, dloss); \
    }
KILN_CROSS_ENTROPY(f32, float)
KILN_CROSS_ENTROPY(f64, double)
