#!/usr/bin/env bash
# The whole flow on one machine: train, export, serve in the background, evaluate through the
# endpoint on the held-out test set, stop the server. Usage: scripts/demo.sh MODEL [PORT]
set -euo pipefail
model=${1:-fashion-mlp}
port=${2:-8000}
config=${CONFIG:-Release}
cd "$(dirname "$0")/.."
bin() { echo "$1/bin/$config/net10.0/$2.dll"; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

start=$(date +%s)
echo "== train $model"
dotnet "$(bin train/Toolchain.Train toolchain-train)" --model "$model"
echo "== export $model"
dotnet "$(bin export/Toolchain.Export toolchain-export)" --model "$model"
echo "== serve on 127.0.0.1:$port"
log=runs/$model/serve.log
dotnet "$(bin serve/Toolchain.Serve toolchain-serve)" --models models --port "$port" > "$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  if curl -sf "http://127.0.0.1:$port/v2/health/ready" > /dev/null; then break; fi
  if ! kill -0 $server 2>/dev/null; then echo "the server exited:"; cat "$log"; exit 1; fi
  sleep 0.5
done
curl -sf "http://127.0.0.1:$port/v2/health/ready" > /dev/null || { echo "the server did not become ready:"; cat "$log"; exit 1; }
echo "== evaluate $model through http://127.0.0.1:$port"
dotnet "$(bin serve/Toolchain.Eval toolchain-eval)" --model "$model" --url "http://127.0.0.1:$port"
echo "== demo finished in $(( $(date +%s) - start ))s; report: runs/$model/eval.json"
