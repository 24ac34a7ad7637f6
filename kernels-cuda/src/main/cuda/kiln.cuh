// Shared by every Kiln kernel: the layout structs the Java side packs (Layout.java,
// ReduceLayout.java), the op codes (OpCodes.java) and block-wide reductions.
// The Java side checks that both sides agree: OpCodesTest parses the #defines below and
// KernelSignatureTest reads every kernel's parameter list from the generated PTX.
#pragma once

#define KILN_MAX_DIMS 8
#define KILN_MAX_OPS 4

// An iteration space of `numel` elements in row-major order over `shape`, and for each of up
// to four operands its strides in elements (0 where the operand is broadcast). Dims are
// coalesced on the Java side, so rank is usually 1 to 3. All int so Java packs it as an int[].
struct Layout {
    int rank;
    int numel;
    int shape[KILN_MAX_DIMS];
    int stride[KILN_MAX_OPS][KILN_MAX_DIMS];
};

// A reduction: `outer` outputs in row-major order over the kept dims, each reducing `inner`
// elements spread over the reduced dims.
struct ReduceLayout {
    int keptRank;
    int redRank;
    int outer;
    int inner;
    int keptShape[KILN_MAX_DIMS];
    int keptStride[KILN_MAX_DIMS];
    int redShape[KILN_MAX_DIMS];
    int redStride[KILN_MAX_DIMS];
};

// ---- op codes (OpCodes.java holds the same numbers) ----
#define KILN_UNARY_NEG 0
#define KILN_UNARY_EXP 1
#define KILN_UNARY_LOG 2
#define KILN_UNARY_SQRT 3
#define KILN_UNARY_RSQRT 4
#define KILN_UNARY_ABS 5
#define KILN_UNARY_SIGN 6
#define KILN_UNARY_TANH 7
#define KILN_UNARY_SIGMOID 8
#define KILN_UNARY_RELU 9
#define KILN_UNARY_GELU 10
#define KILN_UNARY_GELU_TANH 11
#define KILN_UNARY_SILU 12
#define KILN_UNARY_MISH 13
#define KILN_UNARY_SOFTPLUS 14
#define KILN_UNARY_RELU_SQUARED 15
#define KILN_UNARY_SIN 16
#define KILN_UNARY_COS 17
#define KILN_UNARY_TAN 18
#define KILN_UNARY_ASIN 19
#define KILN_UNARY_ACOS 20
#define KILN_UNARY_ATAN 21
#define KILN_UNARY_SINH 22
#define KILN_UNARY_COSH 23
#define KILN_UNARY_ASINH 24
#define KILN_UNARY_ACOSH 25
#define KILN_UNARY_ATANH 26
#define KILN_UNARY_FLOOR 27
#define KILN_UNARY_CEIL 28
#define KILN_UNARY_ROUND 29
#define KILN_UNARY_TRUNC 30
#define KILN_UNARY_FRAC 31
#define KILN_UNARY_ERF 32
#define KILN_UNARY_ERFC 33
#define KILN_UNARY_ERFINV 34
#define KILN_UNARY_LOG2 35
#define KILN_UNARY_LOG10 36
#define KILN_UNARY_LOG1P 37
#define KILN_UNARY_EXP2 38
#define KILN_UNARY_EXPM1 39
#define KILN_UNARY_SELU 40
#define KILN_UNARY_RELU6 41
#define KILN_UNARY_HARDSWISH 42
#define KILN_UNARY_HARDSIGMOID 43
#define KILN_UNARY_LOGSIGMOID 44
#define KILN_UNARY_SOFTSIGN 45
#define KILN_UNARY_TANHSHRINK 46

#define KILN_BINARY_ADD 0
#define KILN_BINARY_SUB 1
#define KILN_BINARY_MUL 2
#define KILN_BINARY_DIV 3
#define KILN_BINARY_POW 4
#define KILN_BINARY_MAXIMUM 5
#define KILN_BINARY_MINIMUM 6
#define KILN_BINARY_ATAN2 7
#define KILN_BINARY_COPYSIGN 8
#define KILN_BINARY_LOGADDEXP 9
#define KILN_BINARY_LOGADDEXP2 10
#define KILN_BINARY_HYPOT 11
#define KILN_BINARY_FMOD 12
#define KILN_BINARY_REMAINDER 13
#define KILN_BINARY_DIV_TRUNC 14
#define KILN_BINARY_DIV_FLOOR 15
#define KILN_BINARY_BITWISE_AND 16
#define KILN_BINARY_BITWISE_OR 17
#define KILN_BINARY_BITWISE_XOR 18
#define KILN_BINARY_BITWISE_LEFT_SHIFT 19
#define KILN_BINARY_BITWISE_RIGHT_SHIFT 20

