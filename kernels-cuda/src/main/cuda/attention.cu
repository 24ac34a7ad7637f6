// Fused attention, forward and backward, without ever forming the Tq×Tk score matrix:
//   softmax (scaled dot-product) attention with an online softmax (Milakov & Gimelshein 2018;
//   the tiling and the backward's use of the saved log-sum-exp follow FlashAttention-2, Dao 2023,
//   written for CUDA cores rather than tensor cores), and
//   normalised linear attention in its quadratic form (out_i = Σ_j a_ij v_j / (eps + Σ_j a_ij),
//   a_ij = q_i·k_j), which shares every loop but the weights.
// q [B, H, Tq, D], k [B, Hkv, Tk, D], v [B, Hkv, Tk, Dv] with unit stride in the last dim and any
// other strides; query head h reads key head h / (H / Hkv). Causal masks are end-aligned: query i
// sees keys j <= i + Tk - Tq. D and Dv are at most 32 * KILN_ATT_PER = 256. Softmax attention takes
// an optional mask, read in place through its (b, h, i, j) strides (0 on broadcast dims): a BOOL
// mask hides key j from query i where it is 0, a float mask is added to the scaled score; a row
// that sees no key gets zeros, lse = -inf and zero gradients. The backward recomputes the scores
// with the same mask and, given dmask, writes dS (the float mask's gradient) per (b, h, i, j).
//
// Layout of the work: blockIdx.x picks the (batch, head), blockIdx.y a group of rows. A block of
// KILN_ATT_ROWS warps, one query (or key) row per warp, walks tiles
// of 32 keys (or queries) staged in shared memory. Within a tile lane j owns key j for the dot
// products and the softmax; the weighted sums over the tile then run with lane e owning output
// dims e, e + 32, ..., the weight of key j fetched from lane j with a shuffle.
#include "kiln.cuh"

#define KILN_ATT_ROWS 8
#define KILN_ATT_TILE 32
#define KILN_ATT_PER 8

#define KILN_ATT_SOFTMAX 0
#define KILN_ATT_LINEAR 1

#define KILN_ATT_MASK_NONE 0
#define KILN_ATT_MASK_BOOL 1
#define KILN_ATT_MASK_ADD 2

// Shapes and strides of one attention call (AttentionShape.java packs it; 25 ints).
struct AttnShape {
    int B, H, Hkv, Tq, Tk, D, Dv, causal;
    int qs[3];  // strides of q over b, h, t
    int ks[3];
    int vs[3];
    int gs[3];  // strides of dout (backward)
    int mkind;  // KILN_ATT_MASK_*
    int ms[4];  // strides of the mask over b, h, i, j
};

// The scaled score s of (query i, key j) in head (b, h) with the mask applied: -inf where a BOOL
// mask is 0, s + mask for a float one
template <typename T>
__device__ __forceinline__ T att_masked(const AttnShape& S, const void* mask, int b, int h, int i, int j, T s) {
    if (S.mkind == KILN_ATT_MASK_NONE) return s;
    i64 o = (i64) b * S.ms[0] + (i64) h * S.ms[1] + (i64) i * S.ms[2] + (i64) j * S.ms[3];
    if (S.mkind == KILN_ATT_MASK_BOOL) return ((const unsigned char*) mask)[o] ? s : (T) -INFINITY;
    return s + ((const T*) mask)[o];
}

__device__ __forceinline__ int att_last_key(const AttnShape& S, int i) {
    return S.causal ? min(S.Tk - 1, i + S.Tk - S.Tq) : S.Tk - 1;
}

template <typename T>
__device__ __forceinline__ T warp_max_of(T v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        T other = __shfl_xor_sync(0xffffffffu, v, o);
        v = other > v ? other : v;
    }
    return v;
}

// rows [row0, row0 + n) of a [.., T, width] tensor into shared memory with the given pitch (zeros past `limit`)
template <typename T>
__device__ __forceinline__ void att_stage(T* dst, int pitch, const T* src, int stride, int row0, int n, int limit,
                                          int width) {
    for (int idx = threadIdx.x; idx < n * width; idx += blockDim.x) {
        int r = idx / width;
        int c = idx - r * width;
        int row = row0 + r;
        dst[r * pitch + c] = row < limit ? src[(i64) row * stride + c] : (T) 0;
    }
}

// ---------------------------------------------------------------- forward

