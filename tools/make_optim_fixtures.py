#!/usr/bin/python3
"""Writes the fixtures that Kiln's optimizer tests hold its optimizers against.

Run it with Debian's python3-torch (PyTorch 1.13) under /usr/bin/python3 (the python3 first on
PATH may lack torch):

    /usr/bin/python3 tools/make_optim_fixtures.py

It rewrites optim/src/test/resources/fixtures/optim_*.json. The output is deterministic (fixed
seeds), so running it twice gives the same bytes; commit the result. CI never runs this script.

Files:
  optim_torch.json     50 steps of torch.optim.SGD / Adam / AdamW (float32) on a small MLP: the
                       parameters after every step. Kiln must match to 1e-5 relative.
  optim_lowrank.json   GaLore and Fira, 20 steps each, computed here from docs/formulas/optimizers.md with
                       PyTorch tensor ops in float64 (projector recomputation at iter % T == 0,
                       moments carried over, every projection type).
  optim_spam.json      SPAM, 24 steps, from those formulas in float64: momentum resets every ΔT steps,
                       cosine warmup after each reset, spike clipping (with gradient spikes
                       injected on chosen steps and coordinates), and which coordinates were
                       clipped on every step.
  optim_lbfgs.json     torch.optim.LBFGS (float64), with and without the strong-Wolfe line search.
  optim_clip.json      torch.nn.utils.clip_grad_norm_ for the 2-norm and the ∞-norm.

SVD sign convention (the same one dev.kiln.tensor.Linalg.svd applies): every left singular vector
U[:, i] gets its entry of largest magnitude positive (the first one on ties) and Vh[i, :] flips
with it (scikit-learn's svd_flip). A projector P and its use appear twice in project/project_back,
so within one projector period the update does not depend on these signs; across a recomputation
the first moment m carries over and mixes periods, which is why both sides must agree on the
signs. The script checks that every sign decision here has a clear margin, so rounding
differences between LAPACK and Kiln's Jacobi SVD cannot flip one.
"""

import json
import math
import os
import re

import torch

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "optim", "src", "test", "resources",
                       "fixtures")

_gen = torch.Generator()


def seed(s):
    _gen.manual_seed(s)


def randn(*shape, scale=1.0, dtype=torch.float32):
    return (torch.randn(shape, generator=_gen, dtype=torch.float32) * scale).to(dtype)


def tensor_json(t):
    return {"shape": list(t.shape), "data": [float(x) for x in t.detach().double().reshape(-1).tolist()]}


def write(name, obj):
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, name)
    text = json.dumps(obj, indent=1)
    # keep lists of scalars on one line: readable diffs without one number per line
    text = re.sub(r"\[\s*([^\[\]{}]*?)\s*\]", lambda m: "[" + ",".join(x.strip() for x in m.group(1).split(",")) + "]"
                  if m.group(1).strip() else "[]", text)
    with open(path, "w") as f:
        f.write(text + "\n")
    print("wrote", os.path.relpath(path))


# ----------------------------------------------------------------------------- torch.optim trajectories

def mlp_problem():
    seed(1)
    x = randn(16, 4)
    y = randn(16, 3)
    init = {
        "W1": randn(4, 6, scale=0.5),
        "b1": randn(6, scale=0.1),
        "W2": randn(6, 3, scale=0.5),
        "b2": randn(3, scale=0.1),
    }
    return x, y, init


def mlp_loss(x, y, p):
    h = torch.tanh(x @ p["W1"] + p["b1"])
    return torch.nn.functional.mse_loss(h @ p["W2"] + p["b2"], y)