#define KILN_COMPARE_EQ 0
#define KILN_COMPARE_NE 1
#define KILN_COMPARE_LT 2
#define KILN_COMPARE_LE 3
#define KILN_COMPARE_GT 4
#define KILN_COMPARE_GE 5

#define KILN_REDUCE_SUM 0
#define KILN_REDUCE_MAX 1
#define KILN_REDUCE_MIN 2

#define KILN_SCAN_CUMSUM 0
#define KILN_SCAN_CUMPROD 1
#define KILN_SCAN_CUMMAX 2
#define KILN_SCAN_CUMMIN 3
#define KILN_SCAN_LOGCUMSUMEXP 4

#define KILN_ACTIVATION_LEAKY_RELU 0
#define KILN_ACTIVATION_SMELU 1
#define KILN_ACTIVATION_HELU 2
#define KILN_ACTIVATION_ELEPHANT 3
#define KILN_ACTIVATION_FATRELU 4
#define KILN_ACTIVATION_SAU 5
#define KILN_ACTIVATION_VELU 6
#define KILN_ACTIVATION_ELU 7
#define KILN_ACTIVATION_CELU 8
#define KILN_ACTIVATION_HARDTANH 9
#define KILN_ACTIVATION_SOFTSHRINK 10
#define KILN_ACTIVATION_HARDSHRINK 11

#define KILN_ADAM_ADAM 0
#define KILN_ADAM_ADAMW 1
#define KILN_ADAM_ADAMW_HF 2

typedef unsigned char u8;  // BOOL
typedef long long i64;
typedef signed char i8;
// The storage types without arithmetic kernels: distinct types, so that conversions can tell
// them apart from BOOL's u8 and from each other. Only fill and copy take them.
struct uint8 { unsigned char v; };      // U8: 0..255
struct f16 { unsigned short bits; };    // IEEE half
struct bf16 { unsigned short bits; };   // the top 16 bits of a float

// The linear index of this thread in a 1-D grid, in 64 bits so that n close to 2^31 is safe.
__device__ __forceinline__ i64 global_index() {
    return (i64) blockIdx.x * blockDim.x + threadIdx.x;
}

// Storage offsets of element i for the first N operands of L. The loop is unrolled over
// KILN_MAX_DIMS so that every struct access has a constant index (no local-memory copy).
template <int N>
__device__ __forceinline__ void layout_offsets(const Layout& L, int i, int (&off)[N]) {
#pragma unroll
    for (int k = 0; k < N; k++) {
        off[k] = 0;
    }
    if (L.rank == 1) {
#pragma unroll
        for (int k = 0; k < N; k++) {
            off[k] = i * L.stride[k][0];
        }
        return;
    }
#pragma unroll
    for (int d = KILN_MAX_DIMS - 1; d >= 0; d--) {
        if (d < L.rank) {
            int s = L.shape[d];
            int q = i / s;
            int idx = i - q * s;
            i = q;
#pragma unroll
            for (int k = 0; k < N; k++) {
                off[k] += idx * L.stride[k][d];
            }
        }
    }
}

// Offset of output o over the kept dims of a reduction.
__device__ __forceinline__ int kept_offset(const ReduceLayout& R, int o) {
    int off = 0;
#pragma unroll
    for (int d = KILN_MAX_DIMS - 1; d >= 0; d--) {
        if (d < R.keptRank) {
            int s = R.keptShape[d];
            int q = o / s;
            off += (o - q * s) * R.keptStride[d];
            o = q;
        }
    }
    return off;
}

// Offset of reduced element r over the reduced dims of a reduction.
__device__ __forceinline__ int reduced_offset(const ReduceLayout& R, int r) {
    if (R.redRank == 1) {
        return r * R.redStride[0];
    }
    int off = 0;
#pragma unroll
    for (int d = KILN_MAX_DIMS - 1; d >= 0; d--) {
        if (d < R.redRank) {
            int s = R.redShape[d];
            int q = r / s;
            off += (r - q * s) * R.redStride[d];
            r = q;
        }
    }
    return off;
}

