package dev.kiln.models;

import dev.kiln.models.cli.BenchCommand;
import dev.kiln.models.cli.DemoCommand;
import dev.kiln.models.cli.EvalCommand;
import dev.kiln.models.cli.ExperimentCommand;
import dev.kiln.models.cli.FlagChecks;
import dev.kiln.models.cli.GenerateCommand;
import dev.kiln.models.cli.Interrupts;
import dev.kiln.models.cli.OutOfMemory;
import dev.kiln.models.cli.Range;
import dev.kiln.models.cli.ProfileCommand;
import dev.kiln.models.cli.TrainCommand;
import dev.kiln.models.cli.TuneCommand;
import dev.kiln.tensor.spi.Backend;
import dev.kiln.tensor.Backends;
import dev.kiln.tensor.Device;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.util.List;
import java.util.logging.ConsoleHandler;
import java.util.logging.Level;
import java.util.logging.Logger;

/** The {@code kiln} command line: demo, train, eval, generate, bench, profile, experiment. */
@Command(name = "kiln", mixinStandardHelpOptions = true, version = "kiln 0.1.0",
        description = "Kiln: a tensor engine in pure Java. Train, evaluate and sample models, and time them.",
        subcommands = {DemoCommand.class, TrainCommand.class, EvalCommand.class, GenerateCommand.class, BenchCommand.class,
                ProfileCommand.class, ExperimentCommand.class, TuneCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Start with: kiln demo"})
public final class Cli implements Runnable {
    // held strongly: java.util.logging keeps loggers weakly, and a collected logger forgets its level
    private static final Logger KILN_LOG = Logger.getLogger("dev.kiln");
    private static final Logger JLINE_LOG = Logger.getLogger("org.jline");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--threads", scope = ScopeType.INHERIT, paramLabel = "N",
            description = "Threads for the CPU kernels (default: all cores; at most 4 x the cores).")
    @Range(min = 1)
    void threads(int n) {
        // more threads than cores only adds switching; a typo such as 100000 would start that many
        int max = 4 * Runtime.getRuntime().availableProcessors();
        if (n < 1 || n > max) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--threads must be between 1 and " + max
                    + " (4 x the " + Runtime.getRuntime().availableProcessors() + " cores here), got " + n);
        }
        System.setProperty("kiln.threads", Integer.toString(n));
    }

    @Option(names = "--backend", scope = ScopeType.INHERIT, paramLabel = "NAME",
            description = "CPU backend: cpu (Vector API kernels, the default) or reference (plain loops).")
    void backend(String name) {
        List<String> cpu = Backends.available().stream().filter(b -> b.deviceType() == Device.Type.CPU)
                .map(Backend::name).toList();
        if (cpu.stream().noneMatch(b -> b.equalsIgnoreCase(name.trim()))) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--backend: unknown CPU backend '" + name
                    + "'; choose " + String.join(" or ", cpu));
        }
        System.setProperty("kiln.backend.cpu", name.trim());
    }

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT, description = "Log progress details.")
    void verbose(boolean v) {
        KILN_LOG.setLevel(v ? Level.FINE : Level.WARNING);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Kiln's root folder (the kiln launcher passes it as -Dkiln.home), else the working directory. */
    public static java.nio.file.Path home() {
        return java.nio.file.Path.of(System.getProperty("kiln.home", ""));
    }

    /** The exit code of a run stopped by Ctrl-C (128 + SIGINT, as shells report it). */
    public static final int INTERRUPTED = 130;
    /** The exit code of a run that ran out of memory (after one line naming the flags and -Xmx to change). */
    public static final int OUT_OF_MEMORY = 3;

    public static void main(String[] args) {
        Interrupts.install();
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code. */
    public static int run(String... args) {
        return run(new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true), args);
    }

    /** Runs the command line with its output going to {@code out} and {@code err} (tests call this). */
    public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        configureLogging();
        CommandLine cl = new CommandLine(new Cli()).setOut(out).setErr(err);
        cl.setParameterExceptionHandler(Cli::usageError);
        cl.setExecutionStrategy(parsed -> {
            Integer help = CommandLine.executeHelpRequest(parsed);
            if (help != null) {
                return help;
            }
            FlagChecks.check(parsed); // every flag in range before any work starts
            return dev.kiln.models.cli.DeviceOption.checkThenRun(parsed); // a missing GPU fails first, in one line
        });
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            String name = line.getCommandSpec().qualifiedName();
            if (ex instanceof Interrupts.Stopped) {
                line.getErr().println(name + ": " + ex.getMessage());
                return INTERRUPTED;
            }
            // expected failures (bad input, missing data) are one clear line; bugs keep their stack trace
            if (ex instanceof IllegalArgumentException || ex instanceof java.io.IOException
                    || ex instanceof java.io.UncheckedIOException || ex instanceof IllegalStateException) {
                line.getErr().println(name + ": " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            err.println(OutOfMemory.message(e, cl));
            return OUT_OF_MEMORY;
        }
    }

    /** A mistyped flag or value: the error, a suggestion when picocli has one, and where to read more (not the whole usage). */
    private static int usageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        java.io.PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName();
        err.println(name + ": " + ex.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
        err.println("Try '" + name + " --help' for the options.");
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** One-line log records on stderr, warnings and up unless --verbose. */
    private static void configureLogging() {
        System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s %3$s: %5$s%6$s%n");
        System.setProperty("java.awt.headless", "true");
        Logger root = Logger.getLogger("");
        for (var h : root.getHandlers()) {
            if (h instanceof ConsoleHandler) {
                h.setLevel(Level.ALL);
            }
        }
        KILN_LOG.setLevel(Level.WARNING);
        // jline (under the progress bar) warns when stdout is not a terminal; that is expected here
        JLINE_LOG.setLevel(Level.SEVERE);
    }
}