TORCH_CASES = [
    ("sgd_plain", "Sgd", [(["W1", "b1", "W2", "b2"], {"lr": 0.1})]),
    ("sgd_momentum_dampening_decay", "Sgd",
     [(["W1", "b1", "W2", "b2"], {"lr": 0.05, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01})]),
    ("sgd_nesterov", "Sgd", [(["W1", "b1", "W2", "b2"], {"lr": 0.05, "momentum": 0.8, "nesterov": True,
                                                           "weight_decay": 0.001})]),
    ("adam", "Adam", [(["W1", "b1", "W2", "b2"], {"lr": 0.01})]),
    ("adam_decay_amsgrad", "Adam", [(["W1", "b1", "W2", "b2"], {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True,
                                                                  "betas": [0.8, 0.99], "eps": 1e-6})]),
    ("adamw", "AdamW", [(["W1", "b1", "W2", "b2"], {"lr": 0.01})]),
    ("adamw_amsgrad", "AdamW", [(["W1", "b1", "W2", "b2"], {"lr": 0.02, "weight_decay": 0.1, "amsgrad": True,
                                                              "betas": [0.85, 0.995]})]),
    ("adamw_groups", "AdamW", [(["W1", "W2"], {"lr": 0.01, "weight_decay": 0.1}),
                               (["b1", "b2"], {"lr": 0.03, "weight_decay": 0.0})]),
    ("sgd_groups", "Sgd", [(["W1", "W2"], {"lr": 0.1, "momentum": 0.5}),
                           (["b1", "b2"], {"lr": 0.02})]),
]

TORCH_CLASSES = {"Sgd": torch.optim.SGD, "Adam": torch.optim.Adam, "AdamW": torch.optim.AdamW}


def torch_fixtures(steps=50):
    x, y, init = mlp_problem()
    cases = []
    for name, opt_name, groups in TORCH_CASES:
        params = {k: v.clone().requires_grad_(True) for k, v in init.items()}
        torch_groups = []
        for names, options in groups:
            o = dict(options)
            if "betas" in o:
                o["betas"] = tuple(o["betas"])
            torch_groups.append(dict(params=[params[n] for n in names], **o))
        opt = TORCH_CLASSES[opt_name](torch_groups)
        order = [n for names, _ in groups for n in names]
        trajectory = []
        losses = []
        for _ in range(steps):
            opt.zero_grad()
            loss = mlp_loss(x, y, params)
            loss.backward()
            opt.step()
            losses.append(float(loss))
            trajectory.append({n: [float(v) for v in params[n].detach().double().reshape(-1).tolist()]
                               for n in order})
        cases.append({"name": name, "optimizer": opt_name,
                      "groups": [{"params": names, "options": options} for names, options in groups],
                      "losses": losses, "trajectory": trajectory})
    write("optim_torch.json", {
        "generator": "tools/make_optim_fixtures.py", "torch": torch.__version__, "dtype": "f32",
        "problem": "mse_loss(tanh(x @ W1 + b1) @ W2 + b2, y)",
        "x": tensor_json(x), "y": tensor_json(y), "init": {k: tensor_json(v) for k, v in init.items()},
        "cases": cases})


# ----------------------------------------------------------------------------- references from docs/formulas/optimizers.md (float64)

def regression_problem():
    """loss = mean((X @ W1 @ W2 + b − Y)²) with W1 [10, 6] (m ≥ n) and W2 [6, 12] (m < n)."""
    seed(2)
    x = randn(32, 10, dtype=torch.float64)
    y = randn(32, 12, dtype=torch.float64)
    init = {
        "W1": randn(10, 6, scale=0.4, dtype=torch.float64),
        "W2": randn(6, 12, scale=0.4, dtype=torch.float64),
        "b": randn(12, scale=0.1, dtype=torch.float64),
    }
    return x, y, init


def regression_grads(x, y, p):
    q = {k: v.clone().requires_grad_(True) for k, v in p.items()}
    loss = ((x @ q["W1"] @ q["W2"] + q["b"] - y) ** 2).mean()
    loss.backward()
    return float(loss), {k: v.grad.detach() for k, v in q.items()}


def flipped_svd(g):
    u, s, vh = torch.linalg.svd(g, full_matrices=False)
    k = s.shape[0]
    mags = u.abs()
    idx = mags.argmax(dim=0)
    for i in range(k):
        col = mags[:, i].clone()
        top = float(col[idx[i]])
        col[idx[i]] = -1
        assert top - float(col.max()) > 1e-6 * top, "sign decision without margin"
    signs = torch.sign(u[idx, torch.arange(k)])
    u = u * signs
    vh = vh * signs[:, None]
    return u, s, vh


def projector(g, rank, proj_type):
    """The projector of docs/formulas/optimizers.md for gradient g: (kind, P) or ('full', (A, B))."""
    m, n = g.shape
    u, s, vh = flipped_svd(g)
    assert float(s[rank - 1] - s[rank]) > 1e-6 * float(s[0]), "rank boundary without a gap"
    if proj_type == "std":
        side = "right" if m >= n else "left"
    elif proj_type == "reverse_std":
        side = "left" if m >= n else "right"
    else:
        side = proj_type
    if side == "right":
        return ("right", vh[:rank, :])
    if side == "left":
        return ("left", u[:, :rank])
    return ("full", (u[:, :rank], vh[:rank, :]))


