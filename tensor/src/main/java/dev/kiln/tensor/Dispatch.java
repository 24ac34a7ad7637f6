package dev.kiln.tensor;

import dev.kiln.tensor.spi.Autograd;
import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.CpuStorage;
import dev.kiln.tensor.spi.Op;

/** The checks and plumbing every op shares: device agreement, dtype rules, allocation, recording. */
final class Dispatch {
    private Dispatch() {
    }

    /** The common device of the tensors; an op never moves data between devices silently. */
    static Device device(String op, Tensor... ts) {
        Device d = ts[0].device();
        for (Tensor t : ts) {
            if (!t.device().equals(d)) {
                throw new IllegalArgumentException(op + ": tensors are on different devices: " + d + " and "
                        + t.device() + "; move them with to(device) first");
            }
        }
        return d;
    }

    /** The backend of the tensors' device; for a dtype it has no kernels for, through {@link DTypeBridge}. */
    static Backend backend(String op, Tensor... ts) {
        return DTypeBridge.wrap(Backends.forOp(op, device(op, ts)), ts);
    }

    static void sameDType(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(op + ": dtypes differ: " + a.dtype() + " " + Shapes.str(a.shape())
                    + " and " + b.dtype() + " " + Shapes.str(b.shape()) + "; convert one with to(dtype)");
        }
    }

    static void requireFloat(String op, Tensor t) {
        if (!t.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": expected a floating-point tensor (F32, F64, F16 or BF16), got "
                    + t.dtype() + " " + Shapes.str(t.shape()));
        }
    }

    static void requireNumeric(String op, Tensor t) {
        if (!t.dtype().isNumeric()) {
            throw new IllegalArgumentException(op + ": expected a numeric tensor, got " + t.dtype() + " "
                    + Shapes.str(t.shape()) + "; convert it with to(dtype)");
        }
    }

    /**
     * An index argument: I32 or I64 (PyTorch's long), returned as I32, the type every backend's
     * index kernels take. An I64 value outside the int range cannot index any dim and is refused
     * here, before narrowing could wrap it into range.
     */
    static Tensor requireIndex(String op, String what, Tensor t) {
        if (t.dtype() == DType.I32) {
            return t;
        }
        if (t.dtype() != DType.I64) {
            throw new IllegalArgumentException(op + ": " + what + " must be I32 or I64, got " + t.dtype() + " "
                    + Shapes.str(t.shape()));
        }
        if (t.numel() > 0) {
            long[] v = t.toLongArray();
            for (int i = 0; i < v.length; i++) {
                if (v[i] != (int) v[i]) {
                    throw new IllegalArgumentException(op + ": " + what + " " + v[i] + " at position " + i
                            + " is out of range");
                }
            }
        }
        return t.to(DType.I32);
    }

    /** A new contiguous tensor from the backend (contents are zero). */
    static Tensor empty(Backend backend, DType dtype, int[] shape, Device device) {
        Storage s = backend.allocate(dtype, Shapes.numel(shape), device);
        return new Tensor(s, shape.clone(), Shapes.contiguousStrides(shape), 0);
    }

    /**
     * A new contiguous tensor for an op's output that the op's kernels write in full (every
     * backend's, for every dtype and layout the op accepts): its contents are undefined until
     * then. Tests run with {@code -Dkiln.poison=true}, which fills such CPU buffers with NaN, so a
     * kernel that leaves part of one unwritten fails them.
     */
    static Tensor uninitialized(Backend backend, DType dtype, int[] shape, Device device) {
        Storage s = backend.allocateUninitialized(dtype, Shapes.numel(shape), device);
        return new Tensor(s, shape.clone(), Shapes.contiguousStrides(shape), 0);
    }

    /** Attaches a graph node to {@code out} when autograd is on and some input requires grad. */
    static Tensor record(Op op, Tensor out, Tensor... inputs) {
        for (Tensor t : inputs) {
            if (t.requiresGrad()) {
                Autograd ag = Autograd.get();
                if (ag.isGradEnabled()) {
                    ag.record(op, out, inputs);
                }
                return out;
            }
        }
        return out;
    }

    /** Whether this call would be recorded: grad enabled and some input requires grad. */
    static boolean wouldRecord(Tensor... inputs) {
        for (Tensor t : inputs) {
            if (t.requiresGrad()) {
                return Autograd.get().isGradEnabled();
            }
        }
        return false;
    }

    /**
     * Checks that every I32 index lies in [lo, hi) (or equals {@code allowed}); the message names
     * the first offending value and its position.
     */
    static void checkIndexRange(String op, String what, Tensor index, int lo, int hi, Integer allowed) {
        if (index.numel() == 0) {
            return;
        }
        Tensor host = index.to(Device.CPU).contiguous();
        int[] v = ((CpuStorage) host.storage()).ints();
        int off = host.offset();
        int n = host.numel();
        for (int i = 0; i < n; i++) {
            int x = v[off + i];
            if ((x < lo || x >= hi) && (allowed == null || x != allowed)) {
                throw new IllegalArgumentException(op + ": " + what + " " + x + " at position " + i
                        + " is out of range [" + lo + ", " + hi + ")"
                        + (allowed != null ? " (and is not the ignore index " + allowed + ")" : ""));
            }
        }
    }

    /** Backward kernels are not themselves differentiable: refuse a call autograd would have to record. */
    static void notRecorded(String name, Tensor... ts) {
        if (wouldRecord(ts)) {
            throw new IllegalStateException(name + ": this backward kernel is not differentiable "
                    + "(double backward is not supported); call it with grad disabled");
        }
    }

    static void sameShape(String name, Tensor a, Tensor b) {
        if (!java.util.Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(name + ": shapes differ: " + Shapes.str(a.shape()) + " and "
                    + Shapes.str(b.shape()));
        }
    }
}
