package dev.kiln.layers.suite;

import dev.kiln.tensor.DType;
import dev.kiln.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

import static dev.kiln.layers.suite.TorchCalls.both;
import static dev.kiln.layers.suite.TorchCalls.reg;

/** Shape, indexing and creation calls. */
final class ShapeCalls {
    /** Python's {@code ...} in an index. */
    static final Object ELLIPSIS = new Object() {
        @Override
        public String toString() {
            return "...";
        }
    };

    /** Python's {@code start:stop:step}, each null or a Long. */
    record Slice(Object start, Object stop, Object step) {
    }

    /** A Python list (not a tuple) as the whole index: {@code x[[1, 2]]}. */
    record IndexList(List<Object> items) {
    }

    private ShapeCalls() {
    }

    static void register() {
        reg(both("reshape"), "input *shape", c -> c.t("input").reshape(c.ints("shape")));
        reg("Tensor.view", "input *shape", c -> {
            if (c.o("shape") instanceof List<?> l && l.size() == 1 && l.get(0) instanceof TorchDtype d) {
                return c.t("input").view(d.kiln());
            }
            return c.t("input").view(c.ints("shape"));
        });
        reg("Tensor.expand", "input *size", c -> c.t("input").expand(c.ints("size")));
        reg(both("permute"), "input *dims", c -> c.t("input").permute(c.ints("dims")));
        reg(both("flatten"), "input start_dim= end_dim=", c -> c.t("input").flatten(c.i("start_dim", 0),
                c.i("end_dim", -1)));
        reg(both("squeeze"), "input dim=", c -> {
            Tensor x = c.t("input");
            if (!c.has("dim")) {
                return x.squeeze();
            }
            return c.o("dim") instanceof List<?> ? x.squeeze(c.ints("dim")) : x.squeeze(c.i("dim"));
        });
        reg(both("unsqueeze"), "input dim", c -> c.t("input").unsqueeze(c.i("dim")));
        reg(both("transpose") + "|" + both("swapaxes") + "|" + both("swapdims"),
                "input dim0 dim1", c -> c.t("input").transpose(c.i("dim0"), c.i("dim1")));
        reg("Tensor.T", "input", c -> {
            Tensor x = c.t("input");
            int[] rev = new int[x.dim()];
            for (int k = 0; k < rev.length; k++) {
                rev[k] = rev.length - 1 - k;
            }
            return x.permute(rev);
        });
        reg("Tensor.t|torch.t", "input", c -> c.t("input").t());
        reg("Tensor.flip", "input *dims", c -> c.t("input").flip(c.ints("dims")));
        reg("torch.flip", "input dims", c -> c.t("input").flip(c.ints("dims")));
        reg(both("roll"), "input shifts dims=", c -> {
            Tensor x = c.t("input");
            if (!c.has("dims")) {
                int[] shifts = c.ints("shifts");
                if (shifts.length != 1) {
                    throw new IllegalArgumentException("roll: " + shifts.length + " shifts need as many dims");
                }
                return x.roll(shifts[0]);
            }
            if (c.o("shifts") instanceof List<?> || c.o("dims") instanceof List<?>) {
                return x.roll(c.ints("shifts"), c.ints("dims"));
            }
            return x.roll(c.i("shifts"), c.i("dims"));
        });
        reg("Tensor.repeat", "input *repeats", c -> c.t("input").repeat(c.ints("repeats")));
        reg(both("tile"), "input *dims", c -> c.t("input").tile(c.ints("dims")));
        reg(both("repeat_interleave"), "input repeats dim=", c -> {
            Tensor x = c.t("input");
            if (c.o("repeats") instanceof Tensor r) {
                return c.has("dim") ? x.repeatInterleave(r, c.i("dim")) : x.repeatInterleave(r);
            }
            return c.has("dim") ? x.repeatInterleave(c.i("repeats"), c.i("dim")) : x.repeatInterleave(c.i("repeats"));
        });
        reg(both("chunk"), "input chunks dim=", c -> TorchCalls.list(c.t("input").chunk(c.i("chunks"),
                c.i("dim", 0))));
        reg(both("split"), "input split_size_or_sections dim=", c -> {
            Tensor x = c.t("input");
            int d = c.i("dim", 0);
            return TorchCalls.list(c.o("split_size_or_sections") instanceof List<?>
                    ? x.split(c.ints("split_size_or_sections"), d) : x.split(c.i("split_size_or_sections"), d));
        });
        reg(both("unbind"), "input dim=", c -> TorchCalls.list(c.t("input").unbind(c.i("dim", 0))));
        reg(both("unflatten"), "input dim sizes", c -> c.t("input").unflatten(c.i("dim"), c.ints("sizes")));
        reg("Tensor.unfold", "input dimension size step", c -> c.t("input").unfold(c.i("dimension"),
                c.i("size"), c.i("step")));
        reg(both("diagonal"), "input offset= dim1= dim2=", c -> c.t("input").diagonal(c.i("offset", 0),
                c.i("dim1", 0), c.i("dim2", 1)));
        reg(both("diag"), "input diagonal=", c -> c.t("input").diag(c.i("diagonal", 0)));
        reg(both("tril"), "input diagonal=", c -> c.t("input").tril(c.i("diagonal", 0)));
        reg(both("triu"), "input diagonal=", c -> c.t("input").triu(c.i("diagonal", 0)));
        reg(both("trace"), "input", c -> c.t("input").trace());
        reg(both("gather"), "input dim index", c -> c.t("input").gather(c.i("dim"), c.t("index")));
        reg(both("take_along_dim"), "input indices dim=", c -> c.has("dim")
                ? c.t("input").takeAlongDim(c.t("indices"), c.i("dim")) : c.t("input").takeAlongDim(c.t("indices")));
        reg(both("scatter"), "input dim index src= value= reduce=", c -> {
            Tensor x = c.t("input");
            Object src = c.has("src") ? c.o("src") : c.o("value");
            if (c.has("reduce")) {
                String r = c.s("reduce", null);
                return src instanceof Tensor s ? x.scatter(c.i("dim"), c.t("index"), s, r)
                        : x.scatter(c.i("dim"), c.t("index"), Call.toDouble(c.fn, "value", src), r);
            }
            return src instanceof Tensor s ? x.scatter(c.i("dim"), c.t("index"), s)
                    : x.scatter(c.i("dim"), c.t("index"), Call.toDouble(c.fn, "value", src));
        });
        reg(both("scatter_add"), "input dim index src", c -> c.t("input").scatterAdd(c.i("dim"),
                c.t("index"), c.t("src")));
        reg(both("scatter_reduce"), "input dim index src reduce include_self=", c -> c.t("input")
                .scatterReduce(c.i("dim"), c.t("index"), c.t("src"), c.s("reduce", null), c.b("include_self", true)));
        reg(both("masked_select"), "input mask", c -> c.t("input").maskedSelect(c.t("mask")));
        reg(both("nonzero"), "input", c -> c.t("input").nonzero());
        reg("torch.cat|torch.concat|torch.concatenate", "tensors dim=", c -> Tensor.cat(c.tensors("tensors"),
                c.i("dim", 0)));
        reg("torch.stack", "tensors dim=", c -> Tensor.stack(c.tensors("tensors"), c.i("dim", 0)));
        reg("torch.einsum", "equation *operands", c -> {
            List<Tensor> ops = new ArrayList<>();
            for (Object o : (List<?>) c.o("operands")) {
                if (!(o instanceof Tensor t)) {
                    throw new Unsupported("torch.einsum with " + Call.describe(o));
                }
                ops.add(t);
            }
            return Tensor.einsum(c.s("equation", ""), ops);
        });
        reg("torch.meshgrid", "*tensors indexing=", c -> {
            List<Tensor> ts = new ArrayList<>();
            for (Object o : (List<?>) c.o("tensors")) {
                ts.add((Tensor) o);
            }
            return TorchCalls.list(Tensor.meshgrid(ts, c.s("indexing", "ij")));
        });
        reg("Tensor.__getitem__", "input index", c -> getitem(c.t("input"), c.o("index")));

        // ---- creation
        reg("torch.tensor", "data dtype= device=", c -> tensor(c.o("data"), c.dtype("dtype", null)));
        reg("torch.arange", "start end= step= dtype=", c -> arange(c));
        reg("torch.zeros", "*size dtype=", c -> Tensor.zeros(c.dtype("dtype", DType.F32), c.ints("size")));
        reg("torch.ones", "*size dtype=", c -> Tensor.ones(c.dtype("dtype", DType.F32), c.ints("size")));
        reg("torch.empty", "*size dtype=", c -> Tensor.empty(c.dtype("dtype", DType.F32), c.ints("size")));
        reg("torch.full", "size fill_value dtype=", c -> Tensor.full(c.d("fill_value", 0),
                c.dtype("dtype", defaultDtype(c.o("fill_value"))), c.ints("size")));
        reg("torch.zeros_like", "input dtype=", c -> like(c, 0));
        reg("torch.ones_like", "input dtype=", c -> like(c, 1));
        reg("torch.full_like", "input fill_value dtype=", c -> like(c, c.d("fill_value", 0)));
        reg("torch.eye", "n m= dtype=", c -> Tensor.eye(c.i("n"), c.i("m", c.i("n")), c.dtype("dtype", DType.F32)));
        reg("torch.linspace", "start end steps dtype=", c -> {
            Tensor t = Tensor.linspace(c.d("start", 0), c.d("end", 0), c.i("steps"));
            DType d = c.dtype("dtype", DType.F32);
            return d == DType.F32 ? t : t.to(d);
        });
    }

