# hard: two commands on a fresh machine.
#   make demo   the main job (see README)
#   make test   the test suite
#   make firmware  int8 HARD-Edge in the Cortex-M7 firmware under qemu (see docs/microcontroller.md)
#   make fuzz   libFuzzer on every reader of untrusted input, FUZZ_SECONDS each (see Fuzz/run.sh)
#   make test-torch  the PyTorch twin (Tools/torch) against fixtures hard wrote (see docs/torch.md)
# Both install what is missing first, through scripts/bootstrap.sh.

SWIFT ?= swift
CONFIG ?= release
BIN = .build/$(CONFIG)/hard

.PHONY: all bootstrap build test test-torch test-sanitize demo doctor bench-ops firmware fuzz clean

all: build

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	$(SWIFT) build -c $(CONFIG) --product hard

test: bootstrap
	@scripts/bootstrap.sh --python
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(SWIFT) run hard doctor

# The PyTorch twin (Tools/torch, docs/torch.md) against fixtures hard wrote, and its checkpoint
# API. Needs .venv-torch (PyTorch with its CUDA libraries, about 3 GB); never part of `make test`.
test-torch:
	@scripts/bootstrap.sh --torch
	.venv-torch/bin/python -m pytest -q -p no:cacheprovider Tools/torch/tests

# The suite under the address sanitizer, and the loader and training tests (threads: the
# prefetching loader, the trainer beside it) under the thread sanitizer. Each sanitizer
# builds into its own folder, so the plain build stays as it is. Tools/check_sanitizer_log.py
# fails on any sanitizer report and on leaks allocated from Sources/ (docs/reliability.md).
# The thread sanitizer cannot see libgomp's barriers (libgomp is not built with it), so the
# engine runs on one OpenMP thread there; the threads hard makes itself (the loader's
# workers, the trainer beside them) stay under the sanitizer.
TSAN_TESTS = HardDataTests.BatchLoaderTests|HardTrainTests
SANITIZE_LOGS = runs/sanitize
test-sanitize: bootstrap
	@scripts/bootstrap.sh --python
	@mkdir -p $(SANITIZE_LOGS)
	$(SWIFT) build --build-tests --sanitize=address --scratch-path .build-asan
	ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=exitcode=0:suppressions=$(CURDIR)/Tests/lsan-suppressions.txt $(SWIFT) test --skip-build --sanitize=address --scratch-path .build-asan \
	    2>&1 | tee $(SANITIZE_LOGS)/address.log >/dev/null || true
	python3 Tools/check_sanitizer_log.py $(SANITIZE_LOGS)/address.log
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan
	OMP_NUM_THREADS=1 TSAN_OPTIONS=exitcode=0 $(SWIFT) test --skip-build --sanitize=thread --scratch-path .build-tsan --filter '$(TSAN_TESTS)' \
	    2>&1 | tee $(SANITIZE_LOGS)/thread.log >/dev/null || true
	python3 Tools/check_sanitizer_log.py $(SANITIZE_LOGS)/thread.log

doctor: build
	$(BIN) doctor

# The main job: check the install, show the five variants, then train HARD-XXS on
# SynthStreets, evaluate it against a colour-only baseline and write runs/demo/report.md.
demo: build
	$(BIN) doctor
	$(BIN) models
	$(BIN) demo --output runs/demo

# int8 HARD-Edge on the Cortex-M7: train it on SynthStreets at 64x64 (once; about 3 min),
# quantize it, build the Embedded Swift firmware, run it under qemu and check it bit for bit
# against the host int8 executor; the same at 128x128. Reports: runs/mcu-edge-*/report.json.
EDGE_RUN = runs/synthstreets-edge
firmware: build
	@test -f $(EDGE_RUN)/best.safetensors || $(BIN) train --config configs/synthstreets-edge.yaml
	$(BIN) mcu run --checkpoint $(EDGE_RUN)/best.safetensors --height 64 --width 64 --output runs/mcu-edge-64x64
	$(BIN) mcu run --checkpoint $(EDGE_RUN)/best.safetensors --height 128 --width 128 --output runs/mcu-edge-128x128

# libFuzzer (with AddressSanitizer) on the PNG and JPEG readers, the safetensors reader, the
# config parser and the int8 blob validator, FUZZ_SECONDS each; seeds in Fuzz/corpus, working
# corpora and crash inputs under runs/fuzz, the table in runs/fuzz/summary.md.
FUZZ_SECONDS ?= 120
fuzz: bootstrap
	FUZZ_SECONDS=$(FUZZ_SECONDS) SWIFT=$(SWIFT) Fuzz/run.sh

bench-ops: build
	$(BIN) bench-ops --output docs/benchmarks.md

clean:
	rm -rf .build
