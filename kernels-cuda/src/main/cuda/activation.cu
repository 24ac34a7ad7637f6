// Activations: the fused backward of the unary activations (GELU, SiLU, ...), the activations
// with scalar parameters (Activation.java: LeakyReLU, SmeLU, HeLU, Elephant, FATReLU, SAU, VeLU),
// PReLU and PAU with their parameter gradients. Scalar definitions follow the Java ones exactly
// (Activation.apply/derivative, UnaryOp.derivative, ReferenceBackend.pau*).
#include "kiln.cuh"
#include "unary.cuh"

// ---------------------------------------------------------------- unary backward

// dx = dy ⊙ op'(x); operands: 0 dx, 1 x, 2 dy
template <typename T>
__device__ __forceinline__ void unary_backward_impl(const Layout& L, int op, T* dx, const T* x, const T* dy) {
    i64 i = global_index();
    if (i >= L.numel) return;
    int off[3];
    layout_offsets<3>(L, (int) i, off);
    dx[off[0]] = dy[off[2]] * unary_derivative<T>(op, x[off[1]]);
}

extern "C" __global__ void unary_backward_f32(Layout L, int op, float* dx, const float* x, const float* dy) {
    unary_backward_impl<float>(L, op, dx, x, dy);
}
extern "C" __global__ void unary_backward_f64(Layout L, int op, double* dx, const double* x, const double* dy) {
    unary_backward_impl<double>(L, op, dx, x, dy);
}

// ---------------------------------------------------------------- activations with scalar parameters

#define KILN_SQRT_2 1.41421356237309504880

template <typename T>
__device__ __forceinline__ T velu_argument(T x, T alpha, T b1, T b2) {
    T u = b2 * x;
    u = u < (T) -1 ? (T) -1 : (u > (T) 1 ? (T) 1 : u);
    return alpha * (atan(b1 * x) + asin(u));
}

// The parameters come in double: the thresholds of hardtanh and the shrinks are compared in double,
// as Activation.java does (x = −0.3f is below −0.3 but not below −0.3f); the formulas use them as T.
template <typename T>
__device__ __forceinline__ T activation_apply(int kind, double d0, double d1, double d2, double d3, T x) {
    T p0 = (T) d0, p1 = (T) d1, p2 = (T) d2, p3 = (T) d3;
    double xd = (double) x;
    if (x != x) return kind == KILN_ACTIVATION_SOFTSHRINK ? (T) 0 : x;  // as Activation.java
    switch (kind) {
        case KILN_ACTIVATION_LEAKY_RELU: return x > 0 ? x : p0 * x;
        case KILN_ACTIVATION_SMELU: return x <= -p0 ? (T) 0 : (x >= p0 ? x : (x + p0) * (x + p0) / ((T) 4 * p0));
        case KILN_ACTIVATION_HELU: return x > 0 ? x : (T) 0;
        case KILN_ACTIVATION_ELEPHANT: return (T) 1 / ((T) 1 + pow(fabs(x / p0), p1));
        case KILN_ACTIVATION_FATRELU: return x >= p0 ? x : (T) 0;
        case KILN_ACTIVATION_SAU: {
            T smoothAbs = x * erf(x / (p1 * (T) KILN_SQRT_2))
                          + p1 * (T) KILN_SQRT_2_OVER_PI * exp(-x * x / ((T) 2 * p1 * p1));
            return ((T) 1 + p0) / (T) 2 * x + ((T) 1 - p0) / (T) 2 * smoothAbs;
        }
        case KILN_ACTIVATION_VELU: return p0 * x * sigmoid_of(velu_argument(x, p1, p2, p3));
        case KILN_ACTIVATION_ELU: return x > 0 ? x : p0 * expm1(x);
        case KILN_ACTIVATION_CELU: return x > 0 ? x : p0 * expm1(x / p0);
        case KILN_ACTIVATION_HARDTANH: return xd < d0 ? p0 : (xd > d1 ? p1 : x);
        case KILN_ACTIVATION_SOFTSHRINK: return xd > d0 ? (T) (xd - d0) : (xd < -d0 ? (T) (xd + d0) : (T) 0);
        case KILN_ACTIVATION_HARDSHRINK: return xd > d0 || xd < -d0 ? x : (T) 0;
        default: return (T) NAN;
    }
}

