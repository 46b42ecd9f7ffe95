#!/usr/bin/python3
"""PyTorch peer of `toolchain-bench train-step`: steady-state Adam train steps of the same model on
random data, eager mode, answering "run SECONDS" lines on stdin with one JSON line each.

Run it with Debian's /usr/bin/python3 (python3-torch 1.13). Threads: torch.set_num_threads(T) (OpenMP,
which also drives OpenBLAS-openmp); the driver also sets OMP_NUM_THREADS=T. The allocator is tuned
from outside (MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_) or by --prealloc-mb (one big
malloc/free, which raises glibc's dynamic mmap threshold).
"""
import argparse
import ctypes
import json
import re
import sys
import time

import torch
from torch import nn


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 10))


def cnn():
    # models/fashion-cnn/recipe.yaml: 2×(conv 3×3 same, batch norm, ReLU, max pool 2) → dropout → dense 128 → dense 10
    return nn.Sequential(
        nn.Unflatten(1, (1, 28)),
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.3), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10))


MODELS = {"fashion-mlp": mlp, "fashion-cnn": cnn}


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True, choices=sorted(MODELS))
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--warmup", type=float, default=1.0)
    p.add_argument("--foreach", action="store_true", help="Adam(foreach=True): multi-tensor update")
    p.add_argument("--prealloc-mb", type=int, default=0, help="malloc and free this many MB first")
    p.add_argument("--variant", default="")
    p.add_argument("--device", default="cpu", help="cpu, or cuda: FP32 throughout (no TF32) and Adam(fused=True)")
    a = p.parse_args()

    if a.prealloc_mb:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc.restype = ctypes.c_void_p
        libc.free.argtypes = [ctypes.c_void_p]
        libc.free(libc.malloc(a.prealloc_mb << 20))
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    device = torch.device(a.device)
    if device.type == "cuda":
        # The precision Toolchain trains at on CUDA (ONNX Runtime with use_tf32=0).
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    model = MODELS[a.model]().to(device)
    model.train()
    adam = {"fused": True} if device.type == "cuda" else {"foreach": a.foreach}
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, **adam)
    loss_fn = nn.CrossEntropyLoss()
    # A pool of random samples and a shuffled order, batches gathered by index as a data set is read.
    count = max(8 * a.batch, 4096)
    features = torch.randn(count, 28, 28, device=device)
    labels = torch.randint(0, 10, (count,), device=device)
    order = torch.randperm(count, device=device)
    batches = [order[i:i + a.batch] for i in range(0, count - a.batch + 1, a.batch)]
    position = [0]

    def step():
        idx = batches[position[0]]
        position[0] = (position[0] + 1) % len(batches)
        x = features.index_select(0, idx)
        y = labels.index_select(0, idx)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    def measure(seconds, minimum=3):
        times = []
        start = time.perf_counter()
        last = start
        while time.perf_counter() - start < seconds or len(times) < minimum:
            step()
            now = time.perf_counter()
            times.append((now - last) * 1000)
            last = now
        elapsed = time.perf_counter() - start
        times.sort()
        pct = lambda q: times[min(len(times) - 1, max(0, -(-int(q * len(times) * 1000) // 1000) - 1))]
        return {"steps": len(times), "samples": len(times) * a.batch, "seconds": elapsed,
                "samples_per_second": len(times) * a.batch / elapsed, "p50_ms": pct(0.5), "p99_ms": pct(0.99)}

    measure(a.warmup)
    blas = sorted({line.split()[-1] for line in open("/proc/self/maps") if re.search(r"blas|lapack|dnnl|gomp", line)})
    emit({"ready": True, "blas": blas, "tool": "pytorch", "model": a.model, "batch": a.batch, "threads": a.threads,
          "torch": torch.__version__, "torch_threads": torch.get_num_threads(), "foreach": a.foreach, "device": a.device,
          "parameters": sum(t.numel() for t in model.parameters()), "variant": a.variant})
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "quit":
            break
        emit(measure(float(parts[1])))


if __name__ == "__main__":
    main()
