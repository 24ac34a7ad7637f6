/** CpuBackend: Vector API kernels (packed, blocked, multi-threaded GEMM; fused elementwise, reductions, softmax, norms, attention, optimizer steps) (not built yet). */
package dev.kiln.kernels.cpu;
