#!/usr/bin/python3
"""Writes autograd/src/test/resources/fixtures/elementwise15.json, the PyTorch cases that
ElementwiseFixturesTest holds Kiln's issue-15 elementwise ops and activations against.

    /usr/bin/python3 tools/make_elementwise_fixtures.py

Unlike make_fixtures.py, these cases hold special values (NaN, ±Inf, -0.0, huge, tiny), so each
case is run by PyTorch twice, in float32 and in float64, and both results are recorded: an F32
overflow (sinh(100)) or rounding is PyTorch's own float32 behaviour, not the float64 result seen
through float32. Cases with integer or bool inputs run once, in PyTorch's default dtype float32
(sin of an int tensor is float32), or keep their integer/bool result.

Format: {"generator", "torch", "cases": [{"name", "op", "args", "inputs": [{"name", "dtype":
"float"|"int"|"bool", "shape", "data", "grad", "transpose"}], "runs": {"f32"|"f64"|"int"|"bool":
{"output": {"shape", "data"}, "weight": [...], "grads": [[...] | null]}}}]}. Float input data are
float32 values written as the exact decimal of their double (so Java reads them back exactly);
NaN and Infinity are written as Python's json writes them. Deterministic: one seeded generator.
"""

import json
import os
import sys

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "autograd", "src", "test", "resources",
                   "fixtures", "elementwise15.json")

GEN = torch.Generator()
GEN.manual_seed(15)

NAN, INF = float("nan"), float("inf")
# the spread every unary op sees: special values, huge and tiny ones, the kinks of the activations
SPREAD = [NAN, INF, -INF, 0.0, -0.0, 1e-45, 1e-30, -1e-30, 3e38, -3e38, 1e6, -1e6, 100.0, -100.0, 20.0, -20.0,
          6.0, -6.0, 3.0, -3.0, 2.5, -2.5, 1.5, -1.5, 1.0, -1.0, 0.99, -0.99, 0.5, -0.5, 0.3, -0.3]
# a shorter one for binary ops, every pair of it
PAIR_SPREAD = [NAN, INF, -INF, 0.0, -0.0, 1e-30, 3e38, -100.0, 5.5, 1.0, -1.0, 0.5, -0.3, 2.0]


def f32(values):
    return torch.tensor(values, dtype=torch.float32)


def randn(*shape, scale=1.0):
    return torch.randn(shape, generator=GEN, dtype=torch.float32) * scale


def ints(values):
    return torch.tensor(values, dtype=torch.int32)


class In:
    def __init__(self, name, value, grad=None, transpose=False):
        self.name = name
        self.value = value
        self.grad = value.is_floating_point() if grad is None else grad
        self.transpose = transpose


def data(t):
    t = t.detach().contiguous().reshape(-1)
    if t.dtype == torch.bool:
        return [1 if v else 0 for v in t.tolist()]
    if not t.is_floating_point():
        return [int(v) for v in t.tolist()]
    return [float(v) for v in t.tolist()]


def grad_data(g, leaf):
    """A gradient's data; an unused input, or sgn's lazily zero gradient, as zeros."""
    if g is None:
        return data(torch.zeros_like(leaf))
    try:
        return data(g)
    except RuntimeError:
        return data(torch.zeros(g.shape, dtype=g.dtype))


def dtype_name(t):
    return "bool" if t.dtype == torch.bool else ("float" if t.is_floating_point() else "int")


def run(op, inputs, args, float_dtype, weights):
    leaves = []
    viewed = []
    for inp in inputs:
        v = inp.value.to(float_dtype) if inp.value.is_floating_point() else inp.value.clone()
        if inp.grad:
            v.requires_grad_(True)
        leaves.append(v)
        viewed.append(v.t() if inp.transpose else v)
    out = OPS[op](viewed, args)
    rec = {"output": {"dtype": dtype_name(out), "shape": list(out.shape), "data": data(out)}}
    if out.is_floating_point() and any(inp.grad for inp in inputs):
        # one weight per case, so that the float32 and float64 gradients are comparable
        if "w" not in weights:
            weights["w"] = torch.randn(out.shape, generator=GEN, dtype=torch.float32)
        w = weights["w"]
        wanted = [leaf for leaf, inp in zip(leaves, inputs) if inp.grad]
        grads = iter(torch.autograd.grad((out * w.to(out.dtype)).sum(), wanted, allow_unused=True))
        rec["weight"] = data(w)
        rec["grads"] = [grad_data(next(grads), leaf) if inp.grad else None for leaf, inp in zip(leaves, inputs)]
    return rec, out


