#!/usr/bin/python3
"""Toolchain benchmarks side by side with PyTorch (GitHub issue 7); `make bench` runs this through
bench/run.sh. Writes bench/results/bench.json (every measurement) and bench/results/bench.md (tables).

Sections (BENCH_SECTIONS=step,e2e,serve,startup,profile,variants picks some):
  step     steady-state train-step throughput, Toolchain vs PyTorch, same models, batches, threads, Adam
  e2e      the fashion-mlp recipe end to end: wall time per epoch, time to a validation accuracy
  serve    toolchain-serve (dynamic batching) under wrk, JSON and binary tensor data, fashion-mlp at 1, 8, 32 connections
           and fashion-cnn at 32, vs in-process ONNX Runtime at batch 1 and 32 (BENCH_SERVE_CNN=0 skips the CNN)
  startup  server time-to-ready, trainer time-to-first-step (both tools)
  profile  ONNX Runtime per-node profile of Toolchain's train step
  variants graph rewrites proposed for the artifact generator: same results, and their speed-up

Fairness: the tools run one at a time, alternated measurement by measurement (A B C, then C B A, ...)
so drift from other load on the machine cancels; each figure is the median over rounds, and each
ratio is the median of per-round ratios. The load average is recorded with every row.

Before each window it waits (up to BENCH_QUIET_WAIT s, default 20) until other processes use less than
BENCH_QUIET (default 0.3) of the cores, and records what it saw ("busy before").

Environment: BENCH_QUICK=1 (a smoke run: fewer configurations, shorter windows, one round),
BENCH_STEP_CONFIGS=fashion-mlp:128:2,... (only those train-step rows), BENCH_VARIANT_MODELS=fashion-cnn,
BENCH_BIN (a folder holding every built .dll; default: each project's bin/Release/net10.0),
BENCH_OUT (default bench/results), BENCH_PYTHON (default /usr/bin/python3, which has python3-torch).
"""
import gzip
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
OUT = os.path.abspath(os.environ.get("BENCH_OUT", os.path.join(ROOT, "bench", "results")))
PYTHON = os.environ.get("BENCH_PYTHON", "/usr/bin/python3")
# "variants" (graph rewrites measured before they went into the generator) runs only when asked for.
SECTIONS = [s for s in os.environ.get("BENCH_SECTIONS", "step,e2e,serve,startup,profile").split(",") if s]
DATA = "/usr/share/datasets/fashion-mnist"
# glibc malloc tuned for a training loop: no mmap/munmap or trimming of the per-step tensors.
MALLOC_TUNED = {"MALLOC_MMAP_THRESHOLD_": str(1 << 30), "MALLOC_TRIM_THRESHOLD_": str(1 << 30)}
DOTNET_ENV = {"DOTNET_CLI_TELEMETRY_OPTOUT": "1", "DOTNET_NOLOGO": "1"}

# The open CNN proposals at once (bench/Toolchain.Bench/GraphVariants.cs).
ALL_CNN = "unpool+pool-indices"

if QUICK:
    STEP = dict(models=["fashion-mlp", "fashion-cnn"], batches=[128], threads=[2], rounds=1, seconds=1.0, warmup=1.0)
    E2E = dict(rounds=1, epochs=2, target=0.88)
    SERVE = dict(connections=[1, 8, 32], seconds=2, rounds=1, batches=[1, 32])
    STARTUP = dict(repeats=1)
    PROFILE = dict(steps=40, warmup=10, configs=[("fashion-mlp", 128, 2, "baseline"), ("fashion-cnn", 128, 2, "baseline")])
    VARIANTS = dict(rounds=1, seconds=1.0, configs=[("fashion-cnn", 128, 2, [ALL_CNN, "pool-resize"])])
else:
    STEP = dict(models=["fashion-mlp", "fashion-cnn"], batches=[32, 128, 512], threads=[1, 2], rounds=4, seconds=2.5, warmup=2.0)
    E2E = dict(rounds=3, epochs=15, target=0.88)
    SERVE = dict(connections=[1, 8, 32], seconds=10, rounds=2, batches=[1, 32])
    STARTUP = dict(repeats=3)
    PROFILE = dict(steps=300, warmup=30, configs=[("fashion-mlp", 128, 2, "baseline"), ("fashion-mlp", 128, 1, "baseline"),
                                                  ("fashion-cnn", 128, 2, "baseline"), ("fashion-cnn", 128, 1, "baseline"),
                                                  ("fashion-cnn", 128, 1, ALL_CNN)])
    VARIANTS = dict(rounds=4, seconds=2.5, configs=[
        ("fashion-cnn", 128, 1, ["pool-indices", "unpool", ALL_CNN, "pool-mask", "pool-resize"]),
        ("fashion-cnn", 128, 2, ["pool-indices", "unpool", ALL_CNN, "pool-resize"])])


def dll(project, name):
    folder = os.environ.get("BENCH_BIN") or os.path.join(ROOT, project, "bin", "Release", "net10.0")
    path = os.path.join(folder, name + ".dll")
    if not os.path.exists(path):
        sys.exit(f"bench: {path} is missing; build first (bench/run.sh does)")
    return path


def bench_dll():
    return dll("bench/Toolchain.Bench", "toolchain-bench")


def recipe(model):
    return os.path.join(ROOT, "models", model, "recipe.yaml")


def load():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def cpu_ticks():
    """(all ticks, idle ticks) over every core since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v), v[3] + v[4]


def process_ticks(pid):
    """User + system ticks of a process and all its threads."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def cpu_busy(interval=0.5):
    """Fraction of all cores busy over the interval (/proc/stat): between our windows, that is other work."""
    def sample():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]
    t0, i0 = sample()
    time.sleep(interval)
    t1, i1 = sample()
    return 1 - (i1 - i0) / max(1, t1 - t0)