def project(g, proj):
    kind, p = proj
    if kind == "right":
        return g @ p.t()
    if kind == "left":
        return p.t() @ g
    a, b = p
    return a.t() @ g @ b.t()


def project_back(n, proj, scale):
    kind, p = proj
    if kind == "right":
        out = n @ p
    elif kind == "left":
        out = p @ n
    else:
        a, b = p
        out = a @ n @ b
    return out * scale


def lowrank_run(x, y, init, case, steps):
    """GaLore (and Fira when case['fira']) with HF AdamW on the low-rank gradient; b uses plain HF AdamW."""
    lr, b1, b2, eps, wd = case["lr"], case["betas"][0], case["betas"][1], case["eps"], case["weight_decay"]
    rank, gap, scale, proj_type = case["rank"], case["update_proj_gap"], case["scale"], case["proj_type"]
    fira = case["fira"]
    p = {k: v.clone() for k, v in init.items()}
    state = {k: {"step": 0} for k in p}
    trajectory, losses, recomputed = [], [], []
    for _ in range(steps):
        loss, grads = regression_grads(x, y, p)
        losses.append(loss)
        recomputed_now = []
        for name in ["W1", "W2", "b"]:
            g = grads[name]
            st = state[name]
            low = name in case["galore_params"]
            if low:
                r = rank[name]
                if "proj" not in st or st["step"] % gap == 0:
                    st["proj"] = projector(g, r, proj_type)
                    recomputed_now.append(name)
                rg = project(g, st["proj"])
            else:
                rg = g
            if "m" not in st:
                st["m"] = torch.zeros_like(rg)
                st["v"] = torch.zeros_like(rg)
            st["step"] += 1
            t = st["step"]
            st["m"] = b1 * st["m"] + (1 - b1) * rg
            st["v"] = b2 * st["v"] + (1 - b2) * rg * rg
            nrm = st["m"] / (st["v"].sqrt() + eps)
            step_size = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            if low:
                update = project_back(nrm, st["proj"], scale)
                if fira:
                    sub = project_back(rg, st["proj"], scale)
                    norm_dim = 0 if nrm.shape[0] < nrm.shape[1] else 1
                    phi = nrm.norm(dim=norm_dim) / (rg.norm(dim=norm_dim) + 1e-8)
                    if norm_dim == 1:
                        phi = phi.unsqueeze(1)
                    s = (g - sub) * phi
                    if "prev" in st:
                        q = max(float(s.norm() / (st["prev"] + 1e-8)), 1.01) / 1.01
                        s = s / q
                    st["prev"] = s.norm()
                    update = update + s
            else:
                update = nrm
            p[name] = p[name] - step_size * update
            if wd > 0:
                p[name] = p[name] - lr * wd * p[name]
        recomputed.append(recomputed_now)
        trajectory.append({k: [float(v) for v in p[k].reshape(-1).tolist()] for k in ["W1", "W2", "b"]})
    return losses, trajectory, recomputed


LOWRANK_CASES = [
    dict(name="galore_std", fira=False, proj_type="std", weight_decay=0.0),
    dict(name="galore_std_decay", fira=False, proj_type="std", weight_decay=0.05),
    dict(name="galore_reverse_std", fira=False, proj_type="reverse_std", weight_decay=0.0),
    dict(name="galore_left", fira=False, proj_type="left", weight_decay=0.0),
    dict(name="galore_right", fira=False, proj_type="right", weight_decay=0.0),
    dict(name="galore_full", fira=False, proj_type="full", weight_decay=0.01),
    dict(name="fira_std", fira=True, proj_type="std", weight_decay=0.0),
    dict(name="fira_std_decay", fira=True, proj_type="std", weight_decay=0.05),
    dict(name="fira_left", fira=True, proj_type="left", weight_decay=0.0),
    dict(name="fira_right", fira=True, proj_type="right", weight_decay=0.0),
]


