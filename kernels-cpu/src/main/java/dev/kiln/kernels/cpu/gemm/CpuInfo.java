package dev.kiln.kernels.cpu.gemm;

import dev.kiln.kernels.cpu.Simd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What the GEMM's shape depends on, read once at start-up: the CPU model and its vector ISA flags
 * (from /proc/cpuinfo), the vector width Kiln runs at, the vector register count, and the data cache
 * sizes (from /sys/devices/system/cpu/cpu0/cache). Anything that cannot be read falls back to a
 * common value (32 KiB L1d, 512 KiB L2, 8 MiB L3), so the GEMM works everywhere and is only tuned
 * less well where the system hides its caches.
 *
 * @param model the CPU's model name, or the architecture where the system does not say
 * @param isa the vector ISA flags that matter to the kernels, in a fixed order
 * @param vectorBits the float vector width Kiln's kernels use (0 when forced to scalar)
 * @param registers vector registers the JIT can allocate: 32 with AVX-512 or on AArch64, else 16
 * @param l1d L1 data cache per core, bytes
 * @param l2 L2 cache per core, bytes
 * @param l3 last-level cache, bytes
 */
public record CpuInfo(String model, List<String> isa, int vectorBits, int registers, int l1d, int l2, int l3) {
    /** Flags kept in the key: those that change which kernels run or how fast. */
    private static final List<String> ISA_FLAGS = List.of("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw",
            "avx512vl", "avx512_fp16", "amx_tile", "asimd", "asimdhp", "sve", "sve2");
    static final int DEFAULT_L1D = 32 << 10;
    static final int DEFAULT_L2 = 512 << 10;
    static final int DEFAULT_L3 = 8 << 20;

    private static final class Current {
        static final CpuInfo INSTANCE = read(Path.of("/proc/cpuinfo"), Path.of("/sys/devices/system/cpu/cpu0/cache"),
                Simd.ENABLED ? Simd.F32.vectorBitSize() : 0, System.getProperty("os.arch", "unknown"));
    }

    public CpuInfo {
        isa = List.copyOf(isa);
    }

    /** This machine, as Kiln runs on it now (the forced vector width included). */
    public static CpuInfo current() {
        return Current.INSTANCE;
    }

    /**
     * The identity a plan is made for: model, ISA flags and vector width. A plan measured under
     * another key (another CPU, or this one at another forced width) does not apply.
     */
    public String key() {
        return model + " | " + String.join(" ", isa) + " | " + (vectorBits == 0 ? "scalar" : vectorBits + "-bit");
    }

    /** The key as a file-name fragment: "amd-epyc-256". */
    public String slug() {
        String s = model.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-+|-+$)", "");
        return (s.isEmpty() ? "cpu" : s) + "-" + (vectorBits == 0 ? "scalar" : String.valueOf(vectorBits));
    }

    /** Reads the machine description from the given files (missing ones give the defaults). */
    static CpuInfo read(Path cpuinfo, Path cacheDir, int vectorBits, String arch) {
        String model = null;
        Set<String> flags = Set.of();
        try {
            for (String line : Files.readAllLines(cpuinfo)) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                if (model == null && (name.equals("model name") || name.equals("Model") || name.equals("cpu model"))) {
                    model = value;
                } else if (flags.isEmpty() && (name.equals("flags") || name.equals("Features"))) {
                    flags = Set.of(value.split("\\s+"));
                }
            }
        } catch (IOException | RuntimeException e) {
            // no /proc (not Linux) or unreadable: the architecture stands in for the model
        }
        List<String> isa = new ArrayList<>();
        for (String f : ISA_FLAGS) {
            if (flags.contains(f)) {
                isa.add(f);
            }
        }
        boolean wide = vectorBits >= 512 || arch.contains("aarch64") || arch.contains("arm64");
        return new CpuInfo(model == null || model.isBlank() ? arch : model, isa, vectorBits, wide ? 32 : 16,
                cache(cacheDir, 1, DEFAULT_L1D), cache(cacheDir, 2, DEFAULT_L2), cache(cacheDir, 3, DEFAULT_L3));
    }

    /** The size of the data or unified cache at a level, from sysfs's index* folders. */
    private static int cache(Path dir, int level, int fallback) {
        for (int i = 0; i < 8; i++) {
            Path index = dir.resolve("index" + i);
            try {
                if (!Files.isDirectory(index)
                        || Integer.parseInt(Files.readString(index.resolve("level")).trim()) != level
                        || Files.readString(index.resolve("type")).trim().equals("Instruction")) {
                    continue;
                }
                long bytes = parseSize(Files.readString(index.resolve("size")).trim());
                if (bytes > 0) {
                    return (int) Math.min(bytes, 1L << 30);
                }
            } catch (IOException | RuntimeException e) {
                // an unreadable entry: try the next, else the fallback
            }
        }
        return fallback;
    }

    /** "32K", "1024K", "32M", "65536": bytes, or -1 when not a size. */
    static long parseSize(String s) {
        if (s.isEmpty()) {
            return -1;
        }
        char unit = Character.toUpperCase(s.charAt(s.length() - 1));
        long scale = unit == 'K' ? 1L << 10 : unit == 'M' ? 1L << 20 : unit == 'G' ? 1L << 30 : 1;
        String digits = scale == 1 ? s : s.substring(0, s.length() - 1);
        try {
            return Long.parseLong(digits.trim()) * scale;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
