# hard: two commands on a fresh machine.
#   make demo   the main job (see README)
#   make test   the test suite
# Both install what is missing first, through scripts/bootstrap.sh.

SWIFT ?= swift
CONFIG ?= release
BIN = .build/$(CONFIG)/hard

.PHONY: all bootstrap build test demo doctor bench-ops clean

all: build

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	$(SWIFT) build -c $(CONFIG) --product hard

test: bootstrap
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	$(SWIFT) run hard doctor

doctor: build
	$(BIN) doctor

# Until the training issue lands, the demo is: the install check, the five variants' size
# and cost, a short training of a small conv net on a synthetic task, and the op benchmark.
demo: build
	$(BIN) doctor
	$(BIN) models
	$(BIN) demo-engine
	$(BIN) bench-ops --quick

bench-ops: build
	$(BIN) bench-ops --output docs/benchmarks.md

clean:
	rm -rf .build
