#!/usr/bin/python3
"""Writes the PyTorch fixtures that TorchFixturesTest holds Kiln against.

Run it with Debian's python3-torch (PyTorch 1.13), which lives under /usr/bin/python3; the
python3 first on PATH may be another interpreter without torch:

    /usr/bin/python3 tools/make_fixtures.py

It rewrites autograd/src/test/resources/fixtures/*.json. The output is deterministic (fixed
seeds, one generator per file), so running it twice gives the same bytes; commit the result.
CI never runs this script: the JSON files are test resources.

Each case records an op, its non-tensor arguments, its inputs, the forward output and, for a
floating output, a random weight w and the gradient of sum(output * w) with respect to every
floating input that asks for one. PyTorch computes everything in float64, on inputs (and w)
that are exactly representable in float32, so Kiln's F32 run starts from the very same numbers
and differs only by its own rounding. The format is described in tools/README.md.
"""

import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "autograd", "src", "test",
                       "resources", "fixtures")

# ----------------------------------------------------------------------------- random inputs

_gen = torch.Generator()


def seed(s):
    _gen.manual_seed(s)


def randn(*shape, scale=1.0):
    return (torch.randn(shape, generator=_gen, dtype=torch.float32) * scale).double()


def uniform(lo, hi, *shape):
    return (torch.rand(shape, generator=_gen, dtype=torch.float32) * (hi - lo) + lo).double()


def away(*shape, gap=0.2):
    """randn pushed at least `gap` away from 0, for abs, sign, relu and denominators."""
    x = torch.randn(shape, generator=_gen, dtype=torch.float32)
    return (torch.where(x >= 0, x + gap, x - gap)).double()


def f32(t):
    """t rounded to float32 and back, so it can be an input."""
    return t.float().double()


def ints(lo, hi, *shape):
    return torch.randint(lo, hi, shape, generator=_gen)


def bools(*shape):
    return torch.rand(shape, generator=_gen) < 0.5


# ----------------------------------------------------------------------------- inputs and views

class In:
    """One input: a leaf tensor, whether its gradient is recorded, and the views applied to the
    leaf before the op sees it (so the op gets a non-contiguous tensor and the gradient flows
    back through the view to the leaf)."""

    def __init__(self, name, value, grad=None, view=()):
        self.name = name
        self.value = value
        self.grad = value.is_floating_point() if grad is None else grad
        self.view = [list(v) for v in view]


def apply_view(t, steps):
    for step in steps:
        kind, args = step[0], step[1:]
        if kind == "transpose":
            t = t.transpose(*args)
        elif kind == "permute":
            t = t.permute(*args)
        elif kind == "slice":  # dim, start, end, step: Python's t[..., start:end:step, ...]
            d, s, e, st = args
            index = [slice(None)] * t.dim()
            index[d] = slice(s, e, st)
            t = t[tuple(index)]
        elif kind == "select":
            t = t.select(*args)
        elif kind == "expand":
            t = t.expand(*args)
        elif kind == "unsqueeze":
            t = t.unsqueeze(*args)
        else:
            raise ValueError("unknown view " + kind)
    return t


# ----------------------------------------------------------------------------- ops
# Each takes the (viewed) inputs and the args dict and returns one tensor. Names are PyTorch's;
# TorchFixturesTest maps each to Kiln's camelCase method.

def _red(a):
    return {"none": "none", "mean": "mean", "sum": "sum"}[a.get("reduction", "mean")]


