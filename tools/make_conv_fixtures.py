#!/usr/bin/python3
"""Writes the PyTorch fixtures that the convolution, pooling and batch-norm tests (ConvFixturesTest)
hold Kiln against.

Run it with Debian's python3-torch (PyTorch 1.13), which lives under /usr/bin/python3:

    /usr/bin/python3 tools/make_conv_fixtures.py

It rewrites layers/src/test/resources/fixtures/conv.json and pool3d.json (the 3-d pooling); the output is deterministic (one seeded
generator), so commit it. CI never runs this script.

Every case computes in float64 on inputs that are exactly representable in float32. For a floating
output it also records a random weight `w` and the gradient of sum(out * w) with respect to each
floating input ("grad_<name>"). Integer tuples are written as comma-separated args ("1,2").
The batch-norm module cases record the running statistics after several training steps and the
output of one evaluation step. The file has the JSON layout of every Kiln fixture
(tools/fixture_json.py describes it).
"""

import os

import torch
import torch.nn as nn
import torch.nn.functional as F

import fixture_json

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "layers", "src", "test", "resources",
                   "fixtures", "conv.json")

gen = torch.Generator()
gen.manual_seed(20261206)


def randn(*shape, scale=1.0):
    return (torch.randn(shape, generator=gen, dtype=torch.float32) * scale).double()


def f32(t):
    return t.float().double()


def tup(v):
    if isinstance(v, (tuple, list)):
        return ",".join(str(int(x)) for x in v)
    return str(v)


cases = []


def case(name, fn, inputs, args=None, extra=None):
    """inputs: list of (name, tensor); fn returns the output, or (output, {name: extra int tensor})."""
    leaves = []
    for n, t in inputs:
        leaf = t.clone()
        if leaf is not None and leaf.is_floating_point():
            leaf.requires_grad_(True)
        leaves.append(leaf)
    r = fn(*leaves)
    extras = {}
    if isinstance(r, tuple):
        r, extras = r
    c = {"name": name, "args": {k: tup(v) for k, v in (args or {}).items()}, "tensors": {}}
    cases.append(c)
    for (n, _), leaf in zip(inputs, leaves):
        c["tensors"][n] = fixture_json.tensor(leaf.detach())
    c["tensors"]["out"] = fixture_json.tensor(r.detach())
    for k, v in extras.items():
        c["tensors"][k] = fixture_json.tensor(v.detach())
    w = f32(randn(*r.shape))
    (r * w).sum().backward()
    c["tensors"]["w"] = fixture_json.tensor(w)
    for (n, _), leaf in zip(inputs, leaves):
        if leaf.is_floating_point():
            g = leaf.grad if leaf.grad is not None else torch.zeros_like(leaf)
            c["tensors"]["grad_" + n] = fixture_json.tensor(g)


# ---------------------------------------------------------------- conv2d

