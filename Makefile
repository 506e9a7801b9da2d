# Thin wrapper over CMake: `make demo` and `make test` work on a fresh Debian machine.
#   make deps    install the Debian packages the build needs (only those missing)
#   make build   configure and build (Release) in build/, binaries in build/bin/
#   make test    deps + build + every test (ctest)
#   make demo    deps + build + a short tour of the engine
#   make bench   CPU kernel benchmarks, with NumPy side by side (bench/peers)
#   make install PREFIX=...   install headers, libraries, the CMake package and the tool
#   make parity-fixtures      regenerate the PyTorch reference results (needs PyTorch: python3-torch)
#   make gpu-bundle           pack built GPU binaries and their non-NVIDIA libraries into gpu-bundle/
#   make gpu-check            on a GPU host: gpu tests, training test, kernel and training benchmarks
#   make gpu-sanitize         on a GPU host: compute-sanitizer over the parity suite
BUILD_DIR ?= build
PREFIX ?= /usr/local
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
# nvcc lives here on most machines; AUTO builds the CUDA backend when it is found.
CUDA_HOME ?= /usr/local/cuda
export PATH := $(PATH):$(CUDA_HOME)/bin

DEB_PACKAGES := build-essential cmake pkg-config \
  libopenblas-openmp-dev libeigen3-dev libgtest-dev libgmock-dev libbenchmark-dev \
  nlohmann-json3-dev libcli11-dev zlib1g-dev libyaml-cpp-dev libpg-query-dev \
  libsimdjson-dev

.PHONY: deps build test demo bench install clean parity-fixtures

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "make deps: all packages present"; fi

build:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: deps build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

demo: deps build
	./examples/tour.sh $(BUILD_DIR)/bin/nimbus

bench: deps build
	./bench/run_cpu.sh $(BUILD_DIR)

install: build
	cmake --install $(BUILD_DIR) --prefix $(PREFIX)

# PYTHON must have torch and numpy (Debian: apt-get install python3-torch, then PYTHON=/usr/bin/python3).
PYTHON ?= python3
parity-fixtures:
	$(PYTHON) bench/peers/make_parity_fixtures.py tests/frontend/data/pytorch_parity.safetensors

clean:
	rm -rf $(BUILD_DIR)

# The db-benchmark group-by and join questions in nimbus, DuckDB, Polars and pandas, in one run
# (bench/peers/db_benchmark.py; the Python peers come from bench/peers/.venv, created if missing).
# DB_ROWS=1e7 for the published size (about 1.7 GB of CSV in bench/peers/.db-benchmark-data/).
DB_ROWS ?= 1e6
.PHONY: bench-db
bench-db: build
	python3 bench/peers/db_benchmark.py --nimbus $(BUILD_DIR)/bin/nimbus --rows $(DB_ROWS)

# GPU hosts: build with the CUDA backend in $(GPU_BUILD_DIR), or use a bundle made elsewhere by
# `make gpu-bundle` (for hosts that are offline or lack the Debian packages; see docs/GPU.md).
GPU_BUILD_DIR ?= build-gpu
GPU_BUNDLE ?= gpu-bundle
GPU_ARCH ?= 90
.PHONY: gpu-build gpu-bundle gpu-check gpu-sanitize
gpu-build: deps
	cmake -S . -B $(GPU_BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DNIMBUS_CUDA=ON \
	  -DCMAKE_CUDA_ARCHITECTURES=$(GPU_ARCH) -DNIMBUS_BUILD_BENCH=OFF $(CMAKE_FLAGS)
	cmake --build $(GPU_BUILD_DIR) -j $(JOBS) --target nimbus gpu_tests

gpu-bundle: gpu-build
	./tools/gpu/make_bundle.sh $(GPU_BUILD_DIR) $(GPU_BUNDLE)

# With a bundle present nothing is built (the host may have no compiler dependencies at all).
GPU_BINARIES = $(if $(wildcard $(GPU_BUNDLE)/bin/nimbus),--bundle $(GPU_BUNDLE),--build $(GPU_BUILD_DIR))
gpu-check: $(if $(wildcard $(GPU_BUNDLE)/bin/nimbus),,gpu-build)
	$(PYTHON) tools/gpu/check.py $(GPU_BINARIES)

gpu-sanitize: $(if $(wildcard $(GPU_BUNDLE)/bin/nimbus),,gpu-build)
	$(PYTHON) tools/gpu/check.py $(GPU_BINARIES) --sanitize
