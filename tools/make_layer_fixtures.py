#!/usr/bin/python3
"""Writes the PyTorch fixtures that the layers tests (LayerFixturesTest) hold Kiln's layers against.

Run it with Debian's python3-torch (PyTorch 1.13), which lives under /usr/bin/python3:

    /usr/bin/python3 tools/make_layer_fixtures.py

It rewrites layers/src/test/resources/fixtures/layers.json; the output is deterministic (one seeded
generator), so commit it. CI never runs this script.

Every case computes in float64 on inputs that are exactly representable in float32, so a Kiln F32
run starts from the same numbers. For a floating output it also records a random weight `w` and the
gradient of sum(out * w) with respect to each floating input ("grad_<name>").

The file has the JSON layout of every Kiln fixture (tools/fixture_json.py describes it); the tests
read it with their one JSON reader.
"""

import os

import torch
import torch.nn.functional as F

import fixture_json

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "layers", "src", "test", "resources",
                   "fixtures", "layers.json")

gen = torch.Generator()
gen.manual_seed(20240611)


def randn(*shape, scale=1.0):
    return (torch.randn(shape, generator=gen, dtype=torch.float32) * scale).double()


def f32(t):
    return t.float().double()


def ints(lo, hi, *shape):
    return torch.randint(lo, hi, shape, generator=gen, dtype=torch.int64)


cases = []


def case(name, fn, inputs, args=None, grads=True):
    """inputs: list of (name, tensor); fn takes the tensors (leaves, float ones requiring grad)."""
    args = args or {}
    leaves = []
    for n, t in inputs:
        leaf = t.clone()
        if leaf.is_floating_point() and grads:
            leaf.requires_grad_(True)
        leaves.append(leaf)
    out = fn(*leaves)
    c = {"name": name, "args": {}, "tensors": {}}
    cases.append(c)
    for k, v in args.items():
        c["args"][k] = str(v)
    for (n, _), leaf in zip(inputs, leaves):
        c["tensors"][n] = fixture_json.tensor(leaf.detach())
    c["tensors"]["out"] = fixture_json.tensor(out.detach())
    if grads and out.is_floating_point():
        w = f32(randn(*out.shape))
        (out * w).sum().backward()
        c["tensors"]["w"] = fixture_json.tensor(w)
        for (n, _), leaf in zip(inputs, leaves):
            if leaf.is_floating_point():
                g = leaf.grad if leaf.grad is not None else torch.zeros_like(leaf)
                c["tensors"]["grad_" + n] = fixture_json.tensor(g)


# ---------------------------------------------------------------- activations (x spans both sides of the kinks)

def act_input():
    x = f32(randn(4, 9, scale=2.5))
    x[0, :5] = torch.tensor([-3.0, -1.0, 0.5, 1.0, 3.0], dtype=torch.float64)
    return x


