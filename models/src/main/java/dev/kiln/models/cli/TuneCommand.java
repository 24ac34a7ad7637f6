package dev.kiln.models.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code kiln tune}: measures the GEMM's candidate micro-tiles and blockings on this machine within
 * a time budget and writes the fastest as a plan file, which Kiln's GEMM uses from then on (on this
 * CPU, at this vector width). {@code --check} says which plan a file gives, or why it would be
 * ignored. The work is kernels-cpu's {@code dev.kiln.kernels.cpu.gemm.SgemmTuner}, called by name:
 * the command line depends on the CPU kernels at run time only, so that they stay swappable.
 */
@Command(name = "tune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure GEMM micro-tiles and cache blockings on this machine and write the fastest as a plan.",
            "The plan is used from then on by Kiln on this CPU: from ~/.kiln/plan-<cpu>.json, or the file named by",
            "-Dkiln.gemm.plan=PATH or KILN_GEMM_PLAN. A plan made on another CPU is ignored with a warning."})
public final class TuneCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--budget", paramLabel = "SECONDS", defaultValue = "60",
            description = "Time for the measurements, at most a minute (default: ${DEFAULT-VALUE}).")
    @Range(min = 0, minExclusive = true, max = 60)
    double budget;

    @Option(names = "--plan", paramLabel = "PATH",
            description = "Plan file to write or check (default: ~/.kiln/plan-<cpu>.json).")
    Path plan;

    @Option(names = "--check", description = "Do not measure: say which plan the file gives on this machine.")
    boolean check;

    @Override
    public Integer call() throws Exception {
        java.lang.reflect.Method run;
        try {
            run = Class.forName("dev.kiln.kernels.cpu.gemm.SgemmTuner").getMethod("run", double.class, Path.class,
                    boolean.class, PrintWriter.class, PrintWriter.class);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("kiln-kernels-cpu is not on the class path: there is no GEMM to tune", e);
        }
        try {
            return (Integer) run.invoke(null, budget, plan, check, spec.commandLine().getOut(), spec.commandLine().getErr());
        } catch (java.lang.reflect.InvocationTargetException e) {
            if (e.getCause() instanceof Error err) {
                throw err; // out of memory and the like reach the command line's handler as they are
            }
            throw e.getCause() instanceof Exception x ? x : e;
        }
    }
}
