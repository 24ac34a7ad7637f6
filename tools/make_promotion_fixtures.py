#!/usr/bin/python3
"""Writes autograd/src/test/resources/fixtures/promotion.json, the PyTorch cases that
PromotionFixturesTest holds Kiln's type promotion (issue 15) and clamp with min > max against.

    /usr/bin/python3 tools/make_promotion_fixtures.py

Each binary op runs on every pair of Kiln's dtypes (float32, float64, int32, bool), with the second
operand dimensioned, broadcast, or 0-d, and with the first 0-d; and with a Python float, int or bool
scalar. A case records PyTorch's result dtype and values and, where the result is floating and the
op differentiable, the gradients of sum(out * w) for every floating input (in that input's dtype);
or, where PyTorch raises, that it does (Kiln must refuse too). Then clamp with min > max (scalar and
tensor bounds, values and gradients), clamp of an int tensor with float or int bounds, the in-place
ops that downcast (refused) or not, and torch.result_type of tensors and scalars.

Format: {"generator", "torch", "cases": [{"name", "op", "inputs": [{"dtype": "f32"|"f64"|"i32"|"bool",
"shape", "data", "grad"}], "scalar": {"kind": "float"|"int"|"bool", "value"} (or absent), "args",
"result": {"dtype", "shape", "data"} | "error": "<PyTorch's message>", "grads": [[...] | null],
"weight": [...]}]}. Deterministic: fixed data, no random numbers.
"""

import json
import os

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "autograd", "src", "test", "resources",
                   "fixtures", "promotion.json")

NAMES = {torch.float32: "f32", torch.float64: "f64", torch.int32: "i32", torch.bool: "bool", torch.int64: "i64"}
DTYPES = [torch.float32, torch.float64, torch.int32, torch.bool]

# values with no zero in the ints or the bools' divisor positions would hide the zero-division refusal,
# so the bool operand holds a False: PyTorch raises for integer division by it, and so must Kiln
A = {"float": [1.5, -2.25, 3.0, 0.5, -0.75, 4.0], "int": [3, -2, 5, 7, -8, 1], "bool": [True, False, True, True, False, True]}
B = {"float": [0.5, 1.25, -2.0, 3.5, -1.5, 2.0], "int": [2, -3, 1, 4, -1, 3], "bool": [True, True, False, True, False, True]}
WEIGHT = [1.0, -2.0, 0.5, 3.0, -1.0, 2.0]

OPS = {
    "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div,
    "div_trunc": lambda a, b: torch.div(a, b, rounding_mode="trunc"),
    "div_floor": lambda a, b: torch.div(a, b, rounding_mode="floor"),
    "pow": torch.pow, "remainder": torch.remainder, "fmod": torch.fmod, "atan2": torch.atan2,
    "maximum": torch.maximum, "minimum": torch.minimum, "copysign": torch.copysign,
    "eq": torch.eq, "ne": torch.ne, "lt": torch.lt, "le": torch.le, "gt": torch.gt, "ge": torch.ge,
    "logical_and": torch.logical_and, "logical_or": torch.logical_or, "logical_xor": torch.logical_xor,
    "bitwise_and": torch.bitwise_and, "bitwise_or": torch.bitwise_or, "bitwise_xor": torch.bitwise_xor,
    "where": lambda a, b: torch.where(torch.tensor([True, False, True, False, False, True]).reshape(2, 3), a, b),
}
# ops PyTorch also takes a Python scalar for, as Kiln's scalar overloads
SCALAR_OPS = ["add", "sub", "mul", "div", "div_trunc", "div_floor", "pow", "remainder", "fmod", "eq", "ne", "lt",
              "le", "gt", "ge", "bitwise_and", "bitwise_or", "bitwise_xor", "where"]
SCALARS = [("float", 2.5), ("int", 2), ("int", -3)]
# a bool scalar takes part in result_type only: Kiln's ops have no boolean-scalar overloads
TYPE_SCALARS = SCALARS + [("bool", True)]


