#!/usr/bin/env python3
"""Loads a Kiln MLP checkpoint into PyTorch and measures it on Fashion-MNIST's test set.

A check that Kiln's checkpoints are PyTorch's: the "model.*" tensors of the safetensors file
(read with the independent reader in make_safetensors_fixture.py; Debian's python3-torch has no
`safetensors` package) are loaded with load_state_dict into the same nn.Sequential, strictly,
and the accuracy must equal what `kiln eval` prints for the same checkpoint.

    /usr/bin/python3 tools/torch_eval_mlp.py runs/mlp/checkpoint.safetensors [--data DIR] [--limit N]
"""
import argparse
import gzip
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_safetensors_fixture import read  # noqa: E402


def idx(path):
    opener = gzip.open if open(path, "rb").read(2) == b"\x1f\x8b" else open
    with opener(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("checkpoint")
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--limit", type=int)
    args = ap.parse_args()
    tensors, meta = read(args.checkpoint)
    cfg = json.loads(meta["config"])["model"]
    assert cfg["model"] == "mlp" and cfg["activation"] == "relu" and cfg["norm"] == "none", cfg
    sizes = [cfg["in_features"]] + cfg["hidden"] + [cfg["classes"]]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    state = {k[len("model."):]: torch.from_numpy(v.copy()) for k, v in tensors.items() if k.startswith("model.")}
    model.load_state_dict(state, strict=True)
    name = lambda s: next(os.path.join(args.data, f) for f in (s, s + ".gz") if os.path.exists(os.path.join(args.data, f)))
    x = idx(name("t10k-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255
    y = idx(name("t10k-labels-idx1-ubyte")).astype(np.int64)
    if args.limit:
        x, y = x[:args.limit], y[:args.limit]
    with torch.no_grad():
        logits = model(torch.from_numpy(x))
        loss = torch.nn.functional.cross_entropy(logits, torch.from_numpy(y)).item()
        acc = (logits.argmax(1).numpy() == y).mean()
    print(f"torch {torch.__version__}: {args.checkpoint} step {meta.get('step')}: "
          f"test loss {loss:.4f}, accuracy {100 * acc:.2f}% on {len(y)} images")


if __name__ == "__main__":
    main()
