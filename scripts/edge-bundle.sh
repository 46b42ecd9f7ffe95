#!/usr/bin/env bash
# Builds an edge bundle: the self-contained toolchain-edge runner for one runtime identifier, ONNX
# Runtime's native library, one model file of the newest exported version, and its labels.
#
#   scripts/edge-bundle.sh --model fashion-mlp --rid linux-arm64 [--file model.int8.onnx] [--version N]
#                          [--models models] [--out dist/edge]
#
# Writes <out>/<model>-<rid>/ and <out>/<model>-<rid>.tar.gz (the output folder ignores itself in git).
set -euo pipefail
cd "$(dirname "$0")/.."

model=fashion-mlp rid=linux-arm64 file=model.int8.onnx version="" models=models out=dist/edge
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model=$2; shift 2 ;;
    --rid) rid=$2; shift 2 ;;
    --file) file=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "edge-bundle: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
case "$rid" in
  linux-x64|linux-arm64) ;;
  *) echo "edge-bundle: --rid: expected linux-x64 or linux-arm64, got '$rid'" >&2; exit 2 ;;
esac

repository="$models/$model"
if [ -z "$version" ]; then
  version=$(find "$repository" -mindepth 1 -maxdepth 1 -type d -regex '.*/[0-9]+' -printf '%f\n' 2>/dev/null | sort -n | tail -n 1)
fi
if [ -z "$version" ]; then
  echo "edge-bundle: '$repository' holds no exported version; run 'make export MODEL=$model VARIANTS=\"fp32 int8 fp16\"' first" >&2
  exit 1
fi
source_model="$repository/$version/$file"
if [ ! -f "$source_model" ]; then
  echo "edge-bundle: '$source_model' does not exist (the variants: ls $repository/$version); export with VARIANTS=\"fp32 int8 fp16\" or pick --file" >&2
  exit 1
fi
if [ ! -f "$repository/labels.txt" ]; then
  echo "edge-bundle: '$repository/labels.txt' does not exist; it is written by every export" >&2
  exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
publish=$(mktemp -d)
trap 'rm -rf "$publish"' EXIT
dotnet publish edge/Toolchain.Edge/Toolchain.Edge.csproj -c Release -r "$rid" --self-contained \
  -p:PublishSingleFile=true -p:InvariantGlobalization=true -o "$publish" -nologo -v quiet

mkdir -p "$out"
[ -f "$out/.gitignore" ] || printf '*\n' > "$out/.gitignore"
bundle="$out/$model-$rid"
rm -rf "$bundle" "$bundle.tar.gz"
mkdir -p "$bundle"
cp "$publish/toolchain-edge" "$publish"/libonnxruntime*.so "$bundle/"
cp "$source_model" "$repository/labels.txt" "$bundle/"
[ -f "$repository/$version/variants.json" ] && cp "$repository/$version/variants.json" "$bundle/"
if find "$bundle" -iname '*.dll' | grep -q .; then
  echo "edge-bundle: a Windows DLL ended up in the $rid bundle: $(find "$bundle" -iname '*.dll')" >&2
  exit 1
fi
tar -C "$out" -czf "$bundle.tar.gz" "$model-$rid"

echo "bundle $bundle ($model version $version, $file, $rid)"
( cd "$bundle" && ls -l | awk 'NR > 1 { printf "  %-36s %12s bytes\n", $9, $5 }' )
echo "  folder  $(du -sb "$bundle" | cut -f1) bytes; archive $bundle.tar.gz $(stat -c %s "$bundle.tar.gz") bytes"
