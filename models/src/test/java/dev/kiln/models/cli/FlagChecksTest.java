package dev.kiln.models.cli;

import dev.kiln.models.Cli;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class FlagChecksTest {
    private static final Set<Class<?>> NUMERIC = Set.of(int.class, long.class, double.class, float.class, short.class,
            Integer.class, Long.class, Double.class, Float.class, Short.class);

    private static boolean numeric(ArgSpec a) {
        if (NUMERIC.contains(a.type()) || a.type().isArray() && NUMERIC.contains(a.type().getComponentType())) {
            return true;
        }
        for (Class<?> c : a.auxiliaryTypes()) {
            if (NUMERIC.contains(c)) {
                return true;
            }
        }
        return false;
    }

    private static void collect(CommandLine cl, List<String> missing, int[] count) {
        List<ArgSpec> args = new ArrayList<>(cl.getCommandSpec().options());
        args.addAll(cl.getCommandSpec().positionalParameters());
        for (ArgSpec a : args) {
            if (numeric(a)) {
                count[0]++;
                if (FlagChecks.rangeOf(a) == null) {
                    missing.add(cl.getCommandSpec().qualifiedName() + " " + (a instanceof CommandLine.Model.OptionSpec o
                            ? o.longestName() : a.paramLabel()));
                }
            }
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            collect(sub, missing, count);
        }
    }

    @Test
    void everyNumericFlagOfEveryCommandDeclaresARange() {
        List<String> missing = new ArrayList<>();
        int[] count = {0};
        collect(new CommandLine(new Cli()), missing, count);
        assertThat(missing).as("numeric flags without @Range (add one: FlagChecks checks it before the command runs)").isEmpty();
        assertThat(count[0]).isGreaterThan(100);
    }

    @Test
    void rangesReadAsTheyAreWritten() throws Exception {
        class Flags {
            @Range(min = 1, max = 65_536)
            int a;
            @Range(min = 0, minExclusive = true, max = 100)
            double b;
            @Range(min = 0, max = 1, maxExclusive = true)
            double c;
            @Range(min = 1)
            long d;
            @Range
            long e;
        }
        String[] expected = {"between 1 and 65536", "in (0, 100]", "in [0, 1)", ">= 1", "a finite number"};
        String[] names = {"a", "b", "c", "d", "e"};
        for (int i = 0; i < expected.length; i++) {
            Range r = Flags.class.getDeclaredField(names[i]).getAnnotation(Range.class);
            assertThat(FlagChecks.describe(r)).isEqualTo(expected[i]);
        }
    }
}
