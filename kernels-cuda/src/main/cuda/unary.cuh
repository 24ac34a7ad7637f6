// The scalar definitions of the unary ops and their derivatives (UnaryOp.apply/derivative in
// Java), for float and double; elementwise.cu applies them, activation.cu differentiates them.
#pragma once
#include "kiln.cuh"

#define KILN_SQRT_2_OVER_PI 0.79788456080286535588
#define KILN_GELU_C 0.044715
#define KILN_INV_SQRT_2 0.70710678118654752440
#define KILN_INV_SQRT_2PI 0.39894228040143267794

template <typename T>
__device__ __forceinline__ T sigmoid_of(T x) {
    // the two-sided form never overflows exp
    if (x >= 0) return (T) 1 / ((T) 1 + exp(-x));
    T e = exp(x);
    return e / ((T) 1 + e);
}

// log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow, no cancellation
template <typename T>
__device__ __forceinline__ T softplus_of(T x) {
    return (x > 0 ? x : (T) 0) + log1p(exp(-fabs(x)));
}

// Φ(x) = erfc(-x/√2)/2 keeps its digits in the left tail
template <typename T>
__device__ __forceinline__ T normal_cdf(T x) {
    return (T) 0.5 * erfc(-x * (T) KILN_INV_SQRT_2);
}

template <typename T>
__device__ __forceinline__ T normal_pdf(T x) {
    return (T) KILN_INV_SQRT_2PI * exp((T) -0.5 * x * x);
}

#define KILN_SELU_ALPHA 1.6732632423543772848170429916717
#define KILN_SELU_SCALE 1.0507009873554804934193349852946
#define KILN_LN2 0.69314718055994530942
#define KILN_LN10 2.30258509299404568402
#define KILN_TWO_OVER_SQRT_PI 1.12837916709551257390

// SpecialFunctions.erfinv, in double for both dtypes: Winitzki's guess refined by Newton steps, on
// erfc near ±1 (where 1 − |y| is exact). Its own, so that the emulator (C's math.h has no erfinv) and
// the GPU run the same code.
__device__ __forceinline__ double kiln_erfinv(double y) {
    double a = fabs(y);
    if (!(a <= 1)) return NAN;
    if (a == 1) return copysign((double) INFINITY, y);
    if (y == 0) return y;
    double ln = log1p(-a * a);
    double t = 2 / (3.14159265358979323846 * 0.147) + ln / 2;
    double x = sqrt(sqrt(t * t - ln / 0.147) - t);
    double tail = 1 - a;
    for (int i = 0; i < 6; i++) {
        double r = a < 0.5 ? erf(x) - a : tail - erfc(x);
        double step = r / (KILN_TWO_OVER_SQRT_PI * exp(-x * x));
        x -= step;
        if (fabs(step) <= 1e-17 * x) break;
    }
    return copysign(x, y);
}

template <typename T>
__device__ __forceinline__ T clamp06(T v) {
    return v < (T) 0 ? (T) 0 : (v > (T) 6 ? (T) 6 : v);
}

