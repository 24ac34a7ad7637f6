package dev.kiln.tensor;

import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.BinaryOp;
import java.lang.management.ManagementFactory;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Wraps a backend so that each kernel call commits an {@link OpEvent}, only while a recording has
 * that event enabled. A dynamic proxy, so it follows the {@link Backend} interface as it changes.
 * Only the outermost call on a thread is recorded: a kernel that calls other ops is one event,
 * and the events' durations add up to no more than the time spent in kernels.
 */
final class ProfiledBackend implements InvocationHandler {
    private static final Map<Backend, Map<String, Backend>> PROXIES = new ConcurrentHashMap<>();
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private final Backend target;
    private final String op;

    private ProfiledBackend(Backend target, String op) {
        this.target = target;
        this.op = op;
    }

    /**
     * {@code backend} itself while no recording wants {@link OpEvent}s; else a proxy recording
     * each call under {@code op} (null: under the Backend method's name).
     */
    static Backend wrap(Backend backend, String op) {
        if (!OpEvent.isRecording()) {
            return backend;
        }
        String key = op == null ? "" : op;
        return PROXIES.computeIfAbsent(backend, b -> new ConcurrentHashMap<>()).computeIfAbsent(key, k ->
                (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                        new ProfiledBackend(backend, op)));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        int[] depth = DEPTH.get();
        // name(), priority(), hasKernelsFor(), Object's methods and nested kernel calls pass straight through
        if (args == null || method.getDeclaringClass() == Object.class || depth[0] > 0
                || method.getName().equals("hasKernelsFor")) {
            return call(method, args);
        }
        OpEvent event = new OpEvent();
        long before = allocatedBytes();
        event.begin();
        depth[0]++;
        try {
            return call(method, args);
        } finally {
            depth[0]--;
            event.end();
            if (event.shouldCommit()) {
                long after = allocatedBytes();
                // a binary kernel called straight (the autograd engine summing gradients) is named by its op
                event.op = op != null ? op
                        : args[0] instanceof BinaryOp b ? b.opName() : method.getName();
                // allocateUninitialized is an allocation like any other to a profile
                event.kernel = method.getName().startsWith("allocate") ? "allocate" : method.getName();
                event.backend = target.name();
                describe(event, args);
                event.allocated = before < 0 || after < 0 ? -1 : after - before;
                event.commit();
            }
        }
    }

    private Object call(Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** Shapes of every tensor argument in order, and the dtype of the first (or of a DType argument). */
    private static void describe(OpEvent event, Object[] args) {
        StringJoiner shapes = new StringJoiner(" ");
        DType dtype = null;
        for (Object a : args) {
            if (a instanceof Tensor t) {
                shapes.add(Shapes.str(t.shape()));
                dtype = dtype != null ? dtype : t.dtype();
            } else if (a instanceof Tensor[] ts) {
                for (Tensor t : ts) {
                    if (t != null) {
                        shapes.add(Shapes.str(t.shape()));
                        dtype = dtype != null ? dtype : t.dtype();
                    }
                }
            } else if (a instanceof DType d && dtype == null) {
                dtype = d;
            } else if (a instanceof Integer n && args[0] instanceof DType) {
                shapes.add("[" + n + "]");  // allocate(dtype, numel, device)
            }
        }
        event.shapes = shapes.toString();
        event.dtype = dtype == null ? "" : dtype.name();
    }

    private static long allocatedBytes() {
        return Allocation.THREADS == null ? -1 : Allocation.THREADS.getCurrentThreadAllocatedBytes();
    }

    /** Loaded on the first recorded call, so runs that never profile never start JMX. */
    private static final class Allocation {
        static final com.sun.management.ThreadMXBean THREADS = threads();
    }

    private static com.sun.management.ThreadMXBean threads() {
        try {
            if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                    && t.isThreadAllocatedMemorySupported()) {
                t.setThreadAllocatedMemoryEnabled(true);
                return t;
            }
        } catch (UnsupportedOperationException | LinkageError e) {
            // a JVM without HotSpot's management extension: allocations are reported as -1
        }
        return null;
    }
}
