#!/usr/bin/env python3
"""Times one training step of Kiln's `train cnn` model in PyTorch, as `kiln bench cnn` times Kiln's.

The same network as Kiln's ConvNet (models/.../nn/ConvNet.java), with the same parameter names:
- resnet: features = [conv3x3(1->w0), BN, ReLU, one Sequential of basic blocks per stage
  (conv1 3x3 stride s, bn1, ReLU, conv2 3x3, bn2, plus the input through shortcut = 1x1 conv
  stride s + BN where the shape changes, then ReLU; the first block of every stage but the first
  has stride 2), AdaptiveAvgPool2d(1)], fc = Linear(w_last, 10);
- vgg: features = per stage `blocks` x (conv3x3, BN, ReLU), MaxPool2d(2) after every stage but
  the last, AdaptiveAvgPool2d(1); fc as above.
Convolutions have no bias; PyTorch's default initialisation (as Kiln's). The step: forward of a
fixed random batch of 1x28x28 images, cross-entropy against fixed random labels,
zero_grad(set_to_none=True), backward, SGD(lr=0.05, momentum=0.9, weight_decay=5e-4).step(),
in training mode (batch statistics). Each timed step is measured separately with perf_counter
after an untimed warmup; the last line printed is JSON with the median, mean, 10th and 90th
percentile in milliseconds. PyTorch's convolutions run on oneDNN (mkldnn) where it is built in;
the JSON says whether it is.

PyTorch runs at its best on a small shared CPU, as tools/torch_mlp_step.py: N threads (2 here),
OMP_WAIT_POLICY=PASSIVE, glibc malloc thresholds raised (the script re-executes itself with them),
OpenBLAS at the core it should pick for the CPU (tools/torch_blas.py).

    /usr/bin/python3 tools/torch_cnn_step.py --arch resnet --widths 16 32 64 --blocks 1 --batch-size 128
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


def build(torch, arch, widths, blocks, channels=1, classes=10):
    nn = torch.nn

    def conv(cin, cout, k, stride=1):
        return nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=False)

    class BasicBlock(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = conv(cin, cout, 3, stride)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = conv(cout, cout, 3)
            self.bn2 = nn.BatchNorm2d(cout)
            self.shortcut = (nn.Sequential(conv(cin, cout, 1, stride), nn.BatchNorm2d(cout))
                             if stride != 1 or cin != cout else None)

        def forward(self, x):
            y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
            return torch.relu(y + (self.shortcut(x) if self.shortcut is not None else x))

    layers = []
    if arch == "resnet":
        layers += [conv(channels, widths[0], 3), nn.BatchNorm2d(widths[0]), nn.ReLU()]
        cin = widths[0]
        for s, w in enumerate(widths):
            stage = []
            for b in range(blocks):
                stage.append(BasicBlock(cin, w, 2 if b == 0 and s > 0 else 1))
                cin = w
            layers.append(nn.Sequential(*stage))
    else:
        cin = channels
        for s, w in enumerate(widths):
            for _ in range(blocks):
                layers += [conv(cin, w, 3), nn.BatchNorm2d(w), nn.ReLU()]
                cin = w
            if s < len(widths) - 1:
                layers.append(nn.MaxPool2d(2))
    layers.append(nn.AdaptiveAvgPool2d(1))

    class ConvNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(*layers)
            self.fc = nn.Linear(widths[-1], classes)

        def forward(self, x):
            return self.fc(torch.flatten(self.features(x), 1))

    return ConvNet()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arch", choices=["resnet", "vgg"], default="resnet")
    ap.add_argument("--widths", type=int, nargs="+", default=[16, 32, 64])
    ap.add_argument("--blocks", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--steps", type=int, default=20)
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
    model = build(torch, args.arch, args.widths, args.blocks)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    x = torch.rand(args.batch_size, 1, 28, 28)
    y = torch.randint(0, 10, (args.batch_size,))

    def step():
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    print(json.dumps({
        **time_steps(step, args.warmup, args.steps),
        "threads": torch.get_num_threads(), "torch": torch.__version__, **blas,
        "mkldnn": torch.backends.mkldnn.is_available(),
        "parameters": sum(p.numel() for p in model.parameters()),
        "tuned": not args.untuned,
    }))


if __name__ == "__main__":
    main()