OPS = {
    "add": lambda x, a: torch.add(x[0], x[1], alpha=a.get("alpha", 1)),
    "add_scalar": lambda x, a: x[0] + a["other"],
    "sub": lambda x, a: torch.sub(x[0], x[1]),
    "sub_scalar": lambda x, a: x[0] - a["other"],
    "mul": lambda x, a: x[0] * x[1],
    "mul_scalar": lambda x, a: x[0] * a["other"],
    "div": lambda x, a: x[0] / x[1],
    "div_scalar": lambda x, a: x[0] / a["other"],
    "pow": lambda x, a: torch.pow(x[0], x[1]),
    "pow_scalar": lambda x, a: torch.pow(x[0], a["exponent"]),
    "neg": lambda x, a: torch.neg(x[0]),
    "exp": lambda x, a: torch.exp(x[0]),
    "log": lambda x, a: torch.log(x[0]),
    "sqrt": lambda x, a: torch.sqrt(x[0]),
    "rsqrt": lambda x, a: torch.rsqrt(x[0]),
    "abs": lambda x, a: torch.abs(x[0]),
    "sign": lambda x, a: torch.sign(x[0]),
    "tanh": lambda x, a: torch.tanh(x[0]),
    "sigmoid": lambda x, a: torch.sigmoid(x[0]),
    "relu": lambda x, a: torch.relu(x[0]),
    "square": lambda x, a: torch.square(x[0]),
    "maximum": lambda x, a: torch.maximum(x[0], x[1]),
    "minimum": lambda x, a: torch.minimum(x[0], x[1]),
    "clamp": lambda x, a: torch.clamp(x[0], a.get("min"), a.get("max")),
    "gt": lambda x, a: torch.gt(x[0], x[1]),
    "eq": lambda x, a: torch.eq(x[0], x[1]),
    "where": lambda x, a: torch.where(x[0], x[1], x[2]),
    "where_scalar": lambda x, a: torch.where(x[0], x[1], torch.tensor(a["other"], dtype=x[1].dtype)),

    "sum": lambda x, a: torch.sum(x[0]) if "dim" not in a else torch.sum(x[0], a["dim"], a["keepdim"]),
    "mean": lambda x, a: torch.mean(x[0]) if "dim" not in a else torch.mean(x[0], a["dim"], a["keepdim"]),
    "max": lambda x, a: torch.max(x[0]) if "dim" not in a else torch.max(x[0], a["dim"], a["keepdim"]).values,
    "min": lambda x, a: torch.min(x[0]) if "dim" not in a else torch.min(x[0], a["dim"], a["keepdim"]).values,
    "amax": lambda x, a: torch.amax(x[0], a["dim"], a["keepdim"]),
    "amin": lambda x, a: torch.amin(x[0], a["dim"], a["keepdim"]),
    "var": lambda x, a: torch.var(x[0], unbiased=a["unbiased"]) if "dim" not in a
    else torch.var(x[0], a["dim"], unbiased=a["unbiased"], keepdim=a["keepdim"]),
    "std": lambda x, a: torch.std(x[0]) if "dim" not in a else torch.std(x[0], a["dim"], keepdim=a["keepdim"]),
    "argmax": lambda x, a: torch.argmax(x[0]) if "dim" not in a else torch.argmax(x[0], a["dim"], a["keepdim"]),
    "argmin": lambda x, a: torch.argmin(x[0]) if "dim" not in a else torch.argmin(x[0], a["dim"], a["keepdim"]),

    "matmul": lambda x, a: torch.matmul(x[0], x[1]),

    "softmax": lambda x, a: torch.softmax(x[0], a["dim"]),
    "log_softmax": lambda x, a: torch.log_softmax(x[0], a["dim"]),
    "cross_entropy": lambda x, a: F.cross_entropy(x[0], x[1], reduction=_red(a),
                                                  ignore_index=a.get("ignore_index", -100)),
    "mse_loss": lambda x, a: F.mse_loss(x[0], x[1], reduction=_red(a)),
    "embedding": lambda x, a: F.embedding(x[0], x[1]),

    "reshape": lambda x, a: x[0].reshape(a["shape"]),
    "flatten": lambda x, a: torch.flatten(x[0], a["start_dim"], a["end_dim"]),
    "transpose": lambda x, a: x[0].transpose(a["dim0"], a["dim1"]),
    "t": lambda x, a: x[0].t(),
    "permute": lambda x, a: x[0].permute(a["dims"]),
    "movedim": lambda x, a: torch.movedim(x[0], a["source"], a["destination"]),
    "expand": lambda x, a: x[0].expand(a["sizes"]),
    "narrow": lambda x, a: x[0].narrow(a["dim"], a["start"], a["length"]),
    "slice": lambda x, a: apply_view(x[0], [["slice", a["dim"], a["start"], a["end"], a["step"]]]),
    "select": lambda x, a: x[0].select(a["dim"], a["index"]),
    "squeeze": lambda x, a: x[0].squeeze() if "dim" not in a else x[0].squeeze(a["dim"]),
    "unsqueeze": lambda x, a: x[0].unsqueeze(a["dim"]),
    "cat": lambda x, a: torch.cat(x, a["dim"]),
    "stack": lambda x, a: torch.stack(x, a["dim"]),
    "index_select": lambda x, a: torch.index_select(x[0], a["dim"], x[1]),
    "gather": lambda x, a: torch.gather(x[0], a["dim"], x[1]),
    "scatter_add": lambda x, a: torch.scatter_add(x[0], a["dim"], x[1], x[2]),
    "index_add": lambda x, a: torch.index_add(x[0], a["dim"], x[1], x[2]),
}


# ----------------------------------------------------------------------------- number formatting

def f32_text(v):
    """The shortest decimal that reads back as this float32 (Java: Float.parseFloat)."""
    s = np.format_float_positional(np.float32(v), unique=True, trim="-")
    if len(s) > 12:
        s = np.format_float_scientific(np.float32(v), unique=True, trim="-")
    if float(np.float32(s)) != v:
        raise ValueError("%s does not read back as %r" % (s, v))
    return s


def f64_text(v):
    v = float(v)
    if not math.isfinite(v):
        raise ValueError("non-finite value in a fixture: %r" % v)
    return repr(v)


class Raw:
    """Pre-formatted JSON text."""

    def __init__(self, text):
        self.text = text