template <typename T>
__device__ __forceinline__ T activation_derivative(int kind, double d0, double d1, double d2, double d3, T x) {
    T p0 = (T) d0, p1 = (T) d1, p2 = (T) d2, p3 = (T) d3;
    double xd = (double) x;
    // as Activation.java: PyTorch's backwards of the clamping kinds give 0 at NaN
    if (x != x) {
        return kind == KILN_ACTIVATION_HARDTANH || kind == KILN_ACTIVATION_SOFTSHRINK || kind == KILN_ACTIVATION_HARDSHRINK
               ? (T) 0 : x;
    }
    switch (kind) {
        case KILN_ACTIVATION_LEAKY_RELU: return x > 0 ? (T) 1 : p0;
        case KILN_ACTIVATION_SMELU: return x <= -p0 ? (T) 0 : (x >= p0 ? (T) 1 : (x + p0) / ((T) 2 * p0));
        case KILN_ACTIVATION_HELU: return x > -p0 ? (T) 1 : (T) 0;  // the training threshold, as Activation.java
        case KILN_ACTIVATION_ELEPHANT: {
            T u = fabs(x / p0);
            if (u == 0) return (T) 0;
            T ud = pow(u, p1);
            T den = (T) 1 + ud;
            T sgn = x > 0 ? (T) 1 : (T) -1;
            return -(p1 / p0) * sgn * (ud / u) / (den * den);
        }
        case KILN_ACTIVATION_FATRELU: return x >= p0 ? (T) 1 : (T) 0;
        case KILN_ACTIVATION_SAU: return ((T) 1 + p0) / (T) 2 + ((T) 1 - p0) / (T) 2 * erf(x / (p1 * (T) KILN_SQRT_2));
        case KILN_ACTIVATION_VELU: {
            T s = sigmoid_of(velu_argument(x, p1, p2, p3));
            T u = p3 * x;
            T dAsin = fabs(u) < (T) 1 ? p3 / sqrt((T) 1 - u * u) : (T) 0;
            T dArg = p1 * (p2 / ((T) 1 + p2 * p2 * x * x) + dAsin);
            return p0 * (s + x * s * ((T) 1 - s) * dArg);
        }
        // PyTorch's elu_backward takes the exponential branch at 0, as Activation.java
        case KILN_ACTIVATION_ELU: return x > 0 ? (T) 1 : p0 * exp(x);
        case KILN_ACTIVATION_CELU: return x > 0 ? (T) 1 : exp(x / p0);
        case KILN_ACTIVATION_HARDTANH: return xd > d0 && xd < d1 ? (T) 1 : (T) 0;
        case KILN_ACTIVATION_SOFTSHRINK:
        case KILN_ACTIVATION_HARDSHRINK: return xd > d0 || xd < -d0 ? (T) 1 : (T) 0;
        default: return (T) NAN;
    }
}

// operands: 0 out, 1 x
template <typename T>
__device__ __forceinline__ void activation_impl(const Layout& L, int kind, double p0, double p1, double p2, double p3,
                                                T* out, const T* x) {
    i64 i = global_index();
    if (i >= L.numel) return;
    int off[2];
    layout_offsets<2>(L, (int) i, off);
    out[off[0]] = activation_apply<T>(kind, p0, p1, p2, p3, x[off[1]]);
}

// operands: 0 dx, 1 x, 2 dy
template <typename T>
__device__ __forceinline__ void activation_backward_impl(const Layout& L, int kind, double p0, double p1, double p2,
                                                         double p3, T* dx, const T* x, const T* dy) {
    i64 i = global_index();
    if (i >= L.numel) return;
    int off[3];
    layout_offsets<3>(L, (int) i, off);
    dx[off[0]] = dy[off[2]] * activation_derivative<T>(kind, p0, p1, p2, p3, x[off[1]]);
}

