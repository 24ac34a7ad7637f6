// Hand-written GEMM, kept beside cuBLAS for teaching and comparison (and used when no cuBLAS
// library can be loaded). Row-major C[M, N] = A[M, K] · B[K, N] with leading dimensions, batched
// over blockIdx.z with element strides between batches. Two versions, each a step of the usual
// path (see e.g. Simon Boehm's "How to optimize a CUDA matmul kernel"; no code taken from it):
//
//   gemm_tiled_*       v1: 16×16 tiles staged in shared memory, one output per thread. Every
//                      element loaded from global memory is reused 16 times.
//   sgemm_128x128[_vec4] v2: 128×128 block tiles, BK = 16, 256 threads each owning an 8×8
//                      register tile (reuse 8× from registers on top of shared memory), A stored
//                      transposed in shared memory so both operands are read as float4, two
//                      shared-memory stages with the next tile prefetched into registers while
//                      the current one is multiplied (one __syncthreads per step). The _vec4
//                      variant reads global memory as float4 and needs K, N, lda, ldb, ldc
//                      multiples of 4 and 16-byte aligned pointers (SgemmKernels.java checks).
#include "kiln.cuh"

// ---------------------------------------------------------------- v1: shared-memory tiles

#define TILE 16

template <typename T>
__device__ __forceinline__ void gemm_tiled_impl(int M, int N, int K, const T* A, int lda, i64 strideA, const T* B,
                                                int ldb, i64 strideB, T* C, int ldc, i64 strideC) {
    __shared__ T As[TILE][TILE];
    __shared__ T Bs[TILE][TILE + 1];
    A += blockIdx.z * strideA;
    B += blockIdx.z * strideB;
    C += blockIdx.z * strideC;
    int tx = threadIdx.x;
    int ty = threadIdx.y;
    int row = blockIdx.y * TILE + ty;
    int col = blockIdx.x * TILE + tx;
    T acc = 0;
    for (int k0 = 0; k0 < K; k0 += TILE) {
        As[ty][tx] = (row < M && k0 + tx < K) ? A[(i64) row * lda + k0 + tx] : (T) 0;
        Bs[ty][tx] = (k0 + ty < K && col < N) ? B[(i64) (k0 + ty) * ldb + col] : (T) 0;
        __syncthreads();
#pragma unroll
        for (int k = 0; k < TILE; k++) acc += As[ty][k] * Bs[k][tx];
        __syncthreads();
    }
    if (row < M && col < N) C[(i64) row * ldc + col] = acc;
}

extern "C" __global__ void gemm_tiled_f32(int M, int N, int K, const float* A, int lda, i64 strideA, const float* B,
                                          int ldb, i64 strideB, float* C, int ldc, i64 strideC) {
    gemm_tiled_impl<float>(M, N, K, A, lda, strideA, B, ldb, strideB, C, ldc, strideC);
}
extern "C" __global__ void gemm_tiled_f64(int M, int N, int K, const double* A, int lda, i64 strideA, const double* B,
                                          int ldb, i64 strideB, double* C, int ldc, i64 strideC) {
    gemm_tiled_impl<double>(M, N, K, A, lda, strideA, B, ldb, strideB, C, ldc, strideC);
}

// ---------------------------------------------------------------- v2: register blocking

#define BM 128
#define BN 128
#define BK 16
#define THREADS 256

