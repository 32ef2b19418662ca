#!/usr/bin/env bash
# What one read and one durable write cost the server: CPU time, context
# switches and fdatasync calls per operation, taken with `perf stat` on the
# samepaged process during the benchmark's reads run and its write run.
#
# Throughput on a shared two-core machine moves by ±20% from run to run;
# the server's CPU per operation moves much less, so comparing two builds
# this way (alternating, several runs each) tells what a change costs.
#
#   tools/cpu_per_op.sh [SAMEPAGED] [more samepage_bench flags...]
#
# The extra flags must not change the runs' timing (--duration, --warmup,
# --rounds, --reads_only): the samples are taken at fixed times into it.
# `--server_args=--rate_limit_per_second=0,--block_cache_mb=4096` is fine.
#
# Environment: BUILD (default build), DATA (default bench-data, a populated
# folder: see docs/PERFORMANCE.md). Needs `perf` (Debian: linux-perf) and
# permission to attach to the server (root, or kernel.perf_event_paranoid<=1).
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
DATA=${DATA:-bench-data}
SERVER=${1:-$BUILD/samepaged}
shift || true
command -v perf >/dev/null || { echo "cpu_per_op: perf is not installed (apt-get install linux-perf)" >&2; exit 2; }

out=$(mktemp)
trap 'rm -f "$out"' EXIT
stdbuf -oL "$BUILD/samepage_bench" --samepaged "$SERVER" \
  --baseline_server "$BUILD/samepage_baseline_server" --data_dir "$DATA" --populate=false \
  --concurrency 32 --duration 10s --warmup 20s "$@" >"$out" 2>&1 &
bench=$!

# Waits (at most 10 minutes) until the benchmark has printed a line matching $1.
wait_for() {
  for _ in $(seq 1 1200); do
    grep -q "$1" "$out" && return 0
    kill -0 "$bench" 2>/dev/null || { cat "$out" >&2; exit 1; }
    sleep 0.5
  done
  echo "cpu_per_op: gave up waiting for \"$1\"" >&2
  exit 1
}

# perf stat over 6 s of the server: "cpu_ms switches fdatasyncs".
sample() {
  perf stat -x, -e task-clock,context-switches,syscalls:sys_enter_fdatasync -p "$1" -- sleep 6 \
    2>&1 | awk -F, '/task-clock|context-switches|fdatasync/ {printf "%s ", $1}'
}

wait_for "^baselines:"
pid=$(grep -oP "samepaged pid \K[0-9]+" "$out")
# From here: warm-up calls (1 s null, 1 s health check, 20 s reads), the
# null baseline (10 s), the reads (10 s), then the server's health-check run
# (10 s). Sample the middle of the reads (hence the fixed --duration and
# --warmup above); the health-check run writes no audit entries, so a read
# sample without a single fdatasync was taken at the wrong time.
sleep 34
reads_sample=$(sample "$pid")
# The durable write run starts after the reads are printed.
wait_for "^reads ("
sleep 2
writes_sample=$(sample "$pid")
wait "$bench" || true

rate() {  # the "all" line under the heading $1
  grep -A8 "^$1" "$out" | awk '$1 == "all" {print $2; exit}'
}
reads=$(rate "reads (")
writes=$(rate "durable writes")
python3 - "$reads" "$writes" $reads_sample $writes_sample <<'EOF'
import sys
reads, writes = float(sys.argv[1]), float(sys.argv[2])
r, w = [float(x) for x in sys.argv[3:6]], [float(x) for x in sys.argv[6:9]]
for name, rate, (cpu_ms, switches, syncs) in (("read", reads, r), ("write", writes, w)):
    ops = 6 * rate
    print(f"{name}: {rate:.0f}/s, server {cpu_ms * 1000 / ops:.0f} us CPU, "
          f"{switches / ops:.2f} context switches, {syncs / ops:.3f} fdatasync per {name}")
EOF
grep -E "/ null gRPC|writes / raw synced RocksDB Put over" "$out"
