// LayerNorm and RMSNorm over the last d elements of each row, and BatchNorm over the channels of
// [N, C, S] (further down), forward and backward, following
// the Backend contract: the forward saves mean and rstd, the backward reads them back.
// A block per row for the row-wise passes; dweight/dbias are column sums over rows, done in
// chunks of rows (norm_params_partial) and finished by column_sum, so no atomics are needed
// and the result does not depend on scheduling.
#include "kiln.cuh"

// mean and rstd of one row; every thread gets them
template <typename T>
__device__ __forceinline__ void row_stats(const T* xr, int d, double eps, bool centered, T& mean, T& rstd, T* scratch) {
    T sum = 0;
    if (centered) {
        for (int k = threadIdx.x; k < d; k += blockDim.x) sum += xr[k];
        sum = block_sum(sum, scratch);
        mean = sum / (T) d;
    } else {
        mean = 0;
    }
    T sq = 0;
    for (int k = threadIdx.x; k < d; k += blockDim.x) {
        T c = xr[k] - mean;
        sq += c * c;
    }
    sq = block_sum(sq, scratch);
    rstd = (T) 1 / sqrt(sq / (T) d + (T) eps);
}

template <typename T>
__device__ __forceinline__ void layer_norm_impl(int d, double eps, T* out, T* mean, T* rstd, const T* x,
                                                const T* weight, const T* bias) {
    __shared__ T scratch[32];
    i64 row = blockIdx.x;
    const T* xr = x + row * d;
    T* outr = out + row * d;
    T mu, rs;
    row_stats(xr, d, eps, true, mu, rs, scratch);
    if (threadIdx.x == 0) {
        mean[row] = mu;
        rstd[row] = rs;
    }
    for (int k = threadIdx.x; k < d; k += blockDim.x) {
        T y = (xr[k] - mu) * rs;
        if (weight) y *= weight[k];
        if (bias) y += bias[k];
        outr[k] = y;
    }
}

template <typename T>
__device__ __forceinline__ void rms_norm_impl(int d, double eps, T* out, T* rstd, const T* x, const T* weight) {
    __shared__ T scratch[32];
    i64 row = blockIdx.x;
    const T* xr = x + row * d;
    T* outr = out + row * d;
    T mu, rs;
    row_stats(xr, d, eps, false, mu, rs, scratch);
    if (threadIdx.x == 0) rstd[row] = rs;
    for (int k = threadIdx.x; k < d; k += blockDim.x) {
        T y = xr[k] * rs;
        if (weight) y *= weight[k];
        outr[k] = y;
    }
}

// dx = rstd (g - mean(g) - x̂ mean(g x̂)) with g = dy ⊙ weight and x̂ = (x - mean) rstd;
// RMSNorm passes mean == null: no mean(g) term and x̂ = x rstd.
template <typename T>
__device__ __forceinline__ void norm_backward_impl(int d, T* dx, const T* dy, const T* x, const T* mean,
                                                   const T* rstd, const T* weight) {
    __shared__ T scratch[32];
    i64 row = blockIdx.x;
    const T* xr = x + row * d;
    const T* gr = dy + row * d;
    T* dxr = dx + row * d;
    T mu = mean ? mean[row] : (T) 0;
    T rs = rstd[row];
    T sg = 0;
    T sgx = 0;
    for (int k = threadIdx.x; k < d; k += blockDim.x) {
        T g = weight ? gr[k] * weight[k] : gr[k];
        T xh = (xr[k] - mu) * rs;
        sg += g;
        sgx += g * xh;
    }
    sg = block_sum(sg, scratch);
    sgx = block_sum(sgx, scratch);
    T meanG = mean ? sg / (T) d : (T) 0;
    T meanGX = sgx / (T) d;
    for (int k = threadIdx.x; k < d; k += blockDim.x) {
        T g = weight ? gr[k] * weight[k] : gr[k];
        T xh = (xr[k] - mu) * rs;
        dxr[k] = rs * (g - meanG - xh * meanGX);
    }
}

