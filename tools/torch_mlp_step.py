#!/usr/bin/env python3
"""Times one training step of the Fashion-MNIST MLP in PyTorch, as `kiln bench mlp` times Kiln's.

The step: forward of 784-H...-10 (Linear + ReLU), cross-entropy against fixed labels,
zero_grad(set_to_none=True), backward, Adam(lr=1e-3).step(), on one fixed random batch.
Each timed step is measured separately with perf_counter after an untimed warmup; the last
line printed is JSON with the median, mean, 10th and 90th percentile in milliseconds.

PyTorch is configured at its best on a small shared CPU: N threads (2 here), OpenMP
threads that sleep instead of spinning (OMP_WAIT_POLICY=PASSIVE), and glibc malloc
thresholds raised (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_) so the step's large
buffers are reused instead of being mmapped and unmapped every step. These must be in the
environment before the process starts, so the script re-executes itself with them set. Its
matrix products run on the BLAS tools/torch_blas.py reports (in the JSON: blas, blas_path, and
for OpenBLAS blas_core, blas_core_note); where OpenBLAS did not know the CPU and fell back to a
generic core, the script re-executes itself once more with OPENBLAS_CORETYPE set to the core it
should have picked (a value the user set is kept).

    /usr/bin/python3 tools/torch_mlp_step.py --threads 2 --steps 300 --warmup 200
"""
import argparse
import json
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--hidden", type=int, nargs="+", default=[512, 512])
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--steps", type=int, default=300)
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
    sizes = [784] + args.hidden + [10]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(args.batch_size, 784)
    y = torch.randint(0, 10, (args.batch_size,))

    def step():
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    print(json.dumps({
        **time_steps(step, args.warmup, args.steps),
        "threads": torch.get_num_threads(), "torch": torch.__version__, **blas,
        "tuned": not args.untuned,
    }))


if __name__ == "__main__":
    main()