QUIET = float(os.environ.get("BENCH_QUIET", "0.3"))
QUIET_WAIT = float(os.environ.get("BENCH_QUIET_WAIT", "20"))


def wait_quiet():
    """Waits (up to BENCH_QUIET_WAIT s) until other processes use less than BENCH_QUIET of the cores; returns what it saw last."""
    deadline = time.time() + QUIET_WAIT
    busy = cpu_busy()
    while busy > QUIET and time.time() < deadline:
        busy = cpu_busy()
    return busy


def log(text):
    print(text, file=sys.stderr, flush=True)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


class Worker:
    """A persistent measuring process (toolchain-bench train-step/infer or torch_step.py): set up and
    warmed up once, then asked for one measurement window at a time."""

    def __init__(self, name, argv, env=None):
        self.name = name
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env={**os.environ, **DOTNET_ENV, **(env or {})}, cwd=ROOT)
        self.info = self._read()

    def _read(self):
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.name} exited: {self.proc.stderr.read()[-2000:]}")
        return json.loads(line)

    def run(self, seconds):
        busy = wait_quiet()
        total0, idle0 = cpu_ticks()
        own0 = process_ticks(self.proc.pid)
        self.proc.stdin.write(f"run {seconds}\n")
        self.proc.stdin.flush()
        result = self._read()
        total1, idle1 = cpu_ticks()
        own1 = process_ticks(self.proc.pid)
        result["load"] = load()
        result["busy_before"] = busy
        # What the rest of the machine used while this window ran, as a fraction of all cores.
        result["others_during"] = max(0.0, ((total1 - total0) - (idle1 - idle0) - (own1 - own0)) / max(1, total1 - total0))
        return result

    def close(self):
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=30)
        except (BrokenPipeError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()


def alternate(workers, rounds, seconds):
    """Rounds of one window per worker, order reversed every other round; returns {name: [result per round]}."""
    results = {w.name: [] for w in workers}
    for r in range(rounds):
        for w in (workers if r % 2 == 0 else list(reversed(workers))):
            results[w.name].append(w.run(seconds))
    return results


# ---------------------------------------------------------------------------------------------------
# 1. Train-step throughput


def torch_worker(name, model, batch, threads, warmup, env):
    return Worker(name, [PYTHON, os.path.join(ROOT, "bench", "torch_step.py"), "--model", model, "--batch", str(batch),
                         "--threads", str(threads), "--warmup", str(warmup), "--variant", name],
                  env={"OMP_NUM_THREADS": str(threads), **env})


# Multiply-add FLOPs of one training sample (forward, weight gradients, input gradients of every layer but the
# first), elementwise work not counted. fashion-mlp 784-128-128-10: 2·118,016 forward + 2·118,016 dW + 2·17,664 dX.
# fashion-cnn: conv 3×3 1→32 at 28×28 and 32→64 at 14×14, dense 3136→128→10: 2·4,241,152 forward,
# 2·4,241,152 dW, 2·4,015,360 dX (no dX for the first conv).
TRAIN_FLOPS_PER_SAMPLE = {"fashion-mlp": 2 * (118_016 + 118_016 + 17_664), "fashion-cnn": 2 * (4_241_152 + 4_241_152 + 4_015_360)}


def step_configs():
    """BENCH_STEP_CONFIGS=model:batch:threads,... measures just those (a rerun of a noisy row)."""
    chosen = os.environ.get("BENCH_STEP_CONFIGS")
    if chosen:
        return [(m, int(b), int(t)) for m, b, t in (c.split(":") for c in chosen.split(","))]
    return [(m, b, t) for m in STEP["models"] for t in STEP["threads"] for b in STEP["batches"]]


def step_section():
    rows = []
    for model, batch, threads in step_configs():
        log(f"step: {model} batch {batch} threads {threads} (load {load():.2f})")
        workers = [Worker("toolchain", ["dotnet", bench_dll(), "train-step", "--recipe", recipe(model), "--batch", str(batch),
                                        "--threads", str(threads), "--warmup", str(STEP["warmup"])])]
        workers.append(torch_worker("pytorch", model, batch, threads, STEP["warmup"], {}))
        workers.append(torch_worker("pytorch-malloc-tuned", model, batch, threads, STEP["warmup"], MALLOC_TUNED))
        try:
            results = alternate(workers, STEP["rounds"], STEP["seconds"])
        finally:
            for w in workers:
                w.close()
        rate = {name: [r["samples_per_second"] for r in rs] for name, rs in results.items()}
        medians = {name: median(v) for name, v in rate.items()}
        best = max(("pytorch", "pytorch-malloc-tuned"), key=lambda n: medians[n])
        ratios = [t / p for t, p in zip(rate["toolchain"], rate[best])]
        bests = {name: max(v) for name, v in rate.items()}
        row = {"model": model, "batch": batch, "threads": threads, "samples_per_second": medians, "best_samples_per_second": bests,
               "ratio_of_bests": bests["toolchain"] / max(bests["pytorch"], bests["pytorch-malloc-tuned"]),
               "p50_step_ms": {n: median([r["p50_ms"] for r in rs]) for n, rs in results.items()},
               "pytorch_best": best, "ratio_toolchain_over_pytorch": median(ratios), "ratios": ratios,
               "gflops": {n: v * TRAIN_FLOPS_PER_SAMPLE[model] / 1e9 for n, v in medians.items()} if model in TRAIN_FLOPS_PER_SAMPLE else None,
               "load": median([r["load"] for rs in results.values() for r in rs]),
               "busy_before": median([r["busy_before"] for rs in results.values() for r in rs]),
               "others_during": median([r["others_during"] for rs in results.values() for r in rs]), "rounds": results,
               "pytorch_info": workers[1].info, "toolchain_info": workers[0].info}
        log(f"  toolchain {medians['toolchain']:,.0f}  pytorch {medians['pytorch']:,.0f}  "
            f"pytorch-malloc {medians['pytorch-malloc-tuned']:,.0f}  ratio {row['ratio_toolchain_over_pytorch']:.2f}")
        rows.append(row)
    return {"configs": rows, "seconds_per_window": STEP["seconds"], "rounds": STEP["rounds"]}


# ---------------------------------------------------------------------------------------------------
# 2. End-to-end training

EPOCH_LINE = re.compile(r"epoch (\d+)/(\d+)\s+train_loss (\S+)\s+val_loss (\S+)(?:\s+val_accuracy (\S+))?\s+lr \S+\s+([\d,.]+) samples/s\s+([\d.]+)s")


def timed_lines(argv, env=None, on_line=None):
    """Runs a process, timestamping each stdout line from the spawn; returns (lines, total seconds, exit code)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
                            env={**os.environ, **DOTNET_ENV, **(env or {})})
    lines = []
    for line in proc.stdout:
        t = time.perf_counter() - start
        lines.append((t, line.rstrip("\n")))
        if on_line and on_line(t, line):
            proc.kill()
            break
    code = proc.wait()
    return lines, time.perf_counter() - start, code


def toolchain_train(runs, epochs, extra=()):
    argv = ["dotnet", dll("train/Toolchain.Train", "toolchain-train"), "--model", "fashion-mlp", "--models", os.path.join(ROOT, "models"),
            "--runs", runs, "--training.epochs", str(epochs), *extra]
    lines, total, code = timed_lines(argv)
    if code != 0:
        raise RuntimeError("toolchain-train failed:\n" + "\n".join(l for _, l in lines[-20:]))
    epochs_out = []
    start = next((t for t, l in lines if l.startswith("Training ")), 0.0)
    for t, l in lines:
        m = EPOCH_LINE.search(l)
        if m:
            epochs_out.append({"epoch": int(m[1]), "t": t, "val_accuracy": float(m[5]) if m[5] else None, "train_loss": float(m[3]),
                               "val_loss": float(m[4]), "samples_per_second": float(m[6].replace(",", "")), "train_seconds": float(m[7])})
    return {"tool": "toolchain", "total_seconds": total, "loop_start": start, "epochs": epochs_out, "load": load()}


def torch_train(epochs):
    lines, total, code = timed_lines([PYTHON, os.path.join(ROOT, "bench", "torch_train.py"), "--epochs", str(epochs)])
    if code != 0:
        raise RuntimeError("torch_train.py failed:\n" + "\n".join(l for _, l in lines[-20:]))
    events = [(t, json.loads(l)) for t, l in lines if l.startswith("{")]
    start = next(t for t, e in events if e["event"] == "start")
    epochs_out = [{"epoch": e["epoch"], "t": t, "val_accuracy": e["val_accuracy"], "train_loss": e["train_loss"], "val_loss": e["val_loss"],
                   "samples_per_second": e["samples_per_second"], "train_seconds": e["train_seconds"]} for t, e in events if e["event"] == "epoch"]
    return {"tool": "pytorch", "total_seconds": total, "loop_start": start, "epochs": epochs_out, "load": load()}


def summarize_run(run, target):
    eps = run["epochs"]
    walls = [eps[0]["t"] - run["loop_start"]] + [b["t"] - a["t"] for a, b in zip(eps, eps[1:])]
    reached = next((e for e in eps if (e["val_accuracy"] or 0) >= target), None)
    return {"tool": run["tool"], "epochs": len(eps), "wall_per_epoch_s": median(walls), "train_loop_per_epoch_s": median([e["train_seconds"] for e in eps]),
            "samples_per_second": median([e["samples_per_second"] for e in eps]), "startup_to_loop_s": run["loop_start"],
            "total_s": run["total_seconds"], "epochs_to_target": reached["epoch"] if reached else None,
            "seconds_to_target": reached["t"] if reached else None, "best_val_accuracy": max(e["val_accuracy"] or 0 for e in eps),
            "final_val_accuracy": eps[-1]["val_accuracy"], "load": run["load"]}


def e2e_section(work):
    runs = []
    for r in range(E2E["rounds"]):
        for tool in (["toolchain", "pytorch"] if r % 2 == 0 else ["pytorch", "toolchain"]):
            busy = wait_quiet()
            log(f"e2e: {tool} round {r + 1} (load {load():.2f}, others' CPU {busy * 100:.0f} %)")
            if tool == "toolchain":
                run = toolchain_train(os.path.join(work, f"runs-{r}"), E2E["epochs"])
                work_run = os.path.join(work, f"runs-{r}")
            else:
                run = torch_train(E2E["epochs"])
            run["busy_before"] = busy
            runs.append(run)
            s = summarize_run(run, E2E["target"])
            log(f"  {s['wall_per_epoch_s']:.2f} s/epoch, {s['seconds_to_target']} s to {E2E['target']}, best {s['best_val_accuracy']:.4f}")
    summaries = [summarize_run(r, E2E["target"]) for r in runs]
    table = {}
    for tool in ("toolchain", "pytorch"):
        mine = [s for s in summaries if s["tool"] == tool]
        table[tool] = {k: median([s[k] for s in mine]) for k in mine[0] if k != "tool"}
    return {"epochs": E2E["epochs"], "target": E2E["target"], "tools": table, "runs": runs, "summaries": summaries,
            "toolchain_run": work_run}


# ---------------------------------------------------------------------------------------------------
# 3. Serving


def export_model(work, run_dir):
    models = os.path.join(work, "models")
    os.makedirs(os.path.join(models, "fashion-mlp"), exist_ok=True)
    shutil.copy(recipe("fashion-mlp"), os.path.join(models, "fashion-mlp", "recipe.yaml"))
    out = subprocess.run(["dotnet", dll("export/Toolchain.Export", "toolchain-export"), "--model", "fashion-mlp", "--runs", run_dir, "--models", models],
                         capture_output=True, text=True, cwd=ROOT, env={**os.environ, **DOTNET_ENV})
    if out.returncode != 0:
        raise RuntimeError("toolchain-export failed:\n" + out.stdout + out.stderr)
    return models


class Server:
    """toolchain-serve on a free loopback port; records the time to its "Listening" line and to a ready answer."""

    def __init__(self, models):
        self.start = time.perf_counter()
        self.proc = subprocess.Popen(["dotnet", dll("serve/Toolchain.Serve", "toolchain-serve"), "--models", models, "--port", "0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT, env={**os.environ, **DOTNET_ENV})
        self.url = None
        for line in self.proc.stdout:
            m = re.search(r"Listening on (http://\S+)", line)
            if m:
                self.url = m[1]
                self.listening = time.perf_counter() - self.start
                break
        if self.url is None:
            raise RuntimeError("toolchain-serve did not start: " + self.proc.stdout.read())
        while True:
            try:
                with urllib.request.urlopen(self.url + "/v2/health/ready", timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            time.sleep(0.002)
        self.ready = time.perf_counter() - self.start

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def first_t10k_image():
    with gzip.open(os.path.join(DATA, "t10k-images-idx3-ubyte.gz"), "rb") as f:
        return list(f.read(16 + 784)[16:])


def wrk(url, connections, seconds, script):
    busy = wait_quiet()
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s", "-s", script, url]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    unit = {"us": 1e-3, "ms": 1.0, "s": 1e3}

    def latency(pct):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        return float(m[1]) * unit[m[2]] if m else None

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"connections": connections, "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
            "p50_ms": latency(50), "p99_ms": latency(99), "requests": int(re.search(r"(\d+) requests in", out)[1]),
            "non_2xx": int(non2xx[1]) if non2xx else 0, "socket_errors": errors[1] if errors else None, "load": load(), "busy_before": busy}


SERVE_CNN = os.environ.get("BENCH_SERVE_CNN", "1") not in ("", "0")


def train_serving_model(model, runs, epochs):
    """A short training run of another recipe, only for the serving section to have a version of it to serve."""
    argv = ["dotnet", dll("train/Toolchain.Train", "toolchain-train"), "--model", model, "--models", os.path.join(ROOT, "models"),
            "--runs", runs, "--training.epochs", str(epochs)]
    lines, _, code = timed_lines(argv)
    if code != 0:
        raise RuntimeError(f"toolchain-train {model} failed:\n" + "\n".join(l for _, l in lines[-20:]))


def export_serving_model(model, run_dir, models):
    os.makedirs(os.path.join(models, model), exist_ok=True)
    shutil.copy(recipe(model), os.path.join(models, model, "recipe.yaml"))
    out = subprocess.run(["dotnet", dll("export/Toolchain.Export", "toolchain-export"), "--model", model, "--runs", run_dir, "--models", models],
                         capture_output=True, text=True, cwd=ROOT, env={**os.environ, **DOTNET_ENV})
    if out.returncode != 0:
        raise RuntimeError(f"toolchain-export {model} failed:\n" + out.stdout + out.stderr)


def serve_scripts(work, image):
    """wrk Lua scripts for one batch-1 request: all JSON, and binary tensor data both ways (Triton's extension:
    Inference-Header-Content-Length, the JSON header, then the 784 raw pixel bytes; outputs come back as raw bytes)."""
    body = json.dumps({"inputs": [{"name": "pixels", "shape": [1, 28, 28], "datatype": "UINT8", "data": image}]})
    header = json.dumps({"inputs": [{"name": "pixels", "shape": [1, 28, 28], "datatype": "UINT8", "parameters": {"binary_data_size": len(image)}}],
                         "parameters": {"binary_data_output": True}})
    binary = header.encode() + bytes(image)
    scripts = {"json": os.path.join(work, "infer-json.lua"), "binary": os.path.join(work, "infer-binary.lua")}
    with open(scripts["json"], "w") as f:
        f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n')
        f.write("wrk.body = '" + body + "'\n")
    with open(scripts["binary"], "w") as f:
        f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/octet-stream"\n')
        f.write(f'wrk.headers["Inference-Header-Content-Length"] = "{len(header.encode())}"\n')
        f.write('wrk.body = "' + "".join(f"\\{b}" for b in binary) + '"\n')
    return {"json": (body.encode(), {"Content-Type": "application/json"}),
            "binary": (binary, {"Content-Type": "application/octet-stream", "Inference-Header-Content-Length": str(len(header.encode()))})}, scripts


def serve_section(work, run_dir):
    """fashion-mlp (and fashion-cnn, one epoch, unless BENCH_SERVE_CNN=0) served with export's dynamic batching:
    batch-1 requests as JSON and as binary tensor data under wrk, against in-process ONNX Runtime at batch 1 and 32."""
    models = export_model(work, run_dir)
    served = ["fashion-mlp"]
    if SERVE_CNN:
        log("serve: training one epoch of fashion-cnn to export")
        cnn_runs = os.path.join(work, "runs-serve-cnn")
        train_serving_model("fashion-cnn", cnn_runs, 1)
        export_serving_model("fashion-cnn", cnn_runs, models)
        served.append("fashion-cnn")
    bodies, scripts = serve_scripts(work, first_t10k_image())
    server = Server(models)
    urls = {m: server.url + f"/v2/models/{m}/infer" for m in served}
    samples = {}
    for encoding, (data, headers) in bodies.items():
        with urllib.request.urlopen(urllib.request.Request(urls["fashion-mlp"], data=data, headers=headers)) as response:
            samples[encoding] = {"status": response.status, "content_type": response.headers["Content-Type"], "bytes": len(response.read())}
    # fashion-mlp at every connection count; fashion-cnn, whose goal is stated at 32, only there.
    windows = [(m, e, c) for m in served for e in scripts for c in (SERVE["connections"] if m == "fashion-mlp" else [max(SERVE["connections"])])]
    workers = [Worker(f"{m} in-process batch {b}", ["dotnet", bench_dll(), "infer", "--model", os.path.join(models, m, "1", "model.onnx"),
                                                  "--batch", str(b), "--threads", "0"]) for m in served for b in SERVE["batches"]]
    http = {w: [] for w in windows}
    local = {w.name: [] for w in workers}
    try:
        # Warm-up: JIT (tiered compilation keeps recompiling hot methods for several seconds), Kestrel, ONNX Runtime.
        for m in served:
            for e in scripts:
                wrk(urls[m], 32, 2 if QUICK else 5, scripts[e])
        for r in range(SERVE["rounds"]):
            log(f"serve: round {r + 1} (load {load():.2f})")
            steps = [("http", w) for w in windows] + [("local", w) for w in workers]
            for kind, item in (steps if r % 2 == 0 else list(reversed(steps))):
                if kind == "http":
                    m, e, c = item
                    http[item].append(wrk(urls[m], c, SERVE["seconds"], scripts[e]))
                    x = http[item][-1]
                    log(f"  {m} {e} wrk -c{c}: {x['requests_per_second']:,.0f} req/s p50 {x['p50_ms']} ms p99 {x['p99_ms']} ms (load {x['load']:.2f})")
                else:
                    local[item.name].append(item.run(SERVE["seconds"]))
                    log(f"  {item.name}: {local[item.name][-1]['samples_per_second']:,.0f} samples/s")
    finally:
        for w in workers:
            w.close()
        server.stop()
    rows = []
    for w in workers:
        rs = local[w.name]
        rows.append({"model": w.name.split(" ")[0], "client": w.name.split(" ", 1)[1] + " (ONNX Runtime, no HTTP)", "encoding": None,
                     "batch": w.info["batch"], "connections": None,
                     "requests_per_second": median([x["steps"] / x["seconds"] for x in rs]), "samples_per_second": median([x["samples_per_second"] for x in rs]),
                     "p50_ms": median([x["p50_ms"] for x in rs]), "p99_ms": median([x["p99_ms"] for x in rs]), "non_2xx": 0,
                     "load": median([x["load"] for x in rs]), "busy_before": median([x["busy_before"] for x in rs])})
    for (m, e, c), xs in http.items():
        reference = next((r for r in rows if r["model"] == m and r["batch"] == 1 and r["connections"] is None), None)
        rps = median([x["requests_per_second"] for x in xs])
        rows.append({"model": m, "client": f"HTTP {e}, {c} connection{'s' if c > 1 else ''}", "encoding": e, "connections": c, "batch": 1,
                     "requests_per_second": rps, "samples_per_second": rps,
                     "vs_in_process_batch_1": rps / reference["samples_per_second"] if reference else None,
                     "p50_ms": median([x["p50_ms"] for x in xs]), "p99_ms": median([x["p99_ms"] for x in xs]),
                     "non_2xx": sum(x["non_2xx"] for x in xs), "load": median([x["load"] for x in xs]),
                     "busy_before": median([x["busy_before"] for x in xs])})
    return {"rows": rows, "seconds_per_window": SERVE["seconds"], "rounds": SERVE["rounds"],
            "raw": {"http": {f"{m} {e} c{c}": xs for (m, e, c), xs in http.items()}, "local": local},
            "sample_responses": samples, "models": models}


# ---------------------------------------------------------------------------------------------------
# 4. Start-up


def startup_section(work, models):
    result = {"server": [], "trainer": {}, "phases": {}, "pytorch": []}
    if models:
        for _ in range(STARTUP["repeats"]):
            s = Server(models)
            result["server"].append({"listening_s": s.listening, "ready_s": s.ready})
            s.stop()
    for model in ["fashion-mlp", "fashion-cnn"]:
        result["trainer"][model] = []
        result["phases"][model] = []
        for r in range(STARTUP["repeats"]):
            # The real trainer: spawn → its "Training ..." line, printed right before the first step.
            lines, total, _ = timed_lines(["dotnet", dll("train/Toolchain.Train", "toolchain-train"), "--model", model, "--models", os.path.join(ROOT, "models"),
                                           "--runs", os.path.join(work, "startup-runs")], on_line=lambda t, l: l.startswith("Training "))
            result["trainer"][model].append(next(t for t, l in lines if l.startswith("Training ")))
            out = subprocess.run(["dotnet", bench_dll(), "first-step", "--recipe", recipe(model)], capture_output=True, text=True, cwd=ROOT,
                                 env={**os.environ, **DOTNET_ENV}, check=True)
            result["phases"][model].append(json.loads(out.stdout.strip().splitlines()[-1]))
            if model == "fashion-mlp":
                start = time.perf_counter()
                out = subprocess.run([PYTHON, os.path.join(ROOT, "bench", "torch_train.py"), "--first-step-only"], capture_output=True, text=True, check=True)
                event = [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")][-1]
                result["pytorch"].append({"spawn_to_first_step_s": time.perf_counter() - start, **event["phases"]})
    result["load"] = load()
    return result


# ---------------------------------------------------------------------------------------------------
# 5. Profile


def profile_section():
    out = os.path.join(OUT, "profiles")
    os.makedirs(out, exist_ok=True)
    summaries = []
    for model, batch, threads, variant in PROFILE["configs"]:
        log(f"profile: {model} batch {batch} threads {threads} {variant}")
        p = subprocess.run(["dotnet", bench_dll(), "profile", "--recipe", recipe(model), "--batch", str(batch), "--threads", str(threads),
                            "--steps", str(PROFILE["steps"] if model == "fashion-mlp" else PROFILE["steps"] // 10),
                            "--warmup-steps", str(PROFILE["warmup"] if model == "fashion-mlp" else PROFILE["warmup"] // 5),
                            "--variant", variant, "--out", out],
                           capture_output=True, text=True, cwd=ROOT, env={**os.environ, **DOTNET_ENV}, check=True)
        path = json.loads(p.stdout.strip().splitlines()[-1])["profile"]
        with open(path) as f:
            summary = json.load(f)
        summary["variant"] = variant
        summaries.append(summary)
    return {"profiles": summaries, "load": load()}


def variants_section():
    """Graph rewrites proposed for the artifact generator: same results (check-variant), and steps/s
    against the generated graph, alternated like the tool comparison."""
    rows = []
    only = os.environ.get("BENCH_VARIANT_MODELS")
    for model, batch, threads, variants in VARIANTS["configs"]:
        if only and model not in only.split(","):
            continue
        checks = {}
        for v in list(variants):
            out = subprocess.run(["dotnet", bench_dll(), "check-variant", "--recipe", recipe(model), "--variant", v, "--batch", "32", "--steps", "1"],
                                 capture_output=True, text=True, cwd=ROOT, env={**os.environ, **DOTNET_ENV})
            if out.returncode != 0:
                # A rewrite written against an older generator may no longer find (or fit) its pattern.
                log(f"variants: {model} {v} does not apply: {(out.stderr.strip().splitlines() or ['?'])[0]}")
                variants = [x for x in variants if x != v]
                continue
            checks[v] = json.loads(out.stdout.strip().splitlines()[-1])
        if not variants:
            continue
        log(f"variants: {model} batch {batch} threads {threads} (load {load():.2f})")
        workers = []
        try:
            for v in ["baseline", *variants]:
                workers.append(Worker(v, ["dotnet", bench_dll(), "train-step", "--recipe", recipe(model), "--batch", str(batch),
                                          "--threads", str(threads), "--variant", v, "--warmup", str(STEP["warmup"])]))
            results = alternate(workers, VARIANTS["rounds"], VARIANTS["seconds"])
        finally:
            for w in workers:
                w.close()
        base = [r["samples_per_second"] for r in results["baseline"]]
        for v in ["baseline", *variants]:
            rate = [r["samples_per_second"] for r in results[v]]
            row = {"model": model, "batch": batch, "threads": threads, "variant": v, "samples_per_second": median(rate),
                   "speedup": median([a / b for a, b in zip(rate, base)]), "speedups": [a / b for a, b in zip(rate, base)], "load": median([r["load"] for r in results[v]]),
                   "busy_before": median([r["busy_before"] for r in results[v]]), "others_during": median([r["others_during"] for r in results[v]]),
                   "check": checks.get(v), "rounds": results[v]}
            log(f"  {v}: {row['samples_per_second']:,.0f} samples/s, x{row['speedup']:.2f}")
            rows.append(row)
    return {"rows": rows, "rounds": VARIANTS["rounds"], "seconds_per_window": VARIANTS["seconds"]}


# ---------------------------------------------------------------------------------------------------
# Report


def fmt(v, digits=0):
    if v is None:
        return "–"
    return f"{v:,.{digits}f}"


def gflops(row):
    g = row.get("gflops")
    return f"{g['toolchain']:.0f} / {g[row['pytorch_best']]:.0f}" if g else "–"


def markdown(report):
    env = report["environment"]
    md = [f"# Toolchain benchmarks{' (quick mode)' if report['quick'] else ''}", "",
          f"{env['date']} · {env['cpu']} · {env['cores']} cores · .NET {env['dotnet']} · ONNX Runtime {env['onnxruntime']} · "
          f"PyTorch {env.get('torch', '?')} (eager, {env.get('blas', '?')}) · load average {env['load_start']:.2f} at start, "
          f"{env['load_end']:.2f} at end", ""]
    if "step" in report:
        s = report["step"]
        md += ["## Train-step throughput (samples/s, steady state, Adam, random data)", "",
               f"Median of {s['rounds']} alternated {s['seconds_per_window']:g} s windows per tool; *others' CPU* is what other processes used of the machine's cores during the windows (median), *load* the 1-minute load average. *PyTorch* is glibc's default allocator, "
               "*PyTorch tuned* sets MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_ to 1 GiB; the ratio is against the better of the two, "
               "as the median of per-round ratios. With 2 threads on this 2-vCPU machine single rounds swing by up to 2× with no other process "
               "running (see the rounds in bench.json), so the best round of each tool is shown as well. *GFLOP/s* counts the "
               "matrix multiply-adds of the forward and backward pass (bench.py's TRAIN_FLOPS_PER_SAMPLE), Toolchain / PyTorch's best.", "",
               "| model | batch | threads | Toolchain | PyTorch | PyTorch tuned | Toolchain / PyTorch | best of rounds: Toolchain / PyTorch | GFLOP/s | load | others' CPU |",
               "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in s["configs"]:
            sp = r["samples_per_second"]
            md.append(f"| {r['model']} | {r['batch']} | {r['threads']} | {fmt(sp['toolchain'])} | {fmt(sp['pytorch'])} | "
                      f"{fmt(sp['pytorch-malloc-tuned'])} | **{r['ratio_toolchain_over_pytorch']:.2f}** | "
                      f"{fmt(r['best_samples_per_second']['toolchain'])} / {fmt(max(r['best_samples_per_second']['pytorch'], r['best_samples_per_second']['pytorch-malloc-tuned']))} = {r['ratio_of_bests']:.2f} | "
                      f"{gflops(r)} | {r['load']:.2f} | {r['others_during'] * 100:.0f} % |")
        md.append("")
    if "e2e" in report:
        e = report["e2e"]
        md += [f"## End-to-end training: fashion-mlp recipe, {e['epochs']} epochs", "",
               "Process spawn to the epoch line, median over runs. *Wall per epoch* includes validation and the checkpoint; "
               "*train loop* is the optimizer steps alone.", "",
               "| tool | wall per epoch (s) | train loop per epoch (s) | samples/s | spawn to first epoch's loop (s) | "
               f"time to {e['target']} val acc (s) | epochs to {e['target']} | best val acc | total (s) | load |",
               "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for tool, t in e["tools"].items():
            md.append(f"| {tool} | {fmt(t['wall_per_epoch_s'], 2)} | {fmt(t['train_loop_per_epoch_s'], 2)} | {fmt(t['samples_per_second'])} | "
                      f"{fmt(t['startup_to_loop_s'], 2)} | {fmt(t['seconds_to_target'], 1)} | {fmt(t['epochs_to_target'])} | "
                      f"{fmt(t['best_val_accuracy'], 4)} | {fmt(t['total_s'], 1)} | {t['load']:.2f} |")
        md.append("")
    if "serve" in report:
        s = report["serve"]
        md += ["## Serving: batch-1 infer requests (Open Inference Protocol; JSON and binary tensor data), dynamic batching on", "",
               f"`wrk -t1` with a Lua body script against toolchain-serve on loopback, {s['seconds_per_window']} s per window, "
               f"median of {s['rounds']}; the server batches concurrent requests (export's `dynamic_batching` block). "
               "The limit is ONNX Runtime called in-process on the same model (intra-op threads = all cores). "
               "Client and server share the machine's cores; \"vs in-process\" divides by in-process batch-1 samples/s.", "",
               "| model | client | batch | requests/s | samples/s | vs in-process batch 1 | p50 (ms) | p99 (ms) | non-2xx | load | others' CPU |",
               "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for r in s["rows"]:
            ratio = f"{r['vs_in_process_batch_1'] * 100:.0f} %" if r.get("vs_in_process_batch_1") else ""
            md.append(f"| {r.get('model', 'fashion-mlp')} | {r['client']} | {r['batch']} | {fmt(r['requests_per_second'])} | {fmt(r['samples_per_second'])} | {ratio} | "
                      f"{fmt(r['p50_ms'], 3)} | {fmt(r['p99_ms'], 3)} | {r['non_2xx']} | {r['load']:.2f} | {r['busy_before'] * 100:.0f} % |")
        md.append("")
    if "startup" in report:
        s = report["startup"]
        md += ["## Start-up", "", "| what | median (s) | runs |", "|---|---:|---:|"]
        if s["server"]:
            md.append(f"| toolchain-serve: spawn → \"Listening\" | {fmt(median([x['listening_s'] for x in s['server']]), 3)} | {len(s['server'])} |")
            md.append(f"| toolchain-serve: spawn → /v2/health/ready answers 200 | {fmt(median([x['ready_s'] for x in s['server']]), 3)} | {len(s['server'])} |")
        for model, ts in s["trainer"].items():
            md.append(f"| toolchain-train {model}: spawn → training loop starts (\"Training …\" line) | {fmt(median(ts), 2)} | {len(ts)} |")
            ph = s["phases"][model]
            md.append(f"| toolchain-bench first-step {model}: process start → first step done | "
                      f"{fmt(median([p['process_start_to_first_step_ms'] for p in ph]) / 1000, 2)} | {len(ph)} |")
        if s["pytorch"]:
            md.append(f"| PyTorch torch_train.py fashion-mlp: spawn → first step done | {fmt(median([p['spawn_to_first_step_s'] for p in s['pytorch']]), 2)} | {len(s['pytorch'])} |")
        md += ["", "Where Toolchain's time to the first step goes (ms, median):", "",
               "| model | runtime start | recipe | data | artifacts | eval session | train-step session | first step | second step |",
               "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for model, ph in s["phases"].items():
            keys = ["runtime_start_ms", "recipe_ms", "data_ms", "artifacts_ms", "eval_session_ms", "train_session_ms", "first_step_ms", "second_step_ms"]
            md.append(f"| {model} | " + " | ".join(fmt(median([p['phases'][k] for p in ph]), 1) for k in keys) + " |")
        if s["pytorch"]:
            p = s["pytorch"]
            md += ["", f"PyTorch fashion-mlp (ms, median): import torch {fmt(median([x['import_ms'] for x in p]))}, data {fmt(median([x['data_ms'] for x in p]))}, "
                   f"model + first step {fmt(median([x['model_and_first_step_ms'] for x in p]))}."]
        md.append("")
    if "profile" in report:
        md += ["## Where a Toolchain train step goes (ONNX Runtime profiler)", ""]
        for p in report["profile"]["profiles"]:
            md += [f"### {p['tag']}{'' if p.get('variant', 'baseline') == 'baseline' else ' (open proposals applied)'}: "
                   f"{fmt(p['step_us'])} µs per step ({p['steps']} steps profiled)", "",
                   f"Kernels {fmt(p['kernel_us'])} µs, outside kernels {fmt(p['outside_kernels_us'])} µs; {p['nodes_executed']} nodes executed, "
                   f"{p['scalar_nodes']['count']} of them on scalars ({fmt(p['scalar_nodes']['us_per_step'])} µs). "
                   f"Generated graph {sum(p['generated_ops'].values())} nodes, after ONNX Runtime's optimisations {sum(p['optimized_ops'].values())}.", "",
                   "| op | µs per step | share of kernel time | nodes |", "|---|---:|---:|---:|"]
            for o in p["by_op"][:12]:
                md.append(f"| {o['op']} | {fmt(o['us_per_step'], 1)} | {o['share'] * 100:.1f} % | {o['nodes']} |")
            md += ["", "| slowest nodes | op | µs per step |", "|---|---|---:|"]
            for n in p["top_nodes"][:8]:
                md.append(f"| `{n['node']}` | {n['op']} | {fmt(n['us_per_step'], 1)} |")
            md.append("")
    if "variants" in report:
        v = report["variants"]
        md += ["## Proposed graph rewrites, measured", "",
               f"Each rewrite of the generated train step (bench/Toolchain.Bench/GraphVariants.cs) against the graph as generated, "
               f"alternated, median of {v['rounds']} × {v['seconds_per_window']:g} s. *Δ after 1 step* is the largest difference in any "
               "parameter or optimizer state after one step from the same start (rounding only; conv biases followed by batch norm have "
               "a zero gradient up to rounding, which Adam's first step turns into ±lr).", "",
               "| model | batch | threads | graph | samples/s | speed-up (per-round range) | Δ after 1 step (worst tensor) | load | others' CPU |", "|---|---:|---:|---|---:|---:|---|---:|---:|"]
        for r in v["rows"]:
            c = r["check"]
            check = f"{c['max_parameter_difference']:.1e} ({c['worst_tensor']})" if c else "–"
            md.append(f"| {r['model']} | {r['batch']} | {r['threads']} | {r['variant']} | {fmt(r['samples_per_second'])} | "
                      f"{r['speedup']:.2f}× ({min(r['speedups']):.2f}–{max(r['speedups']):.2f}) | {check} | {r['load']:.2f} | {r['others_during'] * 100:.0f} % |")
        md.append("")
    return "\n".join(md) + "\n"


def environment():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    dotnet = subprocess.run(["dotnet", "--version"], capture_output=True, text=True).stdout.strip()
    ort = re.search(r'OnnxRuntime[^"]*" Version="([^"]+)"', open(os.path.join(ROOT, "Directory.Packages.props")).read())
    torch = subprocess.run([PYTHON, "-c", "import torch; print(torch.__version__)"], capture_output=True, text=True).stdout.strip()
    blas = subprocess.run(["update-alternatives", "--query", "libblas.so.3-x86_64-linux-gnu"], capture_output=True, text=True).stdout
    value = re.search(r"^Value: (.*)$", blas, re.M)
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cpu": cpu, "cores": os.cpu_count(), "dotnet": dotnet,
            "onnxruntime": ort[1] if ort else "?", "torch": torch, "blas": os.path.basename(os.path.dirname(value[1])) if value else "?",
            "load_start": load(), "uname": platform.platform()}


def main():
    os.makedirs(OUT, exist_ok=True)
    report = {"quick": QUICK, "environment": environment(), "sections": SECTIONS}
    work = tempfile.mkdtemp(prefix="toolchain-bench-")
    try:
        run_dir = None
        if "step" in SECTIONS:
            report["step"] = step_section()
            write_report(report)
        if "e2e" in SECTIONS:
            report["e2e"] = e2e_section(work)
            run_dir = report["e2e"].pop("toolchain_run")
        models = None
        if "serve" in SECTIONS or "startup" in SECTIONS:
            if run_dir is None:
                log("serve: training one epoch of fashion-mlp to export")
                run_dir = os.path.join(work, "runs-serve")
                toolchain_train(run_dir, 1)
            if "serve" in SECTIONS:
                report["serve"] = serve_section(work, run_dir)
                models = report["serve"].pop("models")
            else:
                models = export_model(work, run_dir)
        if "startup" in SECTIONS:
            report["startup"] = startup_section(work, models)
        if "profile" in SECTIONS:
            report["profile"] = profile_section()
        if "variants" in SECTIONS:
            report["variants"] = variants_section()
    finally:
        # Whatever was measured is written, also when a later section fails.
        report["environment"]["load_end"] = load()
        shutil.rmtree(work, ignore_errors=True)
        write_report(report)
    log(f"wrote {os.path.join(OUT, 'bench.md')} and bench.json")


def write_report(report):
    report["environment"].setdefault("load_end", load())
    for name, text in (("bench.json", json.dumps(report, indent=1)), ("bench.md", markdown(report))):
        temporary = os.path.join(OUT, name + ".tmp")
        with open(temporary, "w") as f:
            f.write(text)
        os.replace(temporary, os.path.join(OUT, name))


if __name__ == "__main__":
    main()