// Partial column sums over rows [blockIdx.y * rowsPerChunk, ...): dwPart[chunk, j] = Σ dy x̂,
// dbPart[chunk, j] = Σ dy (dbPart may be null). A thread per column j.
template <typename T>
__device__ __forceinline__ void norm_params_partial_impl(int rows, int d, int rowsPerChunk, T* dwPart, T* dbPart,
                                                         const T* dy, const T* x, const T* mean, const T* rstd) {
    i64 j = global_index();
    if (j >= d) return;
    int chunk = blockIdx.y;
    int begin = chunk * rowsPerChunk;
    int end = min(rows, begin + rowsPerChunk);
    T sw = 0;
    T sb = 0;
    for (int r = begin; r < end; r++) {
        i64 at = (i64) r * d + j;
        T g = dy[at];
        T mu = mean ? mean[r] : (T) 0;
        sw += g * (x[at] - mu) * rstd[r];
        sb += g;
    }
    dwPart[(i64) chunk * d + j] = sw;
    if (dbPart) dbPart[(i64) chunk * d + j] = sb;
}

// out[j] = Σ_r in[r, j] over `rows` rows; a thread per column.
template <typename T>
__device__ __forceinline__ void column_sum_impl(int rows, int d, T* out, const T* in) {
    i64 j = global_index();
    if (j >= d) return;
    T s = 0;
    for (int r = 0; r < rows; r++) s += in[(i64) r * d + j];
    out[j] = s;
}

// BatchNorm with batch statistics over x [N, C, S]: a block per channel, its threads striding over
// the channel's M = N·S values (the j-th is plane j / S, place j % S); the sums are block
// reductions in a fixed order, so neither atomics nor scheduling change the result.
__device__ __forceinline__ i64 channel_at(i64 j, int channels, int sp, int c) {
    i64 plane = j / sp;
    return (plane * channels + c) * sp + (j - plane * sp);
}

// mean and biased variance in two passes (accurate when |mean| ≫ σ), saved as mean and invstd;
// then out = (x − mean)·invstd·weight + bias.
template <typename T>
__device__ __forceinline__ void batch_norm_impl(int n, int channels, int sp, double eps, T* out, T* mean, T* invstd,
                                                const T* x, const T* weight, const T* bias) {
    __shared__ T scratch[32];
    int c = blockIdx.x;
    i64 m = (i64) n * sp;
    T sum = 0;
    for (i64 j = threadIdx.x; j < m; j += blockDim.x) sum += x[channel_at(j, channels, sp, c)];
    T mu = block_sum(sum, scratch) / (T) m;
    T sq = 0;
    for (i64 j = threadIdx.x; j < m; j += blockDim.x) {
        T d = x[channel_at(j, channels, sp, c)] - mu;
        sq += d * d;
    }
    sq = block_sum(sq, scratch);
    T rs = (T) 1 / sqrt(sq / (T) m + (T) eps);
    if (threadIdx.x == 0) {
        mean[c] = mu;
        invstd[c] = rs;
    }
    T scale = weight ? rs * weight[c] : rs;
    T shift = bias ? bias[c] : (T) 0;
    for (i64 j = threadIdx.x; j < m; j += blockDim.x) {
        i64 at = channel_at(j, channels, sp, c);
        out[at] = (x[at] - mu) * scale + shift;
    }
}

