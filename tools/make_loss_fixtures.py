#!/usr/bin/python3
"""Writes autograd/src/test/resources/fixtures/loss_functions.json, the PyTorch cases that
LossFixturesTest holds Kiln's losses against (issue 15): nll_loss, cross_entropy with class
weights and label smoothing, the binary cross-entropies, the regression losses, kl_div,
cosine_similarity and the margin losses.

    /usr/bin/python3 tools/make_loss_fixtures.py

It reuses make_fixtures.py's inputs, views, number formatting and case format (tools/README.md);
only the ops and cases are new. Deterministic: running it twice gives the same bytes.
Optional tensors (weight, pos_weight) are inputs without a gradient (PyTorch gives none for a
class weight); the args say which inputs are present. Every recorded value must be finite, so
the NaN results (a mean over no targets) are tested by hand in LossFunctionsTest.
"""

import os
import sys

import warnings

import torch
import torch.nn.functional as F

# kl_div's reduction="mean" warns that it is not the KL divergence: the cases test it anyway
warnings.filterwarnings("ignore", message="reduction: 'mean' divides")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402
from make_fixtures import In, randn, uniform, ints, f32  # noqa: E402


def opt(x, a, key):
    """The input named by a[key] (its position), or None when the case has none."""
    i = a.get(key)
    return None if i is None else x[i]


LOSS_OPS = {
    "nll_loss": lambda x, a: F.nll_loss(x[0], x[1], opt(x, a, "weight"), ignore_index=a.get("ignore_index", -100),
                                        reduction=a["reduction"]),
    "cross_entropy_full": lambda x, a: F.cross_entropy(x[0], x[1], opt(x, a, "weight"),
                                                       ignore_index=a.get("ignore_index", -100),
                                                       reduction=a["reduction"],
                                                       label_smoothing=a.get("label_smoothing", 0.0)),
    "log_softmax_nll": lambda x, a: F.nll_loss(F.log_softmax(x[0], 1), x[1], reduction=a["reduction"]),
    "binary_cross_entropy": lambda x, a: F.binary_cross_entropy(x[0], x[1], opt(x, a, "weight"),
                                                                reduction=a["reduction"]),
    "binary_cross_entropy_with_logits": lambda x, a: F.binary_cross_entropy_with_logits(
        x[0], x[1], opt(x, a, "weight"), reduction=a["reduction"], pos_weight=opt(x, a, "pos_weight")),
    "l1_loss": lambda x, a: F.l1_loss(x[0], x[1], reduction=a["reduction"]),
    "smooth_l1_loss": lambda x, a: F.smooth_l1_loss(x[0], x[1], reduction=a["reduction"], beta=a["beta"]),
    "huber_loss": lambda x, a: F.huber_loss(x[0], x[1], reduction=a["reduction"], delta=a["delta"]),
    "kl_div": lambda x, a: F.kl_div(x[0], x[1], reduction=a["reduction"], log_target=a["log_target"]),
    "cosine_similarity": lambda x, a: F.cosine_similarity(x[0], x[1], a["dim"], a["eps"]),
    "cosine_embedding_loss": lambda x, a: F.cosine_embedding_loss(x[0], x[1], x[2], margin=a["margin"],
                                                                  reduction=a["reduction"]),
    "margin_ranking_loss": lambda x, a: F.margin_ranking_loss(x[0], x[1], x[2], margin=a["margin"],
                                                              reduction=a["reduction"]),
    "triplet_margin_loss": lambda x, a: F.triplet_margin_loss(x[0], x[1], x[2], margin=a["margin"], p=a["p"],
                                                              eps=a["eps"], swap=a["swap"], reduction=a["reduction"]),
}

REDUCTIONS = ["mean", "sum", "none"]


def weights(c):
    """Positive class weights, exactly float32, no gradient."""
    return In("weight", uniform(0.25, 2.0, c), grad=False)


def with_ignored(labels, ignore, *positions):
    labels = labels.clone()
    for p in positions:
        labels.view(-1)[p] = ignore
    return labels


