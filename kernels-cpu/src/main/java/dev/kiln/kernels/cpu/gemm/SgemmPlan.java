package dev.kiln.kernels.cpu.gemm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * How {@link Sgemm} cuts a product on one machine: the micro-tile ({@code mr} rows × {@code vectors}
 * vectors of C held in registers) and the cache blocking.
 *
 * <p>The built-in plan ({@link #derived}) follows from the machine ({@link CpuInfo}), not from
 * constants tuned on one CPU:
 * <ul>
 *   <li>tile: one that leaves C2 room. A tile needs {@code mr·vectors} accumulators, its
 *       {@code vectors} B vectors, and up to 3 registers for broadcasts, which C2 schedules ahead of
 *       their FMAs ({@link #registersNeeded}; a necessary bound, not a sufficient one: C2's register
 *       allocation is not a count, and each tile in {@link #TILES} was checked in the GEMM lab).
 *       12 × 2 with 32 registers (AVX-512, AArch64); 4 × 2 with 16 (AVX2, SSE), which beat 12 × 1
 *       (0.75 loads per FMA against 1.08) by 5-20% on Zen 4 with {@code -XX:UseAVX=2}. With 16
 *       registers C2 in fact lifts every load of a k step to the top of the loop, so the tile needs
 *       accumulators + rows + vectors registers: 4 × 2 needs 14; 6 × 2, BLIS's Haswell tile (20),
 *       and 5 × 2 (17) keep an accumulator on the stack and run at half speed; 3 × 3 and 2 × 4 fit
 *       but are no faster. Its 8 accumulators cap the kernel near 110 GFLOP/s on a Zen 4 core that
 *       peaks at 118 (FMA latency: 8 chains in flight, not 12), which the lab
 *       (benchmarks-jmh, GemmLab v9) measured; the AVX2 gains since came from packing and the loop
 *       order around the kernel (see {@link Sgemm});</li>
 *   <li>kc: the A micro-panel ({@code mr × kc} floats), read once per B panel, fills 3/4 of L1d
 *       (12 × 512 × 4 B = 24 KiB of 32), at most 1024;</li>
 *   <li>mc: the packed A block ({@code mc × kc}) fills half of L2;</li>
 *   <li>nc: the packed B block ({@code kc × nc}), streamed past each A micro-panel, a quarter of L3.</li>
 * </ul>
 * Where the L3 is a many-core mesh ({@link #meshL3}: more than 64 L2s of it), B is kept in L2
 * instead, since such an L3 cannot feed a core that streams a B vector per 12 (AVX-512) or 4 (AVX2)
 * FMAs: kc lets the A and B micro-panels share L1d ({@code (mr + nr) × kc} floats, a multiple of 64),
 * the B block fills half of L2 and the A block a quarter. On the 2-core Emerald Rapids Xeon (48 KiB
 * L1d, 2 MiB L2, 300 MiB L3) that gives kc 256, nc 1024 at AVX-512 (12 × 2) and kc 576, nc 448 at
 * AVX2 (4 × 2), where the L3 rule gave kc 768 / 1024 and nc 8192 (a 24-32 MiB B block): 1024³ and
 * 4096 × 768 × 3072 at AVX-512 went from 0.43-0.75x OpenBLAS to 0.66-0.96x, the latter at AVX2 from
 * about 0.5x to 0.5-0.73x (GemmLabAB, thread CPU time, a loaded host; BENCHMARKS-notes, 2026-12-07).
 * Zen 3, 4 and 5 keep the L3 rule.
 * {@code kiln tune} measures other candidates ({@link #candidates}) and writes the best to a plan
 * file ({@link SgemmPlanFile}); {@link #active} uses it from then on.
 *
 * @param mr rows of the micro-tile (12, 6 or 4)
 * @param vectors vectors per row of the micro-tile (1 or 2)
 * @param blocking the cache blocking
 */
public record SgemmPlan(int mr, int vectors, Blocking blocking) {
    /** The tiles there are kernels for, as "rows x vectors". */
    public static final List<String> TILES = List.of("12x2", "12x1", "6x2", "4x2");
    /** The largest tile in floats (12 rows × 2 vectors of 16), for the side buffer of edge tiles. */
    static final int MAX_TILE_FLOATS = 12 * 2 * 16;
    /** Registers C2 needs beside the accumulators and B vectors: the broadcasts it schedules early. */
    static final int BROADCAST_REGISTERS = 3;
    /** Bounds on a block's size (and so on the packing buffers a plan file can ask for). */
    static final int MAX_BLOCK = 1 << 14;
    /** L3 to L2 size ratio above which the L3 counts as a many-core mesh ({@link #meshL3}). */
    static final int MESH_L3_PER_L2 = 64;

    public SgemmPlan {
        if (!TILES.contains(mr + "x" + vectors)) {
            throw new IllegalArgumentException("SgemmPlan: no kernel for a " + mr + "x" + vectors + " tile (there are "
                    + String.join(", ", TILES) + ")");
        }
        if (blocking == null) {
            throw new IllegalArgumentException("SgemmPlan: blocking is null");
        }
        if (blocking.mc() > MAX_BLOCK || blocking.kc() > MAX_BLOCK || blocking.nc() > MAX_BLOCK) {
            throw new IllegalArgumentException("SgemmPlan: mc, kc and nc must be <= " + MAX_BLOCK + ", got " + blocking);
        }
    }

    /** The tile as written in plan files: "12x1". */
    public String tile() {
        return mr + "x" + vectors;
    }

    /** Vector registers the tile's loop needs (accumulators, B vectors, broadcasts). */
    public int registersNeeded() {
        return registersNeeded(mr, vectors);
    }

    static int registersNeeded(int mr, int vectors) {
        return mr * vectors + vectors + BROADCAST_REGISTERS;
    }

    /** This plan with another blocking. */
    public SgemmPlan withBlocking(Blocking b) {
        return b.equals(blocking) ? this : new SgemmPlan(mr, vectors, b);
    }

    /** "tile 12x1, mc 252, kc 512, nc 4096". */
    public String describe() {
        return "tile " + tile() + ", mc " + blocking.mc() + ", kc " + blocking.kc() + ", nc " + blocking.nc();
    }

    // ------------------------------------------------------------------ the built-in plan

    /** The plan derived from the machine (see the class comment). */
    public static SgemmPlan derived(CpuInfo cpu) {
        int mr = registersNeeded(12, 2) <= cpu.registers() ? 12 : 4;
        return new SgemmPlan(mr, 2, blockingFor(cpu, mr));
    }

    /** Cache blocking for an mr-row tile from the cache sizes (see the class comment). */
    public static Blocking blockingFor(CpuInfo cpu, int mr) {
        if (meshL3(cpu)) {
            int nr = 2 * Math.max(1, cpu.vectorBits() / 32);
            int kc = clamp(cpu.l1d() / (4 * (mr + nr)) / 64 * 64, 64, 1024);
            int mc = clamp(cpu.l2() / 4 / (4 * kc) / mr * mr, mr, 1024 / mr * mr);
            int nc = clamp(cpu.l2() / 2 / (4 * kc) / 64 * 64, 64, 8192);
            return new Blocking(mc, kc, nc);
        }
        int kc = clamp(cpu.l1d() * 3 / 4 / (4 * mr) / 16 * 16, 64, 1024);
        int mc = clamp(cpu.l2() / 2 / (4 * kc) / mr * mr, mr, 1024 / mr * mr);
        int nc = clamp(cpu.l3() / 4 / (4 * kc) / 64 * 64, 256, 8192);
        return new Blocking(mc, kc, nc);
    }

    /**
     * Whether the L3 is the shared mesh of a many-core socket, whose bandwidth per core is too low
     * to stream B from: an L3 of more than {@link #MESH_L3_PER_L2} L2s. Zen 3, 4 and 5 (32 MiB L3 per
     * 8-core CCD over 512 KiB to 1 MiB of L2) are at 32-64; the Xeon (Emerald Rapids) this was
     * measured on reports 300 MiB over 2 MiB (150).
     */
    static boolean meshL3(CpuInfo cpu) {
        return cpu.l3() > (long) MESH_L3_PER_L2 * cpu.l2();
    }

    private static int clamp(int x, int lo, int hi) {
        return Math.max(lo, Math.min(hi, x));
    }

    /**
     * What {@code kiln tune} tries on this machine, the built-in plan first: every tile that fits
     * the registers with its derived blocking, then the built-in tile with kc halved and doubled
     * and nc cut to what half of L2 holds.
     */
    public static List<SgemmPlan> candidates(CpuInfo cpu) {
        Set<SgemmPlan> out = new LinkedHashSet<>();
        SgemmPlan base = derived(cpu);
        out.add(base);
        for (String t : TILES) {
            int x = t.indexOf('x');
            int mr = Integer.parseInt(t.substring(0, x));
            int vectors = Integer.parseInt(t.substring(x + 1));
            if (registersNeeded(mr, vectors) <= cpu.registers()) {
                out.add(new SgemmPlan(mr, vectors, blockingFor(cpu, mr)));
            }
        }
        Blocking b = base.blocking();
        int lanes = Math.max(1, cpu.vectorBits() / 32);
        out.add(base.withBlocking(new Blocking(b.mc(), Math.max(64, b.kc() / 2), b.nc())));
        out.add(base.withBlocking(new Blocking(b.mc(), Math.min(MAX_BLOCK, b.kc() * 2), b.nc())));
        int l2Nc = Math.max(base.vectors() * lanes, cpu.l2() / 2 / (4 * b.kc()) / 64 * 64);
        out.add(base.withBlocking(new Blocking(b.mc(), b.kc(), Math.max(64, l2Nc))));
        return new ArrayList<>(out);
    }

    // ------------------------------------------------------------------ the active plan

    /** The plan Sgemm uses when none is given: a tuned plan file for this CPU, else the built-in one. */
    public static SgemmPlan active() {
        return Active.PLAN;
    }

    private static final class Active {
        private static final Consumer<String> WARN = line -> System.err.println("Kiln: " + line);
        static final SgemmPlan PLAN = overridden(resolve(CpuInfo.current(), System.getProperty("kiln.gemm.plan"),
                System.getenv("KILN_GEMM_PLAN"), System.getProperty("user.home"), WARN), WARN);
    }

    /** The default plan file for a CPU: ~/.kiln/plan-&lt;model&gt;-&lt;width&gt;.json. */
    public static Path defaultFile(CpuInfo cpu, String home) {
        return Path.of(home == null ? "." : home, ".kiln", "plan-" + cpu.slug() + ".json");
    }

    /**
     * The plan to use: from the file named by {@code property} (-Dkiln.gemm.plan), else by {@code env}
     * (KILN_GEMM_PLAN), else the default file if it exists, else the built-in plan. "none" names no
     * file. A file made on another CPU, or one that cannot be read, gives one line to {@code warn}
     * and the built-in plan: a stale or broken plan must never stop a program.
     */
    static SgemmPlan resolve(CpuInfo cpu, String property, String env, String home, Consumer<String> warn) {
        String named = property != null && !property.isBlank() ? property : env != null && !env.isBlank() ? env : null;
        if ("none".equals(named)) {
            return derived(cpu);
        }
        Path file = named != null ? Path.of(named) : defaultFile(cpu, home);
        if (named == null && !Files.exists(file)) {
            return derived(cpu);
        }
        try {
            SgemmPlan plan = SgemmPlanFile.read(file, cpu, warn);
            return plan != null ? plan : derived(cpu);
        } catch (IllegalArgumentException e) {
            warn.accept(e.getMessage() + "; using the built-in GEMM plan");
            return derived(cpu);
        }
    }

    /**
     * -Dkiln.gemm.mc, -Dkiln.gemm.kc and -Dkiln.gemm.nc, for A/B runs, override the plan's blocking;
     * values out of range are a one-line warning, not a failed class initialisation.
     */
    static SgemmPlan overridden(SgemmPlan p, Consumer<String> warn) {
        Blocking b = p.blocking();
        try {
            return p.withBlocking(new Blocking(Integer.getInteger("kiln.gemm.mc", b.mc()),
                    Integer.getInteger("kiln.gemm.kc", b.kc()), Integer.getInteger("kiln.gemm.nc", b.nc())));
        } catch (IllegalArgumentException e) {
            warn.accept("ignoring -Dkiln.gemm.mc/kc/nc: " + e.getMessage());
            return p;
        }
    }
}
