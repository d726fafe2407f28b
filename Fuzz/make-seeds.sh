#!/usr/bin/env bash
# Regenerates the seed corpora Fuzz/corpus/<target>/ with the project's own writers
# (Tests/HardFuzzTests/SeedCorpusWriter.swift: crafted and libpng PNGs, TurboJPEG JPEGs,
# SafeTensors.encode, configs/ plus variants, int8 blobs from Int8Model and the quantizer;
# the MAT files from Tests/HardDataTests/MatFileTests.swift's writer).
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SCRATCH=${FUZZ_SEEDS_SCRATCH:-.build-fuzz-check}
"$SWIFT" build --build-tests --scratch-path "$SCRATCH"
HARD_FUZZ_WRITE_SEEDS=1 "$SWIFT" test --skip-build --scratch-path "$SCRATCH" --filter 'HardFuzzTests.SeedCorpusWriter|HardDataTests.MatFileTests/testWriteFuzzSeeds'
