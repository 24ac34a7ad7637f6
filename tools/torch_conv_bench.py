#!/usr/bin/env python3
"""Times PyTorch's conv2d on the layers of benchmarks-jmh's Conv2dBench, as JMH times Kiln's.

Each (layer, pass) runs like a JMH AverageTime benchmark: warm-up iterations, then measured
iterations of a fixed length, each iteration's figure the mean time per op; the score is the mean of
the measured iterations and the error the 99.9% half-width of Student's t, as JMH reports them. The
JSON written is in JMH's result format, as the method `torch` of dev.kiln.bench.conv.Conv2dBench,
so dev.kiln.bench.report.Report puts it beside Kiln's figures.

A layer is c<in>h<size>-o<out>k<kernel>s<stride>: input [32, in, size, size], weight
[out, in, kernel, kernel], bias [out], padding kernel // 2. pass=forward times F.conv2d with nothing
requiring grad; pass=train sets every leaf's .grad to None, then runs the forward and
y.backward(seed) (input, weight and bias gradients). PyTorch runs as tuned for the other bench
scripts (tools/torch_mlp_step.py): N threads, OMP_WAIT_POLICY=PASSIVE, glibc malloc thresholds
raised; these must be set before the process starts, so the script re-executes itself with them.

    /usr/bin/python3 tools/torch_conv_bench.py --threads 2 --out /tmp/torch-conv.json
    /usr/bin/python3 tools/torch_conv_bench.py --layer c64h56-o64k3s1 --pass train --iterations 1
"""
import argparse
import json
import os
import re
import statistics
import sys
import time

from torch_blas import describe, use_best_blas

TUNED_ENV = {
    "OMP_WAIT_POLICY": "PASSIVE",
    # glibc caps the mmap threshold at HEAP_MAX_SIZE/2 = 32 MiB on 64-bit
    "MALLOC_MMAP_THRESHOLD_": str(32 * 1024 * 1024),
    "MALLOC_TRIM_THRESHOLD_": str(1024 * 1024 * 1024),
}

# Conv2dBench.LAYERS, in its order
LAYERS = ["c64h56-o64k3s1", "c128h28-o128k3s1", "c256h14-o256k3s1", "c512h7-o512k3s1",
          "c64h56-o128k3s2", "c128h28-o256k3s2", "c256h14-o512k3s2", "c3h224-o64k7s2"]
BATCH = 32
BENCHMARK = "dev.kiln.bench.conv.Conv2dBench.torch"

# Student's t at 0.9995 (JMH's 99.9% interval) by degrees of freedom
T_9995 = {1: 636.62, 2: 31.599, 3: 12.924, 4: 8.610, 5: 6.869, 6: 5.959, 7: 5.408, 8: 5.041, 9: 4.781}


def parse_layer(name):
    m = re.fullmatch(r"c(\d+)h(\d+)-o(\d+)k(\d+)s(\d+)", name)
    if not m:
        raise SystemExit(f"torch_conv_bench: layer must look like c64h56-o64k3s1, got {name}")
    return [int(g) for g in m.groups()]


def iteration(op, seconds):
    """Runs op until `seconds` have passed; returns the mean milliseconds per op."""
    ops = 0
    t0 = time.perf_counter()
    while True:
        op()
        ops += 1
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            return elapsed * 1e3 / ops


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--layer", action="append", help="a layer (repeatable; default: all of Conv2dBench's)")
    ap.add_argument("--pass", dest="passes", action="append", choices=["forward", "train"],
                    help="repeatable; default: both")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup-iterations", type=int, default=2)
    ap.add_argument("--warmup-time", type=float, default=2.0, help="seconds per warm-up iteration")
    ap.add_argument("--iterations", type=int, default=3)
    ap.add_argument("--time", type=float, default=2.0, help="seconds per measured iteration")
    ap.add_argument("--out", help="write the JMH-format JSON here (default: stdout)")
    ap.add_argument("--untuned", action="store_true", help="keep the environment as it is")
    args = ap.parse_args()
    layers = args.layer or LAYERS
    passes = args.passes or ["forward", "train"]
    for layer in layers:
        parse_layer(layer)
    if args.iterations < 1 or args.time <= 0 or args.warmup_iterations < 0 or args.threads < 1:
        raise SystemExit("torch_conv_bench: need --iterations >= 1, --time > 0, --warmup-iterations >= 0, --threads >= 1")

    if not args.untuned and any(os.environ.get(k) != v for k, v in TUNED_ENV.items()):
        env = dict(os.environ, **TUNED_ENV)
        env["OMP_NUM_THREADS"] = str(args.threads)
        os.execve(sys.executable, [sys.executable] + sys.argv, env)

    import torch
    import torch.nn.functional as F

    torch.set_num_threads(args.threads)
    # oneDNN runs the convolutions; the BLAS is held to its best core all the same, as the other scripts
    print(f"torch_conv_bench: {describe(use_best_blas())}", file=sys.stderr)
    torch.manual_seed(7)
    engine = "oneDNN" if torch.backends.mkldnn.is_available() else "native (no oneDNN)"
    results = []
    for layer in layers:
        c_in, size, c_out, k, s = parse_layer(layer)
        out = (size + 2 * (k // 2) - k) // s + 1
        x0 = torch.randn(BATCH, c_in, size, size)
        w0 = torch.randn(c_out, c_in, k, k) * (2.0 / (c_in * k * k)) ** 0.5
        b0 = torch.randn(c_out) * 0.1
        seed = torch.randn(BATCH, c_out, out, out)
        for p in passes:
            train = p == "train"
            x = x0.clone().requires_grad_(train)
            w = w0.clone().requires_grad_(train)
            b = b0.clone().requires_grad_(train)

            def op():
                if not train:
                    return F.conv2d(x, w, b, stride=s, padding=k // 2)
                x.grad = w.grad = b.grad = None
                F.conv2d(x, w, b, stride=s, padding=k // 2).backward(seed)
                return w.grad

            for _ in range(args.warmup_iterations):
                iteration(op, args.warmup_time)
            ms = [iteration(op, args.time) for _ in range(args.iterations)]
            mean = statistics.fmean(ms)
            n = len(ms)
            err = T_9995.get(n - 1, 3.291) * statistics.stdev(ms) / n ** 0.5 if n > 1 else None
            print(f"torch_conv_bench: {layer} {p}: {mean:.3f} ms/op ({args.threads} threads, {engine})", file=sys.stderr)
            results.append({
                "jmhVersion": "n/a", "benchmark": BENCHMARK, "mode": "avgt", "threads": 1, "forks": 1,
                "jdkVersion": f"PyTorch {torch.__version__}", "vmName": f"conv on {engine},",
                "vmVersion": f"{torch.get_num_threads()} threads",
                "warmupIterations": args.warmup_iterations, "warmupTime": f"{args.warmup_time} s",
                "measurementIterations": n, "measurementTime": f"{args.time} s",
                "params": {"layer": layer, "pass": p, "threads": str(args.threads)},
                "primaryMetric": {"score": mean, "scoreError": err, "scoreUnit": "ms/op",
                                  "rawData": [ms]},
            })
            del x, w, b
    text = json.dumps(results, indent=2)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
