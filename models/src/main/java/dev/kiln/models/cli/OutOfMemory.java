package dev.kiln.models.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.util.List;
import java.util.stream.Stream;

/** The one-line report of a command that ran out of memory: what ran out and what to change. */
public final class OutOfMemory {
    // flags that scale memory, in the order worth trying
    private static final List<String> KNOBS = List.of("--batch-size", "--limit", "--context", "--d-model", "--hidden",
            "--layers", "--embed", "--width");

    private OutOfMemory() {
    }

    public static String message(OutOfMemoryError e, CommandLine root) {
        CommandSpec spec = root.getCommandSpec();
        CommandLine.ParseResult pr = root.getParseResult();
        while (pr != null) {
            spec = pr.commandSpec();
            pr = pr.subcommand();
        }
        CommandSpec command = spec;
        List<String> knobs = KNOBS.stream().filter(n -> command.findOption(n) != null).toList();
        long maxMb = Runtime.getRuntime().maxMemory() >> 20;
        String what = e.getMessage() == null || e.getMessage().isBlank() ? "memory" : e.getMessage();
        return command.qualifiedName() + ": out of memory (" + what + "; this Java may use at most " + maxMb + " MB of heap): "
                + (knobs.isEmpty() ? "" : "make " + String.join(", ", knobs) + " smaller, or ")
                + "let Java use more with -Xmx (e.g. JAVA_TOOL_OPTIONS=-Xmx" + suggestGb(maxMb) + "g)";
    }

    private static long suggestGb(long maxMb) {
        return Stream.of(2L, 4L, 8L, 16L, 32L, 64L).filter(g -> g * 1024 > 2 * maxMb).findFirst().orElse(128L);
    }
}
