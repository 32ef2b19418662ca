#!/usr/bin/env bash
# Runs scenarios.js against a fresh development server, the way an integrator
# would: @grpc/proto-loader reads proto/ at run time, samepaged listens on any
# free loopback port, tokens come from `samepage dev-token`.
# Usage: run.sh SAMEPAGED SAMEPAGE [REPO_ROOT]
set -euo pipefail
samepaged=$1 samepage=$2
repo="${3:-$(cd "$(dirname "$0")/../.." && pwd)}"
here="$repo/examples/node"
if [ ! -d "$here/node_modules/@grpc/grpc-js" ] || [ ! -d "$here/node_modules/@grpc/proto-loader" ]; then
  echo "the Node example's packages are missing: run 'npm ci --prefix examples/node'" >&2
  exit 1
fi

work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; [ -n "$pid" ] && wait $pid 2>/dev/null; rm -rf "$work"' EXIT

log="$work/samepaged.log"
"$samepaged" --dev --data_dir "$work/data" --listen 127.0.0.1:0 >"$log" 2>&1 &
pid=$!
address=""
for _ in $(seq 1 300); do
  address=$(grep -oE 'on 127\.0\.0\.1:[0-9]+' "$log" | head -n1 | cut -d' ' -f2 || true)
  [ -n "$address" ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.1
done
[ -n "$address" ] || { echo "samepaged did not start:"; cat "$log"; exit 1; }

if ! timeout 120 node "$here/scenarios.js" --server "$address" --protos "$repo/proto" \
    --token-command "$samepage --data_dir $work/data dev-token"; then
  echo "--- samepaged log"; cat "$log"; exit 1
fi