CASES = []
NAMES = set()


def case(name, op, inputs, **args):
    full = op + "/" + name
    assert full not in NAMES, full
    NAMES.add(full)
    runs = {}
    weights = {}
    floats = all(i.value.is_floating_point() for i in inputs)
    old = torch.get_default_dtype()
    try:
        if floats:
            for dt, key in [(torch.float32, "f32"), (torch.float64, "f64")]:
                torch.set_default_dtype(dt)
                runs[key], out = run(op, inputs, args, dt, weights)
        else:
            torch.set_default_dtype(torch.float32)
            rec, out = run(op, inputs, args, torch.float32, weights)
            runs[{"float": "f32"}.get(dtype_name(out), dtype_name(out))] = rec
    finally:
        torch.set_default_dtype(old)
    CASES.append({
        "name": full, "op": op, "args": args,
        "inputs": [{"name": i.name, "dtype": dtype_name(i.value), "shape": list(i.value.shape), "data": data(i.value),
                    "grad": i.grad, "transpose": i.transpose} for i in inputs],
        "runs": runs})


def binary(fn):
    return lambda x, a: fn(x[0], x[1])


OPS = {
    # unary math
    **{n: (lambda n: lambda x, a: getattr(torch, n)(x[0]))(n) for n in [
        "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "floor", "ceil",
        "round", "trunc", "frac", "erf", "erfc", "erfinv", "log2", "log10", "log1p", "exp2", "expm1", "sign", "sgn",
        "isnan", "isinf", "isfinite", "logical_not", "bitwise_not"]},
    "round_decimals": lambda x, a: torch.round(x[0], decimals=a["decimals"]),
    "nan_to_num": lambda x, a: torch.nan_to_num(x[0], a.get("nan", 0.0), a.get("posinf"), a.get("neginf")),
    # binary
    **{n: (lambda n: lambda x, a: getattr(torch, n)(x[0], x[1]))(n) for n in [
        "atan2", "copysign", "logaddexp", "logaddexp2", "hypot", "fmod", "remainder", "logical_and", "logical_or",
        "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift"]},
    "div_mode": lambda x, a: torch.div(x[0], x[1], rounding_mode=a["rounding_mode"]),
    "lerp": lambda x, a: torch.lerp(x[0], x[1], a["weight"]),
    "lerp_tensor": lambda x, a: torch.lerp(x[0], x[1], x[2]),
    "isclose": lambda x, a: torch.isclose(x[0], x[1], a["rtol"], a["atol"], a["equal_nan"]),
    # activations
    **{n: (lambda n: lambda x, a: getattr(F, n)(x[0]))(n) for n in [
        "selu", "relu6", "hardswish", "hardsigmoid", "logsigmoid", "softsign", "tanhshrink", "mish", "silu"]},
    "elu": lambda x, a: F.elu(x[0], a["alpha"]),
    "celu": lambda x, a: F.celu(x[0], a["alpha"]),
    "hardtanh": lambda x, a: F.hardtanh(x[0], a["min_val"], a["max_val"]),
    "softshrink": lambda x, a: F.softshrink(x[0], a["lambd"]),
    "hardshrink": lambda x, a: F.hardshrink(x[0], a["lambd"]),
    "gelu": lambda x, a: F.gelu(x[0], approximate=a["approximate"]),
    "softplus": lambda x, a: F.softplus(x[0], a["beta"], a["threshold"]),
    "glu": lambda x, a: F.glu(x[0], a["dim"]),
}

UNARY = ["sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh", "floor", "ceil",
         "round", "trunc", "frac", "erf", "erfc", "erfinv", "log2", "log10", "log1p", "exp2", "expm1"]
# gradients at the special values: NaN and ±Inf in, and PyTorch's rules, are compared too
INT_OK = [n for n in UNARY if n != "frac"]
ACTIVATIONS = ["selu", "relu6", "hardswish", "hardsigmoid", "logsigmoid", "softsign", "tanhshrink", "mish", "silu"]


