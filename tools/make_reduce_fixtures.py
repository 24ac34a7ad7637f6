#!/usr/bin/python3
"""Writes autograd/src/test/resources/fixtures/reduce.json, the PyTorch cases that
ReduceFixturesTest holds Kiln's reductions, scans and sorting ops against (issue 15).

    /usr/bin/python3 tools/make_reduce_fixtures.py

It reuses make_fixtures.py's inputs, views and case format (tools/README.md); only the ops and
cases are new, and non-finite numbers are allowed (NaN, Infinity and -Infinity, as Python's json
writes them), since NaN ordering and infinite inputs are part of what these ops must get right.
Ops with several results record one of them per op name ("sort" the values, "sort_indices" the
indices; "aminmax_min" and "aminmax_max"; ...). Deterministic: running it twice gives the same bytes.
"""

import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402
from make_fixtures import In, randn, ints, bools  # noqa: E402

INF = float("inf")
NAN = float("nan")


def nonfinite(v):
    if math.isnan(v):
        return "NaN"
    return "Infinity" if v > 0 else "-Infinity"


def f32_text(v):
    return nonfinite(v) if not math.isfinite(v) else _f32_text(v)


def f64_text(v):
    v = float(v)
    return nonfinite(v) if not math.isfinite(v) else repr(v)


def tensor_json(t, exact_f32):
    """make_fixtures.tensor_json, with non-finite values allowed."""
    t = t.detach().contiguous()
    flat = t.reshape(-1).tolist()
    if t.dtype == torch.bool:
        dtype, data = "bool", "[" + ",".join("1" if v else "0" for v in flat) + "]"
    elif not t.is_floating_point():
        dtype, data = "int", "[" + ",".join(str(int(v)) for v in flat) + "]"
    elif exact_f32:
        for v in flat:
            if math.isfinite(v) and float(np.float32(v)) != v:
                raise ValueError("input value %r is not exactly a float32" % v)
        dtype, data = "f32", "[" + ",".join(f32_text(v) for v in flat) + "]"
    else:
        dtype, data = "f64", "[" + ",".join(f64_text(v) for v in flat) + "]"
    return {"shape": mf.Raw(mf.emit(list(t.shape))), "dtype": dtype, "data": mf.Raw(data)}


_f32_text = mf.f32_text


def dims(a):
    return a.get("dim")


