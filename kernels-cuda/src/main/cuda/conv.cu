// Convolution as im2col + GEMM (ConvDispatch.java does the GEMMs through cuBLAS or gemm.cu):
// im2col lays out, for a chunk of samples, every input value each output position reads
// (zero in the padding); col2im is its adjoint, the input gradient from the column gradient.
// col2im gathers (a thread per input element sums the taps that read it), so it needs no
// atomics and its result does not depend on scheduling.
#include "kiln.cuh"

// The geometry of one launch, packed by ConvGeom.java (ConvShape's fields for a chunk of samples)
// and the strides in elements of the column buffer over (sample, group, patch row, output
// position), so that one kernel writes the layouts both GEMM operand orders need.
struct ConvGeom {
    int n;          // samples in this chunk
    int cIn;        // input channels, all groups
    int h, w;
    int groups;
    int cPerGroup;  // input channels per group
    int kH, kW;
    int strideH, strideW;
    int padH, padW;
    int dilH, dilW;
    int outH, outW;
    int colN, colG, colR, colL;
};

// col[n, g, r, l] = x[n, g·cPerGroup + c, oh·sH − pH + i·dH, ow·sW − pW + j·dW] (0 outside x),
// r = (c·kH + i)·kW + j, l = oh·outW + ow. A thread per column element, l fastest.
template <typename T>
__device__ __forceinline__ void im2col_impl(const ConvGeom& G, T* col, const T* x) {
    // ConvDispatch keeps a launch's column count below 2^31: 32-bit index arithmetic (64-bit
    // division is many times slower on the GPU), 64-bit addresses
    i64 t64 = global_index();
    int L = G.outH * G.outW;
    if (t64 >= (i64) G.n * G.cIn * G.kH * G.kW * L) return;
    int t = (int) t64;
    int l = t % L;
    int rest = t / L;
    int j = rest % G.kW;
    rest /= G.kW;
    int i = rest % G.kH;
    rest /= G.kH;
    int ci = rest % G.cIn;
    int n = rest / G.cIn;
    int oh = l / G.outW;
    int ow = l - oh * G.outW;
    int ih = oh * G.strideH - G.padH + i * G.dilH;
    int iw = ow * G.strideW - G.padW + j * G.dilW;
    T v = 0;
    if (ih >= 0 && ih < G.h && iw >= 0 && iw < G.w) {
        v = x[(((i64) n * G.cIn + ci) * G.h + ih) * G.w + iw];
    }
    int g = ci / G.cPerGroup;
    int r = ((ci - g * G.cPerGroup) * G.kH + i) * G.kW + j;
    col[(i64) n * G.colN + (i64) g * G.colG + (i64) r * G.colR + (i64) l * G.colL] = v;
}

// dx[n, ci, ih, iw] = Σ col[n, g, r(c, i, j), l(oh, ow)] over the taps (i, j) whose output
// position (oh, ow) reads (ih, iw): ih + pH − i·dH must be a non-negative multiple of sH below
// outH·sH (columns alike). A thread per input element.
template <typename T>
__device__ __forceinline__ void col2im_impl(const ConvGeom& G, T* dx, const T* col) {
    i64 t64 = global_index();
    if (t64 >= (i64) G.n * G.cIn * G.h * G.w) return;
    int t = (int) t64;  // dx's chunk is part of a tensor: fewer than 2^31 elements
    int iw = t % G.w;
    int rest = t / G.w;
    int ih = rest % G.h;
    rest /= G.h;
    int ci = rest % G.cIn;
    int n = rest / G.cIn;
    int g = ci / G.cPerGroup;
    int c = ci - g * G.cPerGroup;
    const T* base = col + (i64) n * G.colN + (i64) g * G.colG;
    T sum = 0;
    for (int i = 0; i < G.kH; i++) {
        int hp = ih + G.padH - i * G.dilH;
        if (hp < 0 || hp % G.strideH != 0) continue;
        int oh = hp / G.strideH;
        if (oh >= G.outH) continue;
        for (int j = 0; j < G.kW; j++) {
            int wp = iw + G.padW - j * G.dilW;
            if (wp < 0 || wp % G.strideW != 0) continue;
            int ow = wp / G.strideW;
            if (ow >= G.outW) continue;
            int r = (c * G.kH + i) * G.kW + j;
            sum += base[(i64) r * G.colR + (i64) (oh * G.outW + ow) * G.colL];
        }
    }
    dx[t] = sum;
}

#define KILN_CONV(suffix, T) \
    extern "C" __global__ void im2col_##suffix(ConvGeom G, T* col, const T* x) { \
        im2col_impl<T>(G, col, x); \
    } \
    extern "C" __global__ void col2im_##suffix(ConvGeom G, T* dx, const T* col) { \
        col2im_impl<T>(G, dx, col); \
    }
KILN_CONV(f32, float)
KILN_CONV(f64, double)
