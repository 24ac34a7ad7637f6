// Fused optimizer steps, in place over contiguous tensors of one shape. Computed in double and
// rounded once, as ReferenceBackend does, so F32 results match it to the last bit or two.
#include "kiln.cuh"

// One Adam/AdamW step (AdamConfig.Mode): ADAM folds L2 into the gradient, ADAMW decays θ
// before the moments, ADAMW_HF (Hugging Face) uses step size lr·√bc2/bc1 with ε outside the
// bias correction and decays after the update. maxExpAvgSq is null unless amsgrad.
template <typename T>
__device__ __forceinline__ void adam_impl(int n, int mode, double lr, double beta1, double beta2, double eps,
                                          double weightDecay, double bc1, double bc2, T* param, const T* grad,
                                          T* expAvg, T* expAvgSq, T* maxExpAvgSq) {
    i64 i = global_index();
    if (i >= n) return;
    double theta = param[i];
    double g = grad[i];
    if (mode == KILN_ADAM_ADAM && weightDecay != 0) g += weightDecay * theta;
    if (mode == KILN_ADAM_ADAMW) theta *= 1 - lr * weightDecay;
    double m = beta1 * (double) expAvg[i] + (1 - beta1) * g;
    double v = beta2 * (double) expAvgSq[i] + (1 - beta2) * g * g;
    expAvg[i] = (T) m;
    expAvgSq[i] = (T) v;
    if (mode == KILN_ADAM_ADAMW_HF) {
        theta -= lr * sqrt(bc2) / bc1 * m / (sqrt(v) + eps);
        theta -= lr * weightDecay * theta;
    } else {
        double vv = v;
        if (maxExpAvgSq) {
            vv = java_max<double>((double) maxExpAvgSq[i], v);  // NaN wins, as Math.max
            maxExpAvgSq[i] = (T) vv;
        }
        theta -= lr / bc1 * m / (sqrt(vv) / sqrt(bc2) + eps);
    }
    param[i] = (T) theta;
}

#define KILN_ADAM(suffix, T) \
    extern "C" __global__ void adam_##suffix(int n, int mode, double lr, double beta1, double beta2, double eps, \
                                             double weightDecay, double bc1, double bc2, T* param, const T* grad, \
                                             T* expAvg, T* expAvgSq, T* maxExpAvgSq) { \
        adam_impl<T>(n, mode, lr, beta1, beta2, eps, weightDecay, bc1, bc2, param, grad, expAvg, expAvgSq, maxExpAvgSq); \
    }
KILN_ADAM(f32, float)
KILN_ADAM(f64, double)