template <typename T>
__device__ void attention_forward_impl(const AttnShape& S, int mode, double scaleOrEps, T* out, T* rowstat,
                                       const T* q, const T* k, const T* v, const void* mask) {
    extern __shared__ __align__(16) unsigned char smem_raw[];
    T* Ks = reinterpret_cast<T*>(smem_raw);                  // [TILE][D + 1]
    T* Vs = Ks + KILN_ATT_TILE * (S.D + 1);                  // [TILE][Dv + 1]
    T* Qs = Vs + KILN_ATT_TILE * (S.Dv + 1);                 // [ROWS][D]
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    const int b = blockIdx.x / S.H;
    const int h = blockIdx.x - b * S.H;
    const int hk = h / (S.H / S.Hkv);
    const int row0 = blockIdx.y * KILN_ATT_ROWS;
    const int i = row0 + warp;
    const bool valid = i < S.Tq;
    const T* qb = q + (i64) b * S.qs[0] + (i64) h * S.qs[1];
    const T* kb = k + (i64) b * S.ks[0] + (i64) hk * S.ks[1];
    const T* vb = v + (i64) b * S.vs[0] + (i64) hk * S.vs[1];
    att_stage(Qs, S.D, qb, S.qs[2], row0, KILN_ATT_ROWS, S.Tq, S.D);
    const int last = valid ? att_last_key(S, i) : -1;
    const int lastRow = min(row0 + KILN_ATT_ROWS, S.Tq) - 1;
    const int blockLast = att_last_key(S, lastRow);
    const T scale = (T) scaleOrEps;

    T m = -INFINITY;
    T l = 0;
    T acc[KILN_ATT_PER];
#pragma unroll
    for (int t = 0; t < KILN_ATT_PER; t++) acc[t] = 0;

    for (int j0 = 0; j0 <= blockLast; j0 += KILN_ATT_TILE) {
        __syncthreads();  // the previous tile is consumed (and Qs staged before the first)
        att_stage(Ks, S.D + 1, kb, S.ks[2], j0, KILN_ATT_TILE, S.Tk, S.D);
        att_stage(Vs, S.Dv + 1, vb, S.vs[2], j0, KILN_ATT_TILE, S.Tk, S.Dv);
        __syncthreads();
        if (!valid || j0 > last) continue;  // warp-uniform
        const int j = j0 + lane;
        const bool sees = j <= last;
        T dot = 0;
        if (sees) {
            const T* qr = Qs + warp * S.D;
            const T* kr = Ks + lane * (S.D + 1);
            for (int c = 0; c < S.D; c++) dot += qr[c] * kr[c];
        }
        T p;
        if (mode == KILN_ATT_SOFTMAX) {
            T s = sees ? att_masked(S, mask, b, h, i, j, dot * scale) : (T) -INFINITY;
            T mNew = warp_max_of(s);
            mNew = mNew > m ? mNew : m;
            // while every key so far is hidden, mNew is -inf: nothing to rescale, and P = 0 (not exp(-inf + inf))
            T corr = mNew == (T) -INFINITY ? (T) 1 : exp(m - mNew);  // 0 while m is -inf
            p = s == (T) -INFINITY ? (T) 0 : exp(s - mNew);
            l = l * corr + warp_sum(p);
#pragma unroll
            for (int t = 0; t < KILN_ATT_PER; t++) acc[t] *= corr;
            m = mNew;
        } else {
            p = sees ? dot : (T) 0;
            l += warp_sum(p);
        }
        const int n = min(KILN_ATT_TILE, last - j0 + 1);
        for (int jj = 0; jj < n; jj++) {
            T pj = __shfl_sync(0xffffffffu, p, jj);
            const T* vr = Vs + jj * (S.Dv + 1);
#pragma unroll
            for (int t = 0; t < KILN_ATT_PER; t++) {
                int e = lane + 32 * t;
                if (e < S.Dv) acc[t] += pj * vr[e];
            }
        }
    }
    if (!valid) return;
    const i64 r = ((i64) b * S.H + h) * S.Tq + i;
    T denom;
    if (mode == KILN_ATT_SOFTMAX) {
        denom = l;
        if (lane == 0) rowstat[r] = l > 0 ? m + log(l) : (T) -INFINITY;
    } else {
        denom = (T) scaleOrEps + l;  // eps + Σ a
        if (lane == 0) rowstat[r] = denom;
    }
    T* outr = out + r * S.Dv;
#pragma unroll
    for (int t = 0; t < KILN_ATT_PER; t++) {
        int e = lane + 32 * t;
        if (e < S.Dv) outr[e] = (mode == KILN_ATT_SOFTMAX && l == 0) ? (T) 0 : acc[t] / denom;
    }
}

