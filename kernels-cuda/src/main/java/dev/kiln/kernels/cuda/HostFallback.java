package dev.kiln.kernels.cuda;

import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.Backends;
import dev.kiln.tensor.Device;
import dev.kiln.tensor.Tensor;

/**
 * Runs an op that has no CUDA kernel yet on the host: the device inputs are copied to the host,
 * the host backend (CpuBackend where it is on the class path, else the reference loops) computes
 * the outputs, and they are copied back. Correct and slow (two PCIe copies per call); an op leaves
 * this class when its kernel lands in a .cu file.
 */
final class HostFallback {
    private HostFallback() {
    }

    @FunctionalInterface
    interface HostCall {
        void run(Backend host, Tensor[] outs, Tensor[] ins);
    }

    /** outs and ins contiguous device tensors (an input may be null); outs are written in full. */
    static void run(Tensor[] outs, Tensor[] ins, HostCall call) {
        Tensor[] hostIns = new Tensor[ins.length];
        for (int i = 0; i < ins.length; i++) {
            hostIns[i] = ins[i] == null ? null : toHost(ins[i]);
        }
        Tensor[] hostOuts = new Tensor[outs.length];
        for (int i = 0; i < outs.length; i++) {
            hostOuts[i] = Tensor.zeros(outs[i].dtype(), outs[i].shape());
        }
        call.run(Backends.forDevice(Device.CPU), hostOuts, hostIns);
        for (int i = 0; i < outs.length; i++) {
            MemoryDispatch.copyFromHost(outs[i], hostOuts[i]);
        }
    }

    private static Tensor toHost(Tensor t) {
        Tensor h = Tensor.zeros(t.dtype(), t.shape());
        MemoryDispatch.copyToHost(h, t);
        return h;
    }
}
