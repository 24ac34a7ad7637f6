#!/usr/bin/python3
"""Writes the PyTorch fixtures that Kiln's KAN and bilinear-decomposition tests (KanFixturesTest,
BilinearDecompositionTest) hold the layers against.

Run it with Debian's python3-torch (PyTorch 1.13), which lives under /usr/bin/python3:

    /usr/bin/python3 tools/make_kan_fixtures.py

It rewrites layers/src/test/resources/fixtures/kan.json; the output is deterministic (one seeded
generator), so commit it. CI never runs this script.

The KAN functions below are written from the definitions in docs/formulas/kan.md with plain torch ops
(Cox-de Boor with half-open order-0 intervals, the matmul form of a KAN layer, the grid update from
data, the L1 + entropy regulariser); the bilinear cases use torch.linalg.eigh. Everything computes in
float64 on inputs that are exactly representable in float32, so a Kiln F32 run starts from the same
numbers. For a floating output the script records a random weight `w` and the gradient of
sum(out * w) with respect to each input marked for gradients ("grad_<name>").

The file has the JSON layout of every Kiln fixture (tools/fixture_json.py describes it); the tests
read it with their one JSON reader.
"""

import os

import torch

import fixture_json

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "layers", "src", "test", "resources",
                   "fixtures", "kan.json")

gen = torch.Generator()
gen.manual_seed(20240607)
torch.set_default_dtype(torch.float64)


def f32(t):
    return t.float().double()


def randn(*shape, scale=1.0):
    return f32(torch.randn(shape, generator=gen, dtype=torch.float32) * scale)


def rand(*shape, lo=0.0, hi=1.0):
    return f32(lo + (hi - lo) * torch.rand(shape, generator=gen, dtype=torch.float32))


cases = []


def case(name, fn, inputs, args=None, grad=(), extra=None):
    """inputs: list of (name, tensor); grad: names of the inputs whose gradients are recorded.
    fn returns the output tensor, or a dict of named outputs (the first is "out")."""
    args = args or {}
    leaves = []
    for n, t in inputs:
        leaf = t.clone()
        if n in grad:
            leaf.requires_grad_(True)
        leaves.append(leaf)
    result = fn(*leaves)
    outs = result if isinstance(result, dict) else {"out": result}
    c = {"name": name, "args": {}, "tensors": {}}
    cases.append(c)
    for k, v in args.items():
        c["args"][k] = str(v)
    for (n, _), leaf in zip(inputs, leaves):
        c["tensors"][n] = fixture_json.tensor(leaf.detach())
    for k, v in outs.items():
        c["tensors"][k] = fixture_json.tensor(v.detach())
    out = outs["out"]
    if grad:
        w = randn(*out.shape)
        c["tensors"]["w"] = fixture_json.tensor(w)
        wanted = [l for (n, _), l in zip(inputs, leaves) if n in grad]
        if out.requires_grad:
            gs = torch.autograd.grad((out * w).sum(), wanted, allow_unused=True)
        else:
            gs = [None] * len(wanted)  # piecewise constant (order 0): the gradient is 0
        for n, g in zip([n for n, _ in inputs if n in grad], gs):
            c["tensors"]["grad_" + n] = fixture_json.tensor(torch.zeros_like(dict(inputs)[n]) if g is None else g)
    for k, v in (extra or {}).items():
        c["tensors"][k] = fixture_json.tensor(v)


# ---------------------------------------------------------------------------------------- B-splines

def uniform_grid(inputs, g, k, lo=-1.0, hi=1.0):
    h = (hi - lo) / g
    row = torch.tensor([lo + (j - k) * h for j in range(g + 2 * k + 1)])
    return f32(row.expand(inputs, -1).contiguous())


def irregular_grid(inputs, g, k):
    steps = rand(inputs, g + 2 * k, lo=0.15, hi=0.6)
    start = rand(inputs, 1, lo=-2.0, hi=-1.0)
    return f32(torch.cat([start, start + torch.cumsum(steps, dim=1)], dim=1))


def bspline(x, grid, k):
    """Cox-de Boor, docs/formulas/kan.md: x [N, in], grid [in, K] -> [N, in, K - 1 - k]; 0 outside [t_0, t_{K-1})."""
    xe = x.unsqueeze(-1)
    b = ((xe >= grid[:, :-1]) & (xe < grid[:, 1:])).to(x.dtype)
    for p in range(1, k + 1):
        left = (xe - grid[:, :-(p + 1)]) / (grid[:, p:-1] - grid[:, :-(p + 1)])
        right = (grid[:, p + 1:] - xe) / (grid[:, p + 1:] - grid[:, 1:-p])
        b = left * b[:, :, :-1] + right * b[:, :, 1:]
    return b


