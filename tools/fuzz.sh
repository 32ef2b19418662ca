#!/usr/bin/env bash
# Builds the libFuzzer harnesses with ASan and UBSan (clang) and fuzzes one
# service, or each in turn, for a while. Usage:
#   tools/fuzz.sh [directory|registry|caseplan|sharing|all] [seconds per service]
# The corpus grows in build-fuzz/fuzz-corpus/<service>; crashes land in
# build-fuzz/fuzz-crashes/ (see docs/FUZZING.md to replay one).
set -euo pipefail
cd "$(dirname "$0")/.."
service=${1:-all}
seconds=${2:-600}
tools/install-deps.sh
launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
  -DSAMEPAGE_SANITIZE=ON -DSAMEPAGE_FUZZ=ON "${launcher[@]}" >/dev/null
if [ "$service" = all ]; then
  services=(directory registry caseplan sharing)
else
  services=("$service")
fi
targets=()
for s in "${services[@]}"; do targets+=("${s}_fuzz"); done
cmake --build build-fuzz -j"$(nproc)" --target "${targets[@]}"
mkdir -p build-fuzz/fuzz-crashes
for s in "${services[@]}"; do
  echo "== ${s}: ${seconds}s"
  "build-fuzz/tests/fuzz/${s}_fuzz" -max_total_time="$seconds" -timeout=60 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/fuzz-crashes/${s}-" "build-fuzz/fuzz-corpus/${s}"
done
