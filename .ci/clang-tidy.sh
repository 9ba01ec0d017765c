#!/usr/bin/env bash
# CI stage (run by .ci/run): clang-tidy-16 with the root .clang-tidy over every source file of the
# libraries and programs under src/ (tests excluded: gtest's macros trip bugprone-* without
# telling us anything). Strict: .clang-tidy makes every finding an error, and a file that does
# not parse fails the stage too. Bounded by TIDY_TIMEOUT seconds (default 1800); running out of
# time fails the stage as well.
#
# clang-tidy parses with clang 16 and libstdc++ 12, whose <expected> needs __cpp_concepts >=
# 202002L; the compile database of a clang tree redefines it to 202002L (CMakeLists.txt,
# fuzz/README.md), so every file parses. Nothing is built: configuring writes
# compile_commands.json, and the generated web assets are not analysed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_dir="${TIDY_BUILD_DIR:-build-tidy}"
jobs="${JOBS:-$(nproc)}"
CXX=clang++-16 cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSSOOIDC_BUILD_TESTS=OFF -DSSOOIDC_BUILD_BENCHMARKS=OFF >/dev/null
files=$(python3 -c '
import json, re, sys
pattern = re.compile(r"^" + re.escape(sys.argv[2]) + r"/src/.*(?<!_test)\.cc$")
print(sum(1 for entry in json.load(open(sys.argv[1])) if pattern.match(entry["file"])))
' "$build_dir/compile_commands.json" "$PWD")
if [ "$files" -eq 0 ]; then
  echo "clang-tidy: no source files in $build_dir/compile_commands.json" >&2
  exit 1
fi
echo "clang-tidy: $files files, $jobs jobs"
log="$build_dir/clang-tidy.log"
status=0
timeout "${TIDY_TIMEOUT:-1800}" run-clang-tidy-16 -p "$build_dir" -j "$jobs" -quiet \
  "^$PWD/src/.*(?<!_test)\.cc\$" >"$log" 2>&1 || status=$?
findings=$(grep -E '(warning|error): ' "$log" | grep -v '^/usr/' | sort -u || true)
if [ -n "$findings" ]; then printf '%s\n' "$findings"; fi
count=$(printf '%s' "$findings" | grep -c . || true)
if [ "$status" -eq 124 ]; then
  echo "clang-tidy: FAILED: out of time after ${TIDY_TIMEOUT:-1800} s" >&2
  exit 1
fi
if [ "$status" -ne 0 ] || [ "$count" -ne 0 ]; then
  tail -n 40 "$log" >&2
  echo "clang-tidy: FAILED with $count findings (exit $status); the log is $log" >&2
  exit 1
fi
echo "clang-tidy: $files files, no findings"
