package dev.kiln.models;

/** The {@code kiln} command line. Its subcommands arrive with the models issue. */
public final class Cli {
    private Cli() {
    }

    public static void main(String[] args) {
        String cmd = args.length == 0 ? "demo" : args[0];
        System.out.println("kiln " + cmd + ": not yet: the models module (demo, train, eval, generate, bench) is not built yet");
    }
}
