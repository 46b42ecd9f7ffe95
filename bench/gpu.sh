#!/usr/bin/env bash
# CUDA benchmarks, for a machine with an NVIDIA GPU (CI and `make bench` have none):
#   1. device-check: the same train steps on the CPU and on CUDA (parameters resident in GPU memory), compared;
#   2. train-step throughput on CUDA against PyTorch on the same GPU (FP32, no TF32, Adam(fused=True)),
#      alternated round by round. Needs a python3 with a CUDA build of torch (PYTHON=... to pick one).
# Usage: bench/gpu.sh  (after `make build`); results in bench/results/gpu.txt and gpu-check-<model>.json
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH="dotnet bench/Toolchain.Bench/bin/Release/net10.0/toolchain-bench.dll"
PYTHON=${PYTHON:-python3}
mkdir -p bench/results
out=bench/results/gpu.txt
: > "$out"
for model in fashion-mlp fashion-cnn; do
  $BENCH device-check --recipe models/$model/recipe.yaml --device cuda --batch 128 --steps 20 > bench/results/gpu-check-$model.json
  echo "device-check $model: $(head -c 300 bench/results/gpu-check-$model.json)…" | tee -a "$out"
done
rate() { grep samples_per | "$PYTHON" -c "import json,sys; print(round(json.loads(sys.stdin.read())['samples_per_second']))"; }
for config in "fashion-mlp 128" "fashion-mlp 512" "fashion-mlp 4096" "fashion-cnn 128" "fashion-cnn 512"; do
  set -- $config
  for round in 1 2 3; do
    ours=$(printf 'run 3\nquit\n' | $BENCH train-step --recipe models/$1/recipe.yaml --batch $2 --threads 1 --device cuda 2>/dev/null | rate)
    peer=$(printf 'run 3\nquit\n' | "$PYTHON" bench/torch_step.py --model $1 --batch $2 --threads 1 --device cuda 2>/dev/null | rate)
    echo "$1 batch $2 round $round: toolchain $ours samples/s, pytorch $peer samples/s" | tee -a "$out"
  done
done