def spread_inputs(grid, n, margin=0.4):
    lo = grid[:, 0] - margin
    hi = grid[:, -1] + margin
    return f32(lo + (hi - lo) * rand(n, grid.shape[0]))


for name, grid, k, n in [
    ("uniform_g5_k3", uniform_grid(3, 5, 3), 3, 17),
    ("uniform_g10_k3", uniform_grid(2, 10, 3), 3, 9),
    ("irregular_g4_k2", irregular_grid(3, 4, 2), 2, 13),
    ("irregular_g3_k1", irregular_grid(2, 3, 1), 1, 11),
    ("irregular_g6_k0", irregular_grid(2, 6, 0), 0, 7),
    ("uniform_g1_k5", uniform_grid(1, 1, 5, -0.5, 0.5), 5, 8),
]:
    x = spread_inputs(grid, n)
    case("bspline_" + name, lambda x, grid, k=k: bspline(x, grid, k), [("x", x), ("grid", grid)],
         args={"order": k}, grad=("x",))


# ---------------------------------------------------------------------------------------- KANLinear

def kan_linear(x, grid, base_weight, spline_weight, spline_scaler, k):
    """y = SiLU(x) W_b^T + B(x) (C * w_s)^T, docs/formulas/kan.md, for x [..., in]."""
    shape = x.shape
    x2 = x.reshape(-1, shape[-1])
    out = spline_weight.shape[0]
    scaled = spline_weight if spline_scaler is None else spline_weight * spline_scaler.unsqueeze(-1)
    y = torch.nn.functional.silu(x2) @ base_weight.t() + bspline(x2, grid, k).reshape(x2.shape[0], -1) @ scaled.reshape(out, -1).t()
    return y.reshape(*shape[:-1], out)


for name, lead, inp, out, g, k, standalone in [
    ("default", (6,), 3, 4, 5, 3, True),
    ("leading_dims", (2, 3), 2, 3, 4, 2, True),
    ("no_scaler", (5,), 3, 2, 3, 3, False),
]:
    grid = uniform_grid(inp, g, k)
    x = f32(rand(*lead, inp, lo=-1.3, hi=1.3))
    bw = randn(out, inp, scale=0.5)
    sw = randn(out, inp, g + k, scale=0.3)
    inputs = [("x", x), ("grid", grid), ("base_weight", bw), ("spline_weight", sw)]
    grads = ["x", "base_weight", "spline_weight"]
    if standalone:
        inputs.append(("spline_scaler", randn(out, inp, scale=0.5)))
        grads.append("spline_scaler")
        fn = lambda x, grid, bw, sw, ss, k=k: kan_linear(x, grid, bw, sw, ss, k)
    else:
        fn = lambda x, grid, bw, sw, k=k: kan_linear(x, grid, bw, sw, None, k)
    case("kan_linear_" + name, fn, inputs, args={"order": k, "grid_size": g}, grad=tuple(grads))


# ---------------------------------------------------------------------------------------- grid update

