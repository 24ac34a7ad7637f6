#!/usr/bin/python3
"""Writes autograd/src/test/resources/fixtures/shape.json, the PyTorch cases that
ShapeFixturesTest holds Kiln's shape, indexing and creation ops against (issue 15).

    /usr/bin/python3 tools/make_shape_fixtures.py

It reuses make_fixtures.py's inputs, views, number formatting and case format (tools/README.md);
only the ops and cases are new. Deterministic: running it twice gives the same bytes.
Ops with several results (split, chunk, unbind, meshgrid) record them concatenated, flattened,
and ops that take no tensor record no gradient.
"""

import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402
from make_fixtures import In, randn, ints, bools  # noqa: E402


def flat_cat(parts):
    return torch.cat([p.reshape(-1) for p in parts])


def advanced_index(x, a):
    """x[...] with a["pattern"]: null is ':', "t" takes the next index input."""
    rest = iter(x[1:])
    return x[0][tuple(slice(None) if p is None else next(rest) for p in a["pattern"])]


def index_put(x, a):
    """x[...] = values (or += with accumulate): the index inputs as in advanced_index, values last."""
    rest = iter(x[1:-1])
    key = tuple(slice(None) if p is None else next(rest) for p in a["pattern"])
    if a["accumulate"]:
        return torch.index_put(x[0], key, x[-1], accumulate=True)
    out = x[0].clone()
    out[key] = x[-1]
    return out


SHAPE_OPS = {
    "flip": lambda x, a: torch.flip(x[0], a["dims"]),
    "roll": lambda x, a: torch.roll(x[0], a["shifts"], a.get("dims")),
    "repeat": lambda x, a: x[0].repeat(*a["repeats"]),
    "tile": lambda x, a: torch.tile(x[0], a["dims"]),
    "repeat_interleave": lambda x, a: torch.repeat_interleave(x[0], a["repeats"], a.get("dim")),
    "repeat_interleave_tensor": lambda x, a: torch.repeat_interleave(x[0], x[1], a.get("dim")),
    "split": lambda x, a: flat_cat(torch.split(x[0], a["split_size_or_sections"], a["dim"])),
    "chunk": lambda x, a: flat_cat(torch.chunk(x[0], a["chunks"], a["dim"])),
    "unbind": lambda x, a: torch.stack(torch.unbind(x[0], a["dim"])),
    "unflatten": lambda x, a: x[0].unflatten(a["dim"], a["sizes"]),
    "movedim_list": lambda x, a: torch.movedim(x[0], a["source"], a["destination"]),
    "swapaxes": lambda x, a: torch.swapaxes(x[0], a["axis0"], a["axis1"]),
    "tril": lambda x, a: torch.tril(x[0], a["diagonal"]),
    "triu": lambda x, a: torch.triu(x[0], a["diagonal"]),
    "diag": lambda x, a: torch.diag(x[0], a["diagonal"]),
    "diagonal": lambda x, a: torch.diagonal(x[0], a["offset"], a["dim1"], a["dim2"]),
    "trace": lambda x, a: torch.trace(x[0]),
    "unfold": lambda x, a: x[0].unfold(a["dimension"], a["size"], a["step"]),
    "pad": lambda x, a: F.pad(x[0], a["pad"], a["mode"], a.get("value", 0.0) if a["mode"] == "constant" else None),
    "masked_fill": lambda x, a: x[0].masked_fill(x[1], a["value"]),
    "masked_fill_tensor": lambda x, a: x[0].masked_fill(x[1], x[2]),
    "masked_select": lambda x, a: torch.masked_select(x[0], x[1]),
    "masked_scatter": lambda x, a: x[0].masked_scatter(x[1], x[2]),
    "scatter": lambda x, a: torch.scatter(x[0], a["dim"], x[1], x[2]),
    "scatter_value": lambda x, a: torch.scatter(x[0], a["dim"], x[1], a["value"]),
    "scatter_reduce": lambda x, a: torch.scatter_reduce(x[0], a["dim"], x[1], x[2], a["reduce"],
                                                        include_self=a["include_self"]),
    "scatter_reduce_arg": lambda x, a: torch.scatter(x[0], a["dim"], x[1], x[2], reduce=a["reduce"]),
    "scatter_value_reduce_arg": lambda x, a: torch.scatter(x[0], a["dim"], x[1], a["value"], reduce=a["reduce"]),
    "take": lambda x, a: torch.take(x[0], x[1]),
    "take_along_dim": lambda x, a: torch.take_along_dim(x[0], x[1], a.get("dim")),
    "nonzero": lambda x, a: torch.nonzero(x[0]),
    "one_hot": lambda x, a: F.one_hot(x[0], a.get("num_classes", -1)),
    "meshgrid": lambda x, a: flat_cat(torch.meshgrid(*x, indexing=a["indexing"])),
    "cartesian_prod": lambda x, a: torch.cartesian_prod(*x),
    "searchsorted": lambda x, a: torch.searchsorted(x[0], x[1], right=a["right"]),
    "bucketize": lambda x, a: torch.bucketize(x[0], x[1], right=a["right"]),
    "histc": lambda x, a: torch.histc(x[0], a["bins"], a["min"], a["max"]),
    "index": advanced_index,
    "index_put": index_put,
    "einsum": lambda x, a: torch.einsum(a["equation"], *x),
    "where_scalars": lambda x, a: torch.where(x[0], a["a"], a["b"]),
    "eye": lambda x, a: torch.eye(a["n"], a["m"]),
    "arange_int": lambda x, a: torch.arange(a["start"], a["end"], a["step"]),
    "logspace": lambda x, a: torch.logspace(a["start"], a["end"], a["steps"], a["base"]),
}