def emit(obj, indent=0):
    pad = "  " * indent
    if isinstance(obj, Raw):
        return obj.text
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [pad + "  " + emit(k) + ": " + emit(v, indent + 1) for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, (list, tuple)):
        if all(not isinstance(v, (dict, list, tuple)) or isinstance(v, Raw) for v in obj):
            return "[" + ", ".join(emit(v) for v in obj) + "]"
        return "[\n" + ",\n".join(pad + "  " + emit(v, indent + 1) for v in obj) + "\n" + pad + "]"
    if obj is None:
        return "null"
    if obj is True:
        return "true"
    if obj is False:
        return "false"
    if isinstance(obj, int):
        return str(obj)
    if isinstance(obj, float):
        return f64_text(obj)
    if isinstance(obj, str):
        return '"' + obj.replace("\\", "\\\\").replace('"', '\\"') + '"'
    raise TypeError(type(obj))


def tensor_json(t, exact_f32):
    """shape, dtype and row-major data of t. Floating data is 'f32' text (exactly a float32)
    for inputs and weights, 'f64' text for results."""
    t = t.detach().contiguous()
    flat = t.reshape(-1).tolist()
    if t.dtype == torch.bool:
        dtype, data = "bool", "[" + ",".join("1" if v else "0" for v in flat) + "]"
    elif not t.is_floating_point():
        dtype, data = "int", "[" + ",".join(str(int(v)) for v in flat) + "]"
    elif exact_f32:
        for v in flat:
            if float(np.float32(v)) != v:
                raise ValueError("input value %r is not exactly a float32" % v)
        dtype, data = "f32", "[" + ",".join(f32_text(v) for v in flat) + "]"
    else:
        dtype, data = "f64", "[" + ",".join(f64_text(v) for v in flat) + "]"
    return {"shape": Raw(emit(list(t.shape))), "dtype": dtype, "data": Raw(data)}


# ----------------------------------------------------------------------------- cases

class Family:
    def __init__(self, name, seed_value):
        self.name = name
        self.seed = seed_value
        self.cases = []
        self.names = set()

    def case(self, name, op, inputs, **args):
        full = op + "/" + name
        if full in self.names:
            raise ValueError("duplicate case " + full)
        self.names.add(full)
        leaves = []
        viewed = []
        for inp in inputs:
            leaf = inp.value.clone()
            if inp.grad:
                leaf.requires_grad_(True)
            leaves.append(leaf)
            viewed.append(apply_view(leaf, inp.view))
        out = OPS[op](viewed, args)
        record = {
            "name": full,
            "op": op,
            "args": args,
            "inputs": [dict(name=inp.name, **tensor_json(inp.value, True), grad=inp.grad,
                            view=Raw(emit(inp.view)))
                       for inp in inputs],
            "output": tensor_json(out, False),
        }
        if out.is_floating_point():
            w = randn(*out.shape)
            wanted = [leaf for leaf, inp in zip(leaves, inputs) if inp.grad]
            grads = torch.autograd.grad((out * w).sum(), wanted, allow_unused=True) if wanted else []
            it = iter(grads)
            record["weight"] = tensor_json(w, True)
            record["grads"] = []
            for inp in inputs:
                g = next(it) if inp.grad else None
                record["grads"].append(None if g is None else tensor_json(g, False))
        self.cases.append(record)

    def write(self):
        path = os.path.join(OUT_DIR, self.name + ".json")
        text = emit({"family": self.name, "generator": "tools/make_fixtures.py", "torch": torch.__version__,
                     "cases": self.cases}) + "\n"
        with open(path, "w") as f:
            f.write(text)
        return path, len(text), len(self.cases)


def fam(name, seed_value):
    f = Family(name, seed_value)
    seed(seed_value)
    return f


# ----------------------------------------------------------------------------- elementwise