case("relu", lambda x: F.relu(x), [("x", act_input())])
case("leaky_relu", lambda x: F.leaky_relu(x, 0.1), [("x", act_input())], {"negative_slope": 0.1})
case("relu_squared", lambda x: F.relu(x) ** 2, [("x", act_input())])
case("gelu", lambda x: F.gelu(x), [("x", act_input())], {"approximate": "none"})
case("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), [("x", act_input())], {"approximate": "tanh"})
case("silu", lambda x: F.silu(x), [("x", act_input())])
case("mish", lambda x: F.mish(x), [("x", act_input())])
case("softplus", lambda x: F.softplus(x), [("x", act_input())])
case("sigmoid", lambda x: torch.sigmoid(x), [("x", act_input())])
case("tanh", lambda x: torch.tanh(x), [("x", act_input())])
# far tails, where a careless GELU cancels or overflows
case("gelu_tails", lambda x: F.gelu(x),
     [("x", torch.tensor([-30.0, -12.0, -8.0, -5.5, 5.5, 8.0, 12.0, 30.0], dtype=torch.float64))])
case("mish_tails", lambda x: F.mish(x),
     [("x", torch.tensor([-40.0, -20.0, -10.0, 10.0, 20.0, 40.0], dtype=torch.float64))])

case("prelu_shared", lambda x, w: F.prelu(x, w), [("x", act_input()), ("weight", torch.tensor([0.25], dtype=torch.float64))])
case("prelu_channels", lambda x, w: F.prelu(x, w),
     [("x", f32(randn(2, 3, 5, scale=2.0))), ("weight", f32(randn(3, scale=0.5)))])
case("prelu_channels_2d", lambda x, w: F.prelu(x, w),
     [("x", f32(randn(4, 3, scale=2.0))), ("weight", f32(randn(3, scale=0.5)))])

case("glu_last", lambda x: F.glu(x, -1), [("x", f32(randn(3, 8)))], {"dim": -1})
case("glu_first", lambda x: F.glu(x, 0), [("x", f32(randn(4, 5)))], {"dim": 0})

# ---------------------------------------------------------------- linear, bilinear, embedding

case("linear", lambda x, w, b: F.linear(x, w, b),
     [("x", f32(randn(3, 5))), ("weight", f32(randn(4, 5, scale=0.5))), ("bias", f32(randn(4)))])
case("linear_3d", lambda x, w, b: F.linear(x, w, b),
     [("x", f32(randn(2, 3, 5))), ("weight", f32(randn(4, 5, scale=0.5))), ("bias", f32(randn(4)))])
case("linear_1d_nobias", lambda x, w: F.linear(x, w),
     [("x", f32(randn(5))), ("weight", f32(randn(4, 5, scale=0.5)))])

GATES = {"IDENTITY": lambda t: t, "SILU": F.silu, "GELU": F.gelu, "SIGMOID": torch.sigmoid,
         "GELU_TANH": lambda t: F.gelu(t, approximate="tanh"), "RELU": F.relu}
for gate, fn in GATES.items():
    def bil(x, w, b, fn=fn):
        left, right = F.linear(x, w, b).chunk(2, dim=-1)
        return fn(left) * right
    case("bilinear_" + gate.lower(), bil,
         [("x", f32(randn(2, 3, 5))), ("weight", f32(randn(8, 5, scale=0.5))), ("bias", f32(randn(8, scale=0.3)))],
         {"gate": gate})

case("embedding_padding", lambda w, i: F.embedding(i, w, padding_idx=2),
     [("weight", f32(randn(6, 3))), ("indices", torch.tensor([[0, 2, 5], [2, 2, 1]]))], {"padding_idx": 2})

# ---------------------------------------------------------------- norms

case("layer_norm", lambda x, w, b: F.layer_norm(x, [8], w, b, 1e-5),
     [("x", f32(randn(2, 3, 8, scale=3.0) + 1.5)), ("weight", f32(randn(8))), ("bias", f32(randn(8)))], {"eps": 1e-5})
case("layer_norm_2d", lambda x, w, b: F.layer_norm(x, [3, 4], w, b, 1e-5),
     [("x", f32(randn(2, 3, 4))), ("weight", f32(randn(3, 4))), ("bias", f32(randn(3, 4)))], {"eps": 1e-5})


def rms_norm(x, w, eps):  # PyTorch 1.13 has no F.rms_norm: the definition, in float64
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


case("rms_norm", lambda x, w: rms_norm(x, w, 1e-6), [("x", f32(randn(3, 4, 7, scale=2.0))), ("weight", f32(randn(7)))],
     {"eps": 1e-6})


def crms_norm(x, eps):  # Jiang et al.: the stored d-1 coordinates of a zero-sum vector
    s = x.sum(-1, keepdim=True)
    return x * torch.rsqrt((x.pow(2).sum(-1, keepdim=True) + s * s) / (x.shape[-1] + 1) + eps)


case("crms_norm", lambda x: crms_norm(x, 1e-6), [("x", f32(randn(3, 6, scale=2.0)))], {"eps": 1e-6})

# ---------------------------------------------------------------- losses

labels = ints(0, 5, 6)
labels[2] = -100
for red in ("mean", "sum", "none"):
    for ls in (0.0, 0.1):
        case("cross_entropy_" + red + "_ls" + str(ls), lambda z, y, red=red, ls=ls:
             F.cross_entropy(z, y, reduction=red, label_smoothing=ls),
             [("logits", f32(randn(6, 5, scale=2.0))), ("labels", labels)],
             {"reduction": red.upper(), "ignore_index": -100, "label_smoothing": ls})
labels_ii = ints(0, 5, 6)
labels_ii[0] = 3
labels_ii[4] = 3
case("cross_entropy_ignore3_ls0.2", lambda z, y: F.cross_entropy(z, y, ignore_index=3, label_smoothing=0.2),
     [("logits", f32(randn(6, 5, scale=2.0))), ("labels", labels_ii)],
     {"reduction": "MEAN", "ignore_index": 3, "label_smoothing": 0.2})
case("cross_entropy_kdim_ls0.1", lambda z, y: F.cross_entropy(z, y, label_smoothing=0.1),
     [("logits", f32(randn(2, 4, 3))), ("labels", ints(0, 4, 2, 3))],
     {"reduction": "MEAN", "ignore_index": -100, "label_smoothing": 0.1})
case("cross_entropy_probs_ls0.1", lambda z, p: F.cross_entropy(z, p, label_smoothing=0.1),
     [("logits", f32(randn(4, 5))), ("probs", f32(torch.softmax(randn(4, 5), -1)))],
     {"reduction": "MEAN", "ignore_index": -100, "label_smoothing": 0.1})
for red in ("mean", "sum", "none"):
    case("mse_" + red, lambda a, b, red=red: F.mse_loss(a, b, reduction=red),
         [("input", f32(randn(3, 4))), ("target", f32(randn(3, 4)))], {"reduction": red.upper()})

os.makedirs(os.path.dirname(OUT), exist_ok=True)
# F.normalize and F.softmin (issue 15), last so that the cases above keep their random inputs
case("normalize", lambda x: F.normalize(x), [("x", f32(randn(3, 5)))], {"p": 2.0, "dim": 1, "eps": 1e-12})
case("normalize_p1_dim0", lambda x: F.normalize(x, 1.0, 0), [("x", f32(randn(4, 3, 2)))],
     {"p": 1.0, "dim": 0, "eps": 1e-12})
case("normalize_p3_last_eps", lambda x: F.normalize(x, 3.0, -1, 0.5),
     [("x", torch.tensor([[0.0, 0.0, 0.0], [0.1, -0.2, 0.05], [1.5, -2.0, 0.5]], dtype=torch.float64))],
     {"p": 3.0, "dim": -1, "eps": 0.5})
case("softmin", lambda x: F.softmin(x, 1), [("x", f32(randn(3, 5, scale=2.0)))], {"dim": 1})
case("softmin_dim0", lambda x: F.softmin(x, 0), [("x", f32(randn(4, 2)))], {"dim": 0})

fixture_json.write(OUT, "tools/make_layer_fixtures.py", torch.__version__, cases)
print("wrote", os.path.normpath(OUT), len(cases), "cases")
