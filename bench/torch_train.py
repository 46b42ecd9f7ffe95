#!/usr/bin/python3
"""PyTorch peer of `make train MODEL=fashion-mlp`: the same recipe end to end, for wall time per epoch
and time to a validation accuracy.

Same as models/fashion-mlp/recipe.yaml: Fashion-MNIST's 60k training images split 55,000 / 5,000
(random, seed 0; the t10k set is not read), one mean/std over all training pixels, 784-128-128-10 MLP
with ReLU (PyTorch's default init, U(±1/√fan_in), as Toolchain draws it), cross entropy, Adam lr 1e-3,
cosine annealing per epoch over the run (15 epochs), batch 128, reshuffled every epoch, last partial
batch kept, validation every epoch, a checkpoint (model + optimizer state) written every epoch.
Prints one JSON line per event; --first-step-only stops after the first optimizer step, printing the
phases up to it. Run with /usr/bin/python3 (Debian's python3-torch).
"""
import argparse
import gzip
import json
import os
import sys
import tempfile
import time

T0 = time.perf_counter()

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

T_IMPORT = time.perf_counter()


def emit(obj):
    obj["t"] = time.perf_counter() - T0
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--validation", type=int, default=5000)
    p.add_argument("--first-step-only", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(42)

    images = idx(os.path.join(a.data, "train-images-idx3-ubyte.gz"))
    labels = idx(os.path.join(a.data, "train-labels-idx1-ubyte.gz")).astype(np.int64)
    order = np.random.default_rng(0).permutation(len(images))
    val_i, train_i = order[:a.validation], order[a.validation:]
    train = images[train_i].astype(np.float32)
    mean, std = train.mean(), train.std()
    x_train = torch.from_numpy((train - mean) / std)
    x_val = torch.from_numpy((images[val_i].astype(np.float32) - mean) / std)
    y_train, y_val = torch.from_numpy(labels[train_i]), torch.from_numpy(labels[val_i])
    t_data = time.perf_counter()

    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=a.epochs)
    loss_fn = nn.CrossEntropyLoss()
    checkpoint = os.path.join(tempfile.mkdtemp(prefix="torch-bench-"), "checkpoint.pt")
    n = len(x_train)
    emit({"event": "start", "train": n, "validation": len(x_val), "threads": torch.get_num_threads()})
    for epoch in range(1, a.epochs + 1):
        model.train()
        t_epoch = time.perf_counter()
        perm = torch.randperm(n)
        loss_sum = 0.0
        for s in range(0, n, a.batch):
            idx_b = perm[s:s + a.batch]
            x, y = x_train.index_select(0, idx_b), y_train.index_select(0, idx_b)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx_b)
            if a.first_step_only:
                t_step = time.perf_counter()
                emit({"event": "first_step", "phases": {"import_ms": (T_IMPORT - T0) * 1e3, "data_ms": (t_data - T_IMPORT) * 1e3,
                                                        "model_and_first_step_ms": (t_step - t_data) * 1e3}})
                return
        train_seconds = time.perf_counter() - t_epoch
        model.eval()
        with torch.no_grad():
            logits = torch.cat([model(x_val[i:i + 1000]) for i in range(0, len(x_val), 1000)])
            val_loss = loss_fn(logits, y_val).item()
            val_acc = (logits.argmax(1) == y_val).float().mean().item()
        lr = schedule.get_last_lr()[0]
        schedule.step()
        torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": epoch}, checkpoint + ".tmp")
        os.replace(checkpoint + ".tmp", checkpoint)
        emit({"event": "epoch", "epoch": epoch, "train_loss": loss_sum / n, "val_loss": val_loss, "val_accuracy": val_acc, "lr": lr,
              "train_seconds": train_seconds, "samples_per_second": n / train_seconds})
    emit({"event": "done"})


if __name__ == "__main__":
    main()
