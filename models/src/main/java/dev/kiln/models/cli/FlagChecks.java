package dev.kiln.models.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

import java.lang.reflect.AnnotatedElement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Checks the flags of the command about to run against their {@link Range}s, before it does any
 * work. A value out of range is a {@link CommandLine.ParameterException} naming the flag, the
 * range and the value, so the command line reports it like any other usage error.
 */
public final class FlagChecks {
    private FlagChecks() {
    }

    /** Checks the options and parameters of every command on the parsed line (e.g. kiln, train, mlp). */
    public static void check(ParseResult parsed) {
        for (ParseResult pr = parsed; pr != null; pr = pr.subcommand()) {
            CommandSpec spec = pr.commandSpec();
            List<ArgSpec> args = new ArrayList<>(spec.options());
            args.addAll(spec.positionalParameters());
            for (ArgSpec a : args) {
                String problem = problem(a);
                if (problem != null) {
                    throw new CommandLine.ParameterException(spec.commandLine(), problem, a, null);
                }
            }
        }
    }

    /** The range a flag declares, or null (flags set through methods check themselves). */
    public static Range rangeOf(ArgSpec a) {
        return a.userObject() instanceof AnnotatedElement e ? e.getAnnotation(Range.class) : null;
    }

    /** What is wrong with the flag's current value, or null when it is in range. */
    static String problem(ArgSpec a) {
        Range r = rangeOf(a);
        Object v = a.getValue();
        if (r == null || v == null) {
            return null;
        }
        List<Number> values = new ArrayList<>();
        switch (v) {
            case Number n -> values.add(n);
            case int[] xs -> {
                for (int x : xs) {
                    values.add(x);
                }
            }
            case long[] xs -> {
                for (long x : xs) {
                    values.add(x);
                }
            }
            case double[] xs -> {
                for (double x : xs) {
                    values.add(x);
                }
            }
            case Collection<?> c -> c.stream().filter(Number.class::isInstance).forEach(x -> values.add((Number) x));
            default -> {
                return null;
            }
        }
        for (Number n : values) {
            if (!inRange(n, r)) {
                return name(a) + " must be " + describe(r) + ", got " + n;
            }
        }
        return null;
    }

    private static boolean inRange(Number n, Range r) {
        double d = n.doubleValue();
        if ((n instanceof Double || n instanceof Float) && !Double.isFinite(d)) {
            return false;
        }
        boolean aboveMin = r.minExclusive() ? d > r.min() : d >= r.min();
        boolean belowMax = r.maxExclusive() ? d < r.max() : d <= r.max();
        return aboveMin && belowMax;
    }

    /** "between 1 and 65536", "> 0", "in [0, 1)", ... */
    static String describe(Range r) {
        boolean lo = r.min() != Double.NEGATIVE_INFINITY;
        boolean hi = r.max() != Double.POSITIVE_INFINITY;
        if (lo && hi) {
            if (!r.minExclusive() && !r.maxExclusive()) {
                return "between " + number(r.min()) + " and " + number(r.max());
            }
            return "in " + (r.minExclusive() ? "(" : "[") + number(r.min()) + ", " + number(r.max())
                    + (r.maxExclusive() ? ")" : "]");
        }
        if (lo) {
            return (r.minExclusive() ? "> " : ">= ") + number(r.min());
        }
        if (hi) {
            return (r.maxExclusive() ? "< " : "<= ") + number(r.max());
        }
        return "a finite number";
    }

    private static String number(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return String.format(Locale.ROOT, "%g", d).replaceAll("\\.?0+(e|$)", "$1");
    }

    private static String name(ArgSpec a) {
        return a instanceof OptionSpec o ? o.longestName() : a.paramLabel();
    }
}
