// Elementwise kernels: fill, copy with dtype conversion, unary, binary, comparisons, clamp,
// where. Every kernel walks a Layout (any strides, broadcast as stride 0); F32 also has
// float4 kernels for the all-contiguous case, which is what the bandwidth benchmark measures.
// Scalars follow Java's semantics so that results match ReferenceBackend (see kiln.cuh).
#include "kiln.cuh"
#include "unary.cuh"

// ---------------------------------------------------------------- fill and copy

template <typename T>
__device__ __forceinline__ void fill_impl(const Layout& L, T* out, double value) {
    i64 i = global_index();
    if (i >= L.numel) return;
    int off[1];
    layout_offsets<1>(L, (int) i, off);
    out[off[0]] = from_double<T>(value);
}

#define KILN_FILL(suffix, T) \
    extern "C" __global__ void fill_##suffix(Layout L, T* out, double value) { fill_impl<T>(L, out, value); }
KILN_FILL(f32, float)
KILN_FILL(f64, double)
KILN_FILL(i32, int)
KILN_FILL(u8, u8)
KILN_FILL(f16, f16)
KILN_FILL(bf16, bf16)
KILN_FILL(i64, i64)
KILN_FILL(i8, i8)
KILN_FILL(uint8, uint8)

// out (operand 0) = src (operand 1) converted
template <typename D, typename S>
__device__ __forceinline__ void copy_impl(const Layout& L, D* out, const S* src) {
    i64 i = global_index();
    if (i >= L.numel) return;
    int off[2];
    layout_offsets<2>(L, (int) i, off);
    out[off[0]] = convert<D, S>(src[off[1]]);
}

#define KILN_COPY(ss, S, ds, D) \
    extern "C" __global__ void copy_##ss##_##ds(Layout L, D* out, const S* src) { copy_impl<D, S>(L, out, src); }
#define KILN_COPY_FROM(ss, S) \
    KILN_COPY(ss, S, f32, float) KILN_COPY(ss, S, f64, double) KILN_COPY(ss, S, i32, int) KILN_COPY(ss, S, u8, u8) \
    KILN_COPY(ss, S, f16, f16) KILN_COPY(ss, S, bf16, bf16) KILN_COPY(ss, S, i64, i64) KILN_COPY(ss, S, i8, i8) \
    KILN_COPY(ss, S, uint8, uint8)
KILN_COPY_FROM(f32, float)
KILN_COPY_FROM(f64, double)
KILN_COPY_FROM(i32, int)
KILN_COPY_FROM(u8, u8)
KILN_COPY_FROM(f16, f16)
KILN_COPY_FROM(bf16, bf16)
KILN_COPY_FROM(i64, i64)
KILN_COPY_FROM(i8, i8)
KILN_COPY_FROM(uint8, uint8)

// ---------------------------------------------------------------- unary

// I32 ops (neg, abs, sign, relu) in int, wrapping around as Java's do (-MIN_VALUE is MIN_VALUE)
__device__ __forceinline__ int unary_int(int op, int x) {
    unsigned ux = (unsigned) x;
    switch (op) {
        case KILN_UNARY_NEG: return (int) (0u - ux);
        case KILN_UNARY_ABS: return x < 0 ? (int) (0u - ux) : x;
        case KILN_UNARY_SIGN: return (x > 0) - (x < 0);
        case KILN_UNARY_RELU: return x > 0 ? x : 0;
        default: return 0;  // the others need floats; tensor refuses them before any kernel
    }
}

template <typename T> __device__ __forceinline__ T unary_any(int op, T x) { return unary_float<T>(op, x); }
template <> __device__ __forceinline__ int unary_any<int>(int op, int x) { return unary_int(op, x); }

template <typename T>
__device__ __forceinline__ void unary_impl(const Layout& L, int op, T* out, const T* x) {
    i64 i = global_index();
    if (i >= L.numel) return;
    int off[2];
    layout_offsets<2>(L, (int) i, off);
    out[off[0]] = unary_any<T>(op, x[off[1]]);
}

extern "C" __global__ void unary_f32(Layout L, int op, float* out, const float* x) { unary_impl<float>(L, op, out, x); }
extern "C" __global__ void unary_f64(Layout L, int op, double* out, const double* x) { unary_impl<double>(L, op, out, x); }
extern "C" __global__ void unary_i32(Layout L, int op, int* out, const int* x) { unary_impl<int>(L, op, out, x); }

// Contiguous F32, 16-byte aligned: one float4 per thread, the tail element by element.
extern "C" __global__ void unary_f32_vec4(int n, int op, float* out, const float* x) {
    i64 q = global_index();
    i64 base = q * 4;
    if (base + 3 < n) {
        float4 v = reinterpret_cast<const float4*>(x)[q];
        v.x = unary_float<float>(op, v.x);
        v.y = unary_float<float>(op, v.y);
        v.z = unary_float<float>(op, v.z);
        v.w = unary_float<float>(op, v.w);
        reinterpret_cast<float4*>(out)[q] = v;
    } else {
        for (i64 j = base; j < n; j++) out[j] = unary_float<float>(op, x[j]);
    }
}

