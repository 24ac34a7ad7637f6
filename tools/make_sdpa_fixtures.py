#!/usr/bin/python3
"""Writes autograd/src/test/resources/fixtures/sdpa_masks.json, the PyTorch cases that
SdpaMaskFixturesTest holds Kiln's scaledDotProductAttention(q, k, v, attnMask, dropoutP, isCausal,
scale) against (issue 15).

    /usr/bin/python3 tools/make_sdpa_fixtures.py

PyTorch 1.13 has no F.scaled_dot_product_attention, so the reference is PyTorch 2's documented math
path written with plain torch ops: softmax(q·kᵀ·scale + bias)·v, where a BOOL attn_mask keeps the
scores where it is true (−inf elsewhere) and a float attn_mask is added; key/value heads are
repeated for grouped-query attention. Two of Kiln's documented choices are written in: a row
whose every key is masked gives zeros (PyTorch ≥ 2.5's math path; 2.0 to 2.4 gave NaN), and the
causal mask with Tq ≠ Tk is aligned to the end (query i sees keys j <= i + Tk − Tq), as Kiln's
fused kernel. Dropout draws from a generator, so it is tested in Java, not here.

It reuses make_fixtures.py's inputs, number formatting and case format (tools/README.md).
Deterministic: running it twice gives the same bytes.
"""

import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402
from make_fixtures import In, randn, bools  # noqa: E402


def sdpa(x, a):
    q, k, v = x[0], x[1], x[2]
    mask = x[3] if len(x) > 3 else None
    if q.dim() == 4:
        group = q.shape[1] // k.shape[1]
        k = k.repeat_interleave(group, 1)
        v = v.repeat_interleave(group, 1)
    scale = a.get("scale") or 1 / math.sqrt(q.shape[-1])
    w = q @ k.transpose(-2, -1) * scale
    tq, tk = q.shape[-2], k.shape[-2]
    if a.get("is_causal"):
        w = w.masked_fill(~torch.ones(tq, tk, dtype=torch.bool).tril(tk - tq), float("-inf"))
    if mask is not None:
        w = w.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else w + mask
    blind = torch.isneginf(w.detach().amax(-1, keepdim=True))
    p = torch.where(blind, torch.zeros(()), torch.softmax(torch.where(blind, torch.zeros(()), w), -1))
    return p @ v


def qkv(b, h, hkv, tq, tk, d, dv):
    return [In("q", randn(b, h, tq, d)), In("k", randn(b, hkv, tk, d)), In("v", randn(b, hkv, tk, dv))]