template <typename T>
__device__ __forceinline__ T unary_float(int op, T x) {
    switch (op) {
        case KILN_UNARY_NEG: return -x;
        case KILN_UNARY_EXP: return exp(x);
        case KILN_UNARY_LOG: return log(x);
        case KILN_UNARY_SQRT: return sqrt(x);
        case KILN_UNARY_RSQRT: return (T) 1 / sqrt(x);
        case KILN_UNARY_ABS: return fabs(x);
        case KILN_UNARY_SIGN: return x > 0 ? (T) 1 : (x < 0 ? (T) -1 : x);  // keeps ±0 and NaN, as Math.signum
        case KILN_UNARY_TANH: return tanh(x);
        case KILN_UNARY_SIGMOID: return sigmoid_of(x);
        case KILN_UNARY_RELU: return x > 0 ? x : (x != x ? x : (T) 0);
        case KILN_UNARY_GELU: return x * normal_cdf(x);
        case KILN_UNARY_GELU_TANH:
            return (T) 0.5 * x * ((T) 1 + tanh((T) KILN_SQRT_2_OVER_PI * (x + (T) KILN_GELU_C * x * x * x)));
        case KILN_UNARY_SILU: return x * sigmoid_of(x);
        case KILN_UNARY_MISH: return x * tanh(softplus_of(x));
        case KILN_UNARY_SOFTPLUS: return softplus_of(x);
        case KILN_UNARY_RELU_SQUARED: return x > 0 ? x * x : (x != x ? x : (T) 0);
        case KILN_UNARY_SIN: return sin(x);
        case KILN_UNARY_COS: return cos(x);
        case KILN_UNARY_TAN: return tan(x);
        case KILN_UNARY_ASIN: return asin(x);
        case KILN_UNARY_ACOS: return acos(x);
        case KILN_UNARY_ATAN: return atan(x);
        case KILN_UNARY_SINH: return sinh(x);
        case KILN_UNARY_COSH: return cosh(x);
        case KILN_UNARY_ASINH: return asinh(x);
        case KILN_UNARY_ACOSH: return acosh(x);
        case KILN_UNARY_ATANH: return atanh(x);
        case KILN_UNARY_FLOOR: return floor(x);
        case KILN_UNARY_CEIL: return ceil(x);
        case KILN_UNARY_ROUND: return rint(x);  // half to even, as PyTorch
        case KILN_UNARY_TRUNC: return trunc(x);
        case KILN_UNARY_FRAC: return x - trunc(x);
        case KILN_UNARY_ERF: return erf(x);
        case KILN_UNARY_ERFC: return erfc(x);
        case KILN_UNARY_ERFINV: return (T) kiln_erfinv((double) x);
        case KILN_UNARY_LOG2: return log2(x);
        case KILN_UNARY_LOG10: return log10(x);
        case KILN_UNARY_LOG1P: return log1p(x);
        case KILN_UNARY_EXP2: return exp2(x);
        case KILN_UNARY_EXPM1: return expm1(x);
        case KILN_UNARY_SELU:
            return x > 0 ? (T) KILN_SELU_SCALE * x : (T) KILN_SELU_SCALE * (T) KILN_SELU_ALPHA * expm1(x);
        case KILN_UNARY_RELU6: return x != x ? x : clamp06(x);
        case KILN_UNARY_HARDSWISH: return x != x ? x : x * (clamp06(x + (T) 3) / (T) 6);  // cannot overflow
        case KILN_UNARY_HARDSIGMOID: return x != x ? x : clamp06(x + (T) 3) / (T) 6;
        case KILN_UNARY_LOGSIGMOID: return -softplus_of(-x);
        case KILN_UNARY_SOFTSIGN: return x / ((T) 1 + fabs(x));
        case KILN_UNARY_TANHSHRINK: return x - tanh(x);
        default: return (T) NAN;
    }
}

