package dev.kiln.kernels.cuda;

import dev.kiln.tensor.spi.BinaryOp;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.UnaryOp;

import static dev.kiln.kernels.cuda.DeviceTensors.*;

/**
 * CudaBackend's unary, binary, clamp and where: the kernels of elementwise.cu (and unary.cuh).
 */
final class ElementwiseDispatch {
    private ElementwiseDispatch() {
    }

    static void unary(UnaryOp op, Tensor out, Tensor x) {
        CudaDevice d = dev(out);
        int code = OpCodes.unary(op);
        int n = out.numel();
        if (out.dtype() == DType.F32 && x.isContiguous() && out.isContiguous() && aligned16(ptr(out), ptr(x))) {
            d.launch(Kernels.UNARY_VEC4, "", CudaDevice.blocks((n + 3L) / 4, 256), 1, 1, 256, 0,
                    new Args().i(n).i(code).ptr(ptr(out)).ptr(ptr(x)));
            return;
        }
        forEachChunk(d, Kernels.UNARY, sfx(x), out.shape(), new Tensor[] {out, x},
                (l, a) -> new Args().layout(l).i(code).ptr(a[0]).ptr(a[1]));
    }

    static void binary(BinaryOp op, Tensor out, Tensor a, Tensor b) {
        CudaDevice d = dev(out);
        if (op.isComparison()) {
            int code = OpCodes.compare(op);
            forEachChunk(d, Kernels.COMPARE, sfx(a), out.shape(), new Tensor[] {out, a, b},
                    (l, p) -> new Args().layout(l).i(code).ptr(p[0]).ptr(p[1]).ptr(p[2]));
            return;
        }
        if (a.dtype() == DType.I32 && op.needsFloat()) {
            throw new IllegalArgumentException(op.opName() + ": needs floating-point tensors, got I32");
        }
        int code = OpCodes.binary(op);
        int n = out.numel();
        if (out.dtype() == DType.F32 && a.isContiguous() && b.isContiguous() && out.isContiguous()
                && aligned16(ptr(out), ptr(a), ptr(b))) {
            d.launch(Kernels.BINARY_VEC4, "", CudaDevice.blocks((n + 3L) / 4, 256), 1, 1, 256, 0,
                    new Args().i(n).i(code).ptr(ptr(out)).ptr(ptr(a)).ptr(ptr(b)));
            return;
        }
        forEachChunk(d, Kernels.BINARY, sfx(a), out.shape(), new Tensor[] {out, a, b},
                (l, p) -> new Args().layout(l).i(code).ptr(p[0]).ptr(p[1]).ptr(p[2]));
    }

    static void clamp(Tensor out, Tensor x, double min, double max) {
        forEachChunk(dev(out), Kernels.CLAMP, sfx(x), out.shape(), new Tensor[] {out, x},
                (l, a) -> new Args().layout(l).ptr(a[0]).ptr(a[1]).d(min).d(max));
    }

    static void where(Tensor out, Tensor cond, Tensor a, Tensor b) {
        forEachChunk(dev(out), Kernels.WHERE, sfx(out), out.shape(), new Tensor[] {out, cond, a, b},
                (l, p) -> new Args().layout(l).ptr(p[0]).ptr(p[1]).ptr(p[2]).ptr(p[3]));
    }
}
