#!/usr/bin/env bash
# CI's edge proof: train a short fashion-mlp run, export it with int8/fp16 variants into a scratch
# model repository, then run the linux-arm64 bundle under qemu-user against the linux-x64 bundle
# (scripts/edge-qemu-check.sh). Needs root and the Release build (make build).
set -euo pipefail
cd "$(dirname "$0")/.."
config=${CONFIG:-Release}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/models/fashion-mlp"
cp models/fashion-mlp/recipe.yaml "$scratch/models/fashion-mlp/"
dotnet "train/Toolchain.Train/bin/$config/net10.0/toolchain-train.dll" --model fashion-mlp --models "$scratch/models" --runs "$scratch/runs" --epochs 2 > "$scratch/train.log"
dotnet "export/Toolchain.Export/bin/$config/net10.0/toolchain-export.dll" --model fashion-mlp --models "$scratch/models" --runs "$scratch/runs" --variants "fp32 int8 fp16"
scripts/edge-qemu-check.sh --model fashion-mlp --models "$scratch/models" --out "$scratch/dist" --count 2000
