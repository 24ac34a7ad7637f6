#!/usr/bin/env python3
"""PyTorch's own op-by-op profile of the step tools/torch_cnn_step.py times (Kiln's `train cnn` model),
to set beside `kiln profile cnn --by shape`: torch.autograd.profiler over `--steps` steps after
`--warmup`, self CPU time per op and input shapes, in ms per step.

Run as the step script runs PyTorch (2 threads, tuned environment); for AVX2 on both sides cap oneDNN:

    ONEDNN_MAX_CPU_ISA=AVX2 DNNL_MAX_CPU_ISA=AVX2 OMP_NUM_THREADS=2 OMP_WAIT_POLICY=PASSIVE \\
        /usr/bin/python3 tools/torch_cnn_profile.py --steps 10
"""
import argparse

from torch_blas import describe, use_best_blas
from torch_cnn_step import build


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--top", type=int, default=50)
    args = ap.parse_args()
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(args.threads)
    blas = use_best_blas()  # may re-execute the script with OPENBLAS_CORETYPE set (tools/torch_blas.py)
    torch.manual_seed(0)
    model = build(torch, "resnet", [16, 32, 64], 1)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    x = torch.rand(args.batch_size, 1, 28, 28)
    y = torch.randint(0, 10, (args.batch_size,))

    def step():
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(args.warmup):
        step()
    with torch.autograd.profiler.profile(record_shapes=True) as prof:
        for _ in range(args.steps):
            step()
    rows = []
    for e in prof.key_averages(group_by_input_shape=True):
        rows.append((e.self_cpu_time_total / 1e3 / args.steps, e.count / args.steps, e.key, e.input_shapes))
    rows.sort(reverse=True)
    total = sum(r[0] for r in rows)
    print(f"self CPU time, all ops: {total:.2f} ms/step; torch {torch.__version__}, {torch.get_num_threads()} threads; {describe(blas)}")
    print(f"{'ms/step':>8} {'share':>6} {'calls':>6}  op  shapes")
    for ms, calls, key, shapes in rows[:args.top]:
        print(f"{ms:8.3f} {100 * ms / total:5.1f}% {calls:6.1f}  {key}  {shapes}")


if __name__ == "__main__":
    main()