// f'(x) with PyTorch's choice at kinks (ReLU and ABS give 0 at 0), as UnaryOp.derivative
template <typename T>
__device__ __forceinline__ T unary_derivative(int op, T x) {
    switch (op) {
        case KILN_UNARY_NEG: return (T) -1;
        case KILN_UNARY_EXP: return exp(x);
        case KILN_UNARY_LOG: return (T) 1 / x;
        case KILN_UNARY_SQRT: return (T) 0.5 / sqrt(x);
        case KILN_UNARY_RSQRT: return (T) -0.5 / (x * sqrt(x));
        case KILN_UNARY_ABS: return x > 0 ? (T) 1 : (x < 0 ? (T) -1 : x);
        case KILN_UNARY_SIGN: return (T) 0;
        case KILN_UNARY_TANH: {
            T t = tanh(x);
            return (T) 1 - t * t;
        }
        case KILN_UNARY_SIGMOID: {
            T s = sigmoid_of(x);
            return s * ((T) 1 - s);
        }
        case KILN_UNARY_RELU: return x > 0 ? (T) 1 : (T) 0;
        case KILN_UNARY_GELU: return normal_cdf(x) + x * normal_pdf(x);
        case KILN_UNARY_GELU_TANH: {
            T x2 = x * x;
            T t = tanh((T) KILN_SQRT_2_OVER_PI * (x + (T) KILN_GELU_C * x2 * x));
            return (T) 0.5 * ((T) 1 + t)
                   + (T) 0.5 * x * ((T) 1 - t * t) * (T) KILN_SQRT_2_OVER_PI * ((T) 1 + (T) 3 * (T) KILN_GELU_C * x2);
        }
        case KILN_UNARY_SILU: {
            T s = sigmoid_of(x);
            return s * ((T) 1 + x * ((T) 1 - s));
        }
        case KILN_UNARY_MISH: {
            T t = tanh(softplus_of(x));
            return t + x * sigmoid_of(x) * ((T) 1 - t * t);
        }
        case KILN_UNARY_SOFTPLUS: return sigmoid_of(x);
        case KILN_UNARY_RELU_SQUARED: return x > 0 ? (T) 2 * x : (T) 0;
        case KILN_UNARY_SIN: return cos(x);
        case KILN_UNARY_COS: return -sin(x);
        case KILN_UNARY_TAN: {
            T t = tan(x);
            return (T) 1 + t * t;
        }
        // 1 − x² and x² − 1 factored: (1 − x) and (x − 1) are exact near the singular points
        case KILN_UNARY_ASIN: return (T) 1 / sqrt(((T) 1 - x) * ((T) 1 + x));
        case KILN_UNARY_ACOS: return (T) -1 / sqrt(((T) 1 - x) * ((T) 1 + x));
        case KILN_UNARY_ATAN: return (T) 1 / ((T) 1 + x * x);
        case KILN_UNARY_SINH: return cosh(x);
        case KILN_UNARY_COSH: return sinh(x);
        case KILN_UNARY_ASINH: return (T) 1 / sqrt(x * x + (T) 1);
        case KILN_UNARY_ACOSH: return (T) 1 / sqrt((x - (T) 1) * (x + (T) 1));
        case KILN_UNARY_ATANH: return (T) 1 / (((T) 1 - x) * ((T) 1 + x));
        case KILN_UNARY_FLOOR:
        case KILN_UNARY_CEIL:
        case KILN_UNARY_ROUND:
        case KILN_UNARY_TRUNC: return (T) 0;
        case KILN_UNARY_FRAC: return (T) 1;
        case KILN_UNARY_ERF: return (T) KILN_TWO_OVER_SQRT_PI * exp(-x * x);
        case KILN_UNARY_ERFC: return (T) -KILN_TWO_OVER_SQRT_PI * exp(-x * x);
        case KILN_UNARY_ERFINV: {
            double y = kiln_erfinv((double) x);
            return (T) (exp(y * y) / KILN_TWO_OVER_SQRT_PI);
        }
        case KILN_UNARY_LOG2: return (T) 1 / (x * (T) KILN_LN2);
        case KILN_UNARY_LOG10: return (T) 1 / (x * (T) KILN_LN10);
        case KILN_UNARY_LOG1P: return (T) 1 / ((T) 1 + x);
        case KILN_UNARY_EXP2: return (T) KILN_LN2 * exp2(x);
        case KILN_UNARY_EXPM1: return exp(x);
        case KILN_UNARY_SELU: return x > 0 ? (T) KILN_SELU_SCALE : (T) KILN_SELU_SCALE * (T) KILN_SELU_ALPHA * exp(x);
        case KILN_UNARY_RELU6: return x > 0 && x < (T) 6 ? (T) 1 : (T) 0;
        case KILN_UNARY_HARDSWISH: return x < (T) -3 ? (T) 0 : (x >= (T) 3 ? (T) 1 : x / (T) 3 + (T) 0.5);
        case KILN_UNARY_HARDSIGMOID: return x > (T) -3 && x < (T) 3 ? (T) 1 / (T) 6 : (T) 0;
        case KILN_UNARY_LOGSIGMOID: return sigmoid_of(-x);
        case KILN_UNARY_SOFTSIGN: {
            if (isinf(x)) return (T) NAN;  // PyTorch composes softsign: its gradient at ±inf is inf/inf
            T d = (T) 1 + fabs(x);
            return (T) 1 / (d * d);
        }
        case KILN_UNARY_TANHSHRINK: {
            T t = tanh(x);
            return t * t;
        }
        default: return (T) NAN;
    }
}
