#!/usr/bin/env bash
# Runs the benchmarks behind docs/design.md §11 and prints their figures; with OUT=file the
# raw output is also saved for benchstat (go tool benchstat old.txt new.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
count=${COUNT:-1}
out=${OUT:-}
run() {
  if [ -n "$out" ]; then go test -run '^$' -bench . -benchmem -count "$count" "$@" | tee -a "$out"
  else go test -run '^$' -bench . -benchmem -count "$count" "$@"; fi
}
run ./datasets/... ./forecast/... ./api/...
# The shared deployment (River on a throwaway PostgreSQL, as the tests start it): runs per
# second with one and two workers, and what the queue adds to a run against one machine.
run ./cmd/carecast
# England deterministic against a vectorised NumPy version of the same chain (skipped, saying
# so, without a Python that has NumPy).
./bench/numpy_compare.sh