REDUCE_OPS = {
    "prod": lambda x, a: torch.prod(x[0]) if "dim" not in a else torch.prod(x[0], a["dim"], keepdim=a["keepdim"]),
    "logsumexp": lambda x, a: torch.logsumexp(x[0], a["dim"], keepdim=a["keepdim"]),
    "std_correction": lambda x, a: torch.std(x[0], a["dim"], correction=a["correction"], keepdim=a["keepdim"]),
    "var_mean_var": lambda x, a: torch.var_mean(x[0], a["dim"], correction=a["correction"], keepdim=a["keepdim"])[0],
    "var_mean_mean": lambda x, a: torch.var_mean(x[0], a["dim"], correction=a["correction"], keepdim=a["keepdim"])[1],
    "std_mean_std": lambda x, a: torch.std_mean(x[0], a["dim"], correction=a["correction"], keepdim=a["keepdim"])[0],
    "std_mean_mean": lambda x, a: torch.std_mean(x[0], a["dim"], correction=a["correction"], keepdim=a["keepdim"])[1],
    "any": lambda x, a: torch.any(x[0], a["dim"], keepdim=a["keepdim"]),
    "all": lambda x, a: torch.all(x[0], a["dim"], keepdim=a["keepdim"]),
    "vector_norm": lambda x, a: torch.linalg.vector_norm(x[0], a["ord"], a.get("dim"), keepdim=a["keepdim"]),
    "norm": lambda x, a: torch.norm(x[0], a["p"]) if "dim" not in a else torch.norm(x[0], a["p"], a["dim"],
                                                                                    keepdim=a["keepdim"]),
    "amax": lambda x, a: torch.amax(x[0], a["dim"], keepdim=a["keepdim"]),
    "amin": lambda x, a: torch.amin(x[0], a["dim"], keepdim=a["keepdim"]),
    "aminmax_min": lambda x, a: torch.aminmax(x[0], **a).min,
    "aminmax_max": lambda x, a: torch.aminmax(x[0], **a).max,
    "count_nonzero": lambda x, a: torch.count_nonzero(x[0], a.get("dim")),
    "cumsum": lambda x, a: torch.cumsum(x[0], a["dim"]),
    "cumprod": lambda x, a: torch.cumprod(x[0], a["dim"]),
    "cummax": lambda x, a: torch.cummax(x[0], a["dim"]).values,
    "cummax_indices": lambda x, a: torch.cummax(x[0], a["dim"]).indices,
    "cummin": lambda x, a: torch.cummin(x[0], a["dim"]).values,
    "cummin_indices": lambda x, a: torch.cummin(x[0], a["dim"]).indices,
    "logcumsumexp": lambda x, a: torch.logcumsumexp(x[0], a["dim"]),
    "sort": lambda x, a: torch.sort(x[0], dim=a["dim"], descending=a["descending"], stable=a["stable"]).values,
    "sort_indices": lambda x, a: torch.sort(x[0], dim=a["dim"], descending=a["descending"],
                                            stable=a["stable"]).indices,
    "argsort": lambda x, a: torch.argsort(x[0], a["dim"], a["descending"]),
    "topk": lambda x, a: torch.topk(x[0], a["k"], a["dim"], a["largest"], a["sorted"]).values,
    "topk_indices": lambda x, a: torch.topk(x[0], a["k"], a["dim"], a["largest"], a["sorted"]).indices,
    "kthvalue": lambda x, a: torch.kthvalue(x[0], a["k"], a["dim"], a["keepdim"]).values,
    "kthvalue_indices": lambda x, a: torch.kthvalue(x[0], a["k"], a["dim"], a["keepdim"]).indices,
    "median_all": lambda x, a: torch.median(x[0]),
    "median": lambda x, a: torch.median(x[0], a["dim"], a["keepdim"]).values,
    "median_indices": lambda x, a: torch.median(x[0], a["dim"], a["keepdim"]).indices,
    "mode": lambda x, a: torch.mode(x[0], a["dim"], a["keepdim"]).values,
    "mode_indices": lambda x, a: torch.mode(x[0], a["dim"], a["keepdim"]).indices,
    "unique": lambda x, a: torch.unique(x[0], sorted=True),
    "unique_inverse": lambda x, a: torch.unique(x[0], sorted=True, return_inverse=True)[1],
    "unique_counts": lambda x, a: torch.unique(x[0], sorted=True, return_counts=True)[1],
    "unique_dim": lambda x, a: torch.unique(x[0], sorted=True, dim=a["dim"]),
    "unique_dim_inverse": lambda x, a: torch.unique(x[0], sorted=True, return_inverse=True, dim=a["dim"])[1],
    "unique_dim_counts": lambda x, a: torch.unique(x[0], sorted=True, return_counts=True, dim=a["dim"])[1],
}


def t(*rows):
    return torch.tensor(rows, dtype=torch.float64)


