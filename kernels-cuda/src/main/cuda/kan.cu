// KAN's B-spline basis (Backend.bsplineBasis): the Cox–de Boor recursion per (row, input), in
// double as the reference does, with the derivative from the order − 1 basis in the same pass,
// and its backward, a row-dot per element. x [rows, in], grid [in, K] (one knot vector per
// input), out and derivative [rows, in, K − 1 − order]. K is at most KILN_KAN_MAX_KNOTS.
#include "kiln.cuh"

#define KILN_KAN_MAX_KNOTS 128

// a / span, with a term over an empty knot span dropped (its lower-order basis is 0 there anyway)
__device__ __forceinline__ double kan_ratio(double a, double span) {
    return span == 0 ? 0 : a / span;
}

template <typename T>
__device__ __forceinline__ void bspline_basis_impl(int rows, int in, int knots, int order, T* out, T* deriv, const T* x,
                                                   const T* grid) {
    i64 q = global_index();  // (row, input) pair
    if (q >= (i64) rows * in) return;
    int i = (int) (q % in);
    int n = knots - 1 - order;
    const T* t = grid + (i64) i * knots;
    T* o = out + q * n;
    T* d = deriv ? deriv + q * n : nullptr;
    double v = (double) x[q];
    if (v != v) {
        for (int j = 0; j < n; j++) {
            o[j] = (T) NAN;
            if (d) d[j] = (T) NAN;
        }
        return;
    }
    if (!(v >= (double) t[0] && v < (double) t[knots - 1])) return;  // outside the grid: stays 0
    double b[KILN_KAN_MAX_KNOTS - 1];
    for (int j = 0; j < knots - 1; j++) b[j] = v >= (double) t[j] && v < (double) t[j + 1] ? 1.0 : 0.0;
    for (int p = 1; p <= order; p++) {
        if (p == order && d) {
            for (int j = 0; j < n; j++) {
                d[j] = (T) (p * (kan_ratio(b[j], (double) t[j + p] - (double) t[j])
                                 - kan_ratio(b[j + 1], (double) t[j + p + 1] - (double) t[j + 1])));
            }
        }
        for (int j = 0; j < knots - 1 - p; j++) {
            b[j] = kan_ratio((v - (double) t[j]) * b[j], (double) t[j + p] - (double) t[j])
                   + kan_ratio(((double) t[j + p + 1] - v) * b[j + 1], (double) t[j + p + 1] - (double) t[j + 1]);
        }
    }
    for (int j = 0; j < n; j++) o[j] = (T) b[j];
}

// dx[q] = Σ_j dy[q, j] · derivative[q, j]
template <typename T>
__device__ __forceinline__ void bspline_basis_backward_impl(int m, int n, T* dx, const T* dy, const T* deriv) {
    i64 q = global_index();
    if (q >= m) return;
    double acc = 0;
    for (int j = 0; j < n; j++) acc += (double) dy[q * n + j] * (double) deriv[q * n + j];
    dx[q] = (T) acc;
}

#define KILN_KAN(suffix, T) \
    extern "C" __global__ void bspline_basis_##suffix(int rows, int in, int knots, int order, T* out, T* deriv, \
                                                      const T* x, const T* grid) { \
        bspline_basis_impl<T>(rows, in, knots, order, out, deriv, x, grid); \
    } \
    extern "C" __global__ void bspline_basis_backward_##suffix(int m, int n, T* dx, const T* dy, const T* deriv) { \
        bspline_basis_backward_impl<T>(m, n, dx, dy, deriv); \
    }
KILN_KAN(f32, float)
KILN_KAN(f64, double)