def cases():
    f = mf.fam("loss_functions", 16)
    T = [["transpose", 0, 1]]
    # nll_loss: (N, C), (N, C, d1, d2), (C); weights, ignore_index everywhere
    for red in REDUCTIONS:
        f.case("nc_" + red, "nll_loss", [In("input", randn(5, 4)), In("target", ints(0, 4, 5))], reduction=red)
        f.case("weighted_" + red, "nll_loss", [In("input", randn(6, 3)), In("target", ints(0, 3, 6)), weights(3)],
               reduction=red, weight=2)
        f.case("weighted_ignored_" + red, "nll_loss",
               [In("input", randn(6, 4)), In("target", with_ignored(ints(0, 4, 6), -100, 1, 4)), weights(4)],
               reduction=red, weight=2)
        f.case("ncdd_" + red, "nll_loss", [In("input", randn(2, 3, 2, 2)), In("target", ints(0, 3, 2, 2, 2))],
               reduction=red)
    f.case("ignore_valid_class", "nll_loss",
           [In("input", randn(7, 4)), In("target", with_ignored(ints(0, 4, 7), 2, 0, 3)), weights(4)],
           reduction="mean", ignore_index=2, weight=2)
    f.case("ncd_weighted_ignored", "nll_loss",
           [In("input", randn(2, 4, 3)), In("target", with_ignored(ints(0, 4, 2, 3), -1, 2)), weights(4)],
           reduction="mean", ignore_index=-1, weight=2)
    f.case("class_vector", "nll_loss", [In("input", randn(5)), In("target", torch.tensor(1)), weights(5)],
           reduction="mean", weight=2)
    f.case("transposed", "nll_loss", [In("input", randn(4, 3), view=T), In("target", ints(0, 4, 3))],
           reduction="sum")
    zero_w = uniform(0.5, 1.5, 4)
    zero_w[1] = 0.0
    f.case("zero_weight_class", "nll_loss",
           [In("input", randn(6, 4)), In("target", torch.tensor([1, 0, 1, 3, 2, 0])), In("weight", zero_w, grad=False)],
           reduction="mean", weight=2)
    f.case("empty_batch_sum", "nll_loss", [In("input", randn(0, 3)), In("target", ints(0, 3, 0))], reduction="sum")
    f.case("empty_batch_none", "nll_loss", [In("input", randn(0, 3)), In("target", ints(0, 3, 0))], reduction="none")
    # the composition a user ports: log_softmax then nll_loss
    f.case("log_softmax_then_nll", "log_softmax_nll", [In("input", randn(5, 6)), In("target", ints(0, 6, 5))],
           reduction="mean")

    # cross_entropy with class weights, ignore_index, probabilities and label smoothing
    ce = "cross_entropy_full"
    for red in REDUCTIONS:
        f.case("weighted_" + red, ce, [In("input", randn(6, 4)), In("target", ints(0, 4, 6)), weights(4)],
               reduction=red, weight=2)
        f.case("weighted_ignored_" + red, ce,
               [In("input", randn(7, 5)), In("target", with_ignored(ints(0, 5, 7), -100, 0, 5)), weights(5)],
               reduction=red, weight=2)
        f.case("smoothing_" + red, ce, [In("input", randn(5, 4)), In("target", ints(0, 4, 5))],
               reduction=red, label_smoothing=0.2)
        f.case("weighted_smoothing_ignored_" + red, ce,
               [In("input", randn(6, 3)), In("target", with_ignored(ints(0, 3, 6), -100, 2)), weights(3)],
               reduction=red, weight=2, label_smoothing=0.15)
        probs = mf.f32(torch.softmax(randn(4, 5, scale=2.0), 1))
        f.case("probs_weighted_" + red, ce, [In("input", randn(4, 5)), In("target", probs), weights(5)],
               reduction=red, weight=2)
        f.case("probs_smoothing_" + red, ce, [In("input", randn(4, 5)), In("target", probs)],
               reduction=red, label_smoothing=0.3)
    f.case("ncd_weighted_smoothing", ce,
           [In("input", randn(2, 4, 3)), In("target", with_ignored(ints(0, 4, 2, 3), -100, 1)), weights(4)],
           reduction="mean", weight=2, label_smoothing=0.1)
    f.case("probs_ncd_weighted", ce,
           [In("input", randn(2, 3, 2)), In("target", mf.f32(torch.softmax(randn(2, 3, 2), 1))), weights(3)],
           reduction="mean", weight=2)
    f.case("class_vector_weighted", ce, [In("input", randn(4)), In("target", torch.tensor(2)), weights(4)],
           reduction="mean", weight=2, label_smoothing=0.1)
    f.case("extreme_logits", ce, [In("input", randn(4, 5, scale=60.0)), In("target", ints(0, 5, 4)), weights(5)],
           reduction="mean", weight=2, label_smoothing=0.05)
    f.case("full_smoothing", ce, [In("input", randn(3, 4)), In("target", ints(0, 4, 3))], reduction="mean",
           label_smoothing=1.0)
    f.case("zero_weight_class", ce,
           [In("input", randn(5, 3)), In("target", torch.tensor([0, 1, 0, 2, 0])),
            In("weight", torch.tensor([0.0, 1.5, 0.5]), grad=False)], reduction="mean", weight=2)

    # binary cross-entropy: probabilities (edges 0 and 1 included), weights that broadcast
    for red in REDUCTIONS:
        f.case(red, "binary_cross_entropy", [In("input", uniform(0.05, 0.95, 3, 4)), In("target", uniform(0, 1, 3, 4))],
               reduction=red)
        f.case("weighted_" + red, "binary_cross_entropy",
               [In("input", uniform(0.05, 0.95, 2, 3)), In("target", uniform(0, 1, 2, 3)),
                In("weight", uniform(0.5, 2, 3), grad=False)], reduction=red, weight=2)
    f.case("hard_targets", "binary_cross_entropy",
           [In("input", uniform(0.1, 0.9, 5)), In("target", torch.tensor([0.0, 1.0, 1.0, 0.0, 1.0]))], reduction="mean")
    # log clamped at -100 and PyTorch's finite gradient at exactly 0 and 1 (no target gradient: it is infinite)
    f.case("saturated_inputs", "binary_cross_entropy",
           [In("input", torch.tensor([0.0, 1.0, 0.0, 1.0, 0.5])),
            In("target", torch.tensor([0.0, 1.0, 1.0, 0.0, 0.25]), grad=False)], reduction="sum")
    f.case("transposed", "binary_cross_entropy",
           [In("input", uniform(0.05, 0.95, 4, 3), view=T), In("target", uniform(0, 1, 3, 4))], reduction="mean")
    bce = "binary_cross_entropy_with_logits"
    for red in REDUCTIONS:
        f.case(red, bce, [In("input", randn(3, 4)), In("target", uniform(0, 1, 3, 4))], reduction=red)
        f.case("pos_weight_" + red, bce,
               [In("input", randn(4, 3)), In("target", uniform(0, 1, 4, 3)), In("pos_weight", uniform(0.5, 3, 3),
                                                                                 grad=False)],
               reduction=red, pos_weight=2)
    f.case("both_weights", bce,
           [In("input", randn(2, 3, 4)), In("target", uniform(0, 1, 2, 3, 4)), In("weight", uniform(0.5, 2, 3, 1),
                                                                                  grad=False),
            In("pos_weight", uniform(0.5, 3, 4), grad=False)], reduction="mean", weight=2, pos_weight=3)
    f.case("extreme_logits", bce, [In("input", torch.tensor([-120.0, -30.0, 0.0, 30.0, 120.0])),
                                   In("target", torch.tensor([1.0, 0.0, 0.5, 1.0, 0.0]))], reduction="none")

    # regression losses
    for red in REDUCTIONS:
        f.case(red, "l1_loss", [In("input", randn(3, 4)), In("target", randn(3, 4))], reduction=red)
        f.case(red, "smooth_l1_loss", [In("input", randn(3, 4)), In("target", randn(3, 4))], reduction=red, beta=1.0)
        f.case(red, "huber_loss", [In("input", randn(3, 4, scale=2.0)), In("target", randn(3, 4))], reduction=red,
               delta=1.0)
    f.case("beta_half", "smooth_l1_loss", [In("input", randn(2, 5)), In("target", randn(2, 5))], reduction="mean",
           beta=0.5)
    f.case("beta_zero", "smooth_l1_loss", [In("input", randn(2, 5)), In("target", randn(2, 5))], reduction="sum",
           beta=0.0)
    f.case("delta_big", "huber_loss", [In("input", randn(2, 5, scale=3.0)), In("target", randn(2, 5))],
           reduction="mean", delta=2.5)
    f.case("transposed", "l1_loss", [In("input", randn(4, 3), view=T), In("target", randn(3, 4))], reduction="mean")
    f.case("empty_sum", "l1_loss", [In("input", randn(0, 3)), In("target", randn(0, 3))], reduction="sum")

    # kl_div: target probabilities with exact zeros, or log-probabilities
    logp = mf.f32(torch.log_softmax(randn(3, 5), 1))
    probs = mf.f32(torch.softmax(randn(3, 5, scale=2.0), 1))
    probs[0, 1] = 0.0
    probs[2, 4] = 0.0
    positive = mf.f32(torch.softmax(randn(3, 5), 1))
    for red in ["mean", "sum", "none", "batchmean"]:
        f.case(red, "kl_div", [In("input", logp), In("target", positive)], reduction=red, log_target=False)
        # PyTorch's target gradient is NaN at a zero target, so none is recorded there
        f.case("zero_targets_" + red, "kl_div", [In("input", logp), In("target", probs, grad=False)], reduction=red,
               log_target=False)
        f.case("log_target_" + red, "kl_div", [In("input", logp), In("target", mf.f32(torch.log_softmax(randn(3, 5), 1)))],
               reduction=red, log_target=True)
    f.case("batchmean_3d", "kl_div", [In("input", mf.f32(torch.log_softmax(randn(2, 3, 4), -1))),
                                      In("target", mf.f32(torch.softmax(randn(2, 3, 4), -1)))],
           reduction="batchmean", log_target=False)

    # cosine similarity and the margin losses
    f.case("dim1", "cosine_similarity", [In("x1", randn(4, 3)), In("x2", randn(4, 3))], dim=1, eps=1e-8)
    f.case("dim0_broadcast", "cosine_similarity", [In("x1", randn(3, 1, 2)), In("x2", randn(3, 4, 2))], dim=0,
           eps=1e-8)
    f.case("last_dim", "cosine_similarity", [In("x1", randn(2, 3, 5)), In("x2", randn(2, 3, 5))], dim=-1, eps=1e-8)
    # a norm below eps: the values only (PyTorch 1.13's gradient there is not that of max(norm, eps),
    # whose clamped norm is a constant; Kiln differentiates the formula it computes)
    f.case("tiny_vector_eps", "cosine_similarity",
           [In("x1", torch.tensor([[2.0 ** -17, 0.0], [3.0, 4.0]]), grad=False),
            In("x2", torch.tensor([[2.0 ** -17, 2.0 ** -17], [1.0, 0.0]]), grad=False)],
           dim=1, eps=1e-4)
    y = torch.tensor([1, -1, 1, -1, -1])
    for red in REDUCTIONS:
        f.case(red, "cosine_embedding_loss", [In("x1", randn(5, 3)), In("x2", randn(5, 3)), In("y", y)],
               margin=0.0, reduction=red)
        f.case(red, "margin_ranking_loss", [In("x1", randn(5)), In("x2", randn(5)), In("y", y)],
               margin=0.1, reduction=red)
        f.case(red, "triplet_margin_loss", [In("a", randn(4, 3)), In("p", randn(4, 3)), In("n", randn(4, 3))],
               margin=1.0, p=2.0, eps=1e-6, swap=False, reduction=red)
    f.case("margin", "cosine_embedding_loss", [In("x1", randn(5, 4)), In("x2", randn(5, 4)), In("y", y)],
           margin=-0.3, reduction="mean")
    f.case("vectors", "cosine_embedding_loss", [In("x1", randn(4)), In("x2", randn(4)), In("y", torch.tensor(-1))],
           margin=0.2, reduction="mean")
    f.case("float_target", "margin_ranking_loss", [In("x1", randn(2, 3)), In("x2", randn(2, 3)),
                                                   In("y", torch.tensor([[1.0, -1.0, 1.0], [-1.0, -1.0, 1.0]]),
                                                      grad=False)], margin=0.5, reduction="mean")
    f.case("p1_swap", "triplet_margin_loss", [In("a", randn(4, 3)), In("p", randn(4, 3)), In("n", randn(4, 3))],
           margin=2.0, p=1.0, eps=1e-6, swap=True, reduction="mean")
    f.case("p3_swap", "triplet_margin_loss", [In("a", randn(5, 2)), In("p", randn(5, 2)), In("n", randn(5, 2))],
           margin=1.5, p=3.0, eps=1e-6, swap=True, reduction="sum")
    f.case("vectors", "triplet_margin_loss", [In("a", randn(4)), In("p", randn(4)), In("n", randn(4))],
           margin=3.0, p=2.0, eps=0.0, swap=False, reduction="none")
    return f


class LossFamily(mf.Family):
    def write(self):
        path = os.path.join(mf.OUT_DIR, self.name + ".json")
        text = mf.emit({"family": self.name, "generator": "tools/make_loss_fixtures.py", "torch": torch.__version__,
                        "cases": self.cases}) + "\n"
        with open(path, "w") as out:
            out.write(text)
        return path, len(text), len(self.cases)


def main():
    torch.set_default_dtype(torch.float64)
    mf.OPS.update(LOSS_OPS)
    mf.Family = LossFamily
    f = cases()
    path, size, n = f.write()
    print("%-70s %4d cases %8d bytes, %d ops" % (os.path.relpath(path), n, size, len({c["op"] for c in f.cases})))


if __name__ == "__main__":
    if not hasattr(torch, "__version__"):
        sys.exit("no torch: run with /usr/bin/python3")
    main()