def cases():
    f = mf.fam("reduce", 16)
    T = [["transpose", 0, 1]]

    def both(name, op, inputs, **args):
        """The values case and the indices case of an op with two results."""
        f.case(name, op, inputs, **args)
        f.case(name, op + "_indices", [In(i.name, i.value, grad=False, view=i.view) for i in inputs], **args)

    # prod: PyTorch's gradient with zeros (one or several in a slice) needs no division
    f.case("all", "prod", [In("a", randn(3, 4))])
    f.case("dim1", "prod", [In("a", randn(3, 5))], dim=1, keepdim=False)
    f.case("dim0_keepdim", "prod", [In("a", randn(3, 4, 2))], dim=0, keepdim=True)
    f.case("transposed", "prod", [In("a", randn(4, 3), view=T)], dim=-1, keepdim=False)
    f.case("one_zero", "prod", [In("a", t([1.5, 0.0, -2.0, 0.5], [0.0, 3.0, 1.0, 2.0]))], dim=1, keepdim=False)
    f.case("two_zeros", "prod", [In("a", t([0.0, 2.0, 0.0, -1.5], [1.0, -2.0, 0.5, 0.25]))], dim=1, keepdim=True)
    f.case("zero_all", "prod", [In("a", t([1.5, 0.0], [-2.0, 3.0]))])
    f.case("wide_rows", "prod", [In("a", mf.uniform(0.8, 1.25, 2, 37))], dim=1, keepdim=False)
    f.case("wide_columns", "prod", [In("a", mf.uniform(0.8, 1.25, 5, 70))], dim=0, keepdim=False)
    f.case("scalar", "prod", [In("a", randn())], dim=0, keepdim=False)
    f.case("empty_dim", "prod", [In("a", randn(0, 3))], dim=0, keepdim=False)
    f.case("inf_nan", "prod", [In("a", t([INF, 2.0, -1.0], [NAN, 1.0, 2.0]), grad=False)], dim=1, keepdim=False)
    f.case("ints", "prod", [In("a", ints(-4, 4, 3, 4))], dim=1, keepdim=False)
    # logsumexp
    f.case("dim1", "logsumexp", [In("a", randn(3, 5))], dim=[1], keepdim=False)
    f.case("dims_0_2_keepdim", "logsumexp", [In("a", randn(2, 3, 4))], dim=[0, 2], keepdim=True)
    f.case("large", "logsumexp", [In("a", randn(3, 4, scale=40.0))], dim=[-1], keepdim=False)
    f.case("transposed", "logsumexp", [In("a", randn(4, 3), view=T)], dim=[0], keepdim=False)
    f.case("infinities", "logsumexp", [In("a", t([-INF, -INF, -INF], [INF, 1.0, 2.0], [-INF, 0.5, NAN]),
                                             grad=False)], dim=[1], keepdim=False)
    f.case("neg_inf_grad", "logsumexp", [In("a", t([-INF, 0.5, 1.0], [2.0, -INF, -1.0]))], dim=[1], keepdim=False)
    f.case("empty_dim", "logsumexp", [In("a", randn(0, 3))], dim=[0], keepdim=False)
    f.case("scalar", "logsumexp", [In("a", randn())], dim=[0], keepdim=False)
    # std, var_mean, std_mean with a correction
    for c in [0, 1, 2]:
        f.case("dim1_c%d" % c, "std_correction", [In("a", randn(3, 5))], dim=[1], correction=c, keepdim=False)
        f.case("dims_c%d" % c, "var_mean_var", [In("a", randn(2, 3, 4))], dim=[0, 2], correction=c, keepdim=True)
        f.case("dims_c%d" % c, "var_mean_mean", [In("a", randn(2, 3, 4))], dim=[0, 2], correction=c, keepdim=True)
        f.case("dim0_c%d" % c, "std_mean_std", [In("a", randn(4, 3), view=T)], dim=[0], correction=c,
               keepdim=False)
        f.case("dim0_c%d" % c, "std_mean_mean", [In("a", randn(4, 3), view=T)], dim=[0], correction=c,
               keepdim=False)
    f.case("all_dims", "std_correction", [In("a", randn(3, 4))], dim=[0, 1], correction=1, keepdim=False)
    # any / all
    nanrow = t([0.0, NAN, 0.0], [0.0, 0.0, 0.0], [1.0, -2.0, 0.5])
    for op in ["any", "all"]:
        f.case("dim1", op, [In("a", nanrow)], dim=1, keepdim=False)
        f.case("dim0_keepdim", op, [In("a", nanrow)], dim=0, keepdim=True)
        f.case("bools", op, [In("a", bools(3, 4))], dim=-1, keepdim=False)
        f.case("ints", op, [In("a", ints(0, 2, 2, 5))], dim=1, keepdim=False)
        f.case("empty_dim", op, [In("a", torch.zeros(2, 0))], dim=1, keepdim=False)
    # vector_norm and norm: orders 2, 1, ±inf, 0, fractional, 3; zeros (gradient 0 where the norm is 0)
    zr = t([0.0, 0.0, 0.0, 0.0], [1.5, -2.0, 0.0, 0.5], [3.0, -3.0, 1.0, -0.5])
    for ord_ in [2.0, 1.0, INF, -INF, 0.0, 0.5, 1.5, 3.0]:
        tag = ("inf" if ord_ > 0 else "ninf") if math.isinf(ord_) else str(ord_).replace(".", "_")
        f.case("all_" + tag, "vector_norm", [In("a", randn(3, 4))], ord=ord_, keepdim=False)
        f.case("dim1_" + tag, "vector_norm", [In("a", randn(2, 3, 4))], ord=ord_, dim=[1], keepdim=False)
        f.case("dims_keepdim_" + tag, "vector_norm", [In("a", randn(2, 3, 4), view=[["permute", 2, 0, 1]])],
               ord=ord_, dim=[0, 2], keepdim=True)
        if ord_ != 0.5:  # PyTorch's gradient at 0 for ord < 1 is NaN: skipped rather than matched
            f.case("zero_row_" + tag, "vector_norm", [In("a", zr)], ord=ord_, dim=[1], keepdim=False)
    f.case("inf_ties", "vector_norm", [In("a", t([2.0, -2.0, 1.0], [0.5, -3.0, 3.0]))], ord=INF, dim=[1],
           keepdim=False)
    f.case("p2", "norm", [In("a", randn(3, 4))], p=2.0)
    f.case("p1_dim", "norm", [In("a", randn(3, 4))], p=1.0, dim=1, keepdim=True)
    f.case("pinf_dim", "norm", [In("a", randn(3, 4))], p=INF, dim=0, keepdim=False)
    f.case("scalar", "vector_norm", [In("a", randn())], ord=2.0, keepdim=False)
    f.case("empty", "vector_norm", [In("a", randn(0, 3))], ord=2.0, dim=[0], keepdim=False)
    # amax / amin over several dims with ties, aminmax, count_nonzero
    ties = t([3.0, 3.0, -1.0, 3.0], [-4.0, 2.0, -4.0, 0.0])
    for op in ["amax", "amin"]:
        f.case("all_dims", op, [In("a", randn(2, 3, 4))], dim=[0, 1, 2], keepdim=False)
        f.case("ties", op, [In("a", ties)], dim=[1], keepdim=True)
        f.case("ties_all", op, [In("a", ties)], dim=[0, 1], keepdim=False)
        f.case("nan", op, [In("a", t([1.0, NAN], [2.0, 0.5]), grad=False)], dim=[1], keepdim=False)
    for op in ["aminmax_min", "aminmax_max"]:  # PyTorch 1.13 has no aminmax derivative: values only
        f.case("all", op, [In("a", randn(3, 4), grad=False)])
        f.case("dim1", op, [In("a", ties, grad=False)], dim=1, keepdim=False)
        f.case("dim0_keepdim", op, [In("a", randn(3, 4), grad=False, view=T)], dim=0, keepdim=True)
    f.case("all", "count_nonzero", [In("a", zr)])
    f.case("dim1", "count_nonzero", [In("a", zr)], dim=1)
    f.case("dims", "count_nonzero", [In("a", bools(2, 3, 4))], dim=[0, 2])
    # scans
    for op in ["cumsum", "cumprod", "logcumsumexp"]:
        f.case("dim0", op, [In("a", randn(4, 3))], dim=0)
        f.case("dim1", op, [In("a", randn(3, 5))], dim=1)
        f.case("mid_3d", op, [In("a", randn(2, 4, 3))], dim=1)
        f.case("transposed", op, [In("a", randn(5, 3), view=T)], dim=-1)
        f.case("long_rows", op, [In("a", mf.uniform(0.9, 1.1, 2, 40))], dim=1)
        f.case("wide_columns", op, [In("a", mf.uniform(0.9, 1.1, 6, 41))], dim=0)
        f.case("scalar", op, [In("a", randn())], dim=0)
        f.case("empty", op, [In("a", randn(0, 3))], dim=0)
    f.case("ints", "cumsum", [In("a", ints(-9, 9, 3, 4))], dim=1)
    f.case("bools", "cumsum", [In("a", bools(2, 5))], dim=1)
    f.case("ints", "cumprod", [In("a", ints(-3, 4, 2, 4))], dim=1)
    f.case("one_zero", "cumprod", [In("a", t([1.5, 0.0, -2.0, 0.5], [2.0, 3.0, 0.0, 2.0]))], dim=1)
    f.case("two_zeros", "cumprod", [In("a", t([0.0, 2.0, 0.0, -1.5], [1.0, 0.0, 0.5, 0.0]))], dim=1)
    f.case("zeros_dim0", "cumprod", [In("a", t([0.0, 2.0], [3.0, 0.0], [0.5, -1.0]))], dim=0)
    f.case("infinities", "cumsum", [In("a", t([1.0, INF, -INF, 2.0], [NAN, 1.0, 2.0, 3.0]), grad=False)], dim=1)
    f.case("infinities", "logcumsumexp", [In("a", t([-INF, 1.0, INF, 2.0], [-INF, -INF, 0.5, NAN]),
                                                grad=False)], dim=1)
    f.case("neg_inf_grad", "logcumsumexp", [In("a", t([-INF, 1.0, 0.5], [0.25, -INF, -1.0]))], dim=1)
    f.case("large", "logcumsumexp", [In("a", randn(3, 6, scale=50.0))], dim=1)
    for op in ["cummax", "cummin"]:
        both("dim1", op, [In("a", randn(3, 5))], dim=1)
        both("dim0", op, [In("a", randn(4, 3))], dim=0)
        both("ties", op, [In("a", t([2.0, 2.0, 1.0, 2.0, 3.0, 3.0], [-1.0, -1.0, -2.0, -2.0, 0.0, -2.0]))], dim=1)
        both("nan", op, [In("a", t([1.0, 3.0, 3.0, 2.0, NAN, 5.0, NAN]))], dim=1)
        both("transposed", op, [In("a", randn(5, 3), view=T)], dim=1)
        both("scalar", op, [In("a", randn())], dim=0)
        both("ints", op, [In("a", ints(-3, 3, 2, 6))], dim=1)
        both("empty", op, [In("a", randn(2, 0))], dim=1)
    # sort family: NaN largest, ±inf, ties kept in order (stable)
    special = t([3.0, NAN, 1.0, 1.0, -NAN, INF, -INF, 0.0, -0.0, 1.0])
    for desc in [False, True]:
        tag = "desc" if desc else "asc"
        both("dim1_" + tag, "sort", [In("a", randn(3, 6))], dim=1, descending=desc, stable=False)
        both("dim0_" + tag, "sort", [In("a", randn(5, 3))], dim=0, descending=desc, stable=True)
        both("special_" + tag, "sort", [In("a", special)], dim=1, descending=desc, stable=True)
        both("ties_" + tag, "sort", [In("a", t([2.0, 1.0, 2.0, 1.0, 2.0], [0.0, 0.0, -1.0, 0.0, 5.0]))], dim=1,
             descending=desc, stable=True)
        both("transposed_" + tag, "sort", [In("a", randn(6, 3), view=T)], dim=-1, descending=desc, stable=True)
        both("long_" + tag, "sort", [In("a", randn(2, 50))], dim=1, descending=desc, stable=True)
        both("ints_" + tag, "sort", [In("a", ints(-3, 3, 2, 9))], dim=1, descending=desc, stable=True)
        f.case("ties_" + tag, "argsort", [In("a", t([2.0, 1.0, 2.0, 1.0], [NAN, 0.0, NAN, -0.0]))], dim=1,
               descending=desc)
    both("scalar", "sort", [In("a", randn())], dim=0, descending=False, stable=True)
    both("empty", "sort", [In("a", randn(0, 4))], dim=0, descending=False, stable=True)
    distinct = randn(3, 7)
    for largest in [True, False]:
        tag = "largest" if largest else "smallest"
        both("k3_" + tag, "topk", [In("a", distinct)], k=3, dim=1, largest=largest, sorted=True)
        both("dim0_" + tag, "topk", [In("a", randn(6, 4))], k=2, dim=0, largest=largest, sorted=True)
        both("nan_" + tag, "topk", [In("a", t([3.0, NAN, 1.0, -2.0, INF]))], k=2, dim=1, largest=largest,
             sorted=True)
        both("k_all_" + tag, "topk", [In("a", randn(2, 5))], k=5, dim=-1, largest=largest, sorted=True)
        both("long_" + tag, "topk", [In("a", randn(2, 60))], k=4, dim=1, largest=largest, sorted=True)
    both("k0", "topk", [In("a", randn(2, 5))], k=0, dim=1, largest=True, sorted=True)
    both("scalar", "topk", [In("a", randn())], k=1, dim=0, largest=True, sorted=True)
    for k in [1, 2, 4]:
        both("k%d" % k, "kthvalue", [In("a", t([3.0, NAN, 1.0, 1.0], [0.5, -1.0, 2.0, 0.0]))], k=k, dim=1,
             keepdim=False)
    both("dim0_keepdim", "kthvalue", [In("a", randn(5, 3))], k=3, dim=0, keepdim=True)
    both("transposed", "kthvalue", [In("a", randn(5, 3), view=T)], k=2, dim=1, keepdim=False)
    f.case("odd", "median_all", [In("a", randn(3, 5))])
    f.case("even", "median_all", [In("a", randn(2, 4))])
    f.case("nan", "median_all", [In("a", t([3.0, NAN, 1.0]), grad=False)])
    f.case("empty", "median_all", [In("a", randn(0))])
    both("odd", "median", [In("a", randn(3, 5))], dim=1, keepdim=False)
    both("even_ties", "median", [In("a", t([3.0, 1.0, 3.0, 1.0], [4.0, 1.0, 2.0, 3.0]))], dim=1, keepdim=False)
    both("nan", "median", [In("a", t([3.0, NAN, 1.0, NAN], [4.0, 1.0, 2.0, 3.0]))], dim=1, keepdim=True)
    both("dim0", "median", [In("a", randn(4, 3))], dim=0, keepdim=False)
    both("ints", "median", [In("a", ints(-5, 5, 3, 4))], dim=1, keepdim=False)
    both("ties", "mode", [In("a", t([3.0, 1.0, 3.0, 1.0, 2.0, 2.0], [5.0, 5.0, 4.0, 4.0, 4.0, -1.0]))], dim=1,
         keepdim=False)
    both("dim0_keepdim", "mode", [In("a", t([1.0, 2.0], [1.0, 3.0], [2.0, 3.0]))], dim=0, keepdim=True)
    both("ints", "mode", [In("a", ints(0, 3, 3, 7))], dim=1, keepdim=False)
    both("distinct", "mode", [In("a", randn(2, 4))], dim=-1, keepdim=False)
    for op in ["unique", "unique_inverse", "unique_counts"]:
        f.case("ints", op, [In("a", ints(-3, 4, 3, 5))])
        f.case("floats", op, [In("a", t([1.5, -2.0, 1.5], [0.0, -0.0, 7.0]), grad=False)])
        f.case("empty", op, [In("a", torch.zeros(0, 2, dtype=torch.int64))])
    rows = torch.tensor([[1, 2, 0], [0, 5, 1], [1, 2, 0], [0, 4, 9], [0, 5, 1]])
    for op in ["unique_dim", "unique_dim_inverse", "unique_dim_counts"]:
        f.case("rows", op, [In("a", rows)], dim=0)
        f.case("columns", op, [In("a", rows.t().contiguous())], dim=1)
        f.case("floats_3d", op, [In("a", t([1.5, 0.0], [1.5, 0.0], [-2.0, 3.0]).reshape(3, 1, 2).repeat(1, 2, 1),
                                       grad=False)], dim=0)
        f.case("empty", op, [In("a", torch.zeros(0, 3, dtype=torch.int64))], dim=0)
    return f


class ReduceFamily(mf.Family):
    def write(self):
        path = os.path.join(mf.OUT_DIR, self.name + ".json")
        text = mf.emit({"family": self.name, "generator": "tools/make_reduce_fixtures.py", "torch": torch.__version__,
                        "cases": self.cases}) + "\n"
        with open(path, "w") as out:
            out.write(text)
        return path, len(text), len(self.cases)


def main():
    torch.set_default_dtype(torch.float64)
    mf.OPS.update(REDUCE_OPS)
    mf.tensor_json = tensor_json
    mf.f64_text = f64_text
    mf.Family = ReduceFamily
    f = cases()
    path, size, n = f.write()
    print("%-70s %4d cases %8d bytes, %d ops" % (os.path.relpath(path), n, size, len({c["op"] for c in f.cases})))


if __name__ == "__main__":
    if not hasattr(torch, "__version__"):
        sys.exit("no torch: run with /usr/bin/python3")
    main()
