#!/usr/bin/env bash
# Runs scenarios.py against a fresh development server, the way an integrator
# would: generate the Python client from proto/ into a temporary folder
# (protoc + grpc_python_plugin, nothing generated is committed), start
# samepaged on any free loopback port, take tokens from `samepage dev-token`.
# Usage: run.sh SAMEPAGED SAMEPAGE [REPO_ROOT]
set -euo pipefail
samepaged=$1 samepage=$2
repo="${3:-$(cd "$(dirname "$0")/../.." && pwd)}"
# Debian's interpreter, which has python3-grpcio and python3-protobuf.
python=/usr/bin/python3
plugin=$(command -v grpc_python_plugin || true)
[ -n "$plugin" ] || { echo "grpc_python_plugin is missing (protobuf-compiler-grpc)" >&2; exit 1; }
"$python" -c 'import grpc, google.protobuf' 2>/dev/null ||
  { echo "python3-grpcio and python3-protobuf are missing" >&2; exit 1; }

work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; [ -n "$pid" ] && wait $pid 2>/dev/null; rm -rf "$work"' EXIT

mkdir -p "$work/gen" "$work/data"
(cd "$repo/proto" && protoc -I . --python_out="$work/gen" --grpc_python_out="$work/gen" \
  --plugin=protoc-gen-grpc_python="$plugin" $(find samepage -name '*.proto' | sort))

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

if ! PYTHONPATH="$work/gen" timeout 120 "$python" "$(dirname "$0")/scenarios.py" \
    --server "$address" --token-command "$samepage --data_dir $work/data dev-token"; then
  echo "--- samepaged log"; cat "$log"; exit 1
fi