// ---------------------------------------------------------------- backward

// Di[r] = Σ_e dout[r, e] · out[r, e], a warp per query row (out contiguous)
template <typename T>
__device__ void attention_rowdot_impl(const AttnShape& S, T* di, const T* dout, const T* out) {
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    i64 r = (i64) blockIdx.x * KILN_ATT_ROWS + warp;
    if (r >= (i64) S.B * S.H * S.Tq) return;
    int i = (int) (r % S.Tq);
    i64 bh = r / S.Tq;
    int h = (int) (bh % S.H);
    int b = (int) (bh / S.H);
    const T* g = dout + (i64) b * S.gs[0] + (i64) h * S.gs[1] + (i64) i * S.gs[2];
    const T* o = out + r * S.Dv;
    T s = 0;
    for (int e = lane; e < S.Dv; e += 32) s += g[e] * o[e];
    s = warp_sum(s);
    if (lane == 0) di[r] = s;
}

// The weight p_ij and the score gradient dS_ij of one visible (query, key) pair; s is the masked,
// scaled score for softmax (-inf where the mask hides the key: p = 0), the dot product for linear.
// dsm is dS before the scale: the gradient of an additive mask.
template <typename T>
__device__ __forceinline__ void att_pair(int mode, T scale, T s, T dp, T stat, T di, T& p, T& ds, T& dsm) {
    if (mode == KILN_ATT_SOFTMAX) {
        p = s == (T) -INFINITY ? (T) 0 : exp(s - stat);   // stat = lse
        dsm = p * (dp - di);
        ds = dsm * scale;
    } else {
        p = s / stat;                // stat = eps + Σ a
        ds = (dp - di) / stat;
        dsm = 0;
    }
}

// dq: a warp per query row, tiles of keys; dq_i = Σ_j dS_ij k_j
template <typename T>
__device__ void attention_dq_impl(const AttnShape& S, int mode, double scaleD, T* dq, const T* q, const T* k,
                                  const T* v, const T* dout, const T* rowstat, const T* di, const void* mask,
                                  T* dmask) {
    extern __shared__ __align__(16) unsigned char smem_raw[];
    T* Ks = reinterpret_cast<T*>(smem_raw);                  // [TILE][D + 1]
    T* Vs = Ks + KILN_ATT_TILE * (S.D + 1);                  // [TILE][Dv + 1]
    T* Qs = Vs + KILN_ATT_TILE * (S.Dv + 1);                 // [ROWS][D]
    T* Gs = Qs + KILN_ATT_ROWS * S.D;                        // [ROWS][Dv]
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    const int b = blockIdx.x / S.H;
    const int h = blockIdx.x - b * S.H;
    const int hk = h / (S.H / S.Hkv);
    const int row0 = blockIdx.y * KILN_ATT_ROWS;
    const int i = row0 + warp;
    const bool valid = i < S.Tq;
    const T* kb = k + (i64) b * S.ks[0] + (i64) hk * S.ks[1];
    const T* vb = v + (i64) b * S.vs[0] + (i64) hk * S.vs[1];
    att_stage(Qs, S.D, q + (i64) b * S.qs[0] + (i64) h * S.qs[1], S.qs[2], row0, KILN_ATT_ROWS, S.Tq, S.D);
    att_stage(Gs, S.Dv, dout + (i64) b * S.gs[0] + (i64) h * S.gs[1], S.gs[2], row0, KILN_ATT_ROWS, S.Tq, S.Dv);
    const int last = valid ? att_last_key(S, i) : -1;
    const int blockLast = att_last_key(S, min(row0 + KILN_ATT_ROWS, S.Tq) - 1);
    const T scale = (T) scaleD;
    const i64 r = ((i64) b * S.H + h) * S.Tq + i;
    const T stat = valid ? rowstat[r] : (T) 0;
    const T d = valid ? di[r] : (T) 0;
    T acc[KILN_ATT_PER];
#pragma unroll
    for (int t = 0; t < KILN_ATT_PER; t++) acc[t] = 0;

    for (int j0 = 0; j0 <= blockLast; j0 += KILN_ATT_TILE) {
        __syncthreads();
        att_stage(Ks, S.D + 1, kb, S.ks[2], j0, KILN_ATT_TILE, S.Tk, S.D);
        att_stage(Vs, S.Dv + 1, vb, S.vs[2], j0, KILN_ATT_TILE, S.Tk, S.Dv);
        __syncthreads();
        if (!valid || j0 > last) continue;
        const int j = j0 + lane;
        T ds = 0;
        if (j <= last) {
            const T* qr = Qs + warp * S.D;
            const T* kr = Ks + lane * (S.D + 1);
            T dot = 0;
            for (int c = 0; c < S.D; c++) dot += qr[c] * kr[c];
            const T* gr = Gs + warp * S.Dv;
            const T* vr = Vs + lane * (S.Dv + 1);
            T dp = 0;
            for (int e = 0; e < S.Dv; e++) dp += gr[e] * vr[e];
            T p;
            T dsm;
            T s = mode == KILN_ATT_SOFTMAX ? att_masked(S, mask, b, h, i, j, dot * scale) : dot;
            att_pair(mode, scale, s, dp, stat, d, p, ds, dsm);
            if (dmask != nullptr) dmask[r * S.Tk + j] = dsm;  // one writer per (b, h, i, j)
        }
        const int n = min(KILN_ATT_TILE, last - j0 + 1);
        for (int jj = 0; jj < n; jj++) {
            T dsj = __shfl_sync(0xffffffffu, ds, jj);
            const T* kr = Ks + jj * (S.D + 1);
#pragma unroll
            for (int t = 0; t < KILN_ATT_PER; t++) {
                int c = lane + 32 * t;
                if (c < S.D) acc[t] += dsj * kr[c];
            }
        }
    }
    if (!valid) return;
    T* dqr = dq + r * S.D;
#pragma unroll
    for (int t = 0; t < KILN_ATT_PER; t++) {
        int c = lane + 32 * t;
        if (c < S.D) dqr[c] = acc[t];
    }
}

