/** CudaBackend: device memory with a caching allocator, streams, PTX kernels from src/main/cuda, cuBLAS GEMM (not built yet). */
package dev.kiln.kernels.cuda;