conv2d_cases = [
    # (name, N, C, H, W, O, kH, kW, stride, padding, dilation, groups, bias)
    ("basic", 2, 3, 7, 6, 4, 3, 3, 1, 0, 1, 1, True),
    ("pad1", 2, 3, 5, 5, 2, 3, 3, 1, 1, 1, 1, True),
    ("stride2_pad1", 2, 2, 8, 7, 3, 3, 3, 2, 1, 1, 1, True),
    ("stride_hw", 1, 2, 9, 8, 2, 3, 2, (2, 3), (1, 0), 1, 1, False),
    ("dilation2", 2, 2, 9, 9, 3, 3, 3, 1, 2, 2, 1, True),
    ("dilation_hw", 1, 3, 10, 8, 2, 2, 3, 1, (1, 2), (3, 2), 1, True),
    ("groups2", 2, 4, 6, 6, 6, 3, 3, 1, 1, 1, 2, True),
    ("depthwise", 2, 3, 6, 5, 3, 3, 3, 1, 1, 1, 3, True),
    ("depthwise_mult2", 1, 3, 5, 5, 6, 3, 3, 2, 1, 1, 3, False),
    ("pointwise", 3, 5, 4, 4, 7, 1, 1, 1, 0, 1, 1, True),
    ("kernel5_stride3", 1, 2, 11, 13, 2, 5, 5, 3, 2, 1, 1, True),
    ("kernel_eq_input", 2, 2, 3, 3, 2, 3, 3, 1, 0, 1, 1, True),
    ("rect_kernel", 2, 2, 6, 9, 3, 1, 4, 1, (0, 1), 1, 1, True),
    ("wide_channels", 2, 17, 5, 5, 9, 3, 3, 1, 1, 1, 1, True),
    ("same_odd", 2, 2, 6, 5, 3, 3, 3, 1, "same", 1, 1, True),
    ("same_even", 1, 2, 6, 7, 2, 4, 2, 1, "same", 1, 1, True),
    ("same_dilated", 1, 2, 7, 7, 2, 3, 3, 1, "same", 2, 1, False),
    ("valid", 2, 2, 6, 5, 3, 3, 2, 1, "valid", 1, 1, True),
    ("unbatched", None, 2, 5, 6, 3, 3, 3, 1, 1, 1, 1, True),
]
for name, n, c, h, wd, o, kh, kw, stride, padding, dilation, groups, bias in conv2d_cases:
    shape = (c, h, wd) if n is None else (n, c, h, wd)
    inputs = [("x", f32(randn(*shape))), ("weight", f32(randn(o, c // groups, kh, kw, scale=0.5)))]
    if bias:
        inputs.append(("bias", f32(randn(o))))
    args = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    case("conv2d_" + name, lambda x, wt, b=None, args=args: F.conv2d(x, wt, b, args["stride"], args["padding"],
                                                                       args["dilation"], args["groups"]),
         inputs, args)

for name, n, c, l, o, k, stride, padding, dilation, groups in [
        ("basic", 2, 3, 10, 4, 3, 1, 1, 1, 1), ("strided", 2, 4, 11, 2, 4, 2, 0, 2, 2),
        ("same", 1, 2, 9, 3, 4, 1, "same", 1, 1)]:
    inputs = [("x", f32(randn(n, c, l))), ("weight", f32(randn(o, c // groups, k, scale=0.5))),
              ("bias", f32(randn(o)))]
    args = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    case("conv1d_" + name, lambda x, wt, b, args=args: F.conv1d(x, wt, b, args["stride"], args["padding"],
                                                                  args["dilation"], args["groups"]), inputs, args)

# ---------------------------------------------------------------- conv3d

for name, shape, o, k, stride, padding, dilation, groups, bias in [
        ("basic", (2, 2, 4, 5, 4), 3, (2, 3, 2), 1, 1, 1, 1, True),
        ("strided_dilated_groups", (1, 4, 6, 5, 5), 2, 2, (2, 1, 2), (1, 0, 1), (2, 1, 1), 2, True),
        ("same", (1, 2, 3, 4, 4), 2, 3, 1, "same", 1, 1, False),
        ("depth_in_padding", (1, 1, 2, 3, 3), 2, (1, 2, 2), 3, (2, 0, 0), 1, 1, True)]:
    c = shape[1]
    kk = k if isinstance(k, tuple) else (k, k, k)
    inputs = [("x", f32(randn(*shape))), ("weight", f32(randn(o, c // groups, *kk, scale=0.5)))]
    if bias:
        inputs.append(("bias", f32(randn(o))))
    args = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    case("conv3d_" + name, lambda x, wt, b=None, a=args: F.conv3d(x, wt, b, a["stride"], a["padding"], a["dilation"],
                                                                  a["groups"]), inputs, args)

# ---------------------------------------------------------------- conv_transpose2d / 1d

for name, n, c, h, wd, o, kh, kw, stride, padding, output_padding, groups, dilation, bias in [
        ("basic", 2, 3, 4, 5, 2, 3, 3, 1, 0, 0, 1, 1, True),
        ("stride2", 2, 2, 4, 3, 3, 3, 3, 2, 1, 1, 1, 1, True),
        ("stride_hw_outpad", 1, 2, 3, 4, 2, 2, 3, (2, 3), (0, 1), (1, 2), 1, 1, False),
        ("groups", 2, 4, 3, 3, 6, 3, 3, 2, 1, 0, 2, 1, True),
        ("dilated", 1, 2, 4, 4, 2, 3, 2, 1, 1, 1, 1, 2, True),
        ("unbatched", None, 3, 3, 3, 2, 2, 2, 2, 0, 0, 1, 1, True)]:
    shape = (c, h, wd) if n is None else (n, c, h, wd)
    inputs = [("x", f32(randn(*shape))), ("weight", f32(randn(c, o // groups, kh, kw, scale=0.5)))]
    if bias:
        inputs.append(("bias", f32(randn(o))))
    args = {"stride": stride, "padding": padding, "output_padding": output_padding, "groups": groups,
            "dilation": dilation}
    case("conv_transpose2d_" + name,
         lambda x, wt, b=None, a=args: F.conv_transpose2d(x, wt, b, a["stride"], a["padding"], a["output_padding"],
                                                          a["groups"], a["dilation"]), inputs, args)
case("conv_transpose1d", lambda x, wt, b: F.conv_transpose1d(x, wt, b, 2, 1, 1, 1, 1),
     [("x", f32(randn(2, 3, 5))), ("weight", f32(randn(3, 2, 3, scale=0.5))), ("bias", f32(randn(2)))],
     {"stride": 2, "padding": 1, "output_padding": 1, "groups": 1, "dilation": 1})

# ---------------------------------------------------------------- pooling

for name, shape, k, stride, padding, dilation, ceil in [
        ("k2", (2, 3, 6, 6), 2, None, 0, 1, False),
        ("k3s2p1", (2, 2, 7, 8), 3, 2, 1, 1, False),
        ("k3s2_ceil", (1, 2, 8, 8), 3, 2, 0, 1, True),
        ("k3s2p1_ceil", (1, 2, 7, 6), 3, 2, 1, 1, True),
        ("k2s2_ceil_odd", (2, 1, 5, 7), 2, 2, 0, 1, True),
        # ceil mode would start a last window in the right padding: PyTorch drops it
        ("k2s2p1_ceil_dropped", (1, 2, 5, 5), 2, 2, 1, 1, True),
        ("dilated", (1, 2, 9, 9), 3, 1, 1, 2, False),
        ("rect", (2, 2, 6, 9), (2, 3), (1, 2), (1, 1), 1, False),
        ("unbatched", (3, 5, 5), 2, 1, 0, 1, False)]:
    args = {"kernel": k, "stride": stride if stride is not None else k, "padding": padding, "dilation": dilation,
            "ceil_mode": ceil}
    case("max_pool2d_" + name, lambda x, a=args: (lambda r: (r[0], {"indices": r[1]}))(
        F.max_pool2d(x, a["kernel"], a["stride"], a["padding"], a["dilation"], a["ceil_mode"], return_indices=True)),
         [("x", f32(randn(*shape)))], args)

for name, shape, k, stride, padding, ceil, include, divisor in [
        ("k2", (2, 3, 6, 6), 2, None, 0, False, True, None),
        ("k3s2p1", (2, 2, 7, 8), 3, 2, 1, False, True, None),
        ("k3s2p1_exclude", (2, 2, 7, 8), 3, 2, 1, False, False, None),
        ("k3s2_ceil", (1, 2, 8, 8), 3, 2, 0, True, True, None),
        ("k3s2p1_ceil", (1, 2, 7, 6), 3, 2, 1, True, True, None),
        ("k3s2p1_ceil_exclude", (1, 2, 7, 6), 3, 2, 1, True, False, None),
        ("k2s2p1_ceil_dropped", (1, 2, 5, 5), 2, 2, 1, True, True, None),
        ("k2s2p1_ceil_dropped_exclude", (1, 2, 5, 5), 2, 2, 1, True, False, None),
        ("divisor", (1, 2, 6, 6), 3, 2, 1, False, True, 5),
        ("rect", (2, 2, 6, 9), (2, 3), (1, 2), (1, 1), False, False, None)]:
    args = {"kernel": k, "stride": stride if stride is not None else k, "padding": padding, "ceil_mode": ceil,
            "count_include_pad": include, "divisor_override": divisor}
    case("avg_pool2d_" + name, lambda x, a=args: F.avg_pool2d(x, a["kernel"], a["stride"], a["padding"],
                                                              a["ceil_mode"], a["count_include_pad"],
                                                              a["divisor_override"]),
         [("x", f32(randn(*shape)))], args)

for name, shape, size in [("even", (2, 3, 8, 8), (4, 4)), ("uneven", (2, 2, 7, 10), (3, 4)),
                          ("global", (2, 3, 5, 6), (1, 1)), ("grow", (1, 2, 3, 4), (5, 6))]:
    case("adaptive_avg_pool2d_" + name, lambda x, s=size: F.adaptive_avg_pool2d(x, s), [("x", f32(randn(*shape)))],
         {"output_size": size})
    case("adaptive_max_pool2d_" + name, lambda x, s=size: (lambda r: (r[0], {"indices": r[1]}))(
        F.adaptive_max_pool2d(x, s, return_indices=True)), [("x", f32(randn(*shape)))], {"output_size": size})

case("max_pool1d", lambda x: F.max_pool1d(x, 3, 2, 1, 1, True), [("x", f32(randn(2, 3, 10)))],
     {"kernel": 3, "stride": 2, "padding": 1, "dilation": 1, "ceil_mode": True})
case("avg_pool1d", lambda x: F.avg_pool1d(x, 3, 2, 1, True, False), [("x", f32(randn(2, 3, 10)))],
     {"kernel": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False})

# ---------------------------------------------------------------- unfold / fold

for name, shape, k, d, p, st in [("k2", (2, 3, 4, 5), 2, 1, 0, 1), ("k3_pad_stride", (1, 2, 7, 6), 3, 1, 1, 2),
                                 ("dilated_rect", (2, 2, 6, 7), (2, 3), (2, 1), (1, 0), (1, 2))]:
    args = {"kernel": k, "dilation": d, "padding": p, "stride": st}
    case("unfold_" + name, lambda x, a=args: F.unfold(x, a["kernel"], a["dilation"], a["padding"], a["stride"]),
         [("x", f32(randn(*shape)))], args)
    blocks = F.unfold(torch.zeros(shape, dtype=torch.float64), k, d, p, st).shape
    args2 = dict(args, output_size=shape[2:])
    case("fold_" + name, lambda x, a=args2: F.fold(x, a["output_size"], a["kernel"], a["dilation"], a["padding"],
                                                   a["stride"]), [("x", f32(randn(*blocks)))], args2)

# ---------------------------------------------------------------- interpolate

for name, shape, size, scale, mode, align in [
        ("nearest_up", (1, 2, 3, 4), (7, 9), None, "nearest", None),
        ("nearest_down", (2, 1, 9, 7), (4, 3), None, "nearest", None),
        ("nearest_scale", (1, 2, 3, 5), None, (2.0, 1.5), "nearest", None),
        ("nearest_exact", (1, 2, 5, 7), (8, 3), None, "nearest-exact", None),
        ("bilinear", (2, 2, 3, 4), (5, 7), None, "bilinear", False),
        ("bilinear_align", (1, 2, 4, 3), (7, 8), None, "bilinear", True),
        ("bilinear_down", (1, 1, 9, 8), (4, 3), None, "bilinear", False),
        ("bilinear_scale", (1, 2, 3, 4), None, (2.5, 1.5), "bilinear", False),
        ("linear", (2, 3, 5), (9,), None, "linear", False),
        ("linear_align", (2, 3, 5), (3,), None, "linear", True),
        ("trilinear", (1, 2, 3, 2, 4), (4, 5, 3), None, "trilinear", False),
        ("nearest_1d", (2, 2, 5), (8,), None, "nearest", None)]:
    args = {"mode": mode, "size": size if size else "None", "scale": ",".join(str(v) for v in scale) if scale else "None",
            "align_corners": align}
    case("interpolate_" + name, lambda x, sz=size, sc=scale, m=mode, a=align: F.interpolate(
        x, size=sz, scale_factor=sc, mode=m, align_corners=a), [("x", f32(randn(*shape)))], args)

# ---------------------------------------------------------------- max_unpool2d, local_response_norm

for name, shape, k, st, p in [("k2", (2, 2, 6, 6), 2, 2, 0), ("k3s2p1", (1, 3, 7, 7), 3, 2, 1)]:
    v, idx = F.max_pool2d(f32(randn(*shape)), k, st, p, return_indices=True)
    args = {"kernel": k, "stride": st, "padding": p}
    case("max_unpool2d_" + name, lambda x, i, a=args: F.max_unpool2d(x, i, a["kernel"], a["stride"], a["padding"]),
         [("x", v), ("unpool_indices", idx)], args)

for name, shape, size in [("size2", (2, 5, 3, 3), 2), ("size3_3d", (2, 6, 4), 3), ("size5", (1, 4, 2, 2, 2), 5),
                          ("size1", (2, 3, 2, 2), 1)]:
    case("local_response_norm_" + name, lambda x, sz=size: F.local_response_norm(x, sz, 0.1, 0.75, 2.0),
         [("x", f32(randn(*shape, scale=2.0)))], {"size": size, "alpha": 0.1, "beta": 0.75, "k": 2.0})

# ---------------------------------------------------------------- normalisation (functional)

for name, shape, affine in [("2d", (4, 3, 5, 5), True), ("1d", (6, 4), True), ("1d_seq", (3, 4, 5), False),
                            ("2d_noaffine", (2, 3, 4, 4), False)]:
    c = shape[1]
    inputs = [("x", f32(randn(*shape, scale=2.0).add(0.5)))]
    if affine:
        inputs += [("weight", f32(randn(c))), ("bias", f32(randn(c)))]
    case("batch_norm_train_" + name, lambda x, wt=None, b=None: F.batch_norm(x, None, None, wt, b, True, 0.1, 1e-5),
         inputs, {"eps": 1e-5})
    rm = f32(randn(c, scale=0.5))
    rv = f32(torch.rand(c, generator=gen, dtype=torch.float32).double() + 0.5)
    case("batch_norm_eval_" + name,
         lambda x, wt=None, b=None, rm=rm, rv=rv: (F.batch_norm(x, rm, rv, wt, b, False, 0.1, 1e-5),
                                                   {"running_mean": rm, "running_var": rv}),
         inputs, {"eps": 1e-5})

for name, shape, groups, affine in [("g2", (2, 4, 3, 3), 2, True), ("g1", (3, 6, 5), 1, True),
                                    ("per_channel", (2, 3, 4, 4), 3, False)]:
    c = shape[1]
    inputs = [("x", f32(randn(*shape, scale=1.5)))]
    if affine:
        inputs += [("weight", f32(randn(c))), ("bias", f32(randn(c)))]
    case("group_norm_" + name, lambda x, wt=None, b=None, g=groups: F.group_norm(x, g, wt, b, 1e-5), inputs,
         {"groups": groups, "eps": 1e-5})

case("instance_norm", lambda x, wt, b: F.instance_norm(x, weight=wt, bias=b, eps=1e-5),
     [("x", f32(randn(2, 3, 4, 5))), ("weight", f32(randn(3))), ("bias", f32(randn(3)))], {"eps": 1e-5})

# ---------------------------------------------------------------- BatchNorm modules over several steps


def bn_steps(name, module, shapes, momentum):
    torch.manual_seed(0)
    m = module.double()
    with torch.no_grad():
        if m.affine:
            m.weight.copy_(f32(randn(*m.weight.shape)))
            m.bias.copy_(f32(randn(*m.bias.shape)))
    c = {"name": name, "args": {"momentum": str(momentum), "steps": str(len(shapes))}, "tensors": {}}
    if m.affine:
        c["tensors"]["weight"] = fixture_json.tensor(m.weight.detach())
        c["tensors"]["bias"] = fixture_json.tensor(m.bias.detach())
    m.train()
    for i, s in enumerate(shapes):
        x = f32(randn(*s, scale=1.5).add(i * 0.3))
        c["tensors"]["x%d" % i] = fixture_json.tensor(x)
        c["tensors"]["train_out%d" % i] = fixture_json.tensor(m(x).detach())
    c["tensors"]["running_mean"] = fixture_json.tensor(m.running_mean)
    c["tensors"]["running_var"] = fixture_json.tensor(m.running_var)
    c["args"]["num_batches_tracked"] = str(int(m.num_batches_tracked))
    m.eval()
    xe = f32(randn(*shapes[0]))
    c["tensors"]["eval_x"] = fixture_json.tensor(xe)
    c["tensors"]["eval_out"] = fixture_json.tensor(m(xe).detach())
    cases.append(c)


bn_steps("bn2d_module_momentum", nn.BatchNorm2d(3, momentum=0.2), [(4, 3, 3, 3), (2, 3, 4, 2), (5, 3, 2, 2)], 0.2)
bn_steps("bn2d_module_cumulative", nn.BatchNorm2d(2, momentum=None), [(3, 2, 2, 3), (4, 2, 3, 3), (2, 2, 2, 2)],
         None)
bn_steps("bn1d_module", nn.BatchNorm1d(4), [(6, 4), (5, 4), (8, 4), (3, 4)], 0.1)
bn_steps("bn1d_module_seq_noaffine", nn.BatchNorm1d(3, affine=False), [(2, 3, 5), (4, 3, 2)], 0.1)

fixture_json.write(OUT, "tools/make_conv_fixtures.py", torch.__version__, cases)
print("wrote", len(cases), "cases to", os.path.normpath(OUT))

# ---------------------------------------------------------------- 3-d pooling: fixtures/pool3d.json, from a
# generator of its own, so that adding cases here leaves conv.json's values as they are

OUT_3D = os.path.join(os.path.dirname(OUT), "pool3d.json")
cases = []
gen.manual_seed(20261216)

for name, shape, k, stride, padding, dilation, ceil in [
        ("k2", (2, 3, 4, 4, 4), 2, None, 0, 1, False),
        ("k3s2p1", (1, 2, 5, 6, 7), 3, 2, 1, 1, False),
        ("ceil", (1, 2, 5, 5, 6), (2, 3, 2), 2, (1, 1, 0), 1, True),
        # ceil mode would start a last window in the padding: PyTorch drops it
        ("k2s2p1_ceil_dropped", (1, 1, 5, 5, 5), 2, 2, 1, 1, True),
        ("dilated", (1, 1, 7, 7, 7), 3, 1, 1, 2, False),
        ("rect", (2, 1, 6, 5, 8), (1, 2, 3), (1, 2, 1), (0, 1, 1), (1, 1, 2), False),
        ("unbatched", (2, 4, 4, 5), 2, 1, 0, 1, False)]:
    args = {"kernel": k, "stride": stride if stride is not None else k, "padding": padding, "dilation": dilation,
            "ceil_mode": ceil}
    case("max_pool3d_" + name, lambda x, a=args: (lambda r: (r[0], {"indices": r[1]}))(
        F.max_pool3d(x, a["kernel"], a["stride"], a["padding"], a["dilation"], a["ceil_mode"], return_indices=True)),
         [("x", f32(randn(*shape)))], args)

for name, shape, k, stride, padding, ceil, include, divisor in [
        ("k2", (2, 3, 4, 4, 4), 2, None, 0, False, True, None),
        ("k3s2p1", (1, 2, 5, 6, 7), 3, 2, 1, False, True, None),
        ("k3s2p1_exclude", (1, 2, 5, 6, 7), 3, 2, 1, False, False, None),
        ("ceil", (1, 2, 5, 5, 6), (2, 3, 2), 2, (1, 1, 0), True, True, None),
        ("ceil_exclude", (1, 2, 5, 5, 6), (2, 3, 2), 2, (1, 1, 0), True, False, None),
        ("k2s2p1_ceil_dropped", (1, 1, 5, 5, 5), 2, 2, 1, True, True, None),
        ("k2s2p1_ceil_dropped_exclude", (1, 1, 5, 5, 5), 2, 2, 1, True, False, None),
        ("divisor", (1, 2, 4, 5, 6), 3, 2, 1, False, True, 7),
        ("rect", (2, 1, 6, 5, 8), (1, 2, 3), (1, 2, 1), (0, 1, 1), False, False, None),
        ("unbatched", (2, 4, 4, 5), 2, 1, 0, False, True, None)]:
    args = {"kernel": k, "stride": stride if stride is not None else k, "padding": padding, "ceil_mode": ceil,
            "count_include_pad": include, "divisor_override": divisor}
    case("avg_pool3d_" + name, lambda x, a=args: F.avg_pool3d(x, a["kernel"], a["stride"], a["padding"],
                                                              a["ceil_mode"], a["count_include_pad"],
                                                              a["divisor_override"]),
         [("x", f32(randn(*shape)))], args)

fixture_json.write(OUT_3D, "tools/make_conv_fixtures.py", torch.__version__, cases)
print("wrote", len(cases), "cases to", os.path.normpath(OUT_3D))
