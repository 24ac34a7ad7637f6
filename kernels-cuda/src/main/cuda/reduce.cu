// Reductions (sum, max, min) over any set of dims, and argmax/argmin over one dim.
// Every value is accumulated in double, as the reference does, and rounded once at the end.
// Two shapes of work: "rows" (a block per output, for reduced elements that are contiguous)
// and "cols" (a thread per output, coalesced across neighbouring outputs). When there are too
// few outputs to fill the GPU, the reduced range is split over gridDim.y and the partial
// results are finished by reduce_finish.
#include "kiln.cuh"

__device__ __forceinline__ double reduce_init(int op) {
    return op == KILN_REDUCE_SUM ? 0.0 : (op == KILN_REDUCE_MAX ? -INFINITY : INFINITY);
}

// MAX/MIN let NaN win, as the reference's `isNaN(v) || v > acc` does.
__device__ __forceinline__ double reduce_combine(int op, double acc, double v) {
    if (op == KILN_REDUCE_SUM) return acc + v;
    if (acc != acc) return acc;
    if (v != v) return v;
    if (op == KILN_REDUCE_MAX) return v > acc ? v : acc;
    return v < acc ? v : acc;
}

__device__ __forceinline__ double block_reduce(int op, double v, double* scratch) {
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    int warps = (blockDim.x + 31) >> 5;
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        v = reduce_combine(op, v, __shfl_xor_sync(0xffffffffu, v, o));
    }
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : reduce_init(op);
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        v = reduce_combine(op, v, __shfl_xor_sync(0xffffffffu, v, o));
    }
    return v;
}

// Block (blockIdx.x, blockIdx.y) reduces split y of output x. splits == 1 writes out directly,
// otherwise partial[x * splits + y].
template <typename T, typename O>
__device__ __forceinline__ void reduce_rows_impl(const ReduceLayout& R, int op, O* out, double* partial,
                                                 const T* x, int splits) {
    __shared__ double scratch[32];
    int o = blockIdx.x;
    int s = blockIdx.y;
    int chunk = (R.inner + splits - 1) / splits;
    int begin = s * chunk;
    int end = min(R.inner, begin + chunk);
    const T* base = x + kept_offset(R, o);
    double acc = reduce_init(op);
    for (int r = begin + threadIdx.x; r < end; r += blockDim.x) {
        acc = reduce_combine(op, acc, (double) base[reduced_offset(R, r)]);
    }
    acc = block_reduce(op, acc, scratch);
    if (threadIdx.x == 0) {
        if (splits == 1) {
            out[o] = from_double<O>(acc);
        } else {
            partial[(i64) o * splits + s] = acc;
        }
    }
}

// Thread (global x, blockIdx.y) reduces split y of output x, sequentially.
template <typename T, typename O>
__device__ __forceinline__ void reduce_cols_impl(const ReduceLayout& R, int op, O* out, double* partial,
                                                 const T* x, int splits) {
    i64 oi = global_index();
    if (oi >= R.outer) return;
    int o = (int) oi;
    int s = blockIdx.y;
    int chunk = (R.inner + splits - 1) / splits;
    int begin = s * chunk;
    int end = min(R.inner, begin + chunk);
    const T* base = x + kept_offset(R, o);
    double acc = reduce_init(op);
    for (int r = begin; r < end; r++) {
        acc = reduce_combine(op, acc, (double) base[reduced_offset(R, r)]);
    }
    if (splits == 1) {
        out[o] = from_double<O>(acc);
    } else {
        partial[(i64) o * splits + s] = acc;
    }
}

// out[o] = the reduction of partial[o * splits .. + splits); a block per output.
template <typename O>
__device__ __forceinline__ void reduce_finish_impl(int outer, int splits, int op, O* out, const double* partial) {
    __shared__ double scratch[32];
    int o = blockIdx.x;
    double acc = reduce_init(op);
    for (int s = threadIdx.x; s < splits; s += blockDim.x) {
        acc = reduce_combine(op, acc, partial[(i64) o * splits + s]);
    }
    acc = block_reduce(op, acc, scratch);
    if (threadIdx.x == 0) out[o] = from_double<O>(acc);
}