// ---------------------------------------------------------------- binary

// Math.pow's special cases where C's pow differs: a NaN exponent, and ±1 to an infinite power, give NaN
template <typename T>
__device__ __forceinline__ T java_pow(T a, T b) {
    if (b != b) return b;
    if (fabs(a) == (T) 1 && isinf(b)) return (T) NAN;
    return pow(a, b);
}

// BinaryOp.logAddExp: log(e^a + e^b) (base 2 when two), equal infinities give themselves
template <typename T>
__device__ __forceinline__ T log_add_exp(T a, T b, bool two) {
    if (a != a || b != b) return (T) NAN;
    if (isinf(a) && a == b) return a;
    T m = a > b ? a : b;
    T d = -fabs(a - b);
    return two ? m + log1p(exp2(d)) / (T) 0.69314718055994530942 : m + log1p(exp(d));
}

// BinaryOp.remainder: the sign of the divisor
template <typename T>
__device__ __forceinline__ T py_remainder(T a, T b) {
    T m = fmod(a, b);
    if (m != 0 && (b < 0) != (m < 0)) m += b;
    return m;
}

// BinaryOp.divFloor (PyTorch's div_floor): through fmod, so a quotient just below an integer is not rounded up
template <typename T>
__device__ __forceinline__ T div_floor(T a, T b) {
    if (b == 0) return a / b;
    T mod = fmod(a, b);
    T div = (a - mod) / b;
    if (mod != 0 && (b < 0) != (mod < 0)) div -= (T) 1;
    if (div == 0) return copysign((T) 0, a / b);
    T fl = floor(div);
    if (div - fl > (T) 0.5) fl += (T) 1;
    return fl;
}

template <typename T>
__device__ __forceinline__ T binary_float(int op, T a, T b) {
    switch (op) {
        case KILN_BINARY_ATAN2: return atan2(a, b);
        case KILN_BINARY_COPYSIGN: return copysign(a, b);
        case KILN_BINARY_LOGADDEXP: return log_add_exp<T>(a, b, false);
        case KILN_BINARY_LOGADDEXP2: return log_add_exp<T>(a, b, true);
        case KILN_BINARY_HYPOT: return hypot(a, b);
        case KILN_BINARY_FMOD: return fmod(a, b);
        case KILN_BINARY_REMAINDER: return py_remainder<T>(a, b);
        case KILN_BINARY_DIV_TRUNC: return trunc(a / b);
        case KILN_BINARY_DIV_FLOOR: return div_floor<T>(a, b);
        case KILN_BINARY_ADD: return a + b;
        case KILN_BINARY_SUB: return a - b;
        case KILN_BINARY_MUL: return a * b;
        case KILN_BINARY_DIV: return a / b;
        case KILN_BINARY_POW: return java_pow<T>(a, b);
        case KILN_BINARY_MAXIMUM: return java_max<T>(a, b);
        case KILN_BINARY_MINIMUM: return java_min<T>(a, b);
        default: return (T) NAN;
    }
}

// I32 arithmetic wraps around as Java's does (unsigned arithmetic has no undefined overflow).
__device__ __forceinline__ int binary_int(int op, int a, int b) {
    unsigned ua = (unsigned) a;
    unsigned ub = (unsigned) b;
    switch (op) {
        case KILN_BINARY_ADD: return (int) (ua + ub);
        case KILN_BINARY_SUB: return (int) (ua - ub);
        case KILN_BINARY_MUL: return (int) (ua * ub);
        case KILN_BINARY_MAXIMUM: return a > b ? a : b;
        case KILN_BINARY_MINIMUM: return a < b ? a : b;
        // divisors are nonzero (tensor refuses a 0); b = −1 is negation, which C leaves undefined for INT_MIN
        case KILN_BINARY_FMOD: return b == -1 ? 0 : a % b;
        case KILN_BINARY_REMAINDER: {
            if (b == -1) return 0;
            int r = a % b;
            return r != 0 && (r < 0) != (b < 0) ? r + b : r;
        }
        case KILN_BINARY_DIV_TRUNC: return b == -1 ? (int) (0u - ua) : a / b;
        case KILN_BINARY_DIV_FLOOR: {
            if (b == -1) return (int) (0u - ua);
            int q = a / b;
            return a % b != 0 && (a < 0) != (b < 0) ? q - 1 : q;
        }
        case KILN_BINARY_BITWISE_AND: return a & b;
        case KILN_BINARY_BITWISE_OR: return a | b;
        case KILN_BINARY_BITWISE_XOR: return a ^ b;
        // the count mod 32, as Java's (and PyTorch 1.13's CPU) shifts
        case KILN_BINARY_BITWISE_LEFT_SHIFT: return (int) (ua << (b & 31));
        case KILN_BINARY_BITWISE_RIGHT_SHIFT: return a >> (b & 31);
        default: return 0;  // div, pow and the float-only ops need floats; tensor refuses them before any kernel
    }
}

