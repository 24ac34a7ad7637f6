package dev.kiln.kernels.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.util.ArrayList;
import java.util.List;

import jcuda.driver.JCudaDriver;

/**
 * Whether CUDA can run here, probed once: a driver library ({@code libcuda.so.1}), JCuda's
 * native driver binding, {@code cuInit} and at least one device. Each step fails in its own
 * way (a missing library, an {@link UnsatisfiedLinkError} that cannot be retried because a
 * failed class initialisation is final, {@code CUDA_ERROR_NO_DEVICE}); every failure is caught
 * and kept as the {@link #unavailableReason()} that skipped tests print.
 */
public final class Cuda {
    private static final Probe PROBE = probe();
    private static final List<CudaDevice> DEVICES = new ArrayList<>();

    private Cuda() {
    }

    private record Probe(boolean available, int deviceCount, String reason) {
    }

    private static Probe probe() {
        String emulator = System.getProperty("kiln.cuda.emulator");
        if (emulator != null && !emulator.isBlank()) {
            // tests only: the CPU emulator of the kernels, built by src/test/emulator/build.sh where g++ exists
            return java.nio.file.Files.isRegularFile(java.nio.file.Path.of(emulator)) ? new Probe(true, 1, null)
                    : new Probe(false, 0, "no CUDA emulator: " + emulator + " was not built (src/test/emulator/build.sh needs g++)");
        }
        if (Boolean.getBoolean("kiln.cuda.disable")) {
            return new Probe(false, 0, "CUDA is disabled by -Dkiln.cuda.disable=true");
        }
        try {
            // fails fast, without touching JCuda, where no driver is installed
            SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
        } catch (IllegalArgumentException | UnsatisfiedLinkError e) {
            return new Probe(false, 0, "no CUDA driver: libcuda.so.1 cannot be loaded (" + e.getMessage() + ")");
        }
        try {
            JCudaDriver.setExceptionsEnabled(true);
            JCudaDriver.cuInit(0);
            int[] count = new int[1];
            JCudaDriver.cuDeviceGetCount(count);
            if (count[0] == 0) {
                return new Probe(false, 0, "the CUDA driver reports no device");
            }
            return new Probe(true, count[0], null);
        } catch (LinkageError e) {
            return new Probe(false, 0, "JCuda's driver binding does not load: " + e);
        } catch (RuntimeException e) {
            return new Probe(false, 0, "CUDA initialisation failed: " + e.getMessage());
        }
    }

    /** True when a CUDA driver and at least one device are usable. */
    public static boolean isAvailable() {
        return PROBE.available();
    }

    /** Why CUDA is unavailable (null when it is available). */
    public static String unavailableReason() {
        return PROBE.reason();
    }

    /** Number of CUDA devices (0 when unavailable). */
    public static int deviceCount() {
        return PROBE.deviceCount();
    }

    /** The device with this index, set up on first use (its primary context, allocator, kernels). */
    public static CudaDevice device(int index) {
        if (!isAvailable()) {
            throw new IllegalStateException("cuda: CUDA is not available: " + unavailableReason());
        }
        if (index < 0 || index >= deviceCount()) {
            throw new IllegalArgumentException("cuda: device index " + index + " is out of range; this machine has "
                    + deviceCount() + " CUDA device(s)");
        }
        synchronized (DEVICES) {
            while (DEVICES.size() <= index) {
                DEVICES.add(null);
            }
            CudaDevice d = DEVICES.get(index);
            if (d == null) {
                String emulator = System.getProperty("kiln.cuda.emulator");
                Driver driver = emulator != null && !emulator.isBlank() ? EmulatorDriver.open(emulator)
                        : new JCudaDriverApi(index);
                d = new CudaDevice(index, driver);
                DEVICES.set(index, d);
            }
            return d;
        }
    }
}
