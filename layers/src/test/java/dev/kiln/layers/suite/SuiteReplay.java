package dev.kiln.layers.suite;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;
import dev.kiln.tensor.testing.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static dev.kiln.tensor.testing.Json.list;
import static dev.kiln.tensor.testing.Json.map;

/**
 * Replays the traced suite on Kiln (docs/SUITE.md). A test function passes when the tracer ran it
 * to its end and every one of its cases passes: an op case when Kiln's output has torch's shape,
 * a matching dtype ({@link TorchDtype}) and values within the test's atol/rtol (numpy's
 * assert_allclose: |kiln − torch| ≤ atol + rtol·|torch|, NaN matching NaN; exact for integers and
 * bools), and, unless forward_only, the gradients of out.sum() with respect to the float inputs
 * within grad_atol/grad_rtol; an exception case when Kiln refuses the call torch refused with an
 * IllegalArgumentException (Kiln's standard for bad arguments).
 */
final class SuiteReplay {
    static final String FIXTURE = "/suite/test_ops.json.gz";

    enum Kind { PASS, FAIL, UNSUPPORTED, NOT_RUN }

    record Outcome(String test, Kind kind, String detail) {
    }

    private SuiteReplay() {
    }

    static Map<String, Object> load() {
        try (InputStream in = SuiteReplay.class.getResourceAsStream(FIXTURE)) {
            if (in == null) {
                throw new IllegalStateException("missing " + FIXTURE + "; tools/suite/trace_test_ops.py writes it");
            }
            return Json.parse(new String(new GZIPInputStream(in).readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Outcome> runAll(Map<String, Object> suite) {
        List<Outcome> out = new ArrayList<>();
        for (Object t : list(suite.get("tests"))) {
            out.add(runTest(map(t)));
        }
        return out;
    }

    static Outcome runTest(Map<String, Object> test) {
        String name = (String) test.get("name");
        String status = (String) test.get("status");
        List<Object> cases = list(test.get("cases"));
        if (!status.equals("ok")) {
            return new Outcome(name, Kind.NOT_RUN, status + ": " + test.get("error"));
        }
        if (cases.isEmpty()) {
            return new Outcome(name, Kind.NOT_RUN, "no torch case (the test checks tinygrad only)");
        }
        Outcome firstFail = null;
        for (int k = 0; k < cases.size(); k++) {
            String where = "case " + (k + 1) + "/" + cases.size() + ": ";
            try {
                String fail = runCase(map(cases.get(k)));
                if (fail != null && firstFail == null) {
                    firstFail = new Outcome(name, Kind.FAIL, where + fail);
                }
            } catch (Unsupported e) {
                return new Outcome(name, Kind.UNSUPPORTED, where + e.getMessage());
            }
        }
        String skip = test.get("suite_skip") == null ? "" : " (the suite skips it: " + test.get("suite_skip") + ")";
        return firstFail != null ? new Outcome(name, Kind.FAIL, firstFail.detail() + skip)
                : new Outcome(name, Kind.PASS, cases.size() + " cases" + skip);
    }

    /** null when the case passes, else what differs; throws Unsupported for what Kiln lacks. */
    static String runCase(Map<String, Object> c) {
        boolean forwardOnly = Boolean.TRUE.equals(c.get("forward_only"));
        List<Tensor> inputs = inputs(c);
        Map<Integer, Object> refs = new HashMap<>();
        List<Object> inputRefs = list(c.get("input_refs"));
        for (int k = 0; k < inputs.size(); k++) {
            Tensor x = inputs.get(k);
            if (!forwardOnly && (x.dtype() == DType.F32 || x.dtype() == DType.F64)) {
                x.requiresGrad(true);
            }
            refs.put(((Number) inputRefs.get(k)).intValue(), x);
        }
        boolean exception = c.get("kind").equals("exception");
        List<Object> steps = list(c.get("steps"));
        for (int s = 0; s < steps.size(); s++) {
            Map<String, Object> step = map(steps.get(s));
            String fn = (String) step.get("fn");
            if (fn.equals("<const>")) {
                refs.put(((Number) step.get("out")).intValue(), Expected.decode(step.get("value")).toKiln());
                continue;
            }
            List<Object> args = (List<Object>) Trace.value(step.get("args"), refs);
            Map<String, Object> kwargs = Trace.kwargs(step.get("kwargs"), refs);
            boolean raises = step.get("raises") != null;
            Object result;
            try {
                result = TorchCalls.call(fn, args, kwargs);
            } catch (Unsupported e) {
                throw e;
            } catch (RuntimeException e) {
                if (raises && exception) {
                    return e instanceof IllegalArgumentException ? null
                            : fn + " failed with " + e.getClass().getSimpleName() + " (" + e.getMessage()
                            + "), not an IllegalArgumentException";
                }
                return fn + " threw " + e.getClass().getSimpleName() + ": " + e.getMessage();
            }
            if (raises) {
                return fn + " was accepted by Kiln; torch raised " + step.get("raises");
            }
            Trace.bind(step.get("out"), result, refs, fn);
        }
        if (exception) {
            // no step: torch's argument parser refused the call before any op ran (a misspelled
            // keyword, TypeError), which Java's compiler refuses in a port; nothing to replay
            return steps.isEmpty() ? null : "torch raised outside a recorded call";
        }
        Object out = refs.get(((Number) c.get("result")).intValue());
        if (!(out instanceof Tensor y)) {
            return "no output";
        }
        String f = compare("forward", y, Expected.decode(c.get("output")), num(c, "atol"), num(c, "rtol"));
        if (f != null || forwardOnly || c.get("grads") == null) {
            return f;
        }
        List<Object> grads = list(c.get("grads"));
        try {
            if (y.requiresGrad()) {
                y.sum().backward();
            }
        } catch (RuntimeException e) {
            return "backward threw " + e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        for (int k = 0; k < inputs.size(); k++) {
            Tensor x = inputs.get(k);
            Tensor g = x.grad() != null ? x.grad() : Tensor.zerosLike(x.detach());
            String gf = compare("gradient of input " + k, g, Expected.decode(grads.get(k)), num(c, "grad_atol"),
                    num(c, "grad_rtol"));
            if (gf != null) {
                return gf;
            }
        }
        return null;
    }

    private static double num(Map<String, Object> c, String key) {
        return Trace.number(c.get(key));
    }

    private static List<Tensor> inputs(Map<String, Object> c) {
        List<Tensor> out = new ArrayList<>();
        if (c.get("inputs") != null) {
            for (Object t : list(c.get("inputs"))) {
                out.add(Expected.decode(t).toKiln());
            }
            return out;
        }
        Map<String, Object> u = map(c.get("uniform"));
        NumpyUniform rng = new NumpyUniform(0);
        double low = Trace.number(u.get("low"));
        double high = Trace.number(u.get("high"));
        List<Object> shapes = list(u.get("shapes"));
        List<Object> sums = list(u.get("sums"));
        for (int k = 0; k < shapes.size(); k++) {
            int[] shape = Json.ints(shapes.get(k));
            int n = 1;
            for (int d : shape) {
                n *= d;
            }
            float[] v = rng.uniform(low, high, n);
            double sum = 0;
            for (float f : v) {
                sum += f;
            }
            double want = Trace.number(sums.get(k));
            if (Math.abs(sum - want) > 1e-9 * Math.max(1, Math.abs(want)) + 1e-6 * Math.sqrt(n)) {
                throw new IllegalStateException("regenerated input " + k + " sums to " + sum + ", torch's to " + want);
            }
            out.add(Expected.shaped(Tensor.of(v), shape));
        }
        return out;
    }

    /** null when Kiln's tensor matches torch's, else the first difference. */
    static String compare(String what, Tensor k, Expected e, double atol, double rtol) {
        if (!java.util.Arrays.equals(k.shape(), e.shape())) {
            return what + ": shape " + java.util.Arrays.toString(k.shape()) + ", torch " + java.util.Arrays.toString(e.shape());
        }
        if (!TorchDtype.matches(k.dtype(), e.dtype())) {
            return what + ": dtype " + k.dtype() + ", torch " + e.dtype();
        }
        double[] v = values(k);
        int n = v.length;
        boolean floating = e.floating();
        if (e.sampleCount() == 0) {
            for (int i = 0; i < n; i++) {
                if (!close(v[i], e.values()[i], floating, atol, rtol)) {
                    return what + ": at flat index " + i + " Kiln " + v[i] + ", torch " + e.values()[i];
                }
            }
            return null;
        }
        int count = e.sampleCount();
        double sum = 0;
        for (double x : v) {
            sum += x;
        }
        for (int s = 0; s < count; s++) {
            int i = (int) ((long) s * n / count);
            if (!close(v[i], e.values()[s], floating, atol, rtol)) {
                return what + ": at flat index " + i + " Kiln " + v[i] + ", torch " + e.values()[s];
            }
        }
        if (!close(sum, e.sum(), true, atol * n, rtol * e.absSum() / Math.max(Math.abs(e.sum()), 1e-300))) {
            return what + ": sum " + sum + ", torch " + e.sum();
        }
        return null;
    }

    private static boolean close(double a, double b, boolean floating, double atol, double rtol) {
        if (!floating) {
            return a == b;
        }
        if (Double.isNaN(a) || Double.isNaN(b)) {
            return Double.isNaN(a) && Double.isNaN(b);
        }
        if (Double.isInfinite(a) || Double.isInfinite(b)) {
            return a == b;
        }
        return Math.abs(a - b) <= atol + rtol * Math.abs(b);
    }

    private static double[] values(Tensor t) {
        Tensor c = t.detach();
        return switch (c.dtype()) {
            case F64 -> c.toDoubleArray();
            case F32 -> {
                float[] f = c.toFloatArray();
                double[] d = new double[f.length];
                for (int i = 0; i < f.length; i++) {
                    d[i] = f[i];
                }
                yield d;
            }
            case I32 -> {
                int[] a = c.toIntArray();
                double[] d = new double[a.length];
                for (int i = 0; i < a.length; i++) {
                    d[i] = a[i];
                }
                yield d;
            }
            case BOOL -> {
                boolean[] a = c.toBooleanArray();
                double[] d = new double[a.length];
                for (int i = 0; i < a.length; i++) {
                    d[i] = a[i] ? 1 : 0;
                }
                yield d;
            }
            default -> c.to(DType.F64).toDoubleArray(); // I64 beyond 2^53 would round: the suite's values are small
        };
    }
}
