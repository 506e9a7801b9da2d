#!/usr/bin/env bash
# `nimbus query` through the tool: the three output formats (csv: a header and the rows only, on
# stdout), tables bound with --table, and bad queries failing with exit code 1 and a message on
# stderr that points into the query.
# Usage: query_cli_test.sh NIMBUS_BINARY SQL_DATA_DIR
set -u
nimbus=$1
data=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$nimbus" query "SELECT city, count(*) AS n, avg(age) AS mean_age FROM p WHERE city IS NOT NULL GROUP BY city ORDER BY n DESC, city" \
  --table p="$data/people.csv" --format csv >"$work/out.csv" 2>"$work/err" || fail "query failed: $(cat "$work/err")"
expected='city,n,mean_age
Paris,3,37.666666666666664
Berlin,2,61
Rome,1,27
rome,1,19'
[ "$(cat "$work/out.csv")" = "$expected" ] || fail "csv output differs:
$(cat "$work/out.csv")"
[ ! -s "$work/err" ] || fail "csv output wrote to stderr: $(cat "$work/err")"

"$nimbus" query "SELECT id, name FROM read_csv('$data/people.csv') WHERE id <= 2 ORDER BY id" --format json >"$work/out.json" \
  || fail "json query failed"
expected='[
 {"id":1,"name":"Ann"},
 {"id":2,"name":"bob"}
]'
[ "$(cat "$work/out.json")" = "$expected" ] || fail "json output differs:
$(cat "$work/out.json")"

"$nimbus" query "SELECT item, sum(amount) FROM \"$data/orders.csv\" GROUP BY item ORDER BY 2 DESC LIMIT 1" \
  >"$work/out.txt" 2>"$work/err" || fail "table query failed"
grep -q "desk" "$work/out.txt" || fail "table output lacks the answer: $(cat "$work/out.txt")"
grep -q "1 rows" "$work/err" || fail "no row count on stderr: $(cat "$work/err")"

"$nimbus" query "SELECT nmae FROM p" --table p="$data/people.csv" >"$work/out" 2>"$work/err"
[ $? -eq 1 ] || fail "a bad column did not exit 1"
grep -q "no column 'nmae'" "$work/err" || fail "unexpected message: $(cat "$work/err")"
grep -q "LINE 1: SELECT nmae FROM p" "$work/err" || fail "no position in: $(cat "$work/err")"

"$nimbus" query "SELECT 1" --table nonsense >"$work/out" 2>"$work/err"
[ $? -eq 1 ] || fail "a bad --table did not exit 1"
grep -q "name=path.csv" "$work/err" || fail "unexpected message: $(cat "$work/err")"

"$nimbus" query "SELECT * FROM read_csv('$work/missing.csv')" >"$work/out" 2>"$work/err"
[ $? -eq 1 ] || fail "a missing file did not exit 1"
grep -q "missing.csv" "$work/err" || fail "unexpected message: $(cat "$work/err")"
echo "PASS: query formats, --table and errors"