// dk, dv: a warp per key row, tiles of queries over every query head that reads this key head;
// dv_j = Σ_i p_ij dout_i, dk_j = Σ_i dS_ij q_i
template <typename T>
__device__ void attention_dkdv_impl(const AttnShape& S, int mode, double scaleD, T* dk, T* dv, const T* q, const T* k,
                                    const T* v, const T* dout, const T* rowstat, const T* di, const void* mask) {
    extern __shared__ __align__(16) unsigned char smem_raw[];
    T* Qs = reinterpret_cast<T*>(smem_raw);                  // [TILE][D + 1]
    T* Gs = Qs + KILN_ATT_TILE * (S.D + 1);                  // [TILE][Dv + 1]
    T* Kr = Gs + KILN_ATT_TILE * (S.Dv + 1);                 // [ROWS][D]
    T* Vr = Kr + KILN_ATT_ROWS * S.D;                        // [ROWS][Dv]
    T* stats = Vr + KILN_ATT_ROWS * S.Dv;                    // [TILE]
    T* dis = stats + KILN_ATT_TILE;                          // [TILE]
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    const int b = blockIdx.x / S.Hkv;
    const int hk = blockIdx.x - b * S.Hkv;
    const int group = S.H / S.Hkv;
    const int key0 = blockIdx.y * KILN_ATT_ROWS;
    const int j = key0 + warp;
    const bool valid = j < S.Tk;
    att_stage(Kr, S.D, k + (i64) b * S.ks[0] + (i64) hk * S.ks[1], S.ks[2], key0, KILN_ATT_ROWS, S.Tk, S.D);
    att_stage(Vr, S.Dv, v + (i64) b * S.vs[0] + (i64) hk * S.vs[1], S.vs[2], key0, KILN_ATT_ROWS, S.Tk, S.Dv);
    // the first query that sees key j: i + Tk - Tq >= j
    const int shift = S.Tk - S.Tq;
    const int firstQuery = S.causal ? max(0, j - shift) : 0;
    const int blockFirst = S.causal ? max(0, key0 - shift) : 0;
    const T scale = (T) scaleD;
    T accK[KILN_ATT_PER];
    T accV[KILN_ATT_PER];
#pragma unroll
    for (int t = 0; t < KILN_ATT_PER; t++) {
        accK[t] = 0;
        accV[t] = 0;
    }
    for (int g = 0; g < group; g++) {
        const int h = hk * group + g;
        const T* qb = q + (i64) b * S.qs[0] + (i64) h * S.qs[1];
        const T* gb = dout + (i64) b * S.gs[0] + (i64) h * S.gs[1];
        const i64 rbase = ((i64) b * S.H + h) * S.Tq;
        for (int i0 = blockFirst - blockFirst % KILN_ATT_TILE; i0 < S.Tq; i0 += KILN_ATT_TILE) {
            __syncthreads();
            att_stage(Qs, S.D + 1, qb, S.qs[2], i0, KILN_ATT_TILE, S.Tq, S.D);
            att_stage(Gs, S.Dv + 1, gb, S.gs[2], i0, KILN_ATT_TILE, S.Tq, S.Dv);
            if (threadIdx.x < KILN_ATT_TILE) {
                int i = i0 + threadIdx.x;
                stats[threadIdx.x] = i < S.Tq ? rowstat[rbase + i] : (T) 0;
                dis[threadIdx.x] = i < S.Tq ? di[rbase + i] : (T) 0;
            }
            __syncthreads();
            if (!valid || i0 + KILN_ATT_TILE <= firstQuery) continue;
            const int i = i0 + lane;
            T p = 0;
            T ds = 0;
            if (i < S.Tq && i >= firstQuery) {
                const T* qr = Qs + lane * (S.D + 1);
                const T* kr = Kr + warp * S.D;
                T dot = 0;
                for (int c = 0; c < S.D; c++) dot += qr[c] * kr[c];
                const T* gr = Gs + lane * (S.Dv + 1);
                const T* vr = Vr + warp * S.Dv;
                T dp = 0;
                for (int e = 0; e < S.Dv; e++) dp += gr[e] * vr[e];
                T dsm;
                T s = mode == KILN_ATT_SOFTMAX ? att_masked(S, mask, b, h, i, j, dot * scale) : dot;
                att_pair(mode, scale, s, dp, stats[lane], dis[lane], p, ds, dsm);
            }
            const int n = min(KILN_ATT_TILE, S.Tq - i0);
            for (int ii = 0; ii < n; ii++) {
                T pi = __shfl_sync(0xffffffffu, p, ii);
                T dsi = __shfl_sync(0xffffffffu, ds, ii);
                const T* qr = Qs + ii * (S.D + 1);
                const T* gr = Gs + ii * (S.Dv + 1);
#pragma unroll
                for (int t = 0; t < KILN_ATT_PER; t++) {
                    int c = lane + 32 * t;
                    if (c < S.D) accK[t] += dsi * qr[c];
                    if (c < S.Dv) accV[t] += pi * gr[c];
                }
            }
        }
    }
    if (!valid) return;
    const i64 r = ((i64) b * S.Hkv + hk) * S.Tk + j;
#pragma unroll
    for (int t = 0; t < KILN_ATT_PER; t++) {
        int c = lane + 32 * t;
        if (c < S.D) dk[r * S.D + c] = accK[t];
        if (c < S.Dv) dv[r * S.Dv + c] = accV[t];
    }
}