def make(values, dtype, shape):
    kind = "bool" if dtype == torch.bool else "float" if dtype.is_floating_point else "int"
    n = 1
    for s in shape:
        n *= s
    return torch.tensor(values[kind][:n], dtype=dtype).reshape(shape)


def data(t):
    t = t.detach().contiguous().reshape(-1)
    if t.dtype == torch.bool:
        return [1 if v else 0 for v in t.tolist()]
    if not t.is_floating_point():
        return [int(v) for v in t.tolist()]
    return [float(v) for v in t.tolist()]


def tensor(t, grad=False):
    return {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data": data(t), "grad": grad}


def run(name, op, fn, inputs, scalar=None, args=None):
    leaves = [t.detach().clone().requires_grad_(t.is_floating_point()) for t in inputs]
    case = {"name": name, "op": op, "inputs": [tensor(t, t.is_floating_point()) for t in inputs]}
    if scalar is not None:
        case["scalar"] = {"kind": scalar[0], "value": scalar[1]}
    if args is not None:
        case["args"] = args
    try:
        out = fn(*leaves)
    except RuntimeError as e:
        case["error"] = str(e).split("\n")[0]
        return case
    case["result"] = {"dtype": NAMES[out.dtype], "shape": list(out.shape), "data": data(out)}
    if out.is_floating_point() and out.requires_grad:
        n = out.numel()
        w = torch.tensor((WEIGHT * (n // len(WEIGHT) + 1))[:n], dtype=out.dtype).reshape(out.shape)
        try:
            grads = torch.autograd.grad((out * w).sum(), [l for l in leaves if l.requires_grad], allow_unused=True)
        except RuntimeError:
            return case  # PyTorch's own backward fails (pow with a bool exponent): values only
        it = iter(grads)
        gs = []
        for l in leaves:
            g = next(it) if l.requires_grad else None
            gs.append(None if not l.requires_grad else data(torch.zeros_like(l) if g is None else g))
            if g is not None:
                assert g.dtype == l.dtype
        case["weight"] = data(w)
        case["grads"] = gs
    return case


def binary_cases():
    cases = []
    layouts = [("same", [2, 3], [2, 3]), ("bcast", [2, 3], [3]), ("b0d", [2, 3], []), ("a0d", [], [2, 3]),
               ("both0d", [], [])]
    for op, fn in OPS.items():
        for da in DTYPES:
            for db in DTYPES:
                for lname, sa, sb in layouts:
                    if lname in ("bcast", "both0d") and op not in ("add", "div", "mul", "where", "eq"):
                        continue
                    a = make(A, da, sa)
                    b = make(B, db, sb)
                    cases.append(run(f"{op} {NAMES[da]} {NAMES[db]} {lname}", op, fn, [a, b]))
    for op in SCALAR_OPS:
        fn = OPS[op]
        for da in DTYPES:
            for kind, value in SCALARS:
                a = make(A, da, [2, 3])
                cases.append(run(f"{op} {NAMES[da]} scalar {kind} {value}", op, lambda x, f=fn, v=value: f(x, v),
                                 [a], scalar=(kind, value)))
    return cases


def clamp_cases():
    cases = []
    x = torch.tensor([[-3.0, -1.0, 0.0], [1.0, 2.0, float("nan")], [5.0, 4.0, 3.0]])
    for dt in [torch.float32, torch.float64]:
        xd = x.to(dt)
        for lo, hi in [(4.0, 2.0), (2.0, 2.0), (-1.0, 3.0), (1.0, -1.0)]:
            cases.append(run(f"clamp {NAMES[dt]} {lo} {hi}", "clamp", lambda t, lo=lo, hi=hi: torch.clamp(t, lo, hi),
                             [xd], args={"min": lo, "max": hi}))
        lo_t = torch.tensor([4.0, -1.0, 0.0], dtype=dt)
        hi_t = torch.tensor([[2.0, 3.0, -1.0], [0.0, 2.0, 1.0], [6.0, 3.0, 2.5]], dtype=dt)
        cases.append(run(f"clamp_tensor {NAMES[dt]}", "clamp_tensor", lambda t, a, b: torch.clamp(t, a, b),
                         [xd, lo_t, hi_t]))
        cases.append(run(f"clamp_tensor_min {NAMES[dt]}", "clamp_tensor_min", lambda t, a: torch.clamp(t, min=a),
                         [xd, lo_t]))
        cases.append(run(f"clamp_tensor_max {NAMES[dt]}", "clamp_tensor_max", lambda t, b: torch.clamp(t, max=b),
                         [xd, hi_t]))
    xi = torch.tensor([-3, -1, 0, 1, 2, 7], dtype=torch.int32)
    for lo, hi in [(0.5, 2.5), (4.0, 2.0), (0, 2), (4, 2)]:
        kind = "float" if isinstance(lo, float) else "int"
        cases.append(run(f"clamp i32 {kind} {lo} {hi}", "clamp", lambda t, lo=lo, hi=hi: torch.clamp(t, lo, hi), [xi],
                         scalar=(kind, lo), args={"min": lo, "max": hi}))
    cases.append(run("clamp_tensor i32 f32 bound", "clamp_tensor_min", lambda t, a: torch.clamp(t, min=a),
                     [xi, torch.tensor([0.5, 1.5, -0.5, 3.0, 0.0, 2.0])]))
    return cases


def in_place_cases():
    cases = []
    ops = {"add_": lambda s, o: s.add_(o), "sub_": lambda s, o: s.sub_(o), "mul_": lambda s, o: s.mul_(o),
           "div_": lambda s, o: s.div_(o)}
    for op, fn in ops.items():
        for da in DTYPES:
            for db in DTYPES:
                a = make(A, da, [2, 3])
                b = make(B, db, [2, 3])
                case = {"name": f"{op} {NAMES[da]} {NAMES[db]}", "op": op, "inputs": [tensor(a), tensor(b)]}
                try:
                    out = fn(a.clone(), b)
                    case["result"] = {"dtype": NAMES[out.dtype], "shape": list(out.shape), "data": data(out)}
                except RuntimeError as e:
                    case["error"] = str(e).split("\n")[0]
                cases.append(case)
    return cases


def result_type_cases():
    cases = []
    for da in DTYPES:
        for shape in ([2], []):
            a = make(A, da, shape)
            for kind, value in TYPE_SCALARS:
                cases.append({"name": f"result_type {NAMES[da]}{shape} {kind}", "op": "result_type",
                              "inputs": [tensor(a)], "scalar": {"kind": kind, "value": value},
                              "result": {"dtype": NAMES[torch.result_type(a, value)]}})
            for db in DTYPES:
                for shape_b in ([2], []):
                    b = make(B, db, shape_b)
                    cases.append({"name": f"result_type {NAMES[da]}{shape} {NAMES[db]}{shape_b}", "op": "result_type",
                                  "inputs": [tensor(a), tensor(b)],
                                  "result": {"dtype": NAMES[torch.result_type(a, b)]}})
            for db in DTYPES:
                cases.append({"name": f"promote_types {NAMES[da]} {NAMES[db]}", "op": "promote_types",
                              "args": {"a": NAMES[da], "b": NAMES[db]},
                              "result": {"dtype": NAMES[torch.promote_types(da, db)],
                                         "can_cast": torch.can_cast(da, db)}})
    return cases


def main():
    cases = binary_cases() + clamp_cases() + in_place_cases() + result_type_cases()
    with open(OUT, "w") as f:
        f.write('{"generator": "tools/make_promotion_fixtures.py", "torch": ' + json.dumps(torch.__version__)
                + ', "cases": [\n')
        f.write(",\n".join(json.dumps(c, separators=(", ", ": ")) for c in cases))
        f.write("\n]}\n")
    print(f"{len(cases)} cases, {sum('error' in c for c in cases)} of them PyTorch refuses -> {OUT}")


if __name__ == "__main__":
    main()