def lowrank_fixtures(steps=20):
    x, y, init = regression_problem()
    cases = []
    for c in LOWRANK_CASES:
        case = dict(c, lr=0.01, betas=[0.9, 0.999], eps=1e-6, rank={"W1": 3, "W2": 2}, update_proj_gap=4,
                    scale=0.25, galore_params=["W1", "W2"])
        losses, trajectory, recomputed = lowrank_run(x, y, init, case, steps)
        cases.append(dict(case, losses=losses, trajectory=trajectory, recomputed=recomputed))
    write("optim_lowrank.json", {
        "generator": "tools/make_optim_fixtures.py", "torch": torch.__version__, "dtype": "f64",
        "problem": "mean((x @ W1 @ W2 + b - y)^2); W1, W2 low-rank, b plain HF AdamW",
        "x": tensor_json(x), "y": tensor_json(y), "init": {k: tensor_json(v) for k, v in init.items()},
        "cases": cases})


def spam_run(x, y, init, case, steps):
    lr, b1, b2, eps, wd = case["lr"], case["betas"][0], case["betas"][1], case["eps"], case["weight_decay"]
    thr, dt, warm, na = case["threshold"], case["delta_t"], case["warmup_steps"], case["grad_accu_steps"]
    spikes = {(s["step"], s["param"]): s for s in case["spikes"]}
    p = {k: v.clone() for k, v in init.items()}
    state = {k: {"step": 0, "m": torch.zeros_like(v), "v": torch.zeros_like(v)} for k, v in p.items()}
    total, since = 0, warm + 1
    trajectory, losses, clipped, scales = [], [], [], []
    for step in range(steps):
        loss, grads = regression_grads(x, y, p)
        losses.append(loss)
        d = 0.0 if since >= warm else 0.99 * (1 + math.cos(math.pi * since / (warm + 1))) / 2
        s = 1 - d
        scales.append(s)
        clipped_now = {}
        for name in ["W1", "W2", "b"]:
            g = grads[name].clone()
            spike = spikes.get((step, name))
            if spike is not None:
                flat = g.reshape(-1)
                for i in spike["indices"]:
                    flat[i] *= spike["factor"]
            st = state[name]
            if (total + 1) % dt == 0:
                st["m"] = torch.zeros_like(g)
                st["v"] = torch.zeros_like(g)
            st["step"] += 1
            t = st["step"]
            c = total + 1
            mask = torch.zeros_like(g, dtype=torch.bool)
            if thr != 0 and c >= na and c % dt >= na:
                mask = g * g > thr * st["v"]
                g = torch.where(mask, g.sign() * (thr * st["v"]).sqrt(), g)
            clipped_now[name] = [int(i) for i in mask.reshape(-1).nonzero().reshape(-1).tolist()]
            st["m"] = b1 * st["m"] + (1 - b1) * g
            st["v"] = b2 * st["v"] + (1 - b2) * g * g
            step_size = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
            p[name] = p[name] - step_size * s * (st["m"] / (st["v"].sqrt() + eps))
            if wd > 0:
                p[name] = p[name] - lr * wd * p[name]
        total += 1
        since += 1
        if (total + 1) % dt == 0:
            since = 0
        clipped.append(clipped_now)
        trajectory.append({k: [float(v) for v in p[k].reshape(-1).tolist()] for k in ["W1", "W2", "b"]})
    return losses, trajectory, clipped, scales


SPAM_CASES = [
    dict(name="spam_spikes", threshold=5000.0, weight_decay=0.0,
         spikes=[dict(step=8, param="W1", indices=[0, 17], factor=1000.0),
                 dict(step=15, param="W2", indices=[5, 40], factor=1000.0),
                 dict(step=15, param="b", indices=[3], factor=-1000.0)]),
    dict(name="spam_low_threshold_decay", threshold=1.5, weight_decay=0.05, spikes=[]),
]


def spam_fixtures(steps=24):
    x, y, init = regression_problem()
    cases = []
    for c in SPAM_CASES:
        case = dict(c, lr=0.01, betas=[0.9, 0.999], eps=1e-6, delta_t=6, warmup_steps=3, grad_accu_steps=2)
        losses, trajectory, clipped, scales = spam_run(x, y, init, case, steps)
        cases.append(dict(case, losses=losses, trajectory=trajectory, clipped=clipped, scales=scales))
    # the spiked coordinates, and only they, must be clipped in the spike case
    spiky = cases[0]
    for s in spiky["spikes"]:
        assert sorted(spiky["clipped"][s["step"]][s["param"]]) == sorted(s["indices"]), s
    write("optim_spam.json", {
        "generator": "tools/make_optim_fixtures.py", "torch": torch.__version__, "dtype": "f64",
        "problem": "mean((x @ W1 @ W2 + b - y)^2)",
        "x": tensor_json(x), "y": tensor_json(y), "init": {k: tensor_json(v) for k, v in init.items()},
        "cases": cases})