#define KILN_ACTIVATION(suffix, T) \
    extern "C" __global__ void activation_##suffix(Layout L, int kind, double p0, double p1, double p2, double p3, \
                                                   T* out, const T* x) { \
        activation_impl<T>(L, kind, p0, p1, p2, p3, out, x); \
    } \
    extern "C" __global__ void activation_backward_##suffix(Layout L, int kind, double p0, double p1, double p2, \
                                                            double p3, T* dx, const T* x, const T* dy) { \
        activation_backward_impl<T>(L, kind, p0, p1, p2, p3, dx, x, dy); \
    }
KILN_ACTIVATION(f32, float)
KILN_ACTIVATION(f64, double)

// ---------------------------------------------------------------- PReLU

// x contiguous, viewed as [outer, channels, inner]; channels == 1 means one shared slope
__device__ __forceinline__ int prelu_channel(i64 i, int channels, int inner) {
    return channels == 1 ? 0 : (int) ((i / inner) % channels);
}

template <typename T>
__device__ __forceinline__ void prelu_impl(int n, int channels, int inner, T* out, const T* x, const T* w) {
    i64 i = global_index();
    if (i >= n) return;
    T v = x[i];
    out[i] = v > 0 ? v : w[prelu_channel(i, channels, inner)] * v;
}

template <typename T>
__device__ __forceinline__ void prelu_backward_impl(int n, int channels, int inner, T* dx, const T* dy, const T* x,
                                                    const T* w) {
    i64 i = global_index();
    if (i >= n) return;
    dx[i] = x[i] > 0 ? dy[i] : w[prelu_channel(i, channels, inner)] * dy[i];
}

// partial[c * splits + s] = Σ dy·x over split s of channel c's positions where x <= 0
template <typename T>
__device__ __forceinline__ void prelu_weight_partial_impl(int n, int channels, int inner, int splits, double* partial,
                                                          const T* dy, const T* x) {
    __shared__ double scratch[32];
    int c = blockIdx.x;
    int s = blockIdx.y;
    i64 count = n / channels;  // positions of one channel
    i64 chunk = (count + splits - 1) / splits;
    i64 begin = s * chunk;
    i64 end = min(count, begin + chunk);
    double acc = 0;
    for (i64 p = begin + threadIdx.x; p < end; p += blockDim.x) {
        i64 idx = channels == 1 ? p : ((p / inner) * channels + c) * inner + p % inner;
        T v = x[idx];
        if (v <= 0) acc += (double) dy[idx] * (double) v;
    }
    acc = block_sum(acc, scratch);
    if (threadIdx.x == 0) partial[(i64) c * splits + s] = acc;
}

#define KILN_PRELU(suffix, T) \
    extern "C" __global__ void prelu_##suffix(int n, int channels, int inner, T* out, const T* x, const T* w) { \
        prelu_impl<T>(n, channels, inner, out, x, w); \
    } \
    extern "C" __global__ void prelu_backward_##suffix(int n, int channels, int inner, T* dx, const T* dy, const T* x, \
                                                       const T* w) { \
        prelu_backward_impl<T>(n, channels, inner, dx, dy, x, w); \
    } \
    extern "C" __global__ void prelu_weight_partial_##suffix(int n, int channels, int inner, int splits, \
                                                             double* partial, const T* dy, const T* x) { \
        prelu_weight_partial_impl<T>(n, channels, inner, splits, partial, dy, x); \
    }
KILN_PRELU(f32, float)
KILN_PRELU(f64, double)

// ---------------------------------------------------------------- PAU (safe Padé activation)

// P(x) = Σ_{j<m1} a_j x^j by Horner from the top, Q(x) = 1 + Σ_{k=1..nd} |b_k| |x|^k, in double
template <typename T>
__device__ __forceinline__ double pau_value(double v, int m1, int nd, const T* a, const T* b) {
    double p = 0;
    for (int j = m1 - 1; j >= 0; j--) p = p * v + (double) a[j];
    double av = fabs(v);
    double q = 0;
    for (int k = nd; k >= 1; k--) q = (q + fabs((double) b[k - 1])) * av;
    return p / (1 + q);
}