def elementwise():
    f = fam("elementwise", 1)
    T = [["transpose", 0, 1]]
    S = [["slice", 1, 0, 7, 2]]  # every other column of a [.., 7] leaf: 4 columns

    for op in ["add", "sub", "mul", "div"]:
        den = away if op == "div" else randn
        f.case("same_shape", op, [In("a", randn(3, 4)), In("b", den(3, 4))])
        f.case("broadcast_col_row", op, [In("a", randn(3, 1)), In("b", den(1, 4))])
        f.case("broadcast_rank", op, [In("a", randn(2, 3, 4)), In("b", den(4))])
        f.case("broadcast_scalar_tensor", op, [In("a", randn(2, 3)), In("b", den())])
        f.case("transposed", op, [In("a", randn(4, 3), view=T), In("b", den(3, 4))])
        f.case("sliced_step_broadcast", op, [In("a", randn(3, 7), view=S), In("b", den(3, 1))])
        f.case("expanded", op, [In("a", randn(1, 4), view=[["expand", 3, 4]]), In("b", den(3, 4))])
        f.case("no_grad_b", op, [In("a", randn(2, 3)), In("b", den(2, 3), grad=False)])
    f.case("selected_rows", "add", [In("a", randn(4, 3, 5), view=[["select", 0, 2]]), In("b", randn(4, 5),
                                    view=[["select", 0, -1], ["unsqueeze", 0]])])
    f.case("scalar_leaf_expanded", "mul", [In("a", randn(), view=[["expand", 2, 3]]), In("b", randn(2, 3))])
    f.case("empty", "add", [In("a", randn(0, 3)), In("b", randn(3))])
    f.case("alpha", "add", [In("a", randn(2, 3)), In("b", randn(3))], alpha=-2.5)
    f.case("basic", "add_scalar", [In("a", randn(2, 3))], other=1.75)
    f.case("basic", "sub_scalar", [In("a", randn(2, 3), view=T)], other=-0.5)
    f.case("basic", "mul_scalar", [In("a", randn(3, 7), view=S)], other=3.0)
    f.case("basic", "div_scalar", [In("a", randn(2, 3))], other=-4.0)

    f.case("tensor_exponent", "pow", [In("a", uniform(0.5, 2.0, 3, 4)), In("b", randn(3, 4))])
    f.case("broadcast_exponent", "pow", [In("a", uniform(0.5, 2.0, 2, 3, 4)), In("b", randn(3, 1))])
    f.case("transposed_base", "pow", [In("a", uniform(0.5, 2.0, 4, 3), view=T), In("b", randn(3, 4))])
    for name, e, base in [("square", 2.0, randn(3, 4)), ("cube", 3.0, randn(3, 4)),
                          ("half", 0.5, uniform(0.5, 2.0, 3, 4)), ("neg_frac", -1.5, uniform(0.5, 2.0, 3, 4)),
                          ("zero", 0.0, randn(2, 3)), ("one", 1.0, randn(2, 3))]:
        f.case(name, "pow_scalar", [In("a", base)], exponent=e)
    f.case("sliced", "pow_scalar", [In("a", uniform(0.5, 2.0, 3, 7), view=S)], exponent=2.5)

    unary_inputs = {
        "neg": lambda *s: randn(*s), "exp": lambda *s: randn(*s), "log": lambda *s: uniform(0.1, 3.0, *s),
        "sqrt": lambda *s: uniform(0.1, 3.0, *s), "rsqrt": lambda *s: uniform(0.1, 3.0, *s),
        "abs": lambda *s: away(*s), "sign": lambda *s: away(*s), "tanh": lambda *s: randn(*s, scale=2.0),
        "sigmoid": lambda *s: randn(*s, scale=3.0), "relu": lambda *s: away(*s), "square": lambda *s: randn(*s),
    }
    for op, gen in unary_inputs.items():
        f.case("contiguous", op, [In("a", gen(3, 5))])
        f.case("transposed", op, [In("a", gen(2, 3, 4), view=[["permute", 2, 0, 1]])])
        f.case("sliced_step", op, [In("a", gen(3, 7), view=S)])
        f.case("scalar", op, [In("a", gen())])
    f.case("expanded", "exp", [In("a", randn(3, 1), view=[["expand", 3, 4]])])
    # the derivative at exactly 0: abs and relu give 0 there, as PyTorch (sign(0) = 0, relu thresholds its result)
    zeros_in = torch.tensor([[-1.5, 0.0, 2.0], [0.0, -0.0, 0.75]], dtype=torch.float64)
    for op in ["abs", "relu", "sign"]:
        f.case("at_zero", op, [In("a", zeros_in)])

    for op in ["maximum", "minimum"]:
        f.case("same_shape", op, [In("a", randn(3, 4)), In("b", randn(3, 4))])
        f.case("broadcast", op, [In("a", randn(2, 1, 4)), In("b", randn(3, 1))])
        f.case("transposed", op, [In("a", randn(4, 3), view=T), In("b", randn(3, 4))])
        a = randn(3, 4)
        b = torch.where(bools(3, 4), a, randn(3, 4))
        f.case("ties_split_gradient", op, [In("a", a), In("b", b)])

    f.case("both", "clamp", [In("a", randn(3, 5))], min=-0.5, max=0.7)
    f.case("min_only", "clamp", [In("a", randn(3, 5))], min=0.1)
    f.case("max_only", "clamp", [In("a", randn(3, 5), view=T)], max=-0.2)
    f.case("at_bounds_inclusive", "clamp",
           [In("a", torch.tensor([-1.0, -0.5, -0.25, 0.0, 0.5, 1.0], dtype=torch.float64))], min=-0.5, max=0.5)
    f.case("sliced", "clamp", [In("a", randn(3, 7), view=S)], min=-1.0, max=1.0)

    # integer and BOOL results: Kiln's I32 against PyTorch's int64, no gradients
    f.case("ints_broadcast", "add", [In("a", ints(-5, 5, 2, 3)), In("b", ints(-5, 5, 3))])
    f.case("ints", "mul", [In("a", ints(-5, 5, 2, 3)), In("b", ints(-5, 5, 2, 3))])
    f.case("ints", "maximum", [In("a", ints(-5, 5, 2, 3)), In("b", ints(-5, 5, 1, 3))])
    f.case("broadcast", "gt", [In("a", randn(3, 1)), In("b", randn(4))])
    a = randn(3, 4)
    f.case("transposed_with_ties", "eq", [In("a", a, view=T), In("b", torch.where(bools(4, 3), a.t(), randn(4, 3)))])
    f.case("same_shape", "where", [In("cond", bools(3, 4)), In("a", randn(3, 4)), In("b", randn(3, 4))])
    f.case("broadcast", "where", [In("cond", bools(3, 1)), In("a", randn(1, 4)), In("b", randn(2, 3, 4))])
    f.case("transposed", "where", [In("cond", bools(4, 3), view=T), In("a", randn(4, 3), view=T),
                                   In("b", randn(4))])
    f.case("scalar_other", "where_scalar", [In("cond", bools(3, 4)), In("a", randn(3, 4))], other=0.25)
    return f


