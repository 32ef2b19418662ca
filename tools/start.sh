#!/usr/bin/env bash
# One command from a fresh clone to a running server: installs what is
# missing, builds, and runs every service on 127.0.0.1:50051 with RocksDB in
# ./data, in development mode (tokens signed with a key kept in ./data).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh
exec build/samepaged --dev --data_dir ./data --listen "${SAMEPAGE_LISTEN:-127.0.0.1:50051}"
