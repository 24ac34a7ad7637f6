// Indexing: one gather kernel serves index_select, gather and embedding, one scatter-add kernel
// serves index_add, scatter_add and the embedding backward. The Layout walks the index space;
// operand strides are set up on the Java side (IndexPlan) so that
//   gather:      out[off0] = x[off1 + index[off2] * xDimStride]
//   scatter-add: out[off0 + index[off2] * outDimStride] += src[off1]
// where x's (or out's) stride along the indexed dim is zeroed in the Layout and applied
// through the index instead. Scatter-add uses atomics: duplicate indices add up, in an order
// that may vary from run to run (float sums may differ in the last bits).
#include "kiln.cuh"

template <typename T>
__device__ __forceinline__ void gather_impl(const Layout& L, int xDimStride, T* out, const T* x, const int* index) {
    i64 i = global_index();
    if (i >= L.numel) return;
    int off[3];
    layout_offsets<3>(L, (int) i, off);
    out[off[0]] = x[off[1] + index[off[2]] * xDimStride];
}

template <typename T>
__device__ __forceinline__ void scatter_add_impl(const Layout& L, int outDimStride, T* out, const T* src, const int* index) {
    i64 i = global_index();
    if (i >= L.numel) return;
    int off[3];
    layout_offsets<3>(L, (int) i, off);
    atomicAdd(out + off[0] + index[off[2]] * outDimStride, src[off[1]]);
}

#define KILN_GATHER(suffix, T) \
    extern "C" __global__ void gather_##suffix(Layout L, int xDimStride, T* out, const T* x, const int* index) { \
        gather_impl<T>(L, xDimStride, out, x, index); \
    }
KILN_GATHER(f32, float)
KILN_GATHER(f64, double)
KILN_GATHER(i32, int)
KILN_GATHER(u8, u8)

#define KILN_SCATTER_ADD(suffix, T) \
    extern "C" __global__ void scatter_add_##suffix(Layout L, int outDimStride, T* out, const T* src, const int* index) { \
        scatter_add_impl<T>(L, outDimStride, out, src, index); \
    }
KILN_SCATTER_ADD(f32, float)
KILN_SCATTER_ADD(f64, double)
KILN_SCATTER_ADD(i32, int)
