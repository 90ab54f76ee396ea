#!/usr/bin/env bash
# Runs the whole suite (npm test) beside two CPU-bound busy loops, as a laptop doing other work would look to it,
# RUNS times in a row (3 unless given), and stops at the first failure. The loops are stopped however it ends.
# Usage: npm run test:busy            (or: RUNS=1 npm run test:busy)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-3}"
loops=()
stop_loops() { for pid in "${loops[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap stop_loops EXIT INT TERM
for _ in 1 2; do
  node -e 'for (;;) {}' &
  loops+=("$!")
done
for run in $(seq 1 "$runs"); do
  echo "== npm test beside two busy loops: run $run of $runs"
  started=$(date +%s)
  npm test
  echo "== run $run passed in $(($(date +%s) - started)) s"
done
echo "== $runs of $runs runs passed beside two busy loops"
