# intrinsic-dim: two commands for a newcomer on a fresh Debian machine with Swift.
#   make demo   install what is missing, build, tell the whole story on bundled data into out/demo
#               (summary.md, figures/, every part's CSV/JSON): see scripts/demo.sh
#   make test   install what is missing, build, run every test and the fixture checks
#   make bench  the benchmarks recorded in BENCHMARKS.md
#   make bench-7b  the LLaMA-7B-shaped benchmark (27 GB synthetic pair; bench/llama7b/README.md)
SHELL := /bin/bash
DEBS := libopenblas-dev liblapacke-dev libfftw3-dev zlib1g-dev pkg-config dataset-fashion-mnist
SWIFT ?= swift
# Release builds target this machine's CPU (SIMD kernels); override with CPU= (empty for baseline x86-64).
CPU ?= $(shell clang -march=native -\#\#\# -c -x c /dev/null 2>&1 | sed -n 's/.*"-target-cpu" "\([^"]*\)".*/\1/p')
# The release binary links the Swift runtime and Foundation statically: it needs no Swift
# toolchain where it runs (a cluster node needs only Debian's OpenBLAS, LAPACKE, FFTW and zlib),
# and starts in ~12 ms instead of ~19 ms (no dynamic symbol binding of the Swift libraries).
RELEASE_FLAGS := -c release --static-swift-stdlib --product intrinsic-dim $(if $(CPU),-Xswiftc -target-cpu -Xswiftc $(CPU),)
BIN := .build/release/intrinsic-dim

 .PHONY: deps deps-test deps-demo deps-bench build release test fixture-check demo bench bench-7b notebooks fuzz clean

deps:
	@scripts/install-deps.sh "$(DEBS)"

# The Python side of `make test` runs in the git-ignored project venv .venv/ (scripts/setup-venv.sh):
# requirements-test.txt plus the real clients of our files, requirements-clients.txt (torch CPU,
# peft, transformers). INTRINSIC_DIM_NO_CLIENTS=1 leaves the clients out, and the client checks
# then say that they did not run; CI never sets it.
VENV := $(CURDIR)/.venv
deps-test:
	@scripts/install-deps.sh "$(DEBS)"
	@scripts/setup-venv.sh $(VENV)

deps-demo:
	@scripts/install-deps.sh "$(DEBS)" requirements-demo.txt

deps-bench:
	@scripts/install-deps.sh "$(DEBS)" requirements-bench.txt
	@python3 -c "import ffht" 2>/dev/null || python3 -m pip install -q --no-build-isolation ffht-unofficial==0.3

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build $(RELEASE_FLAGS)

# Unit and end-to-end tests, the check that every committed fixture is
# what its numpy/safetensors script produces (and still catches drift), NumPy reproducing
# the accuracy of freshly trained models from their model.safetensors, extract-lora/compare
# against rank's spectra on the real MiniLM pair, PEFT loading our adapters and models, and
# our tokenizer's ids against BertTokenizerFast (R8 test set, awkward strings, every scalar).
# Every `python3` of the recipe (and of the scripts it runs) is the venv's.
test: export PATH := $(VENV)/bin:$(PATH)
fixture-check: export PATH := $(VENV)/bin:$(PATH)
test: deps-test
	$(SWIFT) build --build-tests
	scripts/fetch-finetune-pair.sh data/finetune-pair > /dev/null  # the MiniLM base for ModelsTests' transformers check
	$(SWIFT) test --skip-build
	$(MAKE) --no-print-directory fixture-check
	python3 Tests/Scripts/check_trained_models.py .build/debug/intrinsic-dim
	python3 Tests/Scripts/check_real_pair.py .build/debug/intrinsic-dim
	python3 Tests/Scripts/check_peft_reads_ours.py .build/debug/intrinsic-dim
	python3 Tests/Scripts/check_tokenizer.py .build/debug/intrinsic-dim
	python3 Tests/Scripts/check_encoder_training.py .build/debug/intrinsic-dim
	python3 Tests/Scripts/check_slurm_scripts.py .build/debug/intrinsic-dim
	scripts/run-examples.sh
	python3 scripts/test_check_docs.py
	python3 scripts/check-docs.py
	rm -rf .build/demo-quick
	DEMO_SCALE=quick scripts/demo.sh .build/debug/intrinsic-dim .build/demo-quick > .build/demo-quick.log 2>&1 || { tail -20 .build/demo-quick.log; exit 1; }
	python3 Tests/Scripts/check_demo.py .build/demo-quick
	python3 Tests/Scripts/check_csv_schemas.py .build/demo-quick
	python3 Tests/Scripts/test_check_csv_schemas.py .build/demo-quick
	python3 Tests/Scripts/check_notebooks.py

fixture-check: deps-test
	python3 Tests/Fixtures/check_fixtures.py
	python3 Tests/Fixtures/test_fixture_check.py

demo: deps-demo release
	scripts/demo.sh $(BIN) out/demo
	python3 Tests/Scripts/check_demo.py out/demo > out/demo/check.log || { cat out/demo/check.log; exit 1; }

# The notebooks in notebooks-export/ re-executed against a demo folder (default out/demo,
# override DEMO_DIR=...) and their HTML/Markdown exports rewritten; fails if any cell raises.
DEMO_DIR ?= out/demo
notebooks:
	scripts/notebooks.sh $(DEMO_DIR)

# libFuzzer on every parser of untrusted files (Fuzz/README.md): FUZZ_SECONDS (600) per target,
# fails on any crash, hang or leak.
FUZZ_SECONDS ?= 600
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

bench: deps-bench release
	mkdir -p bench-out
	python3 bench/rank/run_bench.py --reps 5 --markdown-out bench-out/rank.md
	python3 bench/projections/run_bench.py --markdown-out bench-out/projections.md
	python3 bench/train/run_bench.py --reps 3 --markdown-out bench-out/train.md
	python3 bench/lora/run_bench.py --reps 5 --markdown-out bench-out/lora.md
	python3 bench/tokenizer/run_bench.py --reps 5 --markdown-out bench-out/tokenizer.md
	python3 bench/encoder/run_bench.py --reps 3 --markdown-out bench-out/encoder.md

# A synthetic LLaMA-7B-shaped BF16 pair (27 GB under bench-out/llama7b/pair, generated once, ~10 min):
# rank --top-k 128 --method randomized vs torch.svd_lowrank on layers 0-3, σ accuracy against the
# known spectrum, and full 7B runs of rank and extract-lora (bench/llama7b/README.md).
bench-7b: deps-bench release
	python3 bench/llama7b/run_bench.py --full --reps 3 --markdown-out bench-out/llama7b.md

clean:
	rm -rf .build .build-fuzz bench-out
