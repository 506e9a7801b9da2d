#!/usr/bin/env bash
# `nimbus stream` exactly-once: event files with known per-window answers, a run killed with SIGKILL
# at three points (mid-batch, after the sink write but before the commit, halfway through a state
# snapshot; NIMBUS_STREAM_FAULT), restarted each time, must leave sink files identical to an
# uninterrupted run's, with every window exactly once and the right count and sum. Also: a late row
# is dropped and counted, SIGTERM finishes the batch and exits 0, the growing-file source, and a
# bad config exits 1 naming the key.
# Usage: stream_exactly_once_test.sh NIMBUS_BINARY
set -u
nimbus=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# Six files; file i holds times [10i, 10i+10) for keys k0..k4, so each batch (one file) moves the
# watermark (max time - 5 s) past the previous window. File 3 also carries a row for the window
# [0, 10), already final by then: late. The last file's row at 1000 s closes every window.
mkdir -p "$work/in"
for i in 0 1 2 3 4 5; do
  {
    echo "ts,key,value"
    for j in $(seq 0 59); do echo "$((i * 10 + j % 10)),k$((j % 5)),$(((i * 7 + j * 3) % 13))"; done
    [ "$i" = 3 ] && echo "2,late,1000"
    [ "$i" = 5 ] && echo "1000,zz_end,0"
  } > "$work/in/.tmp"
  mv "$work/in/.tmp" "$work/in/events-$i.csv"  # write, then rename into place
done
# The answer, from the files: count and sum per (window, key), without the late and closing rows.
cat "$work"/in/events-*.csv | awk -F, 'NR > 1 && $1 != "ts" && $2 != "late" && $2 != "zz_end" {
  w = int($1 / 10) * 10; n[w "," w + 10 "," $2]++; s[w "," w + 10 "," $2] += $3 }
  END { for (k in n) print k "," n[k] "," s[k] }' | sort > "$work/expected"

config() {  # config NAME: a config whose sink and checkpoint are NAME-out and NAME-ckpt
  cat > "$work/$1.yaml" <<YAML
source:
  kind: directory
  path: in
  time_column: ts
  time_format: seconds
  schema: {value: int64}
  max_files_per_batch: 1
trigger: 100ms
window: {size: 10s}
watermark: {lateness: 5s}
query:
  keys: [key]
  aggregates:
    - {function: count, as: n}
    - {function: sum, column: value, as: total}
    - {function: avg, column: value, as: mean}
output_mode: append
sink: {kind: csv, path: $1-out}
checkpoint: $1-ckpt
YAML
}
rows() { for f in "$1"/batch-*.csv; do tail -n +2 "$f"; done; }

config ref
"$nimbus" stream "$work/ref.yaml" --once 2>"$work/ref.err" || fail "reference run failed: $(cat "$work/ref.err")"
grep -q "batch 3: 61 rows, 1 late dropped" "$work/ref.err" || fail "late row not counted: $(cat "$work/ref.err")"
rows "$work/ref-out" | cut -d, -f1-5 | sort > "$work/ref.rows"
diff "$work/expected" "$work/ref.rows" > /dev/null || fail "reference windows differ from the answer:
$(diff "$work/expected" "$work/ref.rows")"

config crash
for fault in kill-mid-batch:1 kill-after-sink:2 kill-in-snapshot:4; do
  # In a child shell, so that this one does not report the kill.
  bash -c 'NIMBUS_STREAM_FAULT=$1 exec "$2" stream "$3" --once 2>"$4"' _ "$fault" "$nimbus" "$work/crash.yaml" \
    "$work/crash.err"
  rc=$?
  [ $rc -eq 137 ] || fail "$fault: expected death by SIGKILL (137), got $rc: $(cat "$work/crash.err")"
  batch=${fault##*:}
  [ ! -e "$work/crash-ckpt/commits/$(printf %012d "$batch")" ] || fail "$fault: batch $batch was committed"
  [ -e "$work/crash-ckpt/offsets/$(printf %012d "$batch")" ] || fail "$fault: batch $batch has no offsets"
  case $fault in
    kill-after-sink:*) [ -e "$work/crash-out/batch-$(printf %012d "$batch").csv" ] || fail "$fault: no sink file" ;;
    kill-in-snapshot:*) ls -a "$work/crash-ckpt/state" | grep -q '\.tmp-' || fail "$fault: no half-written snapshot" ;;
  esac
