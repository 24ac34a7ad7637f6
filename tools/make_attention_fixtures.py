#!/usr/bin/python3
"""Writes the PyTorch fixtures that AttentionFixturesTest holds Kiln's attention ops and layers against.

Run it with Debian's python3-torch (PyTorch 1.13), which lives under /usr/bin/python3:

    /usr/bin/python3 tools/make_attention_fixtures.py

It rewrites layers/src/test/resources/fixtures/attention.json; the output is deterministic (one
seeded generator), so commit it. CI never runs this script.

PyTorch 1.13 has no F.scaled_dot_product_attention, and Kiln's layers are not PyTorch modules, so
every reference here is written with plain torch ops, straight from the formulas
(docs/formulas/attention.md):
  - sdpa: softmax(q·kᵀ·scale + mask)·v, key/value heads repeated for grouped-query attention, the
    causal mask aligned to the end (key j visible to query i iff j <= i + Tk - Tq, FlashAttention 2's
    convention; PyTorch's own SDPA aligns it to the start);
  - linear attention: the quadratic masked form (φ(q)·φ(k)ᵀ ⊙ M)·v / rowsum(...) + eps, which Kiln
    computes with prefix sums;
  - rotary embedding: adjacent feature pairs (x[2i], x[2i+1]) rotated by p·base^(-2i/D), as RoFormer;
  - the layers (MultiHeadAttention, ReluAttention, SimplifiedLinearAttention) from those pieces and
    Linear maps x·Wᵀ + b, with parameters under Kiln's state-dict names ("param.<name>").

Every case computes in float64 on inputs and parameters that are exactly representable in float32,
so a Kiln F32 run starts from the same numbers. It records a random weight `w` of the output's shape
and the gradient of sum(out * w) with respect to each input and parameter ("grad.<name>").

The file has the JSON layout of every Kiln fixture (tools/fixture_json.py describes it); the tests
read it with their one JSON reader.
"""

import math
import os

import torch
import torch.nn.functional as F

import fixture_json

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "layers", "src", "test", "resources",
                   "fixtures", "attention.json")

gen = torch.Generator()
gen.manual_seed(20240707)


def randn(*shape, scale=1.0):
    return (torch.randn(shape, generator=gen, dtype=torch.float32) * scale).double()


cases = []


def emit(name, args, inputs, params, fn):
    """Runs fn(inputs, params) in float64 and records inputs, params, output, w and every gradient."""
    leaves = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
    pleaves = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    out = fn(leaves, pleaves)
    w = randn(*out.shape)
    (out * w).sum().backward()
    c = {"name": name, "args": {}, "tensors": {}}
    cases.append(c)
    for k, v in args.items():
        c["args"][k] = (str(v).lower() if isinstance(v, bool) else str(v))
    for k, v in inputs.items():
        c["tensors"][k] = fixture_json.tensor(v)
    for k, v in params.items():
        c["tensors"]["param." + k] = fixture_json.tensor(v)
    c["tensors"]["out"] = fixture_json.tensor(out.detach())
    c["tensors"]["w"] = fixture_json.tensor(w)
    for k, v in leaves.items():
        c["tensors"]["grad." + k] = fixture_json.tensor(v.grad if v.grad is not None else torch.zeros_like(v))
    for k, v in pleaves.items():
        c["tensors"]["grad." + k] = fixture_json.tensor(v.grad if v.grad is not None else torch.zeros_like(v))


# ---------------------------------------------------------------------------------------------- pieces

def causal_mask(tq, tk):
    """True where query i may see key j <= i + tk - tq (end-aligned)."""
    return torch.ones(tq, tk, dtype=torch.bool).tril(diagonal=tk - tq)


def sdpa(q, k, v, causal, scale):
    g = q.shape[1] // k.shape[1]
    k = k.repeat_interleave(g, dim=1)
    v = v.repeat_interleave(g, dim=1)
    s = q @ k.transpose(-1, -2) * scale
    if causal:
        s = s.masked_fill(~causal_mask(q.shape[2], k.shape[2]), float("-inf"))
    return torch.softmax(s, dim=-1) @ v


