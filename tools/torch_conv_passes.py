#!/usr/bin/env python3
"""Times PyTorch's three convolution passes apart: forward, input gradient, weight gradient.

torch_conv_bench.py times the forward and the whole train step; this one calls
aten.convolution_backward with one output at a time, so the input gradient and the weight gradient
(with bias) of a layer can be set beside Kiln's ConvDispatch.conv2dBackwardInput and
conv2dBackwardWeight. Layers as in torch_conv_bench.py (c<in>h<size>-o<out>k<kernel>s<stride>, batch
32, padding kernel // 2). Best and median of --rounds rounds, each the mean of --calls calls, in ms and
nominal GFLOP/s (all taps); wall time, or with --cpu the process's CPU time (all threads together, as
ConvPassesTiming -Dcpu=true sums Kiln's: on a host loaded by others it moves less than wall time).
Set ONEDNN_MAX_CPU_ISA=AVX2 for oneDNN's AVX2 kernels.

    ONEDNN_MAX_CPU_ISA=AVX2 /usr/bin/python3 tools/torch_conv_passes.py --layer c256h14-o256k3s1
"""
import argparse
import os
import re
import statistics
import sys
import time

from torch_blas import describe, use_best_blas

TUNED_ENV = {"OMP_WAIT_POLICY": "PASSIVE"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--layer", action="append", help="repeatable; default c256h14-o256k3s1")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--calls", type=int, default=5)
    ap.add_argument("--cpu", action="store_true", help="time by the process's CPU time, not wall time")
    args = ap.parse_args()
    if any(os.environ.get(k) != v for k, v in TUNED_ENV.items()):
        env = dict(os.environ, **TUNED_ENV)
        env["OMP_NUM_THREADS"] = str(args.threads)
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(args.threads)
    clock = time.process_time if args.cpu else time.perf_counter
    # oneDNN runs the convolutions; the BLAS is held to its best core all the same, as the other scripts
    print(f"torch {torch.__version__}, {args.threads} threads, {'CPU' if args.cpu else 'wall'} time; "
          f"{describe(use_best_blas())}", flush=True)
    torch.manual_seed(7)
    for layer in args.layer or ["c256h14-o256k3s1"]:
        m = re.fullmatch(r"c(\d+)h(\d+)-o(\d+)k(\d+)s(\d+)", layer)
        if not m:
            raise SystemExit(f"torch_conv_passes: layer must look like c64h56-o64k3s1, got {layer}")
        c, h, o, k, s = (int(g) for g in m.groups())
        p = k // 2
        out = (h + 2 * p - k) // s + 1
        x = torch.randn(args.batch, c, h, h)
        w = torch.randn(o, c, k, k) * (2.0 / (c * k * k)) ** 0.5
        b = torch.randn(o) * 0.1
        dy = torch.randn(args.batch, o, out, out)
        flop = 2.0 * args.batch * o * c * k * k * out * out

        def bwd(mask):
            return lambda: torch.ops.aten.convolution_backward(dy, x, w, [o], [s, s], [p, p], [1, 1], False,
                                                                 [0, 0], 1, mask)

        passes = {
            "forward": lambda: F.conv2d(x, w, b, stride=s, padding=p),
            "input grad": bwd([True, False, False]),
            "weight grad": bwd([False, True, True]),
            "both grads": bwd([True, True, True]),
        }
        with torch.no_grad():
            for name, op in passes.items():
                times = []
                for r in range(args.rounds + 2):
                    t0 = clock()
                    for _ in range(args.calls):
                        op()
                    if r >= 2:
                        times.append((clock() - t0) * 1e3 / args.calls)
                best = min(times)
                med = statistics.median(times)
                print(f"{layer:18} {name:12} best {best:8.3f} ms ({flop / best / 1e6:6.1f} GFLOP/s)  "
                      f"median {med:8.3f} ms ({flop / med / 1e6:6.1f})", flush=True)


if __name__ == "__main__":
    main()
