#!/usr/bin/env bash
# Proves the linux-arm64 edge bundle on an x86-64 machine: runs it under qemu-user and checks that it
# predicts exactly what the linux-x64 bundle predicts for the first t10k test images.
#
#   scripts/edge-qemu-check.sh [--model fashion-mlp] [--file model.int8.onnx] [--count 10000] [--models models]
#
# Needs root (as CI has): it installs Debian's qemu-user-static and the arm64 C/C++ runtime libraries
# (libc6-arm64-cross, libstdc++6-arm64-cross, libgcc-s1-arm64-cross) when missing, and runs the arm64
# runner in a private mount namespace (unshare -m) where an arm64-style cpuinfo file is bind-mounted over
# /proc/cpuinfo: ONNX Runtime's CPU detection fails on the host's x86 /proc/cpuinfo under qemu-user.
set -euo pipefail
cd "$(dirname "$0")/.."

model=fashion-mlp file=model.int8.onnx count=10000 models=models data=/usr/share/datasets/fashion-mnist out=dist/edge
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model=$2; shift 2 ;;
    --file) file=$2; shift 2 ;;
    --count) count=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "edge-qemu-check: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
if [ "$(id -u)" != 0 ]; then
  echo "edge-qemu-check: needs root (apt-get install, unshare -m and mount --bind); run it with sudo" >&2
  exit 1
fi
images="$data/t10k-images-idx3-ubyte.gz"
labels="$data/t10k-labels-idx1-ubyte.gz"
[ -f "$images" ] || { echo "edge-qemu-check: '$images' does not exist; run 'make setup'" >&2; exit 1; }

packages=(qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
sysroot=/usr/aarch64-linux-gnu
qemu=$(command -v qemu-aarch64-static)

for rid in linux-x64 linux-arm64; do
  scripts/edge-bundle.sh --model "$model" --rid "$rid" --file "$file" --models "$models" --out "$out"
done
x64="$out/$model-linux-x64"
arm64="$out/$model-linux-arm64"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One arm64 (Neoverse-N1-like) entry per host core, in the format of an arm64 Linux /proc/cpuinfo.
for ((cpu = 0; cpu < $(nproc); cpu++)); do
  printf 'processor\t: %d\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x3\nCPU part\t: 0xd0c\nCPU revision\t: 1\n\n' "$cpu"
done > "$work/cpuinfo"

# Neither runner gets a writable home: HOME points nowhere.
run_arm64() {
  unshare -m --propagation private sh -c 'mount --bind "$1" /proc/cpuinfo && shift && exec "$@"' sh "$work/cpuinfo" \
    env HOME=/nonexistent "$qemu" -L "$sysroot" "$arm64/toolchain-edge" "$@"
}

echo
echo "== x64:   $x64/toolchain-edge (native)"
HOME=/nonexistent "$x64/toolchain-edge" --info
HOME=/nonexistent "$x64/toolchain-edge" "$images" --first "$count" --truth "$labels" > "$work/x64.tsv"
echo
echo "== arm64: $arm64/toolchain-edge under $qemu -L $sysroot ($(file -b "$arm64/toolchain-edge" | cut -d, -f1-2))"
run_arm64 --info
run_arm64 "$images" --first "$count" --truth "$labels" > "$work/arm64.tsv"
run_arm64 --bench 200 "$images"
echo "(latency under qemu-user emulation says nothing about a real arm64 device)"

echo
echo "== first predictions (sample, class, label, probability), x64 | arm64"
paste "$work/x64.tsv" "$work/arm64.tsv" | sed -n 1,5p
same=$(paste <(cut -f1-3 "$work/x64.tsv") <(cut -f1-3 "$work/arm64.tsv") | awk -F'\t' '$1 == $4 && $2 == $5 && $3 == $6' | wc -l)
total=$(wc -l < "$work/x64.tsv")
maxdiff=$(paste "$work/x64.tsv" "$work/arm64.tsv" | awk -F'\t' '{ d = $4 - $8; if (d < 0) d = -d; if (d > m) m = d } END { printf "%.4f", m }')
echo "identical predictions: $same/$total (arm64 lines: $(wc -l < "$work/arm64.tsv")); max |Δ probability| $maxdiff"
if [ "$same" != "$total" ] || [ "$total" != "$(wc -l < "$work/arm64.tsv")" ] || [ "$total" = 0 ]; then
  echo "edge-qemu-check: FAILED: the arm64 runner's predictions differ from the x64 runner's" >&2
  diff <(cut -f1-3 "$work/x64.tsv") <(cut -f1-3 "$work/arm64.tsv") | sed -n 1,20p >&2
  exit 1
fi
echo "edge-qemu-check: OK"
