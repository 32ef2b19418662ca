#!/usr/bin/env bash
# One command from a fresh clone to a passing test suite: installs, builds,
# runs every test. Ends with "N passed, N failed".
#
# The suite runs on one build, build-sanitize/: clang with AddressSanitizer,
# UndefinedBehaviorSanitizer and libFuzzer's instrumentation, so the fuzz
# harnesses run as tests of the same build (docs/FUZZING.md); BUILD_DIR puts
# that build elsewhere. SANITIZE=0 runs it on the plain gcc build in build/
# instead (what tools/build.sh makes for running the services).
set -uo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh || exit 1
if [ "${SANITIZE:-1}" = 0 ]; then
  tools/build.sh || exit 1
  dir=build
else
  dir=${BUILD_DIR:-build-sanitize}
  launcher=()
  if command -v ccache >/dev/null 2>&1; then
    launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  fi
  # -O1 and line tables only: the sanitizers' reports keep file:line, the
  # build stays as quick as the plain one.
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
    -DSAMEPAGE_SANITIZE=ON -DSAMEPAGE_FUZZ=ON "${launcher[@]}" >/dev/null || exit 1
  cmake --build "$dir" -j"$(nproc)" || exit 1
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
fi
log=$(mktemp)
(cd "$dir" && ctest --output-on-failure -j2 --timeout 600) 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
summary=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -n 1)
rm -f "$log"
if [ -n "$summary" ]; then
  failed=$(echo "$summary" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/')
  total=$(echo "$summary" | sed -E 's/.* out of ([0-9]+).*/\1/')
  echo "$((total - failed)) passed, ${failed} failed"
else
  echo "0 passed, 1 failed"
  status=1
fi
exit "$status"