def cases():
    ivals = ints([-7, -3, -1, 0, 1, 2, 3, 100])
    for op in UNARY:
        case("spread", op, [In("x", f32(SPREAD))])
        case("transposed", op, [In("x", randn(4, 3) * 0.9 if op in ("asin", "acos", "atanh", "erfinv")
                                          else randn(4, 3).abs() + 1 if op == "acosh" else randn(4, 3) * 2,
                                      transpose=True)])
        if op in INT_OK:
            case("ints", op, [In("x", ivals)])
    case("bools", "sin", [In("x", torch.tensor([True, False]))])
    # sign of NaN: PyTorch 1.13 gives 0, Kiln keeps NaN (NumPy's choice); compared without NaN
    spread_no_nan = f32(SPREAD[1:])
    for op in ["sign", "sgn"]:
        case("spread", op, [In("x", spread_no_nan)])
        case("ints", op, [In("x", ivals)])
    for d in [1, 2, 3, -1, -2]:
        case("decimals_%d" % d, "round_decimals", [In("x", f32(SPREAD + [1.25, 2.675, 0.125, -0.125, 1234.5]))],
             decimals=d)
    for op in ["isnan", "isinf", "isfinite"]:
        case("spread", op, [In("x", f32(SPREAD))])
        case("ints", op, [In("x", ivals)])
    case("defaults", "nan_to_num", [In("x", f32(SPREAD))])
    case("values", "nan_to_num", [In("x", f32(SPREAD))], nan=1.5, posinf=1e4, neginf=-2.0)
    case("posinf_only", "nan_to_num", [In("x", f32(SPREAD))], nan=0.0, posinf=7.0)
    case("ints", "nan_to_num", [In("x", ivals)])


    # binary ops: every pair of the spread, then broadcasting with a transposed operand
    a = f32(PAIR_SPREAD).reshape(-1, 1).expand(-1, len(PAIR_SPREAD)).contiguous()
    b = f32(PAIR_SPREAD).reshape(1, -1).expand(len(PAIR_SPREAD), -1).contiguous()
    for op in ["atan2", "copysign", "logaddexp", "logaddexp2", "hypot", "fmod", "remainder"]:
        case("pairs", op, [In("a", a), In("b", b)])
        case("broadcast", op, [In("a", randn(4, 3) * 3, transpose=True), In("b", randn(4) * 2)])
    for mode in ["trunc", "floor"]:
        case("pairs_" + mode, "div_mode", [In("a", a), In("b", b)], rounding_mode=mode)
        case("broadcast_" + mode, "div_mode", [In("a", randn(4, 3) * 5, transpose=True), In("b", randn(4))],
             rounding_mode=mode)
        case("ints_" + mode, "div_mode", [In("a", ints([7, -7, 7, -7, 0, 9, -9])), In("b", ints([2, 2, -2, -2, 3, 4, 4]))],
             rounding_mode=mode)
    for op in ["fmod", "remainder"]:
        case("ints", op, [In("a", ints([7, -7, 7, -7, 0, 9, -9])), In("b", ints([2, 2, -2, -2, 3, 4, 4]))])
    for op in ["atan2", "copysign"]:
        case("ints", op, [In("a", ints([3, -3, 0, 5])), In("b", ints([2, -2, -1, 0]))])
    case("int_and_float", "atan2", [In("a", ints([3, -3, 0, 5])), In("b", f32([0.5, -2.0, -1.0, 0.0]), grad=False)])
    mixed = [f32([0.0, -0.0, 1.5, NAN, 2.0, 0.0]), ints([0, 3, 0, 1, -1, 0]),
             torch.tensor([True, False, False, True, True, False])]
    for op in ["logical_and", "logical_or", "logical_xor"]:
        for i, x in enumerate(mixed):
            for j, y in enumerate(mixed):
                case("%d_%d" % (i, j), op, [In("a", x, grad=False), In("b", y, grad=False)])
    for i, x in enumerate(mixed):
        case("dtype%d" % i, "logical_not", [In("x", x, grad=False)])
    ia = ints([12, -8, -2147483648, 1, -1, 0, 2147483647, 5])
    ib = ints([10, 1, 1, 31, 33, -1, 3, 0])
    for op in ["bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift"]:
        case("ints", op, [In("a", ia), In("b", ib)])
        case("broadcast", op, [In("a", ia.reshape(2, 4)), In("b", ints([3, 1, 0, 2]))])
    for op in ["bitwise_and", "bitwise_or", "bitwise_xor"]:
        case("bools", op, [In("a", mixed[2]), In("b", torch.tensor([True, True, False, False, True, False]))])
    case("ints", "bitwise_not", [In("x", ia)])
    case("bools", "bitwise_not", [In("x", mixed[2])])
    for w in [0.0, 0.3, 0.5, 0.7, 1.0, -0.5, 1.5]:
        case("w%s" % w, "lerp", [In("s", randn(3, 4) * 2), In("e", randn(4))], weight=w)
    case("special", "lerp", [In("s", f32(PAIR_SPREAD)), In("e", f32(PAIR_SPREAD[::-1]))], weight=0.25)
    case("weights", "lerp_tensor", [In("s", randn(2, 5)), In("e", randn(2, 5) * 3),
                                    In("w", f32([0.0, 0.2, 0.5, 0.9, 1.0, -1.0, 2.0, 0.49, 0.51, 1.0]).reshape(2, 5))])
    case("broadcast", "lerp_tensor", [In("s", randn(1, 3), transpose=True), In("e", randn(3, 4)), In("w", randn(4))])
    for rtol, atol, eq in [(1e-5, 1e-8, False), (1e-5, 1e-8, True), (0.1, 0.0, False), (0.0, 0.0, True)]:
        near = torch.tensor(PAIR_SPREAD, dtype=torch.float32) * (1 + 1e-6)
        case("rtol%s_atol%s_%s" % (rtol, atol, eq), "isclose",
             [In("a", a, grad=False), In("b", torch.cat([near.reshape(1, -1), b[1:]], 0), grad=False)],
             rtol=rtol, atol=atol, equal_nan=eq)
    case("ints", "isclose", [In("a", ints([1, 100, 100000, 0])), In("b", ints([1, 101, 100001, 0]))],
         rtol=1e-5, atol=1e-8, equal_nan=False)

    # activations: the spread (kinks included), then a transposed random input
    for op in ACTIVATIONS:
        case("spread", op, [In("x", f32(SPREAD))])
        case("transposed", op, [In("x", randn(4, 3) * 4, transpose=True)])
    for alpha in [1.0, 0.5, 2.0]:
        case("alpha%s" % alpha, "elu", [In("x", f32(SPREAD))], alpha=alpha)
        case("alpha%s" % alpha, "celu", [In("x", f32(SPREAD))], alpha=alpha)
    for lo, hi in [(-1.0, 1.0), (-2.0, 0.5), (0.0, 6.0)]:
        case("%s_%s" % (lo, hi), "hardtanh", [In("x", f32(SPREAD))], min_val=lo, max_val=hi)
    for lambd in [0.5, 1.0, 0.0]:
        case("lambd%s" % lambd, "softshrink", [In("x", f32(SPREAD))], lambd=lambd)
        case("lambd%s" % lambd, "hardshrink", [In("x", f32(SPREAD))], lambd=lambd)
    for approx in ["none", "tanh"]:
        case("spread_" + approx, "gelu", [In("x", f32(SPREAD))], approximate=approx)
    for beta, threshold in [(1.0, 20.0), (2.0, 20.0), (0.5, 1.0), (1.0, 5.0), (-1.0, 3.0)]:
        case("beta%s_threshold%s" % (beta, threshold), "softplus", [In("x", f32(SPREAD))], beta=beta,
             threshold=threshold)
    case("last_dim", "glu", [In("x", randn(3, 4))], dim=-1)
    case("dim0_transposed", "glu", [In("x", randn(5, 4), transpose=True)], dim=0)
    case("special", "glu", [In("x", f32(SPREAD).reshape(2, 16))], dim=1)


def main():
    cases()
    with open(OUT, "w") as f:
        f.write('{"generator": "tools/make_elementwise_fixtures.py", "torch": ' + json.dumps(torch.__version__)
                + ', "cases": [\n')
        f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in CASES))
        f.write("\n]}\n")
    print("%s: %d cases, %d ops, %d bytes" % (os.path.relpath(OUT), len(CASES), len({c["op"] for c in CASES}),
                                               os.path.getsize(OUT)))


if __name__ == "__main__":
    if not hasattr(torch, "__version__"):
        sys.exit("no torch: run with /usr/bin/python3")
    main()