# ----------------------------------------------------------------------------- reductions

def reductions():
    f = fam("reductions", 2)
    for op in ["sum", "mean"]:
        f.case("all", op, [In("a", randn(3, 4))])
        f.case("dim0", op, [In("a", randn(3, 4))], dim=[0], keepdim=False)
        f.case("dim_last_keepdim", op, [In("a", randn(2, 3, 4))], dim=[-1], keepdim=True)
        f.case("dims_0_2", op, [In("a", randn(2, 3, 4))], dim=[0, 2], keepdim=False)
        f.case("dims_0_2_keepdim", op, [In("a", randn(2, 3, 4))], dim=[0, 2], keepdim=True)
        f.case("transposed", op, [In("a", randn(5, 3), view=[["transpose", 0, 1]])], dim=[1], keepdim=False)
        f.case("sliced_step", op, [In("a", randn(3, 7), view=[["slice", 1, 1, 7, 3]])], dim=[1], keepdim=True)
        f.case("expanded", op, [In("a", randn(3, 1), view=[["expand", 3, 5]])], dim=[0], keepdim=False)
        f.case("all_dims_keepdim", op, [In("a", randn(2, 3))], dim=[0, 1], keepdim=True)
        f.case("neg_dims_unsorted", op, [In("a", randn(2, 3, 4))], dim=[-1, 0], keepdim=False)
        f.case("selected", op, [In("a", randn(3, 4, 5), view=[["select", 1, 1]])], dim=[1], keepdim=False)
    # 0-d inputs: PyTorch accepts dim 0 (or -1) on a scalar
    f.case("scalar_dim0", "sum", [In("a", randn())], dim=[0], keepdim=False)
    f.case("scalar_dim0_keepdim", "mean", [In("a", randn())], dim=[-1], keepdim=True)
    f.case("scalar_dim0", "max", [In("a", randn())], dim=0, keepdim=False)
    f.case("scalar_dim0", "argmax", [In("a", randn())], dim=0, keepdim=False)
    f.case("bools", "sum", [In("a", bools(3, 4))], dim=[1], keepdim=False)
    f.case("ints", "sum", [In("a", ints(-9, 9, 3, 4))])
    f.case("ints_dim", "max", [In("a", ints(-9, 9, 3, 4))], dim=0, keepdim=False)
    f.case("empty_dim", "sum", [In("a", randn(0, 3))], dim=[0], keepdim=False)
    for op in ["max", "min"]:
        f.case("all", op, [In("a", randn(3, 4))])
        f.case("dim1", op, [In("a", randn(3, 4))], dim=1, keepdim=False)
        f.case("dim0_keepdim", op, [In("a", randn(2, 3, 4))], dim=0, keepdim=True)
        f.case("transposed", op, [In("a", randn(5, 3), view=[["transpose", 0, 1]])], dim=-1, keepdim=False)
        # a full reduction shares the gradient evenly among tied extremes (PyTorch and Kiln agree)
        v = torch.tensor([[1.0, -2.0, 1.0], [0.5, 1.0, -2.0]], dtype=torch.float64)
        f.case("all_ties", op, [In("a", v)])
    for op in ["amax", "amin"]:
        f.case("dims_0_2", op, [In("a", randn(2, 3, 4))], dim=[0, 2], keepdim=False)
        f.case("dim1_keepdim", op, [In("a", randn(2, 3, 4), view=[["permute", 1, 2, 0]])], dim=[1], keepdim=True)
        # Kiln's max(dim) has amax's tie rule (even split); PyTorch's max(dim) would give all to
        # one index, so ties are fixtured with amax only.
        v = torch.tensor([[3.0, 3.0, -1.0], [-4.0, 2.0, -4.0]], dtype=torch.float64)
        f.case("ties", op, [In("a", v)], dim=[1], keepdim=False)
    for unbiased in [True, False]:
        tag = "unbiased" if unbiased else "biased"
        f.case("all_" + tag, "var", [In("a", randn(3, 4))], unbiased=unbiased)
        f.case("dim1_" + tag, "var", [In("a", randn(3, 5))], dim=[1], unbiased=unbiased, keepdim=False)
        f.case("dims_0_2_keepdim_" + tag, "var", [In("a", randn(2, 3, 4))], dim=[0, 2], unbiased=unbiased,
               keepdim=True)
    f.case("transposed", "var", [In("a", randn(4, 3), view=[["transpose", 0, 1]])], dim=[0], unbiased=True,
           keepdim=False)
    f.case("offset_mean", "var", [In("a", f32(randn(3, 4) + 10.0))], dim=[1], unbiased=True, keepdim=True)
    f.case("all", "std", [In("a", randn(3, 4))])
    f.case("dim0_keepdim", "std", [In("a", randn(3, 4))], dim=[0], keepdim=True)
    for op in ["argmax", "argmin"]:
        f.case("all", op, [In("a", randn(3, 4))])
        f.case("dim1", op, [In("a", randn(3, 5))], dim=1, keepdim=False)
        f.case("dim0_keepdim", op, [In("a", randn(3, 4, 2))], dim=0, keepdim=True)
        f.case("transposed", op, [In("a", randn(5, 3), view=[["transpose", 0, 1]])], dim=1, keepdim=False)
        # PyTorch documents the first index of a tied extreme
        v = torch.tensor([[2.0, 5.0, 5.0, -1.0], [-3.0, -3.0, 0.0, 1.0]], dtype=torch.float64)
        f.case("ties_first", op, [In("a", v)], dim=1, keepdim=False)
    return f