done
"$nimbus" stream "$work/crash.yaml" --once 2>"$work/crash.err" || fail "final restart failed: $(cat "$work/crash.err")"
grep -q "batch 4 was not committed; running it again" "$work/crash.err" || fail "no re-run: $(cat "$work/crash.err")"

# Identical files, so every window once, with the uninterrupted run's values (avg included).
diff -r "$work/ref-out" "$work/crash-out" > /dev/null || fail "sink files differ from the uninterrupted run:
$(diff -r "$work/ref-out" "$work/crash-out")"
rows "$work/crash-out" | cut -d, -f1-3 | sort | uniq -d | grep -q . && fail "a window appears twice"
[ "$(rows "$work/crash-out" | wc -l)" -eq "$(wc -l < "$work/expected")" ] || fail "window count differs"

# SIGTERM: the loop finishes its batch, commits and exits 0.
config live
"$nimbus" stream "$work/live.yaml" 2>"$work/live.err" &
pid=$!
# Up to a minute: a loaded machine may take a while to reach batch 5.
for _ in $(seq 600); do [ -e "$work/live-ckpt/commits/000000000005" ] && break; sleep 0.1; done
[ -e "$work/live-ckpt/commits/000000000005" ] || { kill -TERM $pid; fail "batch 5 never committed: $(cat "$work/live.err")"; }
kill -TERM $pid
wait $pid || fail "SIGTERM exit code $?: $(cat "$work/live.err")"
grep -q "stopped by signal" "$work/live.err" || fail "no clean stop: $(cat "$work/live.err")"
diff -r "$work/ref-out" "$work/live-out" > /dev/null || fail "the triggered run differs from --once"

# The growing-file source: a batch is the complete lines appended since the last one.
printf 'ts,key,value\n1,a,1\n2,a,2\n' > "$work/log.csv"
sed -e 's/kind: directory/kind: file/' -e 's/path: in/path: log.csv/' -e '/max_files_per_batch/d' \
    -e 's/live-/log-/' "$work/live.yaml" > "$work/log.yaml"
"$nimbus" stream "$work/log.yaml" --once 2>/dev/null || fail "file source run"
printf '12,a,5\n30,b,1' >> "$work/log.csv"  # the last line is incomplete: it waits
"$nimbus" stream "$work/log.yaml" --once 2>/dev/null || fail "file source second run"
[ -z "$(ls "$work/log-out")" ] || fail "the incomplete line was read: $(rows "$work/log-out")"
printf '\n' >> "$work/log.csv"  # now 30 s moves the watermark to 25 s: both windows are final
"$nimbus" stream "$work/log.yaml" --once 2>/dev/null || fail "file source third run"
[ "$(rows "$work/log-out" | tr '\n' ' ')" = "0,10,a,2,3,1.5 10,20,a,1,5,5 " ] \
  || fail "file source windows: $(rows "$work/log-out")"

# A bad config: exit 1, the key and what was expected.
sed 's/size: 10s/size: ten/' "$work/ref.yaml" > "$work/bad.yaml"
"$nimbus" stream "$work/bad.yaml" --once >/dev/null 2>"$work/bad.err"
[ $? -eq 1 ] || fail "a bad config did not exit 1"
grep -q "window.size: expected a duration" "$work/bad.err" || fail "unexpected message: $(cat "$work/bad.err")"
echo "PASS"