def update_grid(x, grid, spline_weight, g, k, eps, margin):
    """Spec kan.md: adaptive knots at sorted samples floor(B*j/G) (last = largest), uniform over
    [min - margin, max + margin], blended, extended by k uniform steps; C refitted by least squares
    to each edge's unscaled curve sum_c C B_c on the batch."""
    batch = x.shape[0]
    old = torch.einsum("bic,oic->bio", bspline(x, grid, k), spline_weight)   # [B, in, out]
    xs = torch.sort(x, dim=0)[0]
    idx = torch.tensor([min(batch * j // g, batch - 1) for j in range(g + 1)])
    adaptive = xs[idx]                                                     # [G+1, in]
    step = (xs[-1] - xs[0] + 2 * margin) / g
    uniform = xs[0] - margin + torch.arange(g + 1).unsqueeze(1) * step
    core = eps * uniform + (1 - eps) * adaptive
    below = torch.stack([core[0] - s * step for s in range(k, 0, -1)]) if k else core[:0]
    above = torch.stack([core[-1] + s * step for s in range(1, k + 1)]) if k else core[:0]
    new_grid = torch.cat([below, core, above]).t().contiguous()            # [in, G+2k+1]
    a = bspline(x, new_grid, k).permute(1, 0, 2)                          # [in, B, n]
    sol = torch.linalg.lstsq(a, old.permute(1, 0, 2), driver="gelsd").solution   # [in, n, out]
    return new_grid, sol.permute(2, 0, 1).contiguous()


for name, batch, inp, out, g, k, spread in [
    ("uniform_data", 64, 3, 2, 5, 3, 1.0),
    ("narrow_data", 40, 2, 3, 4, 2, 0.45),
]:
    grid = uniform_grid(inp, g, k)
    x = f32(rand(batch, inp, lo=-spread, hi=spread))
    sw = randn(out, inp, g + k, scale=0.3)
    ss = randn(out, inp, scale=0.8)
    bw = randn(out, inp, scale=0.5)
    new_grid, new_sw = update_grid(x, grid, sw, g, k, 0.02, 0.01)
    before = kan_linear(x, grid, bw, sw, ss, k)
    after = kan_linear(x, new_grid, bw, new_sw, ss, k)
    case("update_grid_" + name, lambda *a: before, [("x", x), ("grid", grid), ("base_weight", bw),
                                                   ("spline_weight", sw), ("spline_scaler", ss)],
         args={"order": k, "grid_size": g, "grid_eps": 0.02, "margin": 0.01},
         extra={"new_grid": new_grid, "new_spline_weight": new_sw, "after": after})


# ---------------------------------------------------------------------------------------- regulariser

def edge_activations(x, grid, bw, sw, ss, k):
    """phi[b, o, i] = w_b[o,i] silu(x[b,i]) + w_s[o,i] sum_c C[o,i,c] B_c(x[b,i])."""
    spline = torch.einsum("bic,oic->boi", bspline(x, grid, k), sw * ss.unsqueeze(-1))
    return torch.nn.functional.silu(x).unsqueeze(1) * bw.unsqueeze(0) + spline


def regularization(x, grid, bw, sw, ss, k, lamb_l1=1.0, lamb_entropy=2.0):
    a = edge_activations(x, grid, bw, sw, ss, k).abs().mean(0)
    l1 = a.sum()
    p = a / l1
    return lamb_l1 * l1 - lamb_entropy * (p * p.log()).sum()


grid = uniform_grid(3, 4, 3)
x = f32(rand(12, 3, lo=-1.1, hi=1.1))
case("regularization", lambda x, grid, bw, sw, ss: regularization(x, grid, bw, sw, ss, 3),
     [("x", x), ("grid", grid), ("base_weight", randn(2, 3, scale=0.5)), ("spline_weight", randn(2, 3, 7, scale=0.3)),
      ("spline_scaler", randn(2, 3, scale=0.8))],
     args={"order": 3, "grid_size": 4}, grad=("x", "base_weight", "spline_weight", "spline_scaler"))


# ---------------------------------------------------------------------------------------- other bases

def chebyshev(x, degree):
    t = torch.tanh(x)
    terms = [torch.ones_like(t), t]
    for n in range(2, degree + 1):
        terms.append(2 * t * terms[-1] - terms[-2])
    return torch.stack(terms[:degree + 1], dim=-1)


def rbf(x, num, lo, hi):
    centers = torch.linspace(lo, hi, num)
    h = (hi - lo) / (num - 1)
    return torch.exp(-((x.unsqueeze(-1) - centers) / h) ** 2)


case("chebyshev_d5", lambda x: chebyshev(x, 5), [("x", randn(4, 3, scale=1.5))], args={"degree": 5}, grad=("x",))
case("rbf_8", lambda x: rbf(x, 8, -2.0, 2.0), [("x", randn(5, 2, scale=1.5))],
     args={"num_centers": 8, "lo": -2.0, "hi": 2.0}, grad=("x",))


# ---------------------------------------------------------------------------------------- bilinear decomposition

def flip(vectors):
    """Each column's entry of largest magnitude positive (Kiln's eigh convention)."""
    idx = vectors.abs().argmax(dim=0)
    signs = torch.sign(vectors[idx, torch.arange(vectors.shape[1])])
    return vectors * signs


for name, d_in, d_hid, classes in [("small", 6, 5, 3), ("wide", 9, 12, 4)]:
    left = randn(d_hid, d_in, scale=0.5)
    right = randn(d_hid, d_in, scale=0.5)
    head = randn(classes, d_hid, scale=0.5)
    x = randn(7, d_in)
    values, vectors = [], []
    for c in range(classes):
        w = head[c]
        m = left.t() @ torch.diag(w) @ right
        b = (m + m.t()) / 2
        ev, evec = torch.linalg.eigh(b)
        values.append(ev)
        vectors.append(flip(evec))
    u = randn(classes)
    u = u / u.norm()
    wu = head.t() @ u
    mu = left.t() @ torch.diag(wu) @ right
    bu = (mu + mu.t()) / 2
    logits = ((x @ left.t()) * (x @ right.t())) @ head.t()
    case("bilinear_" + name, lambda *a: logits,
         [("left", left), ("right", right), ("head", head), ("x", x), ("u", u)],
         extra={"eigenvalues": torch.stack(values), "eigenvectors": torch.stack(vectors), "interaction_u": bu,
                "eigenvalues_u": torch.linalg.eigvalsh(bu)})

fixture_json.write(OUT, "tools/make_kan_fixtures.py", torch.__version__, cases)
print("wrote", os.path.normpath(OUT), len(cases), "cases")