def cases():
    f = mf.fam("shape", 15)
    T = [["transpose", 0, 1]]
    # views and rearrangements
    f.case("one_dim", "flip", [In("a", randn(3, 4))], dims=[1])
    f.case("two_dims_of_view", "flip", [In("a", randn(4, 3), view=T)], dims=[0, -1])
    f.case("flattened", "roll", [In("a", randn(2, 3))], shifts=4)
    f.case("one_dim_negative", "roll", [In("a", randn(2, 5))], shifts=-2, dims=1)
    f.case("two_dims", "roll", [In("a", randn(3, 4))], shifts=[1, 7], dims=[0, 1])
    f.case("more_dims", "repeat", [In("a", randn(2, 3))], repeats=[2, 1, 3])
    f.case("of_view", "repeat", [In("a", randn(3, 2), view=T)], repeats=[2, 2])
    f.case("fewer_dims", "tile", [In("a", randn(2, 3))], dims=[2])
    f.case("flat", "repeat_interleave", [In("a", randn(2, 2))], repeats=3)
    f.case("dim", "repeat_interleave", [In("a", randn(2, 3))], repeats=2, dim=1)
    f.case("counts", "repeat_interleave_tensor", [In("a", randn(3, 2)), In("r", torch.tensor([2, 0, 3]))], dim=0)
    f.case("size", "split", [In("a", randn(5, 2))], split_size_or_sections=2, dim=0)
    f.case("sections", "split", [In("a", randn(2, 6))], split_size_or_sections=[1, 3, 2], dim=1)
    f.case("uneven", "chunk", [In("a", randn(2, 5))], chunks=3, dim=-1)
    f.case("dim1", "unbind", [In("a", randn(2, 3))], dim=1)
    f.case("infer", "unflatten", [In("a", randn(2, 12))], dim=1, sizes=[3, -1])
    f.case("lists", "movedim_list", [In("a", randn(2, 3, 4, 5))], source=[0, 1], destination=[3, 0])
    f.case("basic", "swapaxes", [In("a", randn(2, 3, 4))], axis0=0, axis1=2)
    for k in [-1, 0, 2]:
        f.case("k%d" % k, "tril", [In("a", randn(3, 4))], diagonal=k)
        f.case("k%d" % k, "triu", [In("a", randn(2, 3, 4))], diagonal=k)
    f.case("vector_above", "diag", [In("a", randn(3))], diagonal=1)
    f.case("vector_below", "diag", [In("a", randn(2))], diagonal=-2)
    f.case("matrix", "diag", [In("a", randn(3, 4))], diagonal=1)
    f.case("main", "diagonal", [In("a", randn(3, 4))], offset=0, dim1=0, dim2=1)
    f.case("offset_dims", "diagonal", [In("a", randn(2, 3, 4))], offset=-1, dim1=2, dim2=1)
    f.case("past_the_end", "diagonal", [In("a", randn(2, 3))], offset=5, dim1=0, dim2=1)
    f.case("square", "trace", [In("a", randn(3, 3))])
    f.case("wide", "trace", [In("a", randn(2, 4))])
    f.case("overlapping", "unfold", [In("a", randn(2, 7))], dimension=1, size=3, step=2)
    f.case("dim0_of_view", "unfold", [In("a", randn(3, 5), view=T)], dimension=0, size=2, step=1)
    # padding, PyTorch's pad-list order (last dim first)
    f.case("constant_two_dims", "pad", [In("a", randn(2, 3))], pad=[1, 2, 0, 1], mode="constant", value=0.5)
    f.case("constant_negative", "pad", [In("a", randn(3, 5))], pad=[-1, 2], mode="constant", value=0.0)
    f.case("reflect", "pad", [In("a", randn(1, 2, 4))], pad=[3, 1], mode="reflect")
    f.case("replicate_2d", "pad", [In("a", randn(1, 1, 3, 3))], pad=[2, 1, 1, 3], mode="replicate")
    f.case("circular", "pad", [In("a", randn(1, 2, 4))], pad=[2, 4], mode="circular")
    # masks, scatter, take
    f.case("scalar", "masked_fill", [In("a", randn(3, 4)), In("mask", bools(4))], value=-2.5)
    f.case("tensor_value", "masked_fill_tensor", [In("a", randn(2, 3)), In("mask", bools(2, 3)), In("v", randn())])
    f.case("broadcast", "masked_select", [In("a", randn(3, 1)), In("mask", bools(3, 4))])
    f.case("basic", "masked_scatter", [In("a", randn(3, 4)), In("mask", bools(1, 4)), In("src", randn(4, 4))])
    f.case("dim0", "scatter", [In("a", randn(3, 4)), In("index", torch.tensor([[2, 0, 1, 0]])), In("src", randn(1, 4))],
           dim=0)
    f.case("dim1", "scatter", [In("a", randn(2, 5)), In("index", torch.tensor([[4, 0], [1, 3]])), In("src", randn(2, 2))],
           dim=1)
    # PyTorch 1.13 cannot differentiate src when index is smaller than src, so src has no grad here
    f.case("smaller_index", "scatter", [In("a", randn(3, 4)), In("index", torch.tensor([[1, 0], [2, 1]])),
                                        In("src", randn(3, 3), grad=False)], dim=0)
    f.case("value", "scatter_value", [In("a", randn(3, 4)), In("index", torch.tensor([[1, 2], [0, 3]]))], dim=1,
           value=7.0)
    idx = torch.tensor([[0, 1, 0], [2, 0, 0]])
    for red in ["sum", "prod", "mean", "amax", "amin"]:
        for inc in [True, False]:
            f.case("%s_%s" % (red, "self" if inc else "noself"), "scatter_reduce",
                   [In("a", randn(3, 3)), In("index", idx), In("src", randn(2, 3))], dim=0, reduce=red,
                   include_self=inc)
    f.case("ints_mean", "scatter_reduce", [In("a", ints(-9, 9, 3)), In("index", torch.tensor([0, 0, 2, 2])),
                                           In("src", ints(-9, 9, 4))], dim=0, reduce="mean", include_self=True)
    f.case("negative", "take", [In("a", randn(3, 4)), In("index", torch.tensor([[0, -1], [5, -12]]))])
    f.case("dim", "take_along_dim", [In("a", randn(3, 4)), In("index", torch.tensor([[0], [3], [1]]))], dim=1)
    f.case("broadcast", "take_along_dim", [In("a", randn(3, 4)), In("index", torch.tensor([[2, 0, 1]]).t())], dim=0)
    f.case("flat", "take_along_dim", [In("a", randn(2, 3)), In("index", torch.tensor([5, 0, 5]))])
    f.case("floats", "nonzero", [In("a", torch.tensor([[0.0, 1.5, 0.0], [-2.0, 0.0, 3.0]]))])
    f.case("bools_3d", "nonzero", [In("a", bools(2, 2, 3))])
    f.case("inferred", "one_hot", [In("a", torch.tensor([[0, 2], [1, 2]]))])
    f.case("classes", "one_hot", [In("a", torch.tensor([3, 0]))], num_classes=5)
    f.case("ij", "meshgrid", [In("a", randn(2)), In("b", randn(3)), In("c", randn(2))], indexing="ij")
    f.case("xy", "meshgrid", [In("a", randn(2)), In("b", randn(3))], indexing="xy")
    f.case("three", "cartesian_prod", [In("a", randn(2)), In("b", randn(3)), In("c", randn(2))])
    seq = torch.tensor([-1.0, 0.5, 0.5, 2.0, 3.0])
    vals = torch.tensor([[0.5, -3.0, 3.0], [2.5, 0.5, 9.0]])
    for right in [False, True]:
        f.case("right" if right else "left", "searchsorted", [In("seq", seq), In("v", vals)], right=right)
        f.case(("right" if right else "left") + "_rows", "searchsorted",
               [In("seq", torch.tensor([[0.0, 1.0, 2.0], [-1.0, 0.5, 0.5]])), In("v", vals)], right=right)
        f.case("right" if right else "left", "bucketize", [In("x", vals), In("b", seq)], right=right)
    f.case("range", "histc", [In("a", torch.tensor([0.0, 0.25, 1.0, 3.0, 3.0, -1.0, 2.875]), grad=False)], bins=4, min=0.0, max=3.0)
    f.case("auto_range", "histc", [In("a", randn(20), grad=False)], bins=5, min=0.0, max=0.0)
    # advanced indexing
    f.case("one_tensor", "index", [In("a", randn(4, 3)), In("i", torch.tensor([[3, 0], [-1, 3]]))], pattern=["t"])
    f.case("second_dim", "index", [In("a", randn(2, 4, 3)), In("i", torch.tensor([1, -4, 1]))], pattern=[None, "t"])
    f.case("adjacent_broadcast", "index", [In("a", randn(2, 4, 3, 2)), In("i", torch.tensor([[0], [3]])),
                                          In("j", torch.tensor([2, 0, 1]))], pattern=[None, "t", "t"])
    f.case("not_adjacent", "index", [In("a", randn(3, 2, 4)), In("i", torch.tensor([2, 0])),
                                    In("j", torch.tensor([3, 3]))], pattern=["t", None, "t"])
    f.case("bool_mask", "index", [In("a", randn(3, 4)), In("m", bools(3))], pattern=["t"])
    f.case("bool_mask_2d", "index", [In("a", randn(3, 4, 2)), In("m", bools(3, 4))], pattern=["t"])
    f.case("of_view", "index", [In("a", randn(4, 3), view=T), In("i", torch.tensor([0, 0, 2]))], pattern=[None, "t"])
    f.case("repeats_accumulate", "index_put", [In("a", randn(4, 3)), In("i", torch.tensor([1, 3, 1])),
                                               In("v", randn(3, 3))], pattern=["t"], accumulate=True)
    f.case("two_dims_accumulate", "index_put", [In("a", randn(3, 4)), In("i", torch.tensor([[0], [2]])),
                                                In("j", torch.tensor([1, 1, 3])), In("v", randn(3))],
           pattern=["t", "t"], accumulate=True)
    f.case("adjacent_broadcast_values", "index_put", [In("a", randn(2, 4, 3)), In("i", torch.tensor([0, 3])),
                                                      In("j", torch.tensor([2, 1])), In("v", randn(2, 1))],
           pattern=[None, "t", "t"], accumulate=False)
    f.case("not_adjacent", "index_put", [In("a", randn(3, 2, 4)), In("i", torch.tensor([2, 0])),
                                         In("j", torch.tensor([3, 1])), In("v", randn(2, 2))],
           pattern=["t", None, "t"], accumulate=False)
    f.case("bool_mask", "index_put", [In("a", randn(3, 4)), In("m", torch.tensor([True, False, True])),
                                      In("v", randn(4))], pattern=["t"], accumulate=False)
    # einsum
    f.case("matmul", "einsum", [In("a", randn(2, 3)), In("b", randn(3, 4))], equation="ij,jk->ik")
    f.case("batched", "einsum", [In("a", randn(2, 3, 4)), In("b", randn(2, 4, 5))], equation="bij,bjk->bik")
    f.case("trace", "einsum", [In("a", randn(3, 3))], equation="ii")
    f.case("diag", "einsum", [In("a", randn(3, 3))], equation="ii->i")
    f.case("outer", "einsum", [In("a", randn(3)), In("b", randn(2))], equation="i,j->ij")
    f.case("sum_and_permute", "einsum", [In("a", randn(2, 3, 4))], equation="ijk->kj")
    f.case("implicit", "einsum", [In("a", randn(3, 2)), In("b", randn(2, 4))], equation="ba,ac")
    f.case("three_operands", "einsum", [In("a", randn(2, 3)), In("b", randn(3, 4)), In("c", randn(4, 2))],
           equation="ij,jk,kl->il")
    f.case("ellipsis", "einsum", [In("a", randn(2, 3, 4)), In("b", randn(4, 5))], equation="...ij,jk->...ik")
    f.case("bilinear", "einsum", [In("a", randn(2, 3)), In("w", randn(4, 3, 5)), In("b", randn(2, 5))],
           equation="bn,anm,bm->ba")
    # 0-d and empty tensors
    f.case("scalar", "flip", [In("a", randn())], dims=[0])
    f.case("scalar", "repeat", [In("a", randn())], repeats=[2, 3])
    f.case("empty_rows", "tril", [In("a", randn(0, 3))], diagonal=0)
    f.case("empty_dim", "split", [In("a", randn(2, 0))], split_size_or_sections=2, dim=0)
    f.case("scalar_index", "take", [In("a", randn(2, 3)), In("index", torch.tensor(4))])
    f.case("empty_index", "index", [In("a", randn(3, 2)), In("i", torch.zeros(0, dtype=torch.long))], pattern=["t"])
    f.case("all_false", "masked_select", [In("a", randn(2, 3)), In("mask", torch.zeros(2, 3, dtype=torch.bool))])
    f.case("none", "nonzero", [In("a", torch.zeros(2, 2))])
    f.case("empty_contraction", "einsum", [In("a", randn(2, 0)), In("b", randn(0, 3))], equation="ij,jk->ik")
    f.case("scalar_input", "meshgrid", [In("a", randn()), In("b", randn(3))], indexing="ij")
    f.case("empty_dims", "pad", [In("a", randn(0, 2))], pad=[1, 1], mode="constant", value=3.0)
    f.case("size_zero_windows", "unfold", [In("a", randn(2, 3))], dimension=1, size=0, step=2)
    # where and creation
    f.case("two_scalars", "where_scalars", [In("c", bools(2, 3))], a=1.5, b=-2.0)
    f.case("wide", "eye", [], n=2, m=4)
    f.case("tall", "eye", [], n=3, m=2)
    f.case("up", "arange_int", [], start=-3, end=8, step=3)
    f.case("down", "arange_int", [], start=5, end=-6, step=-4)
    f.case("base10", "logspace", [], start=-2.0, end=1.0, steps=4, base=10.0)
    f.case("base2", "logspace", [], start=0.0, end=3.0, steps=7, base=2.0)
    # reflect and replicate cropping one side of a dim and padding the other read the uncropped dim
    f.case("reflect_crop", "pad", [In("a", randn(2, 3, 3))], pad=[-1, 2, 2, -1], mode="reflect")
    f.case("replicate_crop", "pad", [In("a", randn(1, 2, 4))], pad=[2, -3], mode="replicate")
    f.case("reflect_crop_only", "pad", [In("a", randn(1, 5, 5))], pad=[3, -5, 1, -5], mode="reflect")
    f.case("replicate_crop_past", "pad", [In("a", randn(1, 1, 5, 5))], pad=[3, -5, 1, -5], mode="replicate")
    # scatter's reduce argument (PyTorch cannot differentiate it); last, so the cases above keep their inputs
    for red in ["add", "multiply"]:
        f.case(red, "scatter_reduce_arg", [In("a", randn(3, 4), grad=False), In("index", torch.tensor([[0, 1, 0, 2], [0, 0, 0, 1]])),
                                           In("src", randn(2, 4), grad=False)], dim=0, reduce=red)
        f.case(red + "_value", "scatter_value_reduce_arg", [In("a", randn(2, 5), grad=False),
                                                           In("index", torch.tensor([[4, 0, 4], [1, 1, 3]]))],
               dim=1, value=1.5, reduce=red)
    return f


class ShapeFamily(mf.Family):
    def write(self):
        path = os.path.join(mf.OUT_DIR, self.name + ".json")
        text = mf.emit({"family": self.name, "generator": "tools/make_shape_fixtures.py", "torch": torch.__version__,
                        "cases": self.cases}) + "\n"
        with open(path, "w") as out:
            out.write(text)
        return path, len(text), len(self.cases)


def main():
    torch.set_default_dtype(torch.float64)
    mf.OPS.update(SHAPE_OPS)
    mf.Family = ShapeFamily
    f = cases()
    path, size, n = f.write()
    print("%-70s %4d cases %8d bytes, %d ops" % (os.path.relpath(path), n, size, len({c["op"] for c in f.cases})))


if __name__ == "__main__":
    if not hasattr(torch, "__version__"):
        sys.exit("no torch: run with /usr/bin/python3")
    main()
