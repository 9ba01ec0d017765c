#!/usr/bin/env bash
# Prints, for each test that failed in the last CTest run of each build tree given, its name and
# the end of its output (where a Python, node or GoogleTest suite puts its failures), read from
# the tree's Testing/Temporary/LastTest.log. .ci/run prints this after its summary, so that the
# end of a long log names what failed and why, even where only that end is kept.
#
#   bash .ci/failed-tests.sh build build-asan      # nothing for a tree whose last run passed
#
# FAILED_TEST_LINES (default 60) lines of each test's output; at most FAILED_TEST_COUNT (default
# 5) tests per tree, then only their names.
set -uo pipefail

lines="${FAILED_TEST_LINES:-60}"
count="${FAILED_TEST_COUNT:-5}"
for dir in "$@"; do
  failed="$dir/Testing/Temporary/LastTestsFailed.log"
  log="$dir/Testing/Temporary/LastTest.log"
  [ -s "$failed" ] || continue
  # Lines of LastTestsFailed.log are "NUMBER:NAME".
  mapfile -t names < <(cut -d: -f2- "$failed")
  echo "ci: ${#names[@]} test(s) failed in $dir: ${names[*]}"
  [ -r "$log" ] || { echo "ci: ($log is missing)"; continue; }
  shown=0
  for name in "${names[@]}"; do
    if [ "$shown" -ge "$count" ]; then break; fi
    shown=$((shown + 1))
    echo "ci: --- $name: the last $lines lines of its output ---"
    # A test's block runs from "N/M Testing: NAME" to its "<end of output>" line.
    awk -v name="$name" '
      $0 ~ /^[0-9]+\/[0-9]+ Testing: / { inside = (substr($0, index($0, ": ") + 2) == name); output = 0; next }
      inside && $0 == "<end of output>" { inside = 0; next }
      inside && $0 == "Output:" { output = 1; getline; next }
      inside && output { print }
    ' "$log" | tail -n "$lines"
  done
done
