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

bench-ops: build
	$(BIN) bench-ops --output docs/benchmarks.md

clean:
	rm -rf .build
