#!/usr/bin/env bash
# Writes sensor readings for the stream examples: FILES files of ROWS rows into FOLDER, each file
# the next 10 seconds of event time (ISO-8601, from 2024-05-01 12:00:00), sensors s1..s4, with a few
# rows arriving out of order. Each file is written under a hidden name and renamed into place, as
# every writer into a watched folder must (the stream reads a file once, when its name appears).
# Usage: generate_events.sh [FOLDER] [FILES] [ROWS]   (defaults: work/incoming next to this script, 6, 200)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
folder=${1:-$here/work/incoming}
files=${2:-6}
rows=${3:-200}
mkdir -p "$folder"
first=$(find "$folder" -maxdepth 1 -name 'events-*.csv' | wc -l)  # continue after earlier files
for i in $(seq "$first" $((first + files - 1))); do
  name=$(printf 'events-%06d.csv' "$i")
  awk -v i="$i" -v n="$rows" 'BEGIN {
    print "time,sensor,temperature"
    for (j = 0; j < n; j++) {
      ms = i * 10000 + int(j * 10000 / n)
      if (j % 50 == 49 && ms >= 4000) ms -= 4000  # a little out of order
      s = int(ms / 1000); frac = ms % 1000
      printf "2024-05-01 %02d:%02d:%02d.%03d,s%d,%.1f\n", 12 + int(s / 3600), int(s / 60) % 60, s % 60, frac,
             j % 4 + 1, 20 + (j * 7 % 50) / 10
    }
  }' > "$folder/.$name"
  mv "$folder/.$name" "$folder/$name"
done
echo "wrote $files files to $folder"