// dweight = Σ dy·x̂, dbias = Σ dy (each when non-null), dx = invstd·weight/M·(M·dy − Σ dy − x̂·Σ dy·x̂)
// with x̂ = (x − mean)·invstd.
template <typename T>
__device__ __forceinline__ void batch_norm_backward_impl(int n, int channels, int sp, T* dx, T* dweight, T* dbias,
                                                         const T* dy, const T* x, const T* mean, const T* invstd,
                                                         const T* weight) {
    __shared__ T scratch[32];
    int c = blockIdx.x;
    i64 m = (i64) n * sp;
    T mu = mean[c];
    T rs = invstd[c];
    T sg = 0;
    T sgx = 0;
    for (i64 j = threadIdx.x; j < m; j += blockDim.x) {
        i64 at = channel_at(j, channels, sp, c);
        T g = dy[at];
        sg += g;
        sgx += g * (x[at] - mu);
    }
    sg = block_sum(sg, scratch);
    sgx = block_sum(sgx, scratch) * rs;
    if (threadIdx.x == 0) {
        if (dweight) dweight[c] = sgx;
        if (dbias) dbias[c] = sg;
    }
    T k = (weight ? rs * weight[c] : rs) / (T) m;
    for (i64 j = threadIdx.x; j < m; j += blockDim.x) {
        i64 at = channel_at(j, channels, sp, c);
        T xh = (x[at] - mu) * rs;
        dx[at] = k * ((T) m * dy[at] - sg - xh * sgx);
    }
}

// Eval with the running statistics folded into scale and shift: out = x·scale_c + shift_c, a thread per value.
template <typename T>
__device__ __forceinline__ void batch_norm_eval_impl(int total, int channels, int sp, T* out, const T* x,
                                                     const T* scale, const T* shift) {
    i64 j = global_index();
    if (j >= total) return;
    int c = (int) ((j / sp) % channels);
    out[j] = x[j] * scale[c] + shift[c];
}

#define KILN_NORM(suffix, T) \
    extern "C" __global__ void layer_norm_##suffix(int d, double eps, T* out, T* mean, T* rstd, const T* x, \
                                                    const T* weight, const T* bias) { \
        layer_norm_impl<T>(d, eps, out, mean, rstd, x, weight, bias); \
    } \
    extern "C" __global__ void rms_norm_##suffix(int d, double eps, T* out, T* rstd, const T* x, const T* weight) { \
        rms_norm_impl<T>(d, eps, out, rstd, x, weight); \
    } \
    extern "C" __global__ void norm_backward_##suffix(int d, T* dx, const T* dy, const T* x, const T* mean, \
                                                       const T* rstd, const T* weight) { \
        norm_backward_impl<T>(d, dx, dy, x, mean, rstd, weight); \
    } \
    extern "C" __global__ void norm_params_partial_##suffix(int rows, int d, int rowsPerChunk, T* dwPart, T* dbPart, \
                                                             const T* dy, const T* x, const T* mean, const T* rstd) { \
        norm_params_partial_impl<T>(rows, d, rowsPerChunk, dwPart, dbPart, dy, x, mean, rstd); \
    } \
    extern "C" __global__ void column_sum_##suffix(int rows, int d, T* out, const T* in) { \
        column_sum_impl<T>(rows, d, out, in); \
    } \
    extern "C" __global__ void batch_norm_##suffix(int n, int channels, int sp, double eps, T* out, T* mean, \
                                                    T* invstd, const T* x, const T* weight, const T* bias) { \
        batch_norm_impl<T>(n, channels, sp, eps, out, mean, invstd, x, weight, bias); \
    } \
    extern "C" __global__ void batch_norm_backward_##suffix(int n, int channels, int sp, T* dx, T* dweight, \
                                                             T* dbias, const T* dy, const T* x, const T* mean, \
                                                             const T* invstd, const T* weight) { \
        batch_norm_backward_impl<T>(n, channels, sp, dx, dweight, dbias, dy, x, mean, invstd, weight); \
    } \
    extern "C" __global__ void batch_norm_eval_##suffix(int total, int channels, int sp, T* out, const T* x, \
                                                         const T* scale, const T* shift) { \
        batch_norm_eval_impl<T>(total, channels, sp, out, x, scale, shift); \
    }
KILN_NORM(f32, float)
KILN_NORM(f64, double)