# ----------------------------------------------------------------------------- matmul

def matmul():
    f = fam("matmul", 3)
    T = [["transpose", -1, -2]]
    cases = [
        ("mm", (3, 4), (4, 5), (), ()),
        ("mm_1x1", (1, 1), (1, 1), (), ()),
        ("dot", (5,), (5,), (), ()),
        ("vec_mat", (4,), (4, 3), (), ()),
        ("mat_vec", (3, 4), (4,), (), ()),
        ("batched", (2, 3, 4), (2, 4, 5), (), ()),
        ("broadcast_batch", (2, 1, 3, 4), (3, 4, 2), (), ()),
        ("mat_batched", (3, 4), (2, 4, 5), (), ()),
        ("batched_mat", (2, 3, 4), (4, 5), (), ()),
        ("batched_vec", (2, 3, 4), (4,), (), ()),
        ("vec_batched", (4,), (2, 4, 3), (), ()),
        ("a_transposed", (4, 3), (4, 5), T, ()),
        ("b_transposed", (3, 4), (5, 4), (), T),
        ("both_transposed_batched", (2, 4, 3), (2, 5, 4), T, T),
    ]
    for name, sa, sb, va, vb in cases:
        f.case(name, "matmul", [In("a", randn(*sa), view=va), In("b", randn(*sb), view=vb)])
    f.case("sliced_step", "matmul", [In("a", randn(3, 7), view=[["slice", 1, 0, 7, 2]]), In("b", randn(4, 2))])
    f.case("expanded_batch", "matmul", [In("a", randn(3, 4), view=[["expand", 2, 3, 4]]), In("b", randn(2, 4, 2))])
    f.case("empty_inner", "matmul", [In("a", randn(2, 0)), In("b", randn(0, 3))])
    f.case("no_grad_a", "matmul", [In("a", randn(3, 4), grad=False), In("b", randn(4, 2))])
    return f


# ----------------------------------------------------------------------------- softmax and losses

def losses():
    f = fam("losses", 4)
    for op in ["softmax", "log_softmax"]:
        f.case("dim0", op, [In("a", randn(3, 4))], dim=0)
        f.case("dim1", op, [In("a", randn(3, 4))], dim=1)
        f.case("dim_mid_3d", op, [In("a", randn(2, 3, 4))], dim=1)
        f.case("dim_last_3d", op, [In("a", randn(2, 3, 4))], dim=-1)
        f.case("1d", op, [In("a", randn(5))], dim=0)
        f.case("large_logits", op, [In("a", randn(3, 4, scale=30.0))], dim=1)
        f.case("transposed", op, [In("a", randn(4, 3), view=[["transpose", 0, 1]])], dim=1)
        f.case("sliced_step", op, [In("a", randn(3, 7), view=[["slice", 1, 0, 7, 2]])], dim=-1)
        f.case("size1_dim", op, [In("a", randn(3, 1))], dim=1)
        f.case("scalar", op, [In("a", randn())], dim=0)

    def ce(name, logits, target, **args):
        f.case(name, "cross_entropy", [logits, target], **args)

    for red in ["mean", "sum", "none"]:
        ce("nc_" + red, In("logits", randn(5, 4)), In("target", ints(0, 4, 5)), reduction=red)
        lab = ints(0, 4, 6)
        lab[1] = -100
        lab[4] = -100
        ce("ignore_default_" + red, In("logits", randn(6, 4)), In("target", lab), reduction=red)
        ce("ncd_" + red, In("logits", randn(2, 3, 4)), In("target", ints(0, 3, 2, 4)), reduction=red)
        probs = f32(torch.softmax(randn(4, 5, scale=2.0), 1))
        ce("probs_" + red, In("logits", randn(4, 5)), In("target", probs), reduction=red)
    lab = ints(0, 5, 8)
    lab[0] = 2
    lab[3] = 2
    ce("ignore_valid_class_mean", In("logits", randn(8, 5)), In("target", lab), reduction="mean", ignore_index=2)
    lab = ints(0, 3, 2, 3, 2)
    lab[0, 1, 0] = -1
    lab[1, 2, 1] = -1
    ce("ncdd_ignore_mean", In("logits", randn(2, 3, 3, 2)), In("target", lab), reduction="mean", ignore_index=-1)
    ce("class_vector", In("logits", randn(5)), In("target", torch.tensor(3)), reduction="mean")
    ce("transposed_logits", In("logits", randn(4, 5), view=[["transpose", 0, 1]]), In("target", ints(0, 4, 5)),
       reduction="mean")
    probs = f32(torch.softmax(randn(2, 3, 4), 1))
    ce("probs_ncd_mean", In("logits", randn(2, 3, 4)), In("target", probs), reduction="mean")
    probs = f32(torch.softmax(randn(3, 4), 1))
    ce("probs_no_target_grad", In("logits", randn(3, 4)), In("target", probs, grad=False), reduction="sum")

    for red in ["mean", "sum", "none"]:
        f.case(red, "mse_loss", [In("input", randn(3, 4)), In("target", randn(3, 4))], reduction=red)
    f.case("transposed", "mse_loss", [In("input", randn(4, 3), view=[["transpose", 0, 1]]),
                                      In("target", randn(3, 4))], reduction="mean")
    f.case("no_target_grad", "mse_loss", [In("input", randn(2, 3, 2)), In("target", randn(2, 3, 2), grad=False)],
           reduction="sum")
    return f


