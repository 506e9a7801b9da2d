#!/usr/bin/env bash
# `nimbus mapreduce` through the tool: word count as CSV (the header `word,count`, then every word by
# count descending and word ascending), the same CSV with the Mars strategy on the CPU, --top, grep
# counts, the inverted index, a histogram and k-means (all four also with Mars), and bad input
# failing with exit code 1 and a message on stderr.
# Usage: mapreduce_cli_test.sh NIMBUS_BINARY
set -u
nimbus=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

printf 'The cat and THE dog.\nA dog, a cat; the end\n' > "$work/a.txt"
printf 'zebra cat\n' > "$work/b.txt"
"$nimbus" mapreduce wordcount "$work/a.txt" "$work/b.txt" --format csv >"$work/out.csv" 2>"$work/err" \
  || fail "wordcount failed: $(cat "$work/err")"
expected='word,count
cat,3
the,3
a,2
dog,2
and,1
end,1
zebra,1'
[ "$(cat "$work/out.csv")" = "$expected" ] || fail "wordcount output differs:
$(cat "$work/out.csv")"
[ ! -s "$work/err" ] || fail "csv output wrote to stderr: $(cat "$work/err")"

# The Mars strategy on the CPU gives the same CSV, unless this build lacks its host path (no Thrust
# headers at configure time), which must then be a clear error.
if "$nimbus" mapreduce wordcount "$work/a.txt" "$work/b.txt" --format csv --strategy mars --device cpu \
    >"$work/mars.csv" 2>"$work/err"; then
  [ "$(cat "$work/mars.csv")" = "$expected" ] || fail "wordcount --strategy mars differs:
$(cat "$work/mars.csv")"
else
  grep -q "Thrust" "$work/err" || fail "--strategy mars failed: $(cat "$work/err")"
fi
"$nimbus" mapreduce wordcount "$work/a.txt" --strategy spark >"$work/out" 2>"$work/err"
[ $? -ne 0 ] || fail "an unknown strategy did not fail"

[ "$("$nimbus" mapreduce wordcount "$work/a.txt" --top 1 --format csv | tail -n +2)" = "the,3" ] || fail "--top 1"
"$nimbus" mapreduce grep dog "$work/a.txt" "$work/b.txt" --format csv | grep -q "b.txt,0" || fail "grep counts"
"$nimbus" mapreduce index "$work/a.txt" "$work/b.txt" --format csv | grep -q "^cat,3,1:1 1:2 2:1$" || fail "index postings"
# Grep and the index with the Mars strategy on the CPU print what Phoenix prints (when built).
for job in "grep dog" "index"; do
  "$nimbus" mapreduce $job "$work/a.txt" "$work/b.txt" --format csv >"$work/phoenix.csv" || fail "$job failed"
  if "$nimbus" mapreduce $job "$work/a.txt" "$work/b.txt" --format csv --strategy mars --device cpu \
      >"$work/mars.csv" 2>"$work/err"; then
    cmp -s "$work/phoenix.csv" "$work/mars.csv" || fail "$job --strategy mars differs:
$(cat "$work/mars.csv")"
  else
    grep -q "Thrust" "$work/err" || fail "$job --strategy mars failed: $(cat "$work/err")"
  fi
done

printf 'x\n1\n2\n3\n4\n' > "$work/t.csv"
"$nimbus" mapreduce histogram "$work/t.csv" --column x --buckets 2 --format csv | grep -q "^1,2.5,4,2$" \
  || fail "histogram: $("$nimbus" mapreduce histogram "$work/t.csv" --column x --buckets 2 --format csv)"
# The table jobs with the Mars strategy on the CPU print what Phoenix prints (when built): the
# histogram to the last digit, k-means on integer points (exact sums) too.
printf 'x,y\n' > "$work/p.csv"
for i in $(seq 0 59); do echo "$(( (i % 3) * 100 + i % 5 )),$(( (i % 3 == 2) * 100 + i % 7 ))"; done >> "$work/p.csv"
for job in "histogram --column x --buckets 7" "kmeans --columns x,y --k 3 --seed 2"; do
  "$nimbus" mapreduce $job "$work/p.csv" --format csv --strategy phoenix >"$work/phoenix.csv" 2>/dev/null \
    || fail "$job failed"
  if "$nimbus" mapreduce $job "$work/p.csv" --format csv --strategy mars --device cpu >"$work/mars.csv" 2>"$work/err"; then
    cmp -s "$work/phoenix.csv" "$work/mars.csv" || fail "$job --strategy mars differs:
$(cat "$work/mars.csv")"
  else
    grep -q "Thrust" "$work/err" || fail "$job --strategy mars failed: $(cat "$work/err")"
  fi
done
"$nimbus" mapreduce histogram "$work/p.csv" --column x --strategy spark >"$work/out" 2>"$work/err"
[ $? -ne 0 ] || fail "histogram with an unknown strategy did not fail"

"$nimbus" mapreduce wordcount "$work/missing.txt" >"$work/out" 2>"$work/err"
[ $? -eq 1 ] || fail "a missing file did not exit 1"
grep -q "missing.txt" "$work/err" || fail "unexpected message: $(cat "$work/err")"
"$nimbus" mapreduce wordcount "$work/a.txt" --words unicode >"$work/out" 2>"$work/err"
[ $? -eq 1 ] || fail "a bad word rule did not exit 1"
grep -q "alnum-lower" "$work/err" || fail "unexpected message: $(cat "$work/err")"
echo "PASS: mapreduce jobs and errors"
