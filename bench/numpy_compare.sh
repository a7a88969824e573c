#!/usr/bin/env bash
# The comparison of docs/design.md §11: the England deterministic run (every district, region
# and England, 2022–2045, every measure and service, no drivers) timed by the Go benchmark
# BenchmarkEnglandDeterministic/drivers=false and by bench/numpy_chain.py on the same inputs,
# and the ratio numpy ÷ carecast (goal ≥ 3). Skipped, with a line saying so, without a Python
# that has NumPy. COUNT sets the Go benchmark's -count and REPS numpy's repetitions; both
# report their best. PYTHONS lists the interpreters to try (default /usr/bin/python3 python3).
set -euo pipefail
cd "$(dirname "$0")/.."
pythons=${PYTHONS:-/usr/bin/python3 python3}
py=
for c in $pythons; do
  if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import numpy' 2>/dev/null; then py=$c; break; fi
done
if [ -z "$py" ]; then
  echo "numpy comparison: skipped (none of $pythons imports numpy; set PYTHONS to a python3 that does)"
  exit 0
fi
count=${COUNT:-3}
[ "$count" -lt 3 ] && count=3
reps=${REPS:-20}
dir=$(mktemp -d /tmp/carecast-numpy.XXXXXX)
trap 'rm -rf "$dir"' EXIT
if ! exp=$(go test -count=1 -run '^TestNumpyInputs$' ./forecast/engine/ -numpy.dir "$dir" 2>&1); then
  echo "$exp" >&2
  echo "numpy comparison: writing the engine's inputs failed" >&2
  exit 1
fi
goout=$(go test -run '^$' -bench '^BenchmarkEnglandDeterministic$/^drivers=false$' -benchmem -count "$count" ./forecast/engine/)
echo "$goout" | grep '^Benchmark'
gons=$(echo "$goout" | awk '/^BenchmarkEnglandDeterministic/ { if (best == "" || $3 < best) best = $3 } END { print best }')
npout=$("$py" bench/numpy_chain.py "$dir" --reps "$reps")
echo "$npout" | grep -v '^numpy-ms'
npms=$(echo "$npout" | awk '/^numpy-ms/ { print $2 }')
awk -v ns="$gons" -v np="$npms" -v procs="$(nproc)" 'BEGIN {
  go = ns / 1e6; r = np / go
  printf "England deterministic on %d cores: numpy %.1f ms, carecast %.1f ms (best of each); numpy/carecast %.2f× (goal ≥ 3×%s)\n",
    procs, np, go, r, (r >= 3 ? ", met" : ", not met")
}'