// ---- scalar helpers that follow Java's semantics (the reference backend's) ----

// Math.max / Math.min: NaN wins, +0 > -0.
template <typename T>
__device__ __forceinline__ T java_max(T a, T b) {
    if (a != a) return a;
    if (b != b) return b;
    if (a == b) return signbit(a) ? b : a;
    return a > b ? a : b;
}

template <typename T>
__device__ __forceinline__ T java_min(T a, T b) {
    if (a != a) return a;
    if (b != b) return b;
    if (a == b) return signbit(a) ? a : b;
    return a < b ? a : b;
}

// Conversions as CpuStorage.set does them: to I32 truncates toward zero and saturates (NaN
// gives 0: PTX's cvt.rzi does exactly that), to BOOL is v != 0.
template <typename D> __device__ __forceinline__ D from_double(double v);
template <> __device__ __forceinline__ float from_double<float>(double v) { return (float) v; }
template <> __device__ __forceinline__ double from_double<double>(double v) { return v; }
template <> __device__ __forceinline__ int from_double<int>(double v) { return __double2int_rz(v); }
template <> __device__ __forceinline__ u8 from_double<u8>(double v) { return v != 0 ? 1 : 0; }

// ---- the 16-bit floats, bit for bit as Java's Float.float16ToFloat/floatToFloat16 and as
// HalfFloats (BF16: round to nearest even, every NaN 0x7FC0); plain C, so the emulator runs it too

__device__ __forceinline__ float kiln_float_of_bits(unsigned b) {
    union { unsigned u; float f; } x;
    x.u = b;
    return x.f;
}

__device__ __forceinline__ unsigned kiln_bits_of_float(float f) {
    union { unsigned u; float f; } x;
    x.f = f;
    return x.u;
}

__device__ __forceinline__ float half_to_float(unsigned short h) {
    unsigned sign = (h & 0x8000u) << 16;
    int exp = (h >> 10) & 0x1F;
    unsigned signif = h & 0x3FFu;
    if (exp == 0) {
        float v = 0x1p-24f * (float) signif;  // zero and subnormals
        return sign ? -v : v;
    }
    if (exp == 31) {
        return kiln_float_of_bits(sign | 0x7F800000u | (signif << 13));
    }
    return kiln_float_of_bits(sign | ((unsigned) (exp - 15 + 127) << 23) | (signif << 13));
}

__device__ __forceinline__ unsigned short float_to_half(float f) {
    unsigned bits = kiln_bits_of_float(f);
    unsigned short sign = (unsigned short) ((bits & 0x80000000u) >> 16);
    if (f != f) {
        return (unsigned short) (sign | 0x7C00 | (bits & 0x007FE000u) >> 13 | (bits & 0x00001FF0u) >> 4
                                 | (bits & 0x0000000Fu));
    }
    float a = f < 0 ? -f : f;
    if (a >= 65520.0f) return (unsigned short) (sign | 0x7C00);
    if (a <= 0x1p-25f) return sign;
    int exp = (int) ((bits >> 23) & 0xFF) - 127;
    int expdelta = 0;
    unsigned msb = 0;
    if (exp < -14) {
        expdelta = -14 - exp;
        exp = -15;
        msb = 0x00800000u;
    }
    unsigned signif = (bits & 0x007FFFFFu) | msb;
    unsigned short out = (unsigned short) (signif >> (13 + expdelta));
    unsigned lsb = signif & (1u << (13 + expdelta));
    unsigned round = signif & (1u << (12 + expdelta));
    unsigned sticky = signif & ((1u << (12 + expdelta)) - 1);
    if (round != 0 && (lsb | sticky) != 0) out++;
    return (unsigned short) (sign | (((exp + 15) << 10) + out));
}

__device__ __forceinline__ float bf16_to_float(unsigned short b) {
    return kiln_float_of_bits((unsigned) b << 16);
}