#define KILN_ATTENTION(suffix, T) \
    extern "C" __global__ void __launch_bounds__(256) attention_forward_##suffix(AttnShape S, int mode, double scaleOrEps, \
            T* out, T* rowstat, const T* q, const T* k, const T* v, const void* mask) { \
        attention_forward_impl<T>(S, mode, scaleOrEps, out, rowstat, q, k, v, mask); \
    } \
    extern "C" __global__ void __launch_bounds__(256) attention_rowdot_##suffix(AttnShape S, T* di, const T* dout, \
            const T* out) { \
        attention_rowdot_impl<T>(S, di, dout, out); \
    } \
    extern "C" __global__ void __launch_bounds__(256) attention_dq_##suffix(AttnShape S, int mode, double scale, T* dq, \
            const T* q, const T* k, const T* v, const T* dout, const T* rowstat, const T* di, const void* mask, \
            T* dmask) { \
        attention_dq_impl<T>(S, mode, scale, dq, q, k, v, dout, rowstat, di, mask, dmask); \
    } \
    extern "C" __global__ void __launch_bounds__(256) attention_dkdv_##suffix(AttnShape S, int mode, double scale, \
            T* dk, T* dv, const T* q, const T* k, const T* v, const T* dout, const T* rowstat, const T* di, \
            const void* mask) { \
        attention_dkdv_impl<T>(S, mode, scale, dk, dv, q, k, v, dout, rowstat, di, mask); \
    }
KILN_ATTENTION(f32, float)
KILN_ATTENTION(f64, double)