def linear_attention(q, k, v, causal, eps):
    a = q @ k.transpose(-1, -2)
    if causal:
        a = a * causal_mask(q.shape[2], k.shape[2]).double()
    return (a @ v) / (a.sum(-1, keepdim=True) + eps)


def rope(x, offset, base=10000.0):
    t, d = x.shape[-2], x.shape[-1]
    inv = base ** (-torch.arange(0, d, 2, dtype=torch.float64) / d)
    ang = torch.arange(offset, offset + t, dtype=torch.float64)[:, None] * inv[None, :]
    cos, sin = torch.cos(ang), torch.sin(ang)
    x0, x1 = x[..., 0::2], x[..., 1::2]
    return torch.stack([x0 * cos - x1 * sin, x0 * sin + x1 * cos], dim=-1).flatten(-2)


def linear(x, p, name):
    y = x @ p[name + ".weight"].t()
    return y + p[name + ".bias"] if (name + ".bias") in p else y


def split(x, heads):
    b, t, f = x.shape
    return x.reshape(b, t, heads, f // heads).transpose(1, 2)


def merge(x):
    b, h, t, d = x.shape
    return x.transpose(1, 2).reshape(b, t, h * d)


def linear_params(prefix, out_f, in_f, bias):
    bound = 1 / math.sqrt(in_f)
    p = {prefix + ".weight": ((torch.rand(out_f, in_f, generator=gen) * 2 - 1) * bound).float().double()}
    if bias:
        p[prefix + ".bias"] = ((torch.rand(out_f, generator=gen) * 2 - 1) * bound).float().double()
    return p


# ---------------------------------------------------------------------------------------------- ops

for name, (b, h, hkv, tq, tk, d, dv), causal, scale in [
    ("sdpa/plain", (2, 2, 2, 5, 5, 4, 4), False, None),
    ("sdpa/causal", (1, 3, 3, 6, 6, 5, 5), True, None),
    ("sdpa/causal_tq_lt_tk", (1, 2, 2, 3, 7, 4, 3), True, None),
    ("sdpa/gqa_causal", (2, 4, 2, 5, 5, 3, 3), True, None),
    ("sdpa/mqa_scale", (1, 3, 1, 4, 6, 4, 2), False, 0.3),
]:
    s = scale if scale is not None else 1 / math.sqrt(d)
    emit(name, {"op": "sdpa", "causal": causal, "scale": "nan" if scale is None else scale},
         {"q": randn(b, h, tq, d), "k": randn(b, hkv, tk, d), "v": randn(b, hkv, tk, dv)}, {},
         lambda i, p, c=causal, s=s: sdpa(i["q"], i["k"], i["v"], c, s))

for name, (b, h, tq, tk, d, dv), causal in [
    ("linear_attention/plain", (2, 2, 5, 5, 3, 4), False),
    ("linear_attention/causal", (1, 3, 7, 7, 4, 2), True),
    ("linear_attention/causal_tq_lt_tk", (1, 2, 3, 6, 4, 3), True),
]:
    emit(name, {"op": "linear_attention", "causal": causal, "eps": 1e-6},
         {"q": randn(b, h, tq, d).abs(), "k": randn(b, h, tk, d).abs(), "v": randn(b, h, tk, dv)}, {},
         lambda i, p, c=causal: linear_attention(i["q"], i["k"], i["v"], c, 1e-6))

for name, shape, offset in [("rope/plain", (2, 3, 5, 8), 0), ("rope/offset", (1, 2, 3, 6), 11)]:
    emit(name, {"op": "rope", "offset": offset}, {"x": randn(*shape)}, {},
         lambda i, p, o=offset: rope(i["x"], o))

# ---------------------------------------------------------------------------------------------- layers


def mha_case(name, d_model, heads, kv_heads, causal, rotary, bias, b, t):
    hd = d_model // heads
    p = {}
    p.update(linear_params("q_proj", heads * hd, d_model, bias))
    p.update(linear_params("k_proj", kv_heads * hd, d_model, bias))
    p.update(linear_params("v_proj", kv_heads * hd, d_model, bias))
    p.update(linear_params("out_proj", d_model, heads * hd, bias))

    def fn(i, p):
        x = i["x"]
        q = split(linear(x, p, "q_proj"), heads)
        k = split(linear(x, p, "k_proj"), kv_heads)
        v = split(linear(x, p, "v_proj"), kv_heads)
        if rotary:
            q, k = rope(q, 0), rope(k, 0)
        return linear(merge(sdpa(q, k, v, causal, 1 / math.sqrt(hd))), p, "out_proj")

    emit(name, {"layer": "mha", "dModel": d_model, "nHeads": heads, "kvHeads": kv_heads, "causal": causal,
                "rotary": rotary, "bias": bias}, {"x": randn(b, t, d_model)}, p, fn)


mha_case("mha/plain", 12, 3, 3, False, False, True, 2, 5)
mha_case("mha/gqa_rotary_causal", 16, 4, 2, True, True, False, 2, 6)
mha_case("mha/mqa_rotary_causal_bias", 8, 2, 1, True, True, True, 1, 7)


def relu_case(name, d_model, heads, causal, factor, b, t):
    hd = d_model // heads
    p = {}
    for n in ("q_proj", "k_proj", "v_proj", "out_proj"):
        p.update(linear_params(n, d_model, d_model, True))

    def fn(i, p):
        x = i["x"]
        q, k, v = (split(linear(x, p, n), heads) for n in ("q_proj", "k_proj", "v_proj"))
        a = torch.relu(q @ k.transpose(-1, -2) / math.sqrt(hd))
        if causal:
            a = a.masked_fill(~causal_mask(t, t), 0.0)
        f = 1.0 / t if factor is None else factor
        return linear(merge((a * f) @ v), p, "out_proj")

    emit(name, {"layer": "relu", "dModel": d_model, "nHeads": heads, "causal": causal,
                "factor": "nan" if factor is None else factor}, {"x": randn(b, t, d_model)}, p, fn)


relu_case("relu/plain", 8, 2, False, None, 2, 5)
relu_case("relu/causal_factor", 12, 3, True, 0.25, 1, 6)


def slab_case(name, d_model, heads, max_len, causal, qkv_bias, b, t):
    hd = d_model // heads
    p = {}
    p.update(linear_params("qkv", 3 * d_model, d_model, qkv_bias))
    p.update(linear_params("proj", d_model, d_model, True))
    p["dwc.weight"] = randn(hd, 1, 5, scale=0.4)
    p["dwc.bias"] = randn(hd, scale=0.1)
    p["positional_encoding"] = randn(1, max_len, d_model, scale=0.2)  # non-zero, so its gradient path is tested

    def fn(i, p):
        x = i["x"]
        h = linear(x, p, "qkv")
        q, k, v = h[..., :d_model], h[..., d_model:2 * d_model], h[..., 2 * d_model:]
        k = k + p["positional_encoding"][:, :t]
        q, k = torch.relu(q), torch.relu(k)
        q, k, v = split(q, heads), split(k, heads), split(v, heads)
        o = linear_attention(q, k, v, causal, 1e-6)
        vv = v.reshape(b * heads, t, hd).transpose(1, 2)
        if causal:
            conv = F.conv1d(F.pad(vv, (4, 0)), p["dwc.weight"], p["dwc.bias"], groups=hd)
        else:
            conv = F.conv1d(vv, p["dwc.weight"], p["dwc.bias"], padding=2, groups=hd)
        o = o + conv.transpose(1, 2).reshape(b, heads, t, hd)
        return linear(merge(o), p, "proj")

    emit(name, {"layer": "slab", "dModel": d_model, "nHeads": heads, "maxLength": max_len, "causal": causal,
                "qkvBias": qkv_bias}, {"x": randn(b, t, d_model)}, p, fn)


slab_case("slab/plain", 8, 2, 8, False, False, 2, 6)
slab_case("slab/causal_qkv_bias", 12, 3, 10, True, True, 1, 7)

os.makedirs(os.path.dirname(OUT), exist_ok=True)
fixture_json.write(OUT, "tools/make_attention_fixtures.py", torch.__version__, cases)
print("wrote", os.path.normpath(OUT), len(cases), "cases")
