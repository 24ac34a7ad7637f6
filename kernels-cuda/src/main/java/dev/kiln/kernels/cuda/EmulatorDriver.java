package dev.kiln.kernels.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * For tests only, selected with {@code -Dkiln.cuda.emulator=/path/libkiln_emu.so}: a {@link Driver}
 * over the CPU emulator built from the same kernel sources by src/test/emulator/build.sh.
 * "Device" memory is host memory, launches run every thread of every block on the calling
 * thread (see kiln_emu.h), cuBLAS is {@link EmulatorBlas} (a loop with its semantics). It lets
 * the whole GPU test suite run, slowly, where there is no GPU; it says nothing about speed.
 */
final class EmulatorDriver implements Driver {
    private final Path library;
    private final MethodHandle launch;
    private final MethodHandle error;
    private final MethodHandle malloc;
    private final MethodHandle free;

    private EmulatorDriver(Path library) {
        this.library = library;
        Linker linker = Linker.nativeLinker();
        SymbolLookup lib = SymbolLookup.libraryLookup(library, Arena.global());
        launch = linker.downcallHandle(lib.find("kiln_emu_launch").orElseThrow(), FunctionDescriptor.of(JAVA_INT,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
        error = linker.downcallHandle(lib.find("kiln_emu_error").orElseThrow(), FunctionDescriptor.of(ADDRESS));
        malloc = linker.downcallHandle(lib.find("kiln_emu_malloc").orElseThrow(), FunctionDescriptor.of(JAVA_LONG,
                JAVA_LONG));
        free = linker.downcallHandle(lib.find("kiln_emu_free").orElseThrow(), FunctionDescriptor.ofVoid(JAVA_LONG));
    }

    static EmulatorDriver open(String library) {
        return new EmulatorDriver(Path.of(library).toAbsolutePath());
    }

    @Override
    public String name() {
        return "Kiln CUDA emulator (" + library.getFileName() + ")";
    }

    @Override
    public String computeCapability() {
        return "0.0";
    }

    @Override
    public int multiprocessors() {
        return 4;
    }

    @Override
    public void makeCurrent() {
    }

    @Override
    public synchronized long malloc(long bytes) {
        try {
            long p = (long) malloc.invokeExact(bytes);
            if (p == 0) {
                throw new CachingAllocator.OutOfDeviceMemory("emulator: host allocation of " + bytes + " bytes failed");
            }
            return p;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public synchronized void free(long address) {
        try {
            free.invokeExact(address);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static MemorySegment at(long address, long bytes) {
        return MemorySegment.ofAddress(address).reinterpret(bytes);
    }

    private static MemorySegment heap(Object array) {
        return switch (array) {
            case float[] a -> MemorySegment.ofArray(a);
            case double[] a -> MemorySegment.ofArray(a);
            case int[] a -> MemorySegment.ofArray(a);
            case byte[] a -> MemorySegment.ofArray(a);
            case long[] a -> MemorySegment.ofArray(a);
            case short[] a -> MemorySegment.ofArray(a);
            default -> throw new IllegalArgumentException("emulator: not a host array: " + array);
        };
    }

    @Override
    public void memsetZero(long address, long bytes) {
        at(address, bytes).fill((byte) 0);
    }

    @Override
    public void copyToDevice(long dst, Object hostArray, long hostByteOffset, long bytes) {
        MemorySegment.copy(heap(hostArray), hostByteOffset, at(dst, bytes), 0, bytes);
    }

    @Override
    public void copyToHost(Object hostArray, long hostByteOffset, long src, long bytes) {
        MemorySegment.copy(at(src, bytes), 0, heap(hostArray), hostByteOffset, bytes);
    }

    @Override
    public void copyDeviceToDevice(long dst, long src, long bytes) {
        MemorySegment.copy(at(src, bytes), 0, at(dst, bytes), 0, bytes);
    }

    @Override
    public synchronized void launch(KernelSpec spec, String name, int gridX, int gridY, int gridZ, int blockX,
                                    int blockY, int sharedBytes, Args args) {
        try (Arena arena = Arena.ofConfined()) {
            int rc = (int) launch.invokeExact(arena.allocateFrom(name), gridX, gridY, gridZ, blockX, blockY, 1,
                    sharedBytes, args.nativeParams(arena));
            if (rc != 0) {
                MemorySegment msg = (MemorySegment) error.invokeExact();
                throw new IllegalStateException("emulator: " + name + ": " + msg.reinterpret(512).getString(0));
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    @Override
    public void synchronize() {
    }

    @Override
    public Blas openBlas() {
        return new EmulatorBlas();
    }
}
