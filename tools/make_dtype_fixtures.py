#!/usr/bin/python3
"""Writes tensor/src/test/resources/fixtures/dtype.json, the PyTorch cases that DTypeFixturesTest
holds Kiln's dtypes against (issue 15): conversions between every pair of dtypes (NaN, infinities,
out-of-range values, F16/BF16 rounding ties and subnormals), bitcasts (view(dtype)) and a few ops
on each dtype.

    /usr/bin/python3 tools/make_dtype_fixtures.py

Every value is a string, so that I64 values beyond 2^53 survive JSON: integers in decimal, floats
as Java's Double.parseDouble reads them (hex floats, "NaN", "Infinity"). A case:
{"kind": "convert" | "bitcast" | "op", "name", "from", "to", "shape", "input": [...], "output": [...],
 "outShape": [...]}; "op" cases name the op in "op" and may have a second input "other".
Conversions of NaN, infinities and out-of-range floats to an integer type are undefined in C++;
those cases carry "undefined": true and PyTorch's x86 result, which Kiln does not follow (it uses
Java's narrowing; docs/OPS.md says so). Deterministic: running it twice gives the same bytes.
"""

import math
import os

import torch

KILN = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
        torch.int64: "I64", torch.int32: "I32", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL"}
FLOATS = [torch.float64, torch.float32, torch.float16, torch.bfloat16]
INTS = [torch.int64, torch.int32, torch.int8, torch.uint8]
ALL = FLOATS + INTS + [torch.bool]


