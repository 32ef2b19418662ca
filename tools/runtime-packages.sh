#!/usr/bin/env bash
# Prints the Debian packages that hold the shared libraries the given
# binaries load, one per line: what a runtime image must install
# (deploy/Dockerfile). Usage: tools/runtime-packages.sh build/samepaged ...
set -euo pipefail
candidates=()
while read -r lib; do
  # usrmerge: a library may be registered under /lib or /usr/lib.
  real=$(readlink -f "$lib")
  for path in "$lib" "$real"; do
    candidates+=("$path" "/usr${path#/usr}" "${path#/usr}")
  done
done < <(for binary in "$@"; do ldd "$binary" | awk '/=> \// { print $3 }'; done | sort -u)
# One dpkg query for all of them; paths no package owns are simply absent.
dpkg -S "${candidates[@]}" 2>/dev/null | sed -E 's/^([^:,]+).*/\1/' | sort -u || true
