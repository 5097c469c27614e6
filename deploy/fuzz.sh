#!/usr/bin/env bash
# Runs every libFuzzer target in tests/fuzz for a while (Clang, ASan + UBSan), each starting from
# its seed corpus; new inputs that reach new code are kept in build/fuzz/corpus/<target>.
# Usage: deploy/fuzz.sh [seconds per target, default 60]. A crash stops with the input saved as
# build/fuzz/crash-*; replay it with build/fuzz/tests/fuzz/fuzz_<target> FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
bash deploy/install-deps.sh --fuzz
cmake --preset fuzz >/dev/null
targets=()
for source in tests/fuzz/fuzz_*.cpp; do targets+=("$(basename "$source" .cpp)"); done
cmake --build --preset fuzz --target "${targets[@]}"
for target in "${targets[@]}"; do
  name="${target#fuzz_}"
  mkdir -p "build/fuzz/corpus/$name"
  echo "fuzz: $target for ${seconds}s"
  "build/fuzz/tests/fuzz/$target" -max_total_time="$seconds" -artifact_prefix=build/fuzz/ \
    "build/fuzz/corpus/$name" "tests/fuzz/corpus/$name"
done
