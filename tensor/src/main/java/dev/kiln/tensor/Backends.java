package dev.kiln.tensor;

import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.spi.ReferenceBackend;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Finds backends with {@link ServiceLoader} and picks one per device type: the available
 * backend with the highest priority, unless the system property {@code kiln.backend.cpu}
 * (or {@code kiln.backend.cuda}) names another, or a thread has entered {@link #use(Backend)}.
 */
public final class Backends {
    private static final List<Backend> ALL = load();
    private static final ThreadLocal<Backend> OVERRIDE = new ThreadLocal<>();

    private Backends() {
    }

    private static List<Backend> load() {
        List<Backend> found = new ArrayList<>();
        for (Backend b : ServiceLoader.load(Backend.class)) {
            try {
                if (b.isAvailable()) {
                    found.add(b);
                }
            } catch (RuntimeException | LinkageError e) {
                // a backend whose probe fails (e.g. no driver) is simply not offered
            }
        }
        if (found.stream().noneMatch(b -> b instanceof ReferenceBackend)) {
            found.add(ReferenceBackend.INSTANCE);
        }
        found.sort(Comparator.comparingInt(Backend::priority).reversed());
        return List.copyOf(found);
    }

    /** Every available backend, highest priority first. */
    public static List<Backend> available() {
        return ALL;
    }

    /** The backend that computes on tensors of this device. */
    public static Backend forDevice(Device device) {
        return ProfiledBackend.wrap(resolve(device), null);
    }

    /** The backend for an op's tensors: {@link #forDevice}, with the op's name on its {@link OpEvent}s. */
    static Backend forOp(String op, Device device) {
        return ProfiledBackend.wrap(resolve(device), op);
    }

    private static Backend resolve(Device device) {
        Backend o = OVERRIDE.get();
        if (o != null && o.deviceType() == device.type()) {
            return o;
        }
        return Defaults.forType(device.type());
    }

    /**
     * Makes {@code backend} compute every op of its device type on this thread until the
     * returned scope is closed (tests and benchmarks compare backends this way).
     */
    public static Scope use(Backend backend) {
        Backend previous = OVERRIDE.get();
        OVERRIDE.set(backend);
        return () -> OVERRIDE.set(previous);
    }

    /** The backend with this name, e.g. "reference" or "cpu". */
    public static Backend named(String name) {
        for (Backend b : ALL) {
            if (b.name().equalsIgnoreCase(name)) {
                return b;
            }
        }
        throw new IllegalArgumentException("Backends.named: no backend called '" + name + "'; available: "
                + ALL.stream().map(Backend::name).toList());
    }

    /** A try-with-resources scope that restores the previous backend. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * The default backend per device type, chosen at first use and then kept. Nothing here runs in
     * a static initializer: a bad {@code kiln.backend.*} property is an IllegalArgumentException
     * at each use until it is fixed, never an ExceptionInInitializerError that breaks the class
     * for the rest of the JVM's life.
     */
    private static final class Defaults {
        private static volatile Backend cpu;
        private static volatile Backend cuda;

        static Backend forType(Device.Type type) {
            Backend b = type == Device.Type.CPU ? cpu : cuda;
            if (b != null) {
                return b;
            }
            b = choose(type);
            if (b == null) {
                throw new IllegalArgumentException("no backend for " + type + " devices is available: add "
                        + "dev.kiln:kiln-kernels-cuda to the class path and run where a CUDA driver and device exist");
            }
            if (type == Device.Type.CPU) {
                cpu = b;
            } else {
                cuda = b;
            }
            return b;
        }

        private static Backend choose(Device.Type type) {
            String property = "kiln.backend." + type.name().toLowerCase(Locale.ROOT);
            String wanted = System.getProperty(property);
            if (wanted != null && !wanted.isBlank()) {
                Backend b = ALL.stream().filter(x -> x.name().equalsIgnoreCase(wanted.trim())).findFirst().orElse(null);
                if (b == null || b.deviceType() != type) {
                    throw new IllegalArgumentException(property + ": no " + type + " backend called '" + wanted
                            + "'; available: " + ALL.stream().filter(x -> x.deviceType() == type).map(Backend::name).toList());
                }
                return b;
            }
            return ALL.stream().filter(b -> b.deviceType() == type).findFirst().orElse(null);
        }
    }
}
