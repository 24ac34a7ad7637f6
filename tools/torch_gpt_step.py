#!/usr/bin/env python3
"""Times one training step of Kiln's byte-level GPT in PyTorch, as `kiln bench gpt` times Kiln's.

The same architecture as Kiln's default `Gpt.Config.gpt2(layers, d, heads, context)`, with the
same parameter names: token and learned position embeddings (wte, wpe), L Pre-LN blocks (ln_1,
attention with separate q_proj/k_proj/v_proj/out_proj and biases, causal softmax, ln_2, MLP fc1 ->
GELU (erf) -> fc2 of width 4d), a final LayerNorm ln_f and an untied lm_head without bias over 256
bytes. PyTorch 1.13 has no F.scaled_dot_product_attention, so attention is written as nanoGPT
writes it for that version (q.kT/sqrt(D), masked_fill(-inf), softmax, .v). The step:
cross-entropy of the [B*T, 256] logits against fixed random targets, zero_grad(set_to_none=True),
backward, AdamW(lr=1e-3, weight_decay=0.01).step(), on one fixed random batch of bytes.

Each timed step is measured separately with perf_counter after an untimed warmup; the last line
printed is JSON with the median, mean, 10th and 90th percentile in milliseconds.

PyTorch runs at its best on a small shared CPU, as tools/torch_mlp_step.py: N threads (2 here),
OMP_WAIT_POLICY=PASSIVE, glibc malloc thresholds raised (the script re-executes itself with them),
OpenBLAS at the core it should pick for the CPU (tools/torch_blas.py).

    /usr/bin/python3 tools/torch_gpt_step.py --layers 4 --d-model 256 --heads 4 --context 128 --batch-size 16
"""
import argparse
import json
import math
import os
import sys

from step_timing import time_steps
from torch_blas import use_best_blas

TUNED_ENV = {
    "OMP_WAIT_POLICY": "PASSIVE",
    # glibc caps the mmap threshold at HEAP_MAX_SIZE/2 = 32 MiB on 64-bit
    "MALLOC_MMAP_THRESHOLD_": str(32 * 1024 * 1024),
    "MALLOC_TRIM_THRESHOLD_": str(1024 * 1024 * 1024),
}


def build(torch, layers, d, heads, context):
    nn = torch.nn
    F = torch.nn.functional

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.q_proj = nn.Linear(d, d)
            self.k_proj = nn.Linear(d, d)
            self.v_proj = nn.Linear(d, d)
            self.out_proj = nn.Linear(d, d)
            self.register_buffer("mask", torch.ones(context, context, dtype=torch.bool).tril(), persistent=False)

        def forward(self, x):
            b, t, _ = x.shape
            hd = d // heads
            q = self.q_proj(x).view(b, t, heads, hd).transpose(1, 2)
            k = self.k_proj(x).view(b, t, heads, hd).transpose(1, 2)
            v = self.v_proj(x).view(b, t, heads, hd).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hd))
            att = att.masked_fill(~self.mask[:t, :t], float("-inf"))
            y = F.softmax(att, dim=-1) @ v
            return self.out_proj(y.transpose(1, 2).reshape(b, t, d))

    class Mlp(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(d, 4 * d)
            self.fc2 = nn.Linear(4 * d, d)

        def forward(self, x):
            return self.fc2(F.gelu(self.fc1(x)))

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = nn.LayerNorm(d)
            self.attn = Attention()
            self.ln_2 = nn.LayerNorm(d)
            self.mlp = Mlp()

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class Transformer(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(256, d)
            self.wpe = nn.Embedding(context, d)
            self.h = nn.ModuleList([Block() for _ in range(layers)])
            self.ln_f = nn.LayerNorm(d)
            self.lm_head = nn.Linear(d, 256, bias=False)
            # GPT-2's initialisation, as Kiln's TransformerLM
            for name, p in self.named_parameters():
                if name.endswith("bias"):
                    nn.init.zeros_(p)
                elif p.dim() == 2:
                    std = 0.02 / math.sqrt(2 * layers) if name.endswith(("out_proj.weight", "fc2.weight")) else 0.02
                    nn.init.normal_(p, 0.0, std)

        def forward(self, idx):
            t = idx.shape[1]
            x = self.wte(idx) + self.wpe.weight[:t]
            for block in self.h:
                x = block(x)
            return self.lm_head(self.ln_f(x))

    class Gpt(nn.Module):
        def __init__(self):
            super().__init__()
            self.transformer = Transformer()

        def forward(self, idx):
            return self.transformer(idx).reshape(-1, 256)

    return Gpt()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--d-model", type=int, default=256)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--context", type=int, default=128)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--untuned", action="store_true", help="keep the environment as it is")
    args = ap.parse_args()

    if not args.untuned and any(os.environ.get(k) != v for k, v in TUNED_ENV.items()):
        env = dict(os.environ, **TUNED_ENV)
        env["OMP_NUM_THREADS"] = str(args.threads)
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(args.threads)
    blas = use_best_blas()  # may re-execute the script with OPENBLAS_CORETYPE set (tools/torch_blas.py)
    if blas["blas"] == "reference":
        # timing it would take minutes and mean nothing; the caller prints why and what to install
        print(json.dumps({**blas, "torch": torch.__version__}))
        return
    torch.manual_seed(0)
    model = build(torch, args.layers, args.d_model, args.heads, args.context)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    x = torch.randint(0, 256, (args.batch_size, args.context))
    y = torch.randint(0, 256, (args.batch_size * args.context,))

    def step():
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss

    print(json.dumps({
        **time_steps(step, args.warmup, args.steps),
        "threads": torch.get_num_threads(), "torch": torch.__version__, **blas,
        "parameters": sum(p.numel() for p in model.parameters()),
        "tuned": not args.untuned,
    }))


if __name__ == "__main__":
    main()
