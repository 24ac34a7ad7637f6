package dev.kiln.bench.report;

import dev.kiln.kernels.cpu.Simd;
import dev.kiln.kernels.cpu.gemm.CpuInfo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What run.sh puts in the report's header about the machine and about one ISA's JVM. Run in a JVM
 * with that ISA's flags (-XX:UseAVX=2 for the forced-AVX2 run), it prints {@code key=value} lines:
 * {@code cpu} (the model name, with family and model numbers where the name alone does not say which
 * CPU it is), {@code flags} (the ISA flags Kiln's CpuInfo keeps) and {@code simd} (the vector width
 * Kiln's kernels run at in this JVM).
 */
public final class Machine {
    private Machine() {
    }

    public static void main(String[] args) {
        String cpuinfo;
        try {
            cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
        } catch (IOException | RuntimeException e) {
            cpuinfo = ""; // not Linux: the model falls back to CpuInfo's (the architecture)
        }
        CpuInfo cpu = CpuInfo.current();
        String model = describe(cpuinfo);
        System.out.println("cpu=" + (model.isEmpty() ? cpu.model() : model));
        System.out.println("flags=" + (cpu.isa().isEmpty() ? "none that Kiln uses" : String.join(" ", cpu.isa())));
        System.out.println("simd=" + Simd.describe());
    }

    /**
     * The first processor's model name from /proc/cpuinfo text; when the name has no model number
     * (a VM that reports only "AMD EPYC"), its family, model and stepping follow, with the
     * generation they mean where known. Empty when the text names no model.
     */
    static String describe(String cpuinfo) {
        Map<String, String> f = new LinkedHashMap<>();
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (line.isBlank()) {
                if (!f.isEmpty()) {
                    break; // the first processor's block is enough
                }
            } else if (colon > 0) {
                f.putIfAbsent(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
        }
        String name = f.getOrDefault("model name", "");
        if (name.isEmpty() || name.chars().anyMatch(Character::isDigit) || !f.containsKey("cpu family")) {
            return name;
        }
        String family = f.get("cpu family");
        String model = f.getOrDefault("model", "?");
        StringBuilder b = new StringBuilder(name).append(" (family ").append(family).append(", model ").append(model);
        if (f.containsKey("stepping")) {
            b.append(", stepping ").append(f.get("stepping"));
        }
        String gen = generation(f.getOrDefault("vendor_id", ""), family, model);
        return b.append(gen.isEmpty() ? "" : "; " + gen).append(')').toString();
    }

    private record Generation(int family, int firstModel, int lastModel, String name) {
    }

    /* AMD's family/model ranges of its server parts (AMD's processor programming references). */
    private static final List<Generation> AMD = List.of(
            new Generation(0x17, 0x30, 0x3f, "Zen 2, EPYC 7xx2"),
            new Generation(0x19, 0x00, 0x0f, "Zen 3, EPYC 7xx3"),
            new Generation(0x19, 0x10, 0x1f, "Zen 4, EPYC 9xx4"),
            new Generation(0x19, 0xa0, 0xaf, "Zen 4c, EPYC 97x4/8xx4"),
            new Generation(0x1a, 0x00, 0x1f, "Zen 5, EPYC 9xx5"));

    /** The AMD server generations a generic "AMD EPYC" can be; empty for the rest. */
    private static String generation(String vendor, String family, String model) {
        int fam;
        int mod;
        try {
            fam = Integer.parseInt(family);
            mod = Integer.parseInt(model);
        } catch (NumberFormatException e) {
            return "";
        }
        if (!vendor.equals("AuthenticAMD")) {
            return "";
        }
        for (Generation g : AMD) {
            if (fam == g.family() && mod >= g.firstModel() && mod <= g.lastModel()) {
                return g.name();
            }
        }
        return "";
    }
}
