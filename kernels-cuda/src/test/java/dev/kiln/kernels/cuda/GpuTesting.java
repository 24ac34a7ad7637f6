package dev.kiln.kernels.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.function.BiConsumer;
import java.util.function.Function;

import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.Backends;
import dev.kiln.tensor.DType;
import dev.kiln.tensor.Device;
import dev.kiln.tensor.Generator;
import dev.kiln.tensor.spi.ReferenceBackend;
import dev.kiln.tensor.Tensor;

/**
 * Shared by the GPU tests: they run only where {@link Cuda#isAvailable()} and are skipped with
 * its reason elsewhere ({@link RequiresCuda}). Each check runs an op on the host with {@link ReferenceBackend} and on
 * cuda:0 with {@link CudaBackend}, then compares elementwise with a stated tolerance:
 * |gpu − ref| ≤ atol + rtol·|ref|, NaN where the reference has NaN, integers and BOOL exact.
 */
@RequiresCuda
abstract class GpuTesting {
    static final Device GPU = Device.cuda(0);
    static final Device CPU = Device.CPU;
    static final CudaBackend CUDA = new CudaBackend();
    static final ReferenceBackend REF = ReferenceBackend.INSTANCE;
    /**
     * The quick run on the CPU emulator that every build makes (kernels-cuda's pom): the tests
     * whose largest shapes take minutes there use smaller ones, so that every kernel still runs,
     * all of them in about a minute.
     */
    static final boolean QUICK = Boolean.getBoolean("kiln.cuda.emulator.quick")
            && System.getProperty("kiln.cuda.emulator") != null;

    /** Exact: copies, selections, IEEE-rounded + − × ÷ √ (CUDA rounds them correctly, as the reference's double-then-round does). */
    static final Tol EXACT = new Tol(0, 0);
    /** CUDA's expf/logf/tanhf/powf are within a few ulp of the correctly rounded result. */
    static final Tol F32_ULPS = new Tol(1e-6, 1e-7);
    /** Float accumulations in a different order than the reference's (softmax sums, norms, atomics). */
    static final Tol F32_SUMS = new Tol(2e-5, 2e-6);
    static final Tol F64_ULPS = new Tol(1e-14, 1e-15);
    static final Tol F64_SUMS = new Tol(1e-12, 1e-13);

    record Tol(double rtol, double atol) {
    }

    final Generator rng = new Generator(1234);

    static Tol floats(DType t, Tol f32, Tol f64) {
        return t == DType.F64 ? f64 : f32;
    }

    Tensor randn(DType dtype, int... shape) {
        return Tensor.randn(rng, shape).to(dtype);
    }

    Tensor randint(int lo, int hi, int... shape) {
        return Tensor.randint(rng, lo, hi, shape);
    }

    /** Runs op on host tensors under the reference backend and on their GPU copies, and compares. */
    static void check(String what, Tol tol, Function<Tensor[], Tensor> op, Tensor... hostInputs) {
        Tensor expected;
        try (Backends.Scope s = Backends.use(REF)) {
            expected = op.apply(hostInputs);
        }
        Tensor[] gpu = new Tensor[hostInputs.length];
        for (int i = 0; i < gpu.length; i++) {
            gpu[i] = hostInputs[i].to(GPU);
        }
        Tensor actual = op.apply(gpu);
        assertThat(actual.device()).as(what + ": result device").isEqualTo(GPU);
        assertThat(actual.storage()).as(what + ": result storage").isInstanceOf(CudaStorage.class);
        assertClose(what, tol, expected, actual.to(CPU));
    }

    /**
     * Runs one Backend kernel on both backends. {@code args} makes the arguments for a device
     * (host ones cloned, so both sides start from the same values); afterwards every argument,
     * outputs and inputs alike, is compared.
     */
    static void checkKernel(String what, Tol tol, Function<Device, Tensor[]> args, BiConsumer<Backend, Tensor[]> kernel) {
        Tensor[] gpu = args.apply(GPU);
        Tensor[] host = args.apply(CPU);
        kernel.accept(REF, host);
        kernel.accept(CUDA, gpu);
        for (int i = 0; i < host.length; i++) {
            if (host[i] != null) {
                assertClose(what + " argument " + i, tol, host[i], gpu[i].to(CPU));
            }
        }
    }

    /** t on the device: a copy on the GPU, a clone on the host. */
    static Tensor on(Device d, Tensor t) {
        if (t == null) {
            return null;
        }
        return d.isCpu() ? t.detach().clone() : t.detach().to(d);
    }

    static void assertClose(String what, Tol tol, Tensor expected, Tensor actual) {
        assertThat(actual.shape()).as(what + ": shape").containsExactly(expected.shape());
        assertThat(actual.dtype()).as(what + ": dtype").isEqualTo(expected.dtype());
        if (!expected.dtype().isFloatingPoint()) {
            assertThat(actual.toLongArray()).as(what).containsExactly(expected.toLongArray());
            return;
        }
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            boolean ok;
            if (Double.isNaN(e[i])) {
                ok = Double.isNaN(a[i]);
            } else if (Double.isInfinite(e[i])) {
                ok = a[i] == e[i];
            } else {
                ok = Math.abs(a[i] - e[i]) <= tol.atol() + tol.rtol() * Math.abs(e[i]);
            }
            if (!ok) {
                throw new AssertionError(what + ": element " + i + " of " + Arrays.toString(expected.shape()) + " is "
                        + a[i] + ", expected " + e[i] + " (rtol " + tol.rtol() + ", atol " + tol.atol() + ")");
            }
        }
    }
}