def num(v):
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return str(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return float(v).hex()


def values(t):
    return [num(v) for v in t.reshape(-1).tolist()]


def case(kind, name, x, y, **extra):
    c = {"kind": kind, "name": name, "from": KILN[x.dtype], "to": KILN[y.dtype], "shape": list(x.shape),
         "input": values(x), "outShape": list(y.shape), "output": values(y)}
    c.update(extra)
    return c


F16_EDGES = [1 + 2 ** -11, 1 + 3 * 2 ** -11, 65504.0, 65519.0, 65520.0, 2 ** -24, 2 ** -25, 3 * 2 ** -26,
             2 ** -14 - 2 ** -25, 6.1e-5, -0.0, 1e-8]
BF16_EDGES = [1 + 2 ** -8, 1 + 3 * 2 ** -8, 3.3895313892515355e38, 3.4e38, 2 ** -133, 2 ** -126 - 2 ** -134,
              -1 - 2 ** -8, 1e-40, 0.1, 257.0, 259.0]
IN_RANGE = [0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.75, -2.75, 100.9, -100.9, 127.0, -128.0, 200.0, 255.0]
SPECIAL = [math.nan, math.inf, -math.inf, 1e10, -1e10, 300.7, -129.5, 3e9, -3e9, 1e20]
BIG_INTS = [0, 1, -1, 127, -128, 255, 256, 2 ** 31 - 1, -2 ** 31, 2 ** 31, 2 ** 53 + 1, -(2 ** 53) - 1,
            2 ** 63 - 1, -2 ** 63, 1234567890123456789]


def conversions():
    out = []
    for src in FLOATS:
        for dst in ALL:
            x = torch.tensor(IN_RANGE + F16_EDGES + BF16_EDGES, dtype=torch.float64).to(src)
            if dst in INTS:
                # only the values every integer type holds after truncation: the rest are undefined
                lo, hi = (0, 255) if dst == torch.uint8 else (-128, 127)
                x = x[(x.double().trunc() >= lo) & (x.double().trunc() <= hi)]
            out.append(case("convert", f"{KILN[src]}->{KILN[dst]}", x, x.to(dst)))
            xs = torch.tensor([math.nan, math.inf, -math.inf], dtype=torch.float64).to(src)
            if dst not in INTS:
                out.append(case("convert", f"{KILN[src]}->{KILN[dst]} nan/inf", xs, xs.to(dst)))
            else:
                xs = torch.tensor(SPECIAL, dtype=torch.float64).to(src)
                out.append(case("convert", f"{KILN[src]}->{KILN[dst]} undefined", xs, xs.to(dst), undefined=True))
    for src in INTS + [torch.bool]:
        for dst in ALL:
            if src == torch.bool:
                x = torch.tensor([True, False, True])
            else:
                info = torch.iinfo(src)
                x = torch.tensor([v for v in BIG_INTS if info.min <= v <= info.max], dtype=src)
            out.append(case("convert", f"{KILN[src]}->{KILN[dst]}", x, x.to(dst)))
    return out


def bitcasts():
    out = []
    f = torch.tensor([[1.0, -2.5, 0.1, 65504.0], [math.inf, -0.0, 3.0e-39, 1e30]], dtype=torch.float32)
    for dst in [torch.int32, torch.uint8, torch.int8, torch.float16, torch.bfloat16, torch.float64, torch.int64]:
        out.append(case("bitcast", f"F32->{KILN[dst]}", f, f.view(dst)))
    h = torch.tensor([[1.0, -2.0, 0.333, 65504.0, 6e-8, -0.0, 0.5, 100.0]], dtype=torch.float16)
    for dst in [torch.bfloat16, torch.uint8, torch.float32, torch.int8, torch.float64]:
        out.append(case("bitcast", f"F16->{KILN[dst]}", h, h.view(dst)))
    b = torch.tensor([[1.0, -2.0, 0.333, 3e38]], dtype=torch.bfloat16)
    out.append(case("bitcast", "BF16->F16", b, b.view(torch.float16)))
    q = torch.tensor([[2 ** 53 + 1, -1], [4607182418800017408, 1234567890123456789]], dtype=torch.int64)
    for dst in [torch.float64, torch.int32, torch.uint8, torch.float16]:
        out.append(case("bitcast", f"I64->{KILN[dst]}", q, q.view(dst)))
    u = torch.tensor([[0, 0, 128, 63, 255, 255, 255, 255]], dtype=torch.uint8)
    for dst in [torch.float32, torch.int8, torch.int32, torch.float64, torch.bfloat16]:
        out.append(case("bitcast", f"U8->{KILN[dst]}", u, u.view(dst)))
    return out


def ops():
    out = []
    binary = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "maximum": torch.maximum,
              "minimum": torch.minimum, "eq": torch.eq, "lt": torch.lt, "ge": torch.ge}
    unary = {"neg": torch.neg, "abs": torch.abs, "sum": torch.sum}
    ints = {
        torch.int64: ([2 ** 62, -(2 ** 63), 2 ** 53 + 1, 7, -5, 9223372036854775807],
                      [2 ** 62, -1, 2 ** 53, -3, 5, 1]),
        torch.int32: ([2 ** 30, -(2 ** 31), 2147483647, 7, -5, 100000], [2 ** 30, -1, 1, -3, 5, 100000]),
        torch.int8: ([100, -128, 127, 7, -5, 64], [100, -1, 1, -3, 5, 2]),
        torch.uint8: ([200, 0, 255, 7, 5, 16], [100, 1, 1, 3, 250, 16]),
    }
    for dt, (a, b) in ints.items():
        x = torch.tensor(a, dtype=dt)
        y = torch.tensor(b, dtype=dt)
        for name, f in binary.items():
            out.append(case("op", f"{name} {KILN[dt]}", x, f(x, y), op=name, other=values(y)))
        for name, f in {"bitwise_and": torch.bitwise_and, "bitwise_or": torch.bitwise_or,
                        "bitwise_xor": torch.bitwise_xor}.items():
            out.append(case("op", f"{name} {KILN[dt]}", x, f(x, y), op=name, other=values(y)))
        for name, f in dict(unary, bitwise_not=torch.bitwise_not).items():
            r = f(x)
            if name == "sum":
                r = r.to(dt)  # PyTorch sums integers in int64; Kiln keeps the dtype, so compare wrapped
            out.append(case("op", f"{name} {KILN[dt]}", x, r, op=name))
    gen = torch.Generator().manual_seed(15)
    for dt in [torch.float16, torch.bfloat16]:
        x = (torch.randn(12, generator=gen, dtype=torch.float64) * 3).to(dt)
        y = (torch.randn(12, generator=gen, dtype=torch.float64) * 3).to(dt)
        for name, f in binary.items():
            out.append(case("op", f"{name} {KILN[dt]}", x, f(x, y), op=name, other=values(y)))
        for name in ["neg", "abs"]:
            out.append(case("op", f"{name} {KILN[dt]}", x, unary[name](x), op=name))
        out.append(case("op", f"sum {KILN[dt]}", x, x.sum(), op="sum"))
        if dt == torch.bfloat16:  # PyTorch 1.13 has no CPU kernels for these on float16
            for name, f in {"exp": torch.exp, "tanh": torch.tanh, "sqrt": lambda t: torch.sqrt(t.abs()),
                            "softmax": lambda t: torch.softmax(t, 0), "cumsum": lambda t: torch.cumsum(t, 0)}.items():
                out.append(case("op", f"{name} {KILN[dt]}", x, f(x), op=name))
            m = x.reshape(3, 4)
            n = y.reshape(4, 3)
            # PyTorch 1.13's own BF16 CPU matmul (oneDNN) rounds partial sums; Kiln computes BF16 in F32
            # and rounds once, which is what this case holds: the F32 product rounded to BF16
            out.append(case("op", "matmul BF16", m, (m.float() @ n.float()).to(dt), op="matmul", other=values(n),
                            otherShape=[4, 3]))
    return out


def main():
    import json
    cases = conversions() + bitcasts() + ops()
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tensor", "src", "test", "resources",
                        "fixtures", "dtype.json")
    with open(path, "w") as f:
        f.write('{"generator": "tools/make_dtype_fixtures.py", "torch": ' + json.dumps(torch.__version__)
                + ', "cases": [\n')
        f.write(",\n".join(json.dumps(c, separators=(", ", ": ")) for c in cases))
        f.write("\n]}\n")
    print(f"{len(cases)} cases -> {os.path.normpath(path)}")


if __name__ == "__main__":
    main()