# ----------------------------------------------------------------------------- views and indexing

def indexing():
    f = fam("indexing", 5)
    T = [["transpose", 0, 1]]
    f.case("contiguous", "reshape", [In("a", randn(3, 4))], shape=[2, 6])
    f.case("infer", "reshape", [In("a", randn(2, 3, 4))], shape=[4, -1])
    f.case("from_transposed", "reshape", [In("a", randn(4, 3), view=T)], shape=[12])
    f.case("to_scalar", "reshape", [In("a", randn(1, 1))], shape=[])
    f.case("middle", "flatten", [In("a", randn(2, 3, 2, 2))], start_dim=1, end_dim=2)
    f.case("2d", "transpose", [In("a", randn(3, 4))], dim0=0, dim1=1)
    f.case("3d_neg", "transpose", [In("a", randn(2, 3, 4))], dim0=-1, dim1=0)
    f.case("2d", "t", [In("a", randn(2, 5))])
    f.case("neg_dims", "permute", [In("a", randn(2, 3, 4))], dims=[-1, 0, -2])
    f.case("scalar", "flatten", [In("a", randn())], start_dim=0, end_dim=-1)
    f.case("end_past_size", "slice", [In("a", randn(5, 2))], dim=0, start=1, end=100, step=2)
    f.case("at_end", "unsqueeze", [In("a", randn(3, 2))], dim=2)
    f.case("neg_dim_not_1", "squeeze", [In("a", randn(3, 2))], dim=-1)
    f.case("3d", "permute", [In("a", randn(2, 3, 4))], dims=[2, 0, 1])
    f.case("of_transposed", "permute", [In("a", randn(4, 3, 2), view=[["transpose", 0, 2]])], dims=[1, 2, 0])
    f.case("forward", "movedim", [In("a", randn(2, 3, 4))], source=0, destination=2)
    f.case("from_scalar", "expand", [In("a", randn())], sizes=[2, 3])
    f.case("size1_dims", "expand", [In("a", randn(3, 1))], sizes=[3, 4])
    f.case("new_leading", "expand", [In("a", randn(1, 4))], sizes=[2, 3, -1])
    f.case("of_transposed", "expand", [In("a", randn(1, 3), view=T)], sizes=[3, 5])
    f.case("dim1", "narrow", [In("a", randn(3, 6))], dim=1, start=2, length=3)
    f.case("neg_start", "narrow", [In("a", randn(5, 2))], dim=0, start=-3, length=2)
    f.case("step2", "slice", [In("a", randn(3, 8))], dim=1, start=1, end=8, step=2)
    f.case("step3_dim0", "slice", [In("a", randn(7, 2))], dim=0, start=0, end=7, step=3)
    f.case("neg_start", "slice", [In("a", randn(2, 6))], dim=1, start=-4, end=6, step=1)
    f.case("of_transposed", "slice", [In("a", randn(6, 3), view=T)], dim=1, start=1, end=5, step=2)
    f.case("dim1", "select", [In("a", randn(3, 4))], dim=1, index=2)
    f.case("neg_index", "select", [In("a", randn(2, 3, 4))], dim=0, index=-1)
    f.case("all", "squeeze", [In("a", randn(1, 3, 1, 2))])
    f.case("dim", "squeeze", [In("a", randn(3, 1, 2))], dim=1)
    f.case("dim_not_1", "squeeze", [In("a", randn(3, 2))], dim=0)
    f.case("front", "unsqueeze", [In("a", randn(3, 2))], dim=0)
    f.case("neg", "unsqueeze", [In("a", randn(3, 2))], dim=-1)
    f.case("of_transposed", "unsqueeze", [In("a", randn(3, 2), view=T)], dim=1)

    f.case("dim0", "cat", [In("a", randn(2, 3)), In("b", randn(1, 3)), In("c", randn(3, 3))], dim=0)
    f.case("dim1", "cat", [In("a", randn(2, 3)), In("b", randn(2, 1))], dim=1)
    f.case("neg_dim_noncontig", "cat", [In("a", randn(3, 2), view=T), In("b", randn(2, 7), view=[["slice", 1, 0, 7, 3]])],
           dim=-1)
    f.case("one_no_grad", "cat", [In("a", randn(2, 3)), In("b", randn(2, 3), grad=False)], dim=0)
    f.case("1d_with_empty", "cat", [In("a", randn(3)), In("b", randn(0)), In("c", randn(2))], dim=0)
    f.case("scalars", "stack", [In("a", randn()), In("b", randn()), In("c", randn())], dim=0)
    f.case("dim0", "stack", [In("a", randn(2, 3)), In("b", randn(2, 3))], dim=0)
    f.case("dim_last", "stack", [In("a", randn(2, 3)), In("b", randn(2, 3)), In("c", randn(3, 2), view=T)], dim=2)
    f.case("neg_dim", "stack", [In("a", randn(4)), In("b", randn(4))], dim=-1)

    f.case("dim0_repeats", "index_select", [In("a", randn(4, 3)), In("index", torch.tensor([2, 0, 2, 3, 2]))], dim=0)
    f.case("empty_index", "index_select", [In("a", randn(4, 3)), In("index", torch.zeros(0, dtype=torch.long))],
           dim=0)
    f.case("scalar_index", "index_select", [In("a", randn(4, 3)), In("index", torch.tensor(2))], dim=0)
    f.case("dim1", "index_select", [In("a", randn(2, 5, 3)), In("index", torch.tensor([4, 1]))], dim=1)
    f.case("of_transposed", "index_select", [In("a", randn(3, 4), view=T), In("index", torch.tensor([1, 1, 0]))],
           dim=1)
    f.case("dim0", "gather", [In("a", randn(3, 4)), In("index", ints(0, 3, 2, 4))], dim=0)
    f.case("dim1_smaller_index", "gather", [In("a", randn(3, 5)), In("index", ints(0, 5, 2, 3))], dim=1)
    f.case("3d_neg_dim", "gather", [In("a", randn(2, 3, 4)), In("index", ints(0, 4, 2, 3, 6))], dim=-1)
    f.case("transposed_both", "gather", [In("a", randn(4, 3), view=T), In("index", ints(0, 4, 4, 3), view=T)], dim=1)
    f.case("dim0", "scatter_add",
           [In("self", randn(3, 4)), In("index", ints(0, 3, 4, 4)), In("src", randn(4, 4))], dim=0)
    f.case("dim1_repeats", "scatter_add",
           [In("self", randn(2, 3)), In("index", torch.tensor([[0, 0, 2, 0], [1, 1, 1, 2]])), In("src", randn(2, 4))],
           dim=1)
    # PyTorch 1.13 cannot differentiate src when index is smaller than src, so src has no grad here
    f.case("smaller_index", "scatter_add",
           [In("self", randn(3, 4)), In("index", ints(0, 3, 2, 3)), In("src", randn(3, 4), grad=False)], dim=0)
    f.case("noncontig", "scatter_add",
           [In("self", randn(4, 3), view=T), In("index", ints(0, 4, 3, 3)), In("src", randn(3, 3), view=T)], dim=1)
    f.case("dim0_repeats", "index_add",
           [In("self", randn(4, 3)), In("index", torch.tensor([0, 2, 0, 3, 0])), In("src", randn(5, 3))], dim=0)
    f.case("dim1", "index_add",
           [In("self", randn(2, 4, 3)), In("index", torch.tensor([3, 1])), In("src", randn(2, 2, 3))], dim=1)
    f.case("noncontig", "index_add",
           [In("self", randn(3, 4), view=T), In("index", torch.tensor([1, 1])), In("src", randn(4, 2))], dim=1)
    f.case("1d_indices", "embedding", [In("indices", torch.tensor([3, 0, 3, 1])), In("weight", randn(5, 3))])
    f.case("2d_indices", "embedding", [In("indices", ints(0, 6, 2, 3)), In("weight", randn(6, 4))])
    f.case("scalar_index", "embedding", [In("indices", torch.tensor(2)), In("weight", randn(4, 2))])
    f.case("transposed_indices", "embedding", [In("indices", ints(0, 5, 3, 2), view=T), In("weight", randn(5, 3))])
    return f


def main():
    torch.set_default_dtype(torch.float64)
    os.makedirs(OUT_DIR, exist_ok=True)
    total = 0
    ops = set()
    for build in [elementwise, reductions, matmul, losses, indexing]:
        f = build()
        path, size, n = f.write()
        ops.update(c["op"] for c in f.cases)
        total += size
        print("%-70s %4d cases %8d bytes" % (os.path.relpath(path), n, size))
    print("%d ops, %d bytes in all" % (len(ops), total))


if __name__ == "__main__":
    if not hasattr(torch, "__version__"):
        sys.exit("no torch: run with /usr/bin/python3")
    main()
