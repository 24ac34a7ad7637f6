// prod, the scans (cumsum, cumprod, cummax, cummin, logcumsumexp), sort and top-k.
// prod and the scans work along one dim of a contiguous tensor viewed as [outer, n, inner]: a
// thread per (outer, inner) line, which runs the line sequentially in double as the reference
// loops do (so they agree exactly, logcumsumexp up to the last bit of exp/log1p), with loads
// coalesced across inner. sort and top-k work on rows [rows, n]: a block per row ranks each
// element by counting the elements that come before it in the stable order (NaN largest, -0.0
// equal to 0.0, equal values by position), and writes it at its rank when that is below k. That
// is O(n^2) work per row, all of it parallel and without scratch memory: meant for rows of up to
// a few thousand elements.
#include "kiln.cuh"

// ---------------------------------------------------------------- prod

template <typename T>
__device__ __forceinline__ void prod_impl(int outer, int n, int inner, T* out, const T* x) {
    i64 t = global_index();
    if (t >= (i64) outer * inner) return;
    i64 a = t / inner;
    i64 c = t - a * inner;
    i64 base = a * n * inner + c;
    double p = 1;
    for (int k = 0; k < n; k++) p *= (double) x[base + (i64) k * inner];
    out[t] = from_double<T>(p);
}

// ---------------------------------------------------------------- scans

// log(e^a + e^b): NaN if either is NaN, an infinite max as is (so -inf + -inf stays -inf)
__device__ __forceinline__ double log_add_exp(double a, double b) {
    if (a != a || b != b) return a + b;
    double m = a > b ? a : b;
    if (isinf(m)) return m;
    double lo = a > b ? b : a;
    return m + log1p(exp(lo - m));
}

template <typename T>
__device__ __forceinline__ void scan_impl(int outer, int n, int inner, int op, T* out, int* idx, const T* x) {
    i64 t = global_index();
    if (t >= (i64) outer * inner) return;
    i64 a = t / inner;
    i64 c = t - a * inner;
    i64 base = a * n * inner + c;
    double acc = 0;
    int at = 0;
    for (int k = 0; k < n; k++) {
        i64 j = base + (i64) k * inner;
        double v = (double) x[j];
        if (k == 0) {
            acc = v;
        } else if (op == KILN_SCAN_CUMSUM) {
            acc += v;
        } else if (op == KILN_SCAN_CUMPROD) {
            acc *= v;
        } else if (op == KILN_SCAN_LOGCUMSUMEXP) {
            acc = log_add_exp(acc, v);
        } else {
            // the latest of equal values takes over; a NaN, once met, stays
            bool take = op == KILN_SCAN_CUMMAX ? v >= acc : v <= acc;
            if (v != v || (acc == acc && take)) {
                acc = v;
                at = k;
            }
        }
        out[j] = from_double<T>(acc);
        if (idx) idx[j] = at;
    }
}

// ---------------------------------------------------------------- sort and top-k

// Whether (a, i) comes before (b, j): ascending (descending when desc) with NaN largest, -0.0
// equal to 0.0, and equal values in position order.
__device__ __forceinline__ bool comes_before(double a, int i, double b, int j, int desc) {
    bool an = a != a;
    bool bn = b != b;
    int c = (an || bn) ? (an == bn ? 0 : (an ? 1 : -1)) : (a < b ? -1 : (a > b ? 1 : 0));
    if (desc) c = -c;
    return c < 0 || (c == 0 && i < j);
}

template <typename T>
__device__ __forceinline__ void topk_impl(int n, int k, int desc, T* values, int* indices, const T* x) {
    i64 row = blockIdx.x;
    const T* xr = x + row * n;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        double v = (double) xr[i];
        int rank = 0;
        for (int j = 0; j < n && rank < k; j++) {
            rank += comes_before((double) xr[j], j, v, i, desc) ? 1 : 0;
        }
        if (rank < k) {
            values[row * k + rank] = xr[i];
            indices[row * k + rank] = i;
        }
    }
}

#define KILN_SCAN(suffix, T) \
    extern "C" __global__ void prod_##suffix(int outer, int n, int inner, T* out, const T* x) { \
        prod_impl<T>(outer, n, inner, out, x); \
    } \
    extern "C" __global__ void scan_##suffix(int outer, int n, int inner, int op, T* out, int* idx, const T* x) { \
        scan_impl<T>(outer, n, inner, op, out, idx, x); \
    } \
    extern "C" __global__ void topk_##suffix(int n, int k, int desc, T* values, int* indices, const T* x) { \
        topk_impl<T>(n, k, desc, values, indices, x); \
    }
KILN_SCAN(f32, float)
KILN_SCAN(f64, double)
KILN_SCAN(i32, int)
