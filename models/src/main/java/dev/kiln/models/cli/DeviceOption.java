package dev.kiln.models.cli;

import dev.kiln.layers.Module;
import dev.kiln.tensor.Backends;
import dev.kiln.tensor.Device;
import dev.kiln.tensor.Tensor;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --device cpu|cuda[:N]}: where a command's model and batches live. The spelling is checked
 * while parsing ({@code foo}, {@code cuda:-1} are refused there); whether the device exists is
 * checked once when the command starts, so a machine without CUDA gets one line saying why.
 */
public final class DeviceOption {
    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "cpu", converter = Parser.class,
            description = "Where the model runs: cpu, cuda or cuda:N (an NVIDIA GPU through kernels-cuda) (default: ${DEFAULT-VALUE}).")
    Device device = Device.CPU;

    /** The chosen device, once checked to be usable (a CUDA device is set up here: driver, context, kernels). */
    public Device resolve() {
        if (device.isCpu()) {
            return device;
        }
        try {
            Tensor.zeros(1).to(device);
            return device;
        } catch (RuntimeException | LinkageError e) {
            boolean offered = Backends.available().stream().anyMatch(b -> b.deviceType() == device.type());
            throw new IllegalStateException("--device " + device + ": " + (offered ? e.getMessage()
                    : "no CUDA device here: " + cudaUnavailableReason()));
        }
    }

    /**
     * Runs the parsed command, after checking the device of any {@code --device} it has, so that a
     * missing GPU is reported before data is read or a model built. Kiln's execution strategy.
     */
    public static int checkThenRun(CommandLine.ParseResult parsed) {
        CommandLine.ParseResult last = parsed;
        while (last.hasSubcommand()) {
            last = last.subcommand();
        }
        if (!last.isUsageHelpRequested() && !last.isVersionHelpRequested()) {
            check(last.commandSpec(), last.commandSpec().commandLine());
        }
        return new CommandLine.RunLast().execute(parsed);
    }

    /** Resolves every DeviceOption among the command's mixins, nested ones included. */
    private static void check(CommandLine.Model.CommandSpec spec, CommandLine command) {
        for (CommandLine.Model.CommandSpec mixin : spec.mixins().values()) {
            if (mixin.userObject() instanceof DeviceOption d) {
                try {
                    d.resolve();
                } catch (IllegalStateException e) {
                    throw new CommandLine.ExecutionException(command, e.getMessage(), e);
                }
            }
            check(mixin, command);
        }
    }

    /** Moves the model's parameters and buffers to the chosen device (nothing to do on the CPU). Returns the model. */
    public <M extends Module> M place(M model) {
        Device d = resolve();
        if (!d.isCpu()) {
            model.to(d);
        }
        return model;
    }

    /**
     * Why kernels-cuda offers no backend. It is a runtime-only dependency of models (Kiln builds and
     * runs without it), so its probe is asked by name.
     */
    static String cudaUnavailableReason() {
        try {
            Object reason = Class.forName("dev.kiln.kernels.cuda.Cuda").getMethod("unavailableReason").invoke(null);
            return reason != null ? reason.toString() : "the CUDA backend is not available";
        } catch (ReflectiveOperationException | LinkageError e) {
            return "kiln-kernels-cuda is not on the class path";
        }
    }

    /** cpu, cuda or cuda:N, as {@link Device#parse}; anything else is a usage error naming the value. */
    static final class Parser implements CommandLine.ITypeConverter<Device> {
        @Override
        public Device convert(String value) {
            try {
                return Device.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("expected cpu, cuda or cuda:N with N >= 0, got '" + value + "'");
            }
        }
    }
}