    private static Tensor like(Call c, double value) {
        Tensor x = c.t("input");
        DType d = c.dtype("dtype", x.dtype());
        return d == x.dtype() && value == 0 ? Tensor.zerosLike(x) : d == x.dtype() && value == 1 ? Tensor.onesLike(x)
                : d == x.dtype() ? Tensor.fullLike(x, value) : Tensor.full(value, d, x.shape());
    }

    private static DType defaultDtype(Object v) {
        return v instanceof Boolean ? DType.BOOL : v instanceof Long ? DType.I32 : DType.F32;
    }

    private static Tensor arange(Call c) {
        Object start = c.o("start");
        Object end = c.o("end");
        Object step = c.o("step");
        if (end == null) {
            end = start;
            start = 0L;
        }
        boolean ints = start instanceof Long && end instanceof Long && (step == null || step instanceof Long);
        DType d = c.dtype("dtype", ints ? DType.I32 : DType.F32);
        if (ints && d == DType.I32) {
            return Tensor.arange(((Long) start).intValue(), ((Long) end).intValue(), step == null ? 1 : ((Long) step).intValue());
        }
        Tensor t = Tensor.arange(Call.toDouble(c.fn, "start", start), Call.toDouble(c.fn, "end", end),
                step == null ? 1 : Call.toDouble(c.fn, "step", step));
        if (d != DType.F32) {
            throw new Unsupported("torch.arange of floats with dtype " + d);
        }
        return t;
    }

