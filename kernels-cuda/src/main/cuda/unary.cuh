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
        default: return (T) NAN;
    }
}