__device__ __forceinline__ unsigned short float_to_bf16(float f) {
    if (f != f) return 0x7FC0;
    unsigned bits = kiln_bits_of_float(f);
    return (unsigned short) ((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
}

// Java's (long) d: truncation toward zero, NaN 0, saturating
__device__ __forceinline__ i64 java_d2l(double v) {
    if (v != v) return 0;
    if (v >= 9.2233720368547758e18) return 0x7FFFFFFFFFFFFFFFLL;
    if (v <= -9.2233720368547758e18) return (i64) 0x8000000000000000ULL;
    return (i64) v;
}

template <> __device__ __forceinline__ i64 from_double<i64>(double v) { return java_d2l(v); }
template <> __device__ __forceinline__ i8 from_double<i8>(double v) { return (i8) __double2int_rz(v); }
template <> __device__ __forceinline__ uint8 from_double<uint8>(double v) {
    uint8 r;
    r.v = (unsigned char) __double2int_rz(v);
    return r;
}
template <> __device__ __forceinline__ f16 from_double<f16>(double v) {
    f16 r;
    r.bits = float_to_half((float) v);
    return r;
}
template <> __device__ __forceinline__ bf16 from_double<bf16>(double v) {
    bf16 r;
    r.bits = float_to_bf16((float) v);
    return r;
}

// A source as double (every float type; integers exactly up to 2^53) and as long (the integer
// types exactly): integer sources convert through the long, as CpuStorage.setLong does, so that
// I64 values stay exact and a float target rounds once.
__device__ __forceinline__ double as_double(float s) { return s; }
__device__ __forceinline__ double as_double(double s) { return s; }
__device__ __forceinline__ double as_double(int s) { return s; }
__device__ __forceinline__ double as_double(i64 s) { return (double) s; }
__device__ __forceinline__ double as_double(i8 s) { return s; }
__device__ __forceinline__ double as_double(u8 s) { return s; }
__device__ __forceinline__ double as_double(uint8 s) { return s.v; }
__device__ __forceinline__ double as_double(f16 s) { return half_to_float(s.bits); }
__device__ __forceinline__ double as_double(bf16 s) { return bf16_to_float(s.bits); }
__device__ __forceinline__ i64 as_long(int s) { return s; }
__device__ __forceinline__ i64 as_long(i64 s) { return s; }
__device__ __forceinline__ i64 as_long(i8 s) { return s; }
__device__ __forceinline__ i64 as_long(u8 s) { return s; }
__device__ __forceinline__ i64 as_long(uint8 s) { return s.v; }

template <typename S> struct kiln_integral { static const bool value = false; };
template <> struct kiln_integral<int> { static const bool value = true; };
template <> struct kiln_integral<i64> { static const bool value = true; };
template <> struct kiln_integral<i8> { static const bool value = true; };
template <> struct kiln_integral<u8> { static const bool value = true; };
template <> struct kiln_integral<uint8> { static const bool value = true; };

// long to each type: the integer types keep the low bits (two's complement), floats round once
template <typename D> __device__ __forceinline__ D from_long(i64 v);
template <> __device__ __forceinline__ float from_long<float>(i64 v) { return (float) v; }
template <> __device__ __forceinline__ double from_long<double>(i64 v) { return (double) v; }
template <> __device__ __forceinline__ int from_long<int>(i64 v) { return (int) (unsigned) (unsigned long long) v; }
template <> __device__ __forceinline__ i64 from_long<i64>(i64 v) { return v; }
template <> __device__ __forceinline__ i8 from_long<i8>(i64 v) { return (i8) (unsigned char) v; }
template <> __device__ __forceinline__ u8 from_long<u8>(i64 v) { return v != 0 ? 1 : 0; }
template <> __device__ __forceinline__ uint8 from_long<uint8>(i64 v) {
    uint8 r;
    r.v = (unsigned char) v;
    return r;
}
template <> __device__ __forceinline__ f16 from_long<f16>(i64 v) {
    f16 r;
    r.bits = float_to_half((float) v);
    return r;
}
template <> __device__ __forceinline__ bf16 from_long<bf16>(i64 v) {
    bf16 r;
    r.bits = float_to_bf16((float) v);
    return r;
}

template <typename S> __device__ __forceinline__ i64 as_long_if_integral(S s) { return 0; }
template <> __device__ __forceinline__ i64 as_long_if_integral<int>(int s) { return as_long(s); }
template <> __device__ __forceinline__ i64 as_long_if_integral<i64>(i64 s) { return as_long(s); }
template <> __device__ __forceinline__ i64 as_long_if_integral<i8>(i8 s) { return as_long(s); }
template <> __device__ __forceinline__ i64 as_long_if_integral<u8>(u8 s) { return as_long(s); }
template <> __device__ __forceinline__ i64 as_long_if_integral<uint8>(uint8 s) { return as_long(s); }

template <typename D, typename S> __device__ __forceinline__ D convert(S s) {
    return kiln_integral<S>::value ? from_long<D>(as_long_if_integral<S>(s)) : from_double<D>(as_double(s));
}
template <> __device__ __forceinline__ float convert<float, float>(float s) { return s; }
template <> __device__ __forceinline__ int convert<int, float>(float s) { return __float2int_rz(s); }
template <> __device__ __forceinline__ u8 convert<u8, float>(float s) { return s != 0.0f ? 1 : 0; }
template <> __device__ __forceinline__ int convert<int, int>(int s) { return s; }
template <> __device__ __forceinline__ u8 convert<u8, int>(int s) { return s != 0 ? 1 : 0; }
template <> __device__ __forceinline__ u8 convert<u8, u8>(u8 s) { return s; }

// ---- block reductions (blockDim.x a multiple of 32, at most 1024) ----

template <typename T>
__device__ __forceinline__ T warp_sum(T v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        v += __shfl_xor_sync(0xffffffffu, v, o);
    }
    return v;
}

// Sum over the block; every thread gets the result. `scratch` holds 32 values in shared memory.
template <typename T>
__device__ __forceinline__ T block_sum(T v, T* scratch) {
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    int warps = (blockDim.x + 31) >> 5;
    v = warp_sum(v);
    __syncthreads();  // scratch may still be read by a previous call
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : (T) 0;
    return warp_sum(v);
}

// The (max, sum of exp(x - max)) pair of an online softmax, merged so that -inf parts
// contribute nothing and NaN spreads.
template <typename T>
struct MaxSum {
    T m;
    T s;
};

template <typename T>
__device__ __forceinline__ MaxSum<T> maxsum_merge(MaxSum<T> a, MaxSum<T> b) {
    if (b.m == -INFINITY && b.s == 0) return a;
    if (a.m == -INFINITY && a.s == 0) return b;
    T m = a.m > b.m ? a.m : b.m;
    if (a.m != a.m || b.m != b.m) m = a.m + b.m;  // NaN
    MaxSum<T> r;
    r.m = m;
    r.s = a.s * exp(a.m - m) + b.s * exp(b.m - m);
    return r;
}

// Adds one element to a thread's running (max, sum).
template <typename T>
__device__ __forceinline__ void maxsum_add(MaxSum<T>& a, T v) {
    if (v == -INFINITY) return;  // contributes exp(-inf) = 0
    if (v > a.m) {
        a.s = a.s * exp(a.m - v) + (T) 1;
        a.m = v;
    } else {
        a.s += exp(v - a.m);  // NaN input (v > m false) makes s NaN, as the reference does
    }
}

template <typename T>
__device__ __forceinline__ MaxSum<T> block_maxsum(MaxSum<T> v, MaxSum<T>* scratch) {
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    int warps = (blockDim.x + 31) >> 5;
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        MaxSum<T> other;
        other.m = __shfl_xor_sync(0xffffffffu, v.m, o);
        other.s = __shfl_xor_sync(0xffffffffu, v.s, o);
        v = maxsum_merge(v, other);
    }
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    if (lane < warps) {
        v = scratch[lane];
    } else {
        v.m = -INFINITY;
        v.s = 0;
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        MaxSum<T> other;
        other.m = __shfl_xor_sync(0xffffffffu, v.m, o);
        other.s = __shfl_xor_sync(0xffffffffu, v.s, o);
        v = maxsum_merge(v, other);
    }
    return v;
}

// log-sum-exp of a finished (max, sum): NaN when every element was -inf (as the reference's
// exp(-inf - -inf) gives), NaN when any was NaN.
template <typename T>
__device__ __forceinline__ T maxsum_lse(MaxSum<T> a) {
    if (a.m == -INFINITY) return (T) NAN;
    return a.m + log(a.s);
}
