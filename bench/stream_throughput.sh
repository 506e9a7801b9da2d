#!/usr/bin/env bash
# Sustained throughput and end-to-end delay of `nimbus stream` on the CPU: a feeder moves one CSV
# file of RATE events into a watched folder every second (each file holds the next second of
# event time, 1000 keys), while `nimbus stream` runs with a 1 s trigger, 10 s tumbling windows,
# 1 s of allowed lateness, count/sum/avg per key, and the CSV file sink with checkpoints.
#
# Reports, from the engine's per-batch metrics: rows per second of batch processing (capacity),
# rows per second of wall time (sustained: it equals RATE while the engine keeps up), and the delay
# from a file's arrival to the commit of its batch (trigger wait included): a window is written by
# the batch holding the first event past its end plus the lateness, so this is its output delay.
# Usage: bench/stream_throughput.sh [NIMBUS_BINARY] [RATE] [SECONDS]   (METRICS_LOG=path keeps the log)
set -euo pipefail
nimbus=${1:-build/bin/nimbus}
rate=${2:-1000000}
seconds=${3:-20}
work=$(mktemp -d)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/staging" "$work/in"

for i in $(seq 0 $((seconds - 1))); do
  awk -v i="$i" -v n="$rate" 'BEGIN { print "ts,key,value";
    for (j = 0; j < n; j++) printf "%d,k%d,%d\n", i * 1000 + int(j * 1000 / n), j % 1000, j % 97 }' \
    > "$work/staging/events-$(printf %06d "$i").csv"
done
cat > "$work/stream.yaml" <<YAML
source:
  kind: directory
  path: in
  time_column: ts
  time_format: milliseconds
  schema: {value: int64}
trigger: 1s
window: {size: 10s}
watermark: {lateness: 1s}
query:
  keys: [key]
  aggregates: [{function: count, as: n}, {function: sum, column: value, as: total}, {function: avg, column: value, as: mean}]
output_mode: append
sink: {kind: csv, path: out}
checkpoint: ckpt
YAML

"$nimbus" stream "$work/stream.yaml" 2>"$work/metrics.log" &
pid=$!
start=$(date +%s.%N)
for i in $(seq 0 $((seconds - 1))); do
  f=events-$(printf %06d "$i").csv
  touch "$work/staging/$f"  # its arrival time, which the engine's delay metric starts from
  mv "$work/staging/$f" "$work/in/$f"
  next=$(echo "$start + $i + 1" | bc)
  sleep "$(echo "$next - $(date +%s.%N)" | bc | sed 's/^-.*/0/')"
done
# Wait until every row is in a committed batch, then stop the engine with SIGTERM.
total=$((rate * seconds))
for _ in $(seq 100); do
  done_rows=$(grep -o 'batch [0-9]*: [0-9]* rows' "$work/metrics.log" | awk '{ s += $3 } END { print s + 0 }')
  [ "$done_rows" -ge "$total" ] && break
  sleep 0.2
done
end=$(date +%s.%N)
kill -TERM $pid
wait $pid || true
[ -n "${METRICS_LOG:-}" ] && cp "$work/metrics.log" "$METRICS_LOG"

awk -v rate="$rate" -v seconds="$seconds" -v wall="$(echo "$end - $start" | bc)" '
  / rows, / && /ms \(read/ {
    match($0, /: [0-9]+ rows/); rows = substr($0, RSTART + 2, RLENGTH - 7) + 0
    match($0, /[0-9.]+ ms \(read/); ms = substr($0, RSTART, RLENGTH - 7) + 0
    match($0, /[0-9]+ windows out/); out = substr($0, RSTART, RLENGTH - 12) + 0
    match($0, /delay [0-9.]+/); delay = substr($0, RSTART + 6, RLENGTH - 6) + 0
    total += rows; busy += ms; batches++
    if (ms > max_ms) max_ms = ms
    d[++nd] = delay; windows += out
  }
  END {
    n = nd  # insertion sort (mawk has no asort)
    for (i = 2; i <= n; i++) { v = d[i]; for (j = i - 1; j > 0 && d[j] > v; j--) d[j + 1] = d[j]; d[j + 1] = v }
    printf "events: %d in %d batches (%d per second offered for %d s)\n", total, batches, rate, seconds
    printf "capacity: %.2f M events/s of batch processing (max batch %.0f ms)\n", total / busy / 1000, max_ms
    printf "sustained: %.2f M events/s over %.1f s of wall time\n", total / wall / 1e6, wall
    printf "windows out: %d; arrival-to-commit delay per batch (trigger wait included): median %.3f s, max %.3f s\n",
           windows, d[int((n + 1) / 2)], d[n]
  }' "$work/metrics.log"