template <typename T> __device__ __forceinline__ T binary_any(int op, T a, T b) { return binary_float<T>(op, a, b); }
template <> __device__ __forceinline__ int binary_any<int>(int op, int a, int b) { return binary_int(op, a, b); }

template <typename T>
__device__ __forceinline__ void binary_impl(const Layout& L, int op, T* out, const T* a, const T* b) {
    i64 i = global_index();
    if (i >= L.numel) return;
    int off[3];
    layout_offsets<3>(L, (int) i, off);
    out[off[0]] = binary_any<T>(op, a[off[1]], b[off[2]]);
}

extern "C" __global__ void binary_f32(Layout L, int op, float* out, const float* a, const float* b) {
    binary_impl<float>(L, op, out, a, b);
}
extern "C" __global__ void binary_f64(Layout L, int op, double* out, const double* a, const double* b) {
    binary_impl<double>(L, op, out, a, b);
}
extern "C" __global__ void binary_i32(Layout L, int op, int* out, const int* a, const int* b) {
    binary_impl<int>(L, op, out, a, b);
}

extern "C" __global__ void binary_f32_vec4(int n, int op, float* out, const float* a, const float* b) {
    i64 q = global_index();
    i64 base = q * 4;
    if (base + 3 < n) {
        float4 x = reinterpret_cast<const float4*>(a)[q];
        float4 y = reinterpret_cast<const float4*>(b)[q];
        x.x = binary_float<float>(op, x.x, y.x);
        x.y = binary_float<float>(op, x.y, y.y);
        x.z = binary_float<float>(op, x.z, y.z);
        x.w = binary_float<float>(op, x.w, y.w);
        reinterpret_cast<float4*>(out)[q] = x;
    } else {
        for (i64 j = base; j < n; j++) out[j] = binary_float<float>(op, a[j], b[j]);
    }
}

// ---------------------------------------------------------------- comparisons (BOOL out)

template <typename T>
__device__ __forceinline__ u8 compare_op(int op, T a, T b) {
    switch (op) {
        case KILN_COMPARE_EQ: return a == b;
        case KILN_COMPARE_NE: return a != b;
        case KILN_COMPARE_LT: return a < b;
        case KILN_COMPARE_LE: return a <= b;
        case KILN_COMPARE_GT: return a > b;
        case KILN_COMPARE_GE: return a >= b;
        default: return 0;
    }
}

template <typename T>
__device__ __forceinline__ void compare_impl(const Layout& L, int op, u8* out, const T* a, const T* b) {
    i64 i = global_index();
    if (i >= L.numel) return;
    int off[3];
    layout_offsets<3>(L, (int) i, off);
    out[off[0]] = compare_op<T>(op, a[off[1]], b[off[2]]);
}

extern "C" __global__ void compare_f32(Layout L, int op, u8* out, const float* a, const float* b) {
    compare_impl<float>(L, op, out, a, b);
}
extern "C" __global__ void compare_f64(Layout L, int op, u8* out, const double* a, const double* b) {
    compare_impl<double>(L, op, out, a, b);
}
extern "C" __global__ void compare_i32(Layout L, int op, u8* out, const int* a, const int* b) {
    compare_impl<int>(L, op, out, a, b);
}

// ---------------------------------------------------------------- clamp and where

// Computed in double, as the reference: min(max(x, lo), hi) with Java's NaN rules.
template <typename T>
__device__ __forceinline__ void clamp_impl(const Layout& L, T* out, const T* x, double lo, double hi) {
    i64 i = global_index();
    if (i >= L.numel) return;
    int off[2];
    layout_offsets<2>(L, (int) i, off);
    double v = (double) x[off[1]];
    out[off[0]] = from_double<T>(java_min<double>(java_max<double>(v, lo), hi));
}

extern "C" __global__ void clamp_f32(Layout L, float* out, const float* x, double lo, double hi) {
    clamp_impl<float>(L, out, x, lo, hi);
}
extern "C" __global__ void clamp_f64(Layout L, double* out, const double* x, double lo, double hi) {
    clamp_impl<double>(L, out, x, lo, hi);
}
extern "C" __global__ void clamp_i32(Layout L, int* out, const int* x, double lo, double hi) {
    clamp_impl<int>(L, out, x, lo, hi);
}

// operands: 0 out, 1 cond, 2 a, 3 b
template <typename T>
__device__ __forceinline__ void where_impl(const Layout& L, T* out, const u8* cond, const T* a, const T* b) {
    i64 i = global_index();
    if (i >= L.numel) return;
    int off[4];
    layout_offsets<4>(L, (int) i, off);
    out[off[0]] = cond[off[1]] ? a[off[2]] : b[off[3]];
}

#define KILN_WHERE(suffix, T) \
    extern "C" __global__ void where_##suffix(Layout L, T* out, const u8* cond, const T* a, const T* b) { \
        where_impl<T>(L, out, cond, a, b); \
    }
KILN_WHERE(f32, float)
KILN_WHERE(f64, double)
KILN_WHERE(i32, int)
KILN_WHERE(u8, u8)