template <typename T>
__device__ __forceinline__ void pau_impl(int n, int m1, int nd, T* out, const T* x, const T* a, const T* b) {
    i64 i = global_index();
    if (i >= n) return;
    out[i] = (T) pau_value<T>((double) x[i], m1, nd, a, b);
}

__device__ __forceinline__ double powi(double v, int e) {
    double r = 1;
    for (int k = 0; k < e; k++) r *= v;
    return r;
}

#define PAU_CHUNK 16

// dx (when non-null) and, when partial is non-null, per block partial sums of the coefficient
// gradients: partial[c * gridDim.x + blockIdx.x] for c < m1 (numerator) then nd (denominator).
// Coefficients are summed PAU_CHUNK at a time in registers; each chunk walks the block's elements.
template <typename T>
__device__ __forceinline__ void pau_backward_impl(int n, int m1, int nd, T* dx, double* partial, const T* dy,
                                                  const T* x, const T* a, const T* b) {
    __shared__ double scratch[32];
    int splits = gridDim.x;
    i64 chunk = ((i64) n + splits - 1) / splits;
    i64 begin = blockIdx.x * chunk;
    i64 end = min((i64) n, begin + chunk);
    int total = partial ? m1 + nd : 0;
    for (int c0 = 0; c0 < (total > 0 ? total : 1); c0 += PAU_CHUNK) {
        double acc[PAU_CHUNK];
#pragma unroll
        for (int j = 0; j < PAU_CHUNK; j++) acc[j] = 0;
        for (i64 i = begin + threadIdx.x; i < end; i += blockDim.x) {
            double v = x[i];
            double g = dy[i];
            double av = fabs(v);
            double p = 0;
            double dp = 0;
            for (int j = m1 - 1; j >= 0; j--) {
                dp = dp * v + p;
                p = p * v + (double) a[j];
            }
            double q = 1;
            double dq = 0;  // dQ/d|x|
            double pw = 1;  // |x|^{k-1}
            for (int k = 1; k <= nd; k++) {
                double bk = fabs((double) b[k - 1]);
                dq += k * bk * pw;
                pw *= av;
                q += bk * pw;
            }
            if (c0 == 0 && dx) {
                double sg = v > 0 ? 1.0 : (v < 0 ? -1.0 : v);
                dx[i] = (T) (g * (dp / q - p / (q * q) * dq * sg));
            }
#pragma unroll
            for (int j = 0; j < PAU_CHUNK; j++) {
                int c = c0 + j;
                if (c < m1) {
                    acc[j] += g * powi(v, c) / q;
                } else if (c < total) {
                    int k = c - m1 + 1;
                    double bk = (double) b[k - 1];
                    double sb = bk > 0 ? 1.0 : (bk < 0 ? -1.0 : bk);
                    acc[j] -= g * p / (q * q) * powi(av, k) * sb;
                }
            }
        }
#pragma unroll
        for (int j = 0; j < PAU_CHUNK; j++) {
            if (c0 + j < total) {
                double s = block_sum(acc[j], scratch);
                if (threadIdx.x == 0) partial[(i64) (c0 + j) * splits + blockIdx.x] = s;
            }
        }
    }
}

#define KILN_PAU(suffix, T) \
    extern "C" __global__ void pau_##suffix(int n, int m1, int nd, T* out, const T* x, const T* a, const T* b) { \
        pau_impl<T>(n, m1, nd, out, x, a, b); \
    } \
    extern "C" __global__ void pau_backward_##suffix(int n, int m1, int nd, T* dx, double* partial, const T* dy, \
                                                     const T* x, const T* a, const T* b) { \
        pau_backward_impl<T>(n, m1, nd, dx, partial, dy, x, a, b); \
    }
KILN_PAU(f32, float)
KILN_PAU(f64, double)
