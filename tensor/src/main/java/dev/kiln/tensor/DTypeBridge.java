package dev.kiln.tensor;

import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.CpuStorage;
import dev.kiln.tensor.spi.ReferenceBackend;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The one place where an op on a dtype its backend has no kernels for ({@link Backend#hasKernelsFor})
 * is made to run, so that no op and no kernel needs a case of its own:
 * <ul>
 *   <li>F16 and BF16 (with no other dtype missing): each such buffer is converted to F32, the
 *       backend's F32 kernel runs, and the buffers are converted back, which rounds the outputs
 *       to the 16-bit type once (PyTorch computes these types in float on the CPU too);</li>
 *   <li>I64, I8 and U8 (and anything else missing): the call runs on {@link ReferenceBackend},
 *       whose loops are exact in every integer type; a device's buffers go to the host and back.</li>
 * </ul>
 * Whole buffers are converted, so tensors that view one buffer (an in-place op's input and
 * output) still do after conversion. Gradients need nothing here: a derivative rule's ops come
 * through the same place, in the input's dtype. The memory methods pass straight through: every
 * backend's copy converts between all dtypes.
 */
final class DTypeBridge implements InvocationHandler {
    private static final Set<String> MEMORY = Set.of("allocate", "allocateUninitialized", "copy", "fill", "copyFromHost", "copyToHost");

    private final Backend target;

    private DTypeBridge(Backend target) {
        this.target = target;
    }

    /** {@code backend} itself when it has kernels for every tensor's dtype, else the bridge around it. */
    static Backend wrap(Backend backend, Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null && !backend.hasKernelsFor(t.dtype())) {
                return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                        new DTypeBridge(backend));
            }
        }
        return backend;
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (args == null || method.getDeclaringClass() == Object.class || MEMORY.contains(method.getName())) {
            return call(target, method, args);
        }
        boolean allReduced = true;
        boolean any = false;
        for (Object a : args) {
            if (a instanceof Tensor t && !target.hasKernelsFor(t.dtype())) {
                any = true;
                allReduced &= t.dtype().isReducedFloat() && target.hasKernelsFor(DType.F32);
            }
        }
        if (!any) {
            return call(target, method, args);
        }
        return allReduced ? inF32(method, args) : onReference(method, args);
    }

    /** F16/BF16 buffers swapped for F32 copies around the call, then written back rounded. */
    private Object inF32(Method method, Object[] args) throws Throwable {
        Map<Storage, Storage> swapped = new IdentityHashMap<>();
        Object[] converted = args.clone();
        for (int i = 0; i < args.length; i++) {
            if (args[i] instanceof Tensor t && t.dtype().isReducedFloat()) {
                Storage f32 = swapped.computeIfAbsent(t.storage(), s -> {
                    Storage copy = target.allocate(DType.F32, s.size(), t.device());
                    target.copy(whole(copy), whole(s));
                    return copy;
                });
                converted[i] = rebind(t, f32);
            }
        }
        Object result = call(target, method, converted);
        for (Map.Entry<Storage, Storage> e : swapped.entrySet()) {
            target.copy(whole(e.getKey()), whole(e.getValue()));
        }
        return result;
    }

    /** The call run by the reference loops; a device's buffers are copied to the host and back. */
    private Object onReference(Method method, Object[] args) throws Throwable {
        Backend ref = ReferenceBackend.INSTANCE;
        Map<Storage, Storage> onHost = new IdentityHashMap<>();
        Object[] moved = args.clone();
        for (int i = 0; i < args.length; i++) {
            if (args[i] instanceof Tensor t && !t.device().isCpu()) {
                Storage host = onHost.computeIfAbsent(t.storage(), s -> {
                    Storage h = CpuStorage.allocate(s.dtype(), s.size());
                    target.copyToHost(whole(h), whole(s));
                    return h;
                });
                moved[i] = rebind(t, host);
            }
        }
        Object result = call(ref, method, moved);
        for (Map.Entry<Storage, Storage> e : onHost.entrySet()) {
            target.copyFromHost(whole(e.getKey()), whole(e.getValue()));
        }
        return result;
    }

    private static Tensor whole(Storage s) {
        return new Tensor(s, new int[] {s.size()}, new int[] {1}, 0);
    }

    private static Tensor rebind(Tensor t, Storage s) {
        return new Tensor(s, t.shape(), t.strides(), t.offset());
    }

    private static Object call(Backend backend, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(backend, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
