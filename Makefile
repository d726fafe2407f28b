# hard: two commands on a fresh machine.
#   make demo   the main job (see README)
#   make test   the test suite
#   make firmware  int8 HARD-Edge in the Cortex-M7 firmware under qemu (see docs/microcontroller.md)
# Both install what is missing first, through scripts/bootstrap.sh.

SWIFT ?= swift
CONFIG ?= release
BIN = .build/$(CONFIG)/hard

.PHONY: all bootstrap build test demo doctor bench-ops firmware clean

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

bench-ops: build
	$(BIN) bench-ops --output docs/benchmarks.md

clean:
	rm -rf .build