# ----------------------------------------------------------------------------- L-BFGS and clipping

def rosenbrock(v):
    return (1 - v[0]) ** 2 + 100 * (v[1] - v[0] ** 2) ** 2


def lbfgs_fixtures():
    cases = []
    # Rosenbrock with the strong-Wolfe line search
    start = torch.tensor([-1.5, 2.0], dtype=torch.float64)
    for name, kwargs, steps in [
        ("rosenbrock_strong_wolfe", dict(lr=1, max_iter=20, history_size=10, line_search_fn="strong_wolfe"), 6),
        ("rosenbrock_strong_wolfe_short_history", dict(lr=1, max_iter=5, history_size=2,
                                                       line_search_fn="strong_wolfe"), 12),
    ]:
        v = start.clone().requires_grad_(True)
        opt = torch.optim.LBFGS([v], **kwargs)

        def closure():
            opt.zero_grad()
            loss = rosenbrock(v)
            loss.backward()
            return loss

        trajectory, losses = [], []
        for _ in range(steps):
            losses.append(float(opt.step(closure)))
            trajectory.append([float(t) for t in v.detach().tolist()])
        state = opt.state[opt._params[0]]
        cases.append(dict(name=name, problem="rosenbrock", start=start.tolist(), options=kwargs,
                          losses=losses, trajectory=trajectory, func_evals=state["func_evals"],
                          n_iter=state["n_iter"]))
    # a convex quadratic without line search: 0.5 xᵀAx − bᵀx
    seed(3)
    m = randn(5, 5, dtype=torch.float64)
    a = m @ m.t() + 5 * torch.eye(5, dtype=torch.float64)
    b = randn(5, dtype=torch.float64)
    x0 = randn(5, dtype=torch.float64)
    v = x0.clone().requires_grad_(True)
    kwargs = dict(lr=0.2, max_iter=4, history_size=3)
    opt = torch.optim.LBFGS([v], **kwargs)

    def closure():
        opt.zero_grad()
        loss = 0.5 * v @ (a @ v) - b @ v
        loss.backward()
        return loss

    trajectory, losses = [], []
    for _ in range(8):
        losses.append(float(opt.step(closure)))
        trajectory.append([float(t) for t in v.detach().tolist()])
    state = opt.state[opt._params[0]]
    cases.append(dict(name="quadratic_fixed_step", problem="quadratic", a=tensor_json(a), b=tensor_json(b),
                      start=x0.tolist(), options=kwargs, losses=losses, trajectory=trajectory,
                      func_evals=state["func_evals"], n_iter=state["n_iter"]))
    write("optim_lbfgs.json", {"generator": "tools/make_optim_fixtures.py", "torch": torch.__version__,
                               "dtype": "f64", "cases": cases})


def clip_fixtures():
    seed(4)
    cases = []
    for name, max_norm, norm_type, scale in [("l2_clipped", 1.0, 2.0, 3.0), ("l2_unclipped", 100.0, 2.0, 1.0),
                                             ("inf_clipped", 0.5, math.inf, 2.0)]:
        grads = [randn(3, 4, scale=scale), randn(5, scale=scale)]
        params = [torch.zeros_like(g).requires_grad_(True) for g in grads]
        for p, g in zip(params, grads):
            p.grad = g.clone()
        total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
        cases.append(dict(name=name, max_norm=max_norm, norm_type="inf" if norm_type == math.inf else norm_type,
                          grads=[tensor_json(g) for g in grads], total_norm=float(total),
                          clipped=[tensor_json(p.grad) for p in params]))
    write("optim_clip.json", {"generator": "tools/make_optim_fixtures.py", "torch": torch.__version__,
                              "dtype": "f32", "cases": cases})


if __name__ == "__main__":
    torch.set_num_threads(1)
    torch_fixtures()
    lowrank_fixtures()
    spam_fixtures()
    lbfgs_fixtures()
    clip_fixtures()