def cases():
    f = mf.fam("sdpa_masks", 17)
    f.case("bool_2d_broadcast", "sdpa", qkv(2, 2, 2, 4, 5, 3, 3) + [In("mask", bools(4, 5) | torch.eye(4, 5).bool())])
    f.case("bool_per_batch", "sdpa", qkv(2, 3, 3, 3, 4, 4, 2) + [In("mask", bools(2, 1, 3, 4) | (torch.arange(4) == 0))])
    f.case("bool_full_gqa", "sdpa", qkv(1, 4, 2, 3, 3, 2, 3) + [In("mask", bools(1, 4, 3, 3) | torch.eye(3).bool())])
    f.case("float_key_padding", "sdpa", qkv(2, 2, 2, 3, 4, 3, 3) + [In("mask", randn(2, 1, 1, 4))])
    big_negative = torch.zeros(3, 5)
    big_negative[0, 1] = -1e9
    big_negative[2, 0] = -1e9
    big_negative[2, 3] = -1e9
    f.case("float_large_negative", "sdpa", qkv(1, 2, 1, 3, 5, 2, 2) + [In("mask", mf.f32(big_negative + randn(3, 5)))])
    fully = torch.ones(3, 4, dtype=torch.bool)
    fully[1] = False
    f.case("bool_fully_masked_row", "sdpa", qkv(1, 2, 2, 3, 4, 3, 2) + [In("mask", fully)])
    f.case("bool_with_scale", "sdpa", qkv(1, 1, 1, 4, 4, 5, 2) + [In("mask", bools(4, 4) | torch.eye(4).bool())],
           scale=0.2)
    f.case("causal_no_mask", "sdpa", qkv(1, 2, 2, 4, 4, 3, 3), is_causal=True)
    f.case("causal_tq_lt_tk", "sdpa", qkv(1, 2, 1, 2, 5, 3, 3), is_causal=True)
    f.case("no_mask", "sdpa", qkv(2, 2, 2, 3, 3, 2, 2))
    f.case("float_mask_of_view", "sdpa", qkv(1, 2, 2, 3, 4, 2, 2)
           + [In("mask", randn(4, 3), view=[["transpose", 0, 1]])])
    # PyTorch's other ranks: (N, L, E) and (L, E)
    f.case("rank3_bool", "sdpa", [In("q", randn(2, 3, 4)), In("k", randn(2, 5, 4)), In("v", randn(2, 5, 3)),
                                  In("mask", bools(3, 5) | torch.eye(3, 5).bool())])
    f.case("rank2_float", "sdpa", [In("q", randn(3, 2)), In("k", randn(4, 2)), In("v", randn(4, 2)),
                                   In("mask", randn(3, 4))])
    # the masks inside the fused kernels: -inf in a float mask (one row all -inf), grouped heads with a
    # key-padding mask, a per-query BOOL column (key stride 0), and Tq, Tk across the kernels' tiles
    neg_inf = randn(4, 6)
    neg_inf[0, 2] = float("-inf")
    neg_inf[3, 0] = float("-inf")
    neg_inf[2] = float("-inf")
    f.case("float_neg_inf_blind_row", "sdpa", qkv(1, 2, 2, 4, 6, 3, 3) + [In("mask", neg_inf)])
    padding = randn(2, 1, 1, 7)
    padding[0, 0, 0, 6] = float("-inf")
    padding[1, 0, 0, 0] = float("-inf")
    f.case("float_gqa_key_padding", "sdpa", qkv(2, 4, 2, 5, 7, 4, 3) + [In("mask", padding)])
    column = bools(2, 1, 4, 1)
    column[0, 0, 0, 0] = True
    column[1, 0, 3, 0] = False
    f.case("bool_query_column", "sdpa", qkv(2, 2, 2, 4, 5, 3, 3) + [In("mask", column)])
    f.case("tiles_bool", "sdpa", qkv(1, 2, 1, 50, 70, 8, 8) + [In("mask", bools(50, 70) | torch.eye(50, 70).bool())])
    tail = randn(1, 1, 1, 70)
    tail[..., 65:] = float("-inf")
    f.case("tiles_float_padding", "sdpa", qkv(1, 2, 2, 50, 70, 8, 4) + [In("mask", tail)], scale=0.3)
    return f


_f32_text = mf.f32_text


def f32_text(v):
    """make_fixtures.f32_text, with the -inf of float masks written as JSON's -Infinity."""
    return ("Infinity" if v > 0 else "-Infinity") if math.isinf(v) else _f32_text(v)


class SdpaFamily(mf.Family):
    def write(self):
        path = os.path.join(mf.OUT_DIR, self.name + ".json")
        text = mf.emit({"family": self.name, "generator": "tools/make_sdpa_fixtures.py", "torch": torch.__version__,
                        "cases": self.cases}) + "\n"
        with open(path, "w") as out:
            out.write(text)
        return path, len(text), len(self.cases)


def main():
    torch.set_default_dtype(torch.float64)
    mf.OPS["sdpa"] = sdpa
    mf.f32_text = f32_text
    mf.Family = SdpaFamily
    f = cases()
    path, size, n = f.write()
    print("%-70s %4d cases %8d bytes" % (os.path.relpath(path), n, size))


if __name__ == "__main__":
    if not hasattr(torch, "__version__"):
        sys.exit("no torch: run with /usr/bin/python3")
    main()
