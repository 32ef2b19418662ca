#!/usr/bin/env bash
# One command from a fresh clone to a passing test suite: installs, builds,
# runs every test. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh || exit 1
tools/build.sh || exit 1
log=$(mktemp)
(cd build && ctest --output-on-failure -j2 --timeout 600) 2>&1 | tee "$log"
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