template <bool VEC>
__device__ __forceinline__ void sgemm_128_impl(int M, int N, int K, const float* A, int lda, i64 strideA,
                                               const float* B, int ldb, i64 strideB, float* C, int ldc, i64 strideC) {
    __shared__ __align__(16) float As[2][BK][BM];
    __shared__ __align__(16) float Bs[2][BK][BN];
    A += blockIdx.z * strideA;
    B += blockIdx.z * strideB;
    C += blockIdx.z * strideC;
    const int bm = blockIdx.y * BM;
    const int bn = blockIdx.x * BN;
    const int t = threadIdx.x;
    const int tx = t & 15;   // owns columns tx*4..+4 and 64+tx*4..+4
    const int ty = t >> 4;   // owns rows    ty*4..+4 and 64+ty*4..+4

    float acc[8][8];
#pragma unroll
    for (int i = 0; i < 8; i++)
#pragma unroll
        for (int j = 0; j < 8; j++) acc[i][j] = 0.0f;

    float4 ra[2];
    float4 rb[2];
    const float4 zero = make_float4(0.f, 0.f, 0.f, 0.f);

    // global -> registers: A tile is 128 rows × 16 k (4 float4 per row), B tile 16 k × 128 cols
#define LOAD_TILES(k0) \
    _Pragma("unroll") for (int p = 0; p < 2; p++) { \
        int idx = t + p * THREADS; \
        int r = idx >> 2, c = (idx & 3) * 4; \
        int gr = bm + r, gc = (k0) + c; \
        if (VEC) { \
            ra[p] = (gr < M && gc < K) ? *reinterpret_cast<const float4*>(A + (i64) gr * lda + gc) : zero; \
        } else { \
            const float* ap = A + (i64) gr * lda + gc; \
            bool rowOk = gr < M; \
            ra[p].x = (rowOk && gc < K) ? ap[0] : 0.f; \
            ra[p].y = (rowOk && gc + 1 < K) ? ap[1] : 0.f; \
            ra[p].z = (rowOk && gc + 2 < K) ? ap[2] : 0.f; \
            ra[p].w = (rowOk && gc + 3 < K) ? ap[3] : 0.f; \
        } \
        int br = idx >> 5, bc = (idx & 31) * 4; \
        int gk = (k0) + br, gn = bn + bc; \
        if (VEC) { \
            rb[p] = (gk < K && gn < N) ? *reinterpret_cast<const float4*>(B + (i64) gk * ldb + gn) : zero; \
        } else { \
            const float* bp = B + (i64) gk * ldb + gn; \
            bool kOk = gk < K; \
            rb[p].x = (kOk && gn < N) ? bp[0] : 0.f; \
            rb[p].y = (kOk && gn + 1 < N) ? bp[1] : 0.f; \
            rb[p].z = (kOk && gn + 2 < N) ? bp[2] : 0.f; \
            rb[p].w = (kOk && gn + 3 < N) ? bp[3] : 0.f; \
        } \
    }

    // registers -> shared memory stage s (A transposed to [k][m])
#define STORE_TILES(s) \
    _Pragma("unroll") for (int p = 0; p < 2; p++) { \
        int idx = t + p * THREADS; \
        int r = idx >> 2, c = (idx & 3) * 4; \
        As[s][c + 0][r] = ra[p].x; \
        As[s][c + 1][r] = ra[p].y; \
        As[s][c + 2][r] = ra[p].z; \
        As[s][c + 3][r] = ra[p].w; \
        int br = idx >> 5, bc = (idx & 31) * 4; \
        *reinterpret_cast<float4*>(&Bs[s][br][bc]) = rb[p]; \
    }

    LOAD_TILES(0)
    STORE_TILES(0)
    __syncthreads();

    int stage = 0;
    for (int k0 = 0; k0 < K; k0 += BK) {
        const bool more = k0 + BK < K;
        if (more) {
            LOAD_TILES(k0 + BK)  // in flight while this tile is multiplied
        }
#pragma unroll
        for (int k = 0; k < BK; k++) {
            float4 a0 = *reinterpret_cast<const float4*>(&As[stage][k][ty * 4]);
            float4 a1 = *reinterpret_cast<const float4*>(&As[stage][k][64 + ty * 4]);
            float4 b0 = *reinterpret_cast<const float4*>(&Bs[stage][k][tx * 4]);
            float4 b1 = *reinterpret_cast<const float4*>(&Bs[stage][k][64 + tx * 4]);
            float a[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
            float b[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
            for (int i = 0; i < 8; i++)
#pragma unroll
                for (int j = 0; j < 8; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }
        if (more) {
            STORE_TILES(stage ^ 1)
        }
        __syncthreads();
        stage ^= 1;
    }
#undef LOAD_TILES
#undef STORE_TILES

#pragma unroll
    for (int i = 0; i < 8; i++) {
        int row = bm + (i < 4 ? ty * 4 + i : 64 + ty * 4 + (i - 4));
        if (row >= M) continue;
        float* crow = C + (i64) row * ldc;
#pragma unroll
        for (int h = 0; h < 2; h++) {
            int col = bn + h * 64 + tx * 4;
            if (VEC) {
                if (col < N) {
                    *reinterpret_cast<float4*>(crow + col) =
                        make_float4(acc[i][h * 4], acc[i][h * 4 + 1], acc[i][h * 4 + 2], acc[i][h * 4 + 3]);
                }
            } else {
#pragma unroll
                for (int j = 0; j < 4; j++) {
                    if (col + j < N) crow[col + j] = acc[i][h * 4 + j];
                }
            }
        }
    }
}

extern "C" __global__ void __launch_bounds__(THREADS, 2) sgemm_128x128(int M, int N, int K, const float* A, int lda,
                                                                    i64 strideA, const float* B, int ldb, i64 strideB,
                                                                    float* C, int ldc, i64 strideC) {
    sgemm_128_impl<false>(M, N, K, A, lda, strideA, B, ldb, strideB, C, ldc, strideC);
}

extern "C" __global__ void __launch_bounds__(THREADS, 2) sgemm_128x128_vec4(int M, int N, int K, const float* A, int lda,
                                                                         i64 strideA, const float* B, int ldb,
                                                                         i64 strideB, float* C, int ldc, i64 strideC) {
    sgemm_128_impl<true>(M, N, K, A, lda, strideA, B, ldb, strideB, C, ldc, strideC);
}
