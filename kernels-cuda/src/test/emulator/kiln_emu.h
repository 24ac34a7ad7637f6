// A CPU stand-in for the CUDA runtime features Kiln's kernels use, so that the very same
// src/main/cuda/*.cu sources compile with g++ and run on the host (test-only; see build.sh).
// Every CUDA thread of a block is a coroutine (ucontext) on one OS thread; blocks run one after
// another, so a function-level `static` is exactly a block's __shared__ memory. __syncthreads
// and warp shuffles are scheduling points: a block barrier releases when every live thread of the
// block waits on it, a warp exchange when every live lane of the warp does. Anything else (a
// barrier some threads never reach) is reported as a deadlock instead of hanging.
#pragma once
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <type_traits>
#include <utility>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))
#define __shared__ static

struct kiln_dim3 {
    unsigned x, y, z;
};
extern kiln_dim3 threadIdx, blockIdx, blockDim, gridDim;

void __syncthreads();
void kiln_emu_warp_exchange(uint64_t* value, int srcLane);
extern unsigned char* kiln_emu_dynamic_smem;

template <typename T>
inline T kiln_emu_shfl(T v, int src) {
    static_assert(sizeof(T) <= 8, "shuffle of at most 8 bytes");
    uint64_t bits = 0;
    memcpy(&bits, &v, sizeof(T));
    kiln_emu_warp_exchange(&bits, src & 31);
    T r;
    memcpy(&r, &bits, sizeof(T));
    return r;
}

template <typename T>
inline T __shfl_xor_sync(unsigned, T v, int laneMask) {
    return kiln_emu_shfl(v, (int) (threadIdx.x & 31) ^ laneMask);
}

template <typename T>
inline T __shfl_sync(unsigned, T v, int srcLane) {
    return kiln_emu_shfl(v, srcLane);
}

// one OS thread runs everything, so plain read-modify-write is atomic here
template <typename T>
inline T atomicAdd(T* p, T v) {
    T old = *p;
    *p = old + v;
    return old;
}

// PTX cvt.rzi: truncate toward zero, saturate, NaN -> 0
inline int __double2int_rz(double v) {
    if (v != v) return 0;
    if (v >= 2147483647.0) return 2147483647;
    if (v <= -2147483648.0) return (-2147483647 - 1);
    return (int) v;
}
inline int __float2int_rz(float v) {
    return __double2int_rz((double) v);
}

struct alignas(16) float4 {
    float x, y, z, w;
};
inline float4 make_float4(float x, float y, float z, float w) {
    return float4{x, y, z, w};
}

inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline long long min(long long a, long long b) { return a < b ? a : b; }
inline long long max(long long a, long long b) { return a > b ? a : b; }
inline long long min(long long a, int b) { return min(a, (long long) b); }
inline long long min(int a, long long b) { return min((long long) a, b); }
inline long long max(long long a, int b) { return max(a, (long long) b); }
inline long long max(int a, long long b) { return max((long long) a, b); }
