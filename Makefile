# Toolchain: train → export → serve → evaluate.  `make help` lists the targets.
MODEL ?= fashion-mlp
ARGS ?=
VARIANTS ?= fp32
RID ?= linux-arm64
EDGE_FILE ?= model.int8.onnx
HOST ?= 127.0.0.1
PORT ?= 8000
DATA_DIR := /usr/share/datasets/fashion-mnist
DOTNET := DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet
CONFIG := Release
BIN = $(1)/bin/$(CONFIG)/net10.0

.PHONY: help setup build train export serve eval demo edge edge-check bench test clean

help:
	@echo "make setup                 install Fashion-MNIST (Debian dataset-fashion-mnist) and restore packages"
	@echo "make build                 build every project ($(CONFIG))"
	@echo "make train MODEL=name      train models/<name>/recipe.yaml into runs/<name>/ (ARGS='--optimizer.lr 0.01' overrides keys)"
	@echo "make export MODEL=name     export the latest checkpoint to models/<name>/<version>/model.onnx (ARGS='--best')"
	@echo "make export MODEL=name VARIANTS='fp32 int8 fp16'  also write int8/fp16 and ORT-format variants with variants.json"
	@echo "make edge MODEL=name RID=linux-arm64   bundle the edge runner, $(EDGE_FILE) and labels into dist/edge/<name>-<rid>/ and .tar.gz"
	@echo "make edge-check MODEL=name             run the arm64 bundle under qemu-user and compare with x64 (needs root)"
	@echo "make serve                 serve every model in models/ over the Open Inference Protocol on http://$(HOST):$(PORT) (ARGS='--device cuda')"
	@echo "make eval MODEL=name       evaluate the served model on the held-out t10k set; writes runs/<name>/eval.json"
	@echo "make demo MODEL=name       setup, train, export, serve in the background, evaluate through the endpoint, stop"
	@echo "make bench                 training/serving/startup benchmarks vs PyTorch into bench/results/ (BENCH_QUICK=1 for a smoke run)"
	@echo "make test                  run the NUnit test suite"

setup:
	@if [ ! -f $(DATA_DIR)/train-images-idx3-ubyte.gz ]; then \
		echo "Installing dataset-fashion-mnist"; \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist; \
		else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist; fi; \
	fi
	$(DOTNET) restore Toolchain.sln

build:
	$(DOTNET) build Toolchain.sln -c $(CONFIG)

train: build
	$(DOTNET) $(call BIN,train/Toolchain.Train)/toolchain-train.dll --model $(MODEL) $(ARGS)

export: build
	$(DOTNET) $(call BIN,export/Toolchain.Export)/toolchain-export.dll --model $(MODEL) --variants "$(VARIANTS)" $(ARGS)

serve: build
	$(DOTNET) $(call BIN,serve/Toolchain.Serve)/toolchain-serve.dll --models models --host $(HOST) --port $(PORT) $(ARGS)

eval: build
	$(DOTNET) $(call BIN,serve/Toolchain.Eval)/toolchain-eval.dll --model $(MODEL) --url http://$(HOST):$(PORT) --data $(DATA_DIR) $(ARGS)

demo: setup build
	CONFIG=$(CONFIG) scripts/demo.sh $(MODEL) $(PORT)

edge:
	scripts/edge-bundle.sh --model $(MODEL) --rid $(RID) --file $(EDGE_FILE)

edge-check:
	scripts/edge-qemu-check.sh --model $(MODEL) --file $(EDGE_FILE)

bench:
	bench/run.sh

test:
	rm -rf TestResults
	$(DOTNET) test Toolchain.sln -c $(CONFIG) --logger "trx;LogFileName=results.trx" --results-directory TestResults

clean:
	rm -rf runs dist TestResults */*/bin */*/obj
