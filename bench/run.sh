#!/usr/bin/env bash
# `make bench`: Toolchain's benchmarks side by side with PyTorch (bench/bench.py says what each measures).
# Writes bench/results/bench.md and bench/results/bench.json.
#   BENCH_QUICK=1          a smoke run (about 3 minutes): fewer configurations, short windows, one round
#   BENCH_SECTIONS=a,b     some of step,e2e,serve,startup,profile
#   BENCH_BIN=DIR          use .dll files already built into DIR instead of building Release here
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
python=${BENCH_PYTHON:-/usr/bin/python3}

missing=()
command -v wrk > /dev/null || missing+=(wrk)
"$python" -c 'import torch' 2> /dev/null || missing+=(python3-torch)
[ -e /usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3 ] || missing+=(libopenblas0-openmp)
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || missing+=(dataset-fashion-mnist)
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ]; then
  echo "bench: installing ${missing[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > /dev/null
  missing=()
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench: needs the Debian packages ${missing[*]}: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
if ! "$python" -c 'import sys, torch; torch.ones(64, 64) @ torch.ones(64, 64); sys.exit("openblas" not in open("/proc/self/maps").read())'; then
  echo "bench: PyTorch does not load OpenBLAS; select it with: sudo update-alternatives --set libblas.so.3-x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3" >&2
  exit 1
fi

if [ -z "${BENCH_BIN:-}" ]; then
  dotnet build Toolchain.sln -c Release -v quiet -nologo
fi
echo "bench: load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores at start" >&2
BENCH_PYTHON=$python "$python" bench/bench.py
if nvidia-smi -L > /dev/null 2>&1; then
  echo "bench: an NVIDIA GPU is present; running bench/gpu.sh" >&2
  bench/gpu.sh
fi