    /** torch.tensor of nested lists of numbers: float32 if any is a float, else int64 (I32) or bool. */
    static Tensor tensor(Object data, DType dtype) {
        List<Integer> shape = new ArrayList<>();
        Object o = data;
        while (o instanceof List<?> l) {
            shape.add(l.size());
            o = l.isEmpty() ? null : l.get(0);
        }
        List<Object> flat = new ArrayList<>();
        flatten(data, flat);
        boolean anyFloat = false;
        boolean allBool = !flat.isEmpty();
        for (Object v : flat) {
            anyFloat |= v instanceof Double;
            allBool &= v instanceof Boolean;
        }
        DType d = dtype != null ? dtype : anyFloat || flat.isEmpty() ? DType.F32 : allBool ? DType.BOOL : DType.I32;
        int[] dims = shape.stream().mapToInt(Integer::intValue).toArray();
        int n = flat.size();
        return switch (d) {
            case F32 -> {
                float[] a = new float[n];
                for (int k = 0; k < n; k++) {
                    a[k] = (float) Call.toDouble("torch.tensor", "data", flat.get(k));
                }
                yield Expected.shaped(Tensor.of(a), dims);
            }
            case F64 -> {
                double[] a = new double[n];
                for (int k = 0; k < n; k++) {
                    a[k] = Call.toDouble("torch.tensor", "data", flat.get(k));
                }
                yield Expected.shaped(Tensor.of(a), dims);
            }
            case I32 -> {
                int[] a = new int[n];
                for (int k = 0; k < n; k++) {
                    double v = Call.toDouble("torch.tensor", "data", flat.get(k));
                    if (v != Math.rint(v) && flat.get(k) instanceof Double) {
                        a[k] = (int) v; // torch truncates a float converted to an integer dtype
                    } else if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                        throw new Unsupported("an int64 value " + (long) v + " outside int32");
                    } else {
                        a[k] = (int) v;
                    }
                }
                yield Expected.shaped(Tensor.of(a), dims);
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int k = 0; k < n; k++) {
                    a[k] = Call.toDouble("torch.tensor", "data", flat.get(k)) != 0;
                }
                yield Expected.shaped(Tensor.of(a), dims);
            }
            default -> {
                double[] a = new double[n];
                for (int k = 0; k < n; k++) {
                    a[k] = Call.toDouble("torch.tensor", "data", flat.get(k));
                }
                yield Expected.shaped(Tensor.of(a).to(d), dims); // torch's conversion rules, as Kiln's to(dtype)
            }
        };
    }

    private static void flatten(Object o, List<Object> out) {
        if (o instanceof List<?> l) {
            for (Object x : l) {
                flatten(x, out);
            }
        } else if (o instanceof Tensor t && t.dim() == 0) {
            out.add(t.dtype() == DType.BOOL ? (Object) (t.item() != 0) : t.dtype() == DType.I32 ? (Object) (long) t.item()
                    : (Object) t.item());
        } else {
            out.add(o);
        }
    }

    /**
     * x[index] by PyTorch's rules: ints select (basic indexing, applied first), slices slice
     * (Kiln's slice clamps as Python does), None inserts a dim, ... stands for the dims not named,
     * and tensors or lists of ints index (all such indices go to one {@code Tensor.index} call,
     * with null for the dims between them).
     */
    static Tensor getitem(Tensor x, Object index) {
        if (index instanceof IndexList seq) {
            // PyTorch: a list of numbers is one index tensor; a list holding tensors, slices,
            // None, ... or lists is read as a tuple of indices (NumPy's old rule)
            boolean tupleLike = seq.items().stream().anyMatch(o -> o == null || o instanceof Tensor
                    || o instanceof Slice || o == ELLIPSIS || o instanceof List<?>);
            index = tupleLike ? seq.items() : List.of(tensor(seq.items(), null));
        }
        List<Object> items = index instanceof List<?> l ? new ArrayList<>(l) : new ArrayList<>(List.of(index == null
                ? NONE : index));
        for (int k = 0; k < items.size(); k++) {
            if (items.get(k) == null) {
                items.set(k, NONE);
            }
        }
        int consumed = 0;
        for (Object it : items) {
            if (it instanceof Tensor t && t.dtype() == DType.BOOL) {
                consumed += t.dim();
            } else if (it != NONE && it != ELLIPSIS && !(it instanceof Boolean)) {
                consumed++;
            }
        }
        List<Object> expanded = new ArrayList<>();
        boolean sawEllipsis = false;
        for (Object it : items) {
            if (it == ELLIPSIS) {
                if (sawEllipsis) {
                    throw new IllegalArgumentException("__getitem__: an index can only have a single ellipsis");
                }
                sawEllipsis = true;
                for (int k = 0; k < x.dim() - consumed; k++) {
                    expanded.add(new Slice(null, null, null));
                }
            } else {
                expanded.add(it);
            }
        }
        Tensor y = x;
        int d = 0;
        List<Tensor> adv = new ArrayList<>();
        List<Integer> advDims = new ArrayList<>();
        for (Object it : expanded) {
            if (it instanceof Long i) {
                if (d >= y.dim()) {
                    throw new IllegalArgumentException("__getitem__: too many indices for a tensor of " + x.dim() + " dims");
                }
                y = y.select(d, Math.toIntExact(i));
            } else if (it instanceof Slice s) {
                int start = s.start() == null ? 0 : Math.toIntExact((Long) s.start());
                int stop = s.stop() == null ? Integer.MAX_VALUE : (int) Math.max(Integer.MIN_VALUE,
                        Math.min(Integer.MAX_VALUE, (Long) s.stop()));
                int step = s.step() == null ? 1 : Math.toIntExact((Long) s.step());
                if (d >= y.dim()) {
                    throw new IllegalArgumentException("__getitem__: too many indices for a tensor of " + x.dim() + " dims");
                }
                y = y.slice(d, start, stop, step);
                d++;
            } else if (it == NONE || Boolean.TRUE.equals(it)) {
                y = y.unsqueeze(d);
                d++;
            } else if (Boolean.FALSE.equals(it)) {
                y = y.unsqueeze(d).slice(d, 0, 0);
                d++;
            } else if (it instanceof Tensor t) {
                adv.add(t);
                advDims.add(d);
                d += t.dtype() == DType.BOOL ? Math.max(t.dim(), 1) : 1;
            } else if (it instanceof List<?> l) {
                adv.add(tensor(l, null));
                advDims.add(d);
                d++;
            } else {
                throw new Unsupported("Tensor.__getitem__ with " + Call.describe(it));
            }
        }
        if (adv.isEmpty()) {
            return y;
        }
        Tensor[] idx = new Tensor[advDims.get(advDims.size() - 1) + 1];
        for (int k = 0; k < adv.size(); k++) {
            idx[advDims.get(k)] = adv.get(k);
        }
        return y.index(idx);
    }

    private static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };
}
