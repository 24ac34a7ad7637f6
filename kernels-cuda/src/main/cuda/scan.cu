// prod, the scans (cumsum, cumprod, cummax, cummin, logcumsumexp), sort and top-k.
// prod and the scans work along one dim of a contiguous tensor viewed as [outer, n, inner]: a
// thread per (outer, inner) line, which runs the line sequentially in double as the reference
// loops do (so they agree exactly, logcumsumexp up to the last bit of exp/log1p), with loads
// coalesced across inner. sort and top-k work on rows [rows, n] in the stable order (NaN largest,
// -0.0 equal to 0.0, equal values by position; descending reverses the values, not the positions).
// With the position as a tie-break every key is distinct, so any sorting network is stable: a
// block bitonic-sorts a tile of up to KILN_SORT_TILE elements in shared memory (padded to a power
// of two with entries that sort after everything); a row of one tile is written straight to the
// first k outputs, longer rows are sorted tile by tile into scratch and merged pairwise, one pass
// per doubling of the run width, each element finding its place by binary search in the other run
// (the last pass writes the first k). O(n log² n) work per row.
#include "kiln.cuh"

// Elements a block sorts in shared memory: 2048 x (8 + 4) bytes = 24 KiB for f64, under the 48 KiB
// a block may use without opting in. Must be a power of two.
#define KILN_SORT_TILE 2048

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
// equal to 0.0, and equal values in position order. A negative position is padding, after everything.
__device__ __forceinline__ bool comes_before(double a, int i, double b, int j, int desc) {
    if (i < 0 || j < 0) return j < 0 && i >= 0;
    bool an = a != a;
    bool bn = b != b;
    int c = (an || bn) ? (an == bn ? 0 : (an ? 1 : -1)) : (a < b ? -1 : (a > b ? 1 : 0));
    if (desc) c = -c;
    return c < 0 || (c == 0 && i < j);
}

// One tile of a row, bitonic-sorted in shared memory by one block: grid (rows, tiles). Position p
// of the sorted tile t goes to values/indices[row * k + t * TILE + p] when that is below k (so a
// one-tile row writes its top k, and a long row sorted with k = n writes whole sorted runs).
template <typename T>
__device__ __forceinline__ void sort_tile_impl(int n, int k, int desc, T* values, int* indices, const T* x) {
    extern __shared__ __align__(16) unsigned char smem_raw[];
    T* sv = reinterpret_cast<T*>(smem_raw);
    int* si = reinterpret_cast<int*>(smem_raw + KILN_SORT_TILE * sizeof(T));
    i64 row = blockIdx.x;
    int start = blockIdx.y * KILN_SORT_TILE;
    int len = min(n - start, KILN_SORT_TILE);
    int p2 = 1;
    while (p2 < len) p2 <<= 1;
    const T* xr = x + row * n + start;
    for (int i = threadIdx.x; i < p2; i += blockDim.x) {
        sv[i] = i < len ? xr[i] : (T) 0;
        si[i] = i < len ? start + i : -1;
    }
    __syncthreads();
    for (int size = 2; size <= p2; size <<= 1) {
        for (int stride = size >> 1; stride > 0; stride >>= 1) {
            for (int t = threadIdx.x; t < p2 / 2; t += blockDim.x) {
                int lo = 2 * t - (t & (stride - 1));
                int hi = lo + stride;
                bool up = (lo & size) == 0;
                bool hiFirst = comes_before((double) sv[hi], si[hi], (double) sv[lo], si[lo], desc);
                bool loFirst = comes_before((double) sv[lo], si[lo], (double) sv[hi], si[hi], desc);
                if (up ? hiFirst : loFirst) {
                    T v = sv[lo];
                    sv[lo] = sv[hi];
                    sv[hi] = v;
                    int j = si[lo];
                    si[lo] = si[hi];
                    si[hi] = j;
                }
            }
            __syncthreads();
        }
    }
    for (int p = threadIdx.x; p < len && start + p < k; p += blockDim.x) {
        values[row * k + start + p] = sv[p];
        indices[row * k + start + p] = si[p];
    }
}

// One merge pass over [rows, n] runs of width sorted runs: a thread per element counts the
// elements of the other run of its pair that come before it (binary search), which with its place
// in its own run is its place in the merged run of 2 * width; written to row * k + place if below k.
template <typename T>
__device__ __forceinline__ void sort_merge_impl(int rows, int n, int width, int k, int desc, T* values, int* indices,
                                                const T* inValues, const int* inIndices) {
    i64 e = global_index();
    if (e >= (i64) rows * n) return;
    i64 row = e / n;
    int p = (int) (e - row * n);
    i64 pair = 2 * (i64) width;
    int s = (int) ((p / pair) * pair);
    int mid = (int) min((i64) s + width, (i64) n);
    int end = (int) min((i64) s + pair, (i64) n);
    const T* rv = inValues + row * n;
    const int* ri = inIndices + row * n;
    double v = (double) rv[p];
    int at = ri[p];
    bool left = p < mid;
    int a = left ? mid : s;
    int b = left ? end : mid;
    int first = a;
    while (a < b) {
        int m = a + ((b - a) >> 1);
        if (comes_before((double) rv[m], ri[m], v, at, desc)) {
            a = m + 1;
        } else {
            b = m;
        }
    }
    int place = s + (p - (left ? s : mid)) + (a - first);
    if (place < k) {
        values[row * k + place] = rv[p];
        indices[row * k + place] = at;
    }
}

#define KILN_SCAN(suffix, T) \
    extern "C" __global__ void prod_##suffix(int outer, int n, int inner, T* out, const T* x) { \
        prod_impl<T>(outer, n, inner, out, x); \
    } \
    extern "C" __global__ void scan_##suffix(int outer, int n, int inner, int op, T* out, int* idx, const T* x) { \
        scan_impl<T>(outer, n, inner, op, out, idx, x); \
    } \
    extern "C" __global__ void sort_tile_##suffix(int n, int k, int desc, T* values, int* indices, const T* x) { \
        sort_tile_impl<T>(n, k, desc, values, indices, x); \
    } \
    extern "C" __global__ void sort_merge_##suffix(int rows, int n, int width, int k, int desc, T* values, \
                                                   int* indices, const T* inValues, const int* inIndices) { \
        sort_merge_impl<T>(rows, n, width, k, desc, values, indices, inValues, inIndices); \
    }
KILN_SCAN(f32, float)
KILN_SCAN(f64, double)
KILN_SCAN(i32, int)