#define KILN_REDUCE(suffix, T, O) \
    extern "C" __global__ void reduce_rows_##suffix(ReduceLayout R, int op, O* out, double* partial, const T* x, int splits) { \
        reduce_rows_impl<T, O>(R, op, out, partial, x, splits); \
    } \
    extern "C" __global__ void reduce_cols_##suffix(ReduceLayout R, int op, O* out, double* partial, const T* x, int splits) { \
        reduce_cols_impl<T, O>(R, op, out, partial, x, splits); \
    }
KILN_REDUCE(f32, float, float)
KILN_REDUCE(f64, double, double)
KILN_REDUCE(i32, int, int)
KILN_REDUCE(u8, u8, int)  // sum of BOOL counts into I32

#define KILN_REDUCE_FINISH(suffix, O) \
    extern "C" __global__ void reduce_finish_##suffix(int outer, int splits, int op, O* out, const double* partial) { \
        reduce_finish_impl<O>(outer, splits, op, out, partial); \
    }
KILN_REDUCE_FINISH(f32, float)
KILN_REDUCE_FINISH(f64, double)
KILN_REDUCE_FINISH(i32, int)

// ---------------------------------------------------------------- argmax / argmin

// Whether candidate (v, i) beats the current best (bv, bi): the first NaN wins, then the
// larger (MAX) or smaller (MIN) value, then the lower index, as the reference's scan.
__device__ __forceinline__ bool arg_better(int op, double v, int i, double bv, int bi) {
    bool vn = v != v;
    bool bn = bv != bv;
    if (vn || bn) {
        if (vn && bn) return i < bi;
        return vn;
    }
    if (v == bv) return i < bi;
    return op == KILN_REDUCE_MAX ? v > bv : v < bv;
}

// ReduceLayout with one reduced dim; a block per output.
template <typename T>
__device__ __forceinline__ void argreduce_rows_impl(const ReduceLayout& R, int op, int* out, const T* x) {
    __shared__ double sv[32];
    __shared__ int si[32];
    int o = blockIdx.x;
    const T* base = x + kept_offset(R, o);
    double bv = 0;
    int bi = 0x7fffffff;
    for (int r = threadIdx.x; r < R.inner; r += blockDim.x) {
        double v = (double) base[r * R.redStride[0]];
        if (bi == 0x7fffffff || arg_better(op, v, r, bv, bi)) {
            bv = v;
            bi = r;
        }
    }
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    int warps = (blockDim.x + 31) >> 5;
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) {
        double ov = __shfl_xor_sync(0xffffffffu, bv, off);
        int oi = __shfl_xor_sync(0xffffffffu, bi, off);
        if (oi != 0x7fffffff && (bi == 0x7fffffff || arg_better(op, ov, oi, bv, bi))) {
            bv = ov;
            bi = oi;
        }
    }
    if (lane == 0) {
        sv[warp] = bv;
        si[warp] = bi;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        for (int w = 1; w < warps; w++) {
            if (si[w] != 0x7fffffff && (bi == 0x7fffffff || arg_better(op, sv[w], si[w], bv, bi))) {
                bv = sv[w];
                bi = si[w];
            }
        }
        out[o] = bi;
    }
}

// A thread per output, scanning the dim in order (small dims, or dims that are not contiguous).
template <typename T>
__device__ __forceinline__ void argreduce_cols_impl(const ReduceLayout& R, int op, int* out, const T* x) {
    i64 oi = global_index();
    if (oi >= R.outer) return;
    int o = (int) oi;
    const T* base = x + kept_offset(R, o);
    double bv = (double) base[0];
    int bi = 0;
    for (int r = 1; r < R.inner; r++) {
        double v = (double) base[r * R.redStride[0]];
        if (arg_better(op, v, r, bv, bi)) {
            bv = v;
            bi = r;
        }
    }
    out[o] = bi;
}

#define KILN_ARGREDUCE(suffix, T) \
    extern "C" __global__ void argreduce_rows_##suffix(ReduceLayout R, int op, int* out, const T* x) { \
        argreduce_rows_impl<T>(R, op, out, x); \
    } \
    extern "C" __global__ void argreduce_cols_##suffix(ReduceLayout R, int op, int* out, const T* x) { \
        argreduce_cols_impl<T>(R, op, out, x); \
    }
KILN_ARGREDUCE(f32, float)
KILN_ARGREDUCE(f64, double)
KILN_ARGREDUCE(i32, int)
