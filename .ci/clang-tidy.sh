#!/usr/bin/env bash
# CI stage (run by .ci/run): clang-tidy-16 with the root .clang-tidy over every source file of the
# libraries and programs under src/ (tests excluded: gtest's macros trip bugprone-* without
# telling us anything). Strict: .clang-tidy makes every finding an error, and a file that does
# not parse fails the stage too. Bounded by TIDY_TIMEOUT seconds (default 1800); running out of
# time fails the stage as well.
#
#   bash .ci/clang-tidy.sh                          # every source under src/ (what CI runs)
#   bash .ci/clang-tidy.sh src/http/session.cc ...  # these files only (.cc or .h under src/)
#   bash .ci/clang-tidy.sh --changed-since main     # what changed since a commit (committed or not)
#   TIDY_CACHE_DIR=~/.cache/ssooidc-tidy bash .ci/clang-tidy.sh   # skip what passed unchanged
#
# A header given or changed selects the sources beside it with the same name and every source
# under src/ that includes it directly (its findings are reported through them); a test source
# or a file outside src/ is skipped with a note.
#
# The whole run (no file given) checks a unity tree (CMAKE_UNITY_BUILD, build-tidy/): each
# library's sources in batches of eight, so that the standard library, Boost and CLI11 are parsed
# once a batch; every finding in a batch names its own source, as the .clang-tidy header filter
# covers src/. About a sixth of the CPU of checking source by source (README, "CI"). Files given
# or changed are checked one by one (build-tidy-files/). TIDY_UNITY=0 checks source by source
# always. bugprone-suspicious-include is off in the unity tree, whose batches include sources by
# design; the same rule for src/ is the grep below.
#
# clang-tidy parses with clang 16 and libstdc++ 12, whose <expected> needs __cpp_concepts >=
# 202002L; the compile database of a clang tree redefines it to 202002L (CMakeLists.txt,
# fuzz/README.md), so every file parses. Nothing is built: configuring writes
# compile_commands.json, and the generated web assets are not analysed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

jobs="${JOBS:-$(nproc)}"

requested=()
if [ "${1:-}" = --changed-since ]; then
  if [ $# -ne 2 ]; then echo "usage: $0 [--changed-since REV | FILE...]" >&2; exit 2; fi
  base=$(git merge-base HEAD "$2") || { echo "clang-tidy: no commit $2" >&2; exit 2; }
  # Committed since the merge base, plus what the worktree changed or added.
  mapfile -t requested < <( { git diff --name-only --diff-filter=d "$base" -- src;
    git ls-files --others --exclude-standard -- src; } | sort -u)
  if [ ${#requested[@]} -eq 0 ]; then echo "clang-tidy: nothing under src/ changed since $2"; exit 0; fi
else
  requested=("$@")
fi

unity=OFF
extra_checks=()
if [ ${#requested[@]} -eq 0 ] && [ "${TIDY_UNITY:-1}" != 0 ]; then
  unity=ON
  extra_checks=(-checks=-bugprone-suspicious-include)
  build_dir="${TIDY_BUILD_DIR:-build-tidy}"
  # What bugprone-suspicious-include checks, for the sources themselves.
  if grep -rnE '^\s*#\s*include\s*[<"][^">]*\.(cc|cpp|cxx)[">]' src include; then
    echo "clang-tidy: FAILED: a source includes a source file (bugprone-suspicious-include)" >&2
    exit 1
  fi
else
  build_dir="${TIDY_FILES_BUILD_DIR:-build-tidy-files}"
fi

CXX=clang++-16 cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSSOOIDC_BUILD_TESTS=OFF -DSSOOIDC_BUILD_BENCHMARKS=OFF -DCMAKE_UNITY_BUILD="$unity" >/dev/null
# The sources to check, one absolute path a line: all of src/ (tests excluded) or the unity
# batches made of them, or those the requested files select.
selection="$build_dir/clang-tidy.files"
python3 - "$build_dir/compile_commands.json" "$PWD" "$PWD/$build_dir" "${requested[@]}" >"$selection" <<'PY'
import json, os, re, sys
db, root, build, requested = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
source = re.compile(r"^" + re.escape(root) + r"/src/.*(?<!_test)\.cc$")
batch = re.compile(r"^" + re.escape(build) + r"/src/.*/Unity/unity_[0-9]+_cxx\.cxx$")
files = {e["file"] for e in json.load(open(db))}
sources = sorted(f for f in files if source.match(f))
if not requested:
    print("\n".join(sorted(f for f in files if source.match(f) or batch.match(f))))
    sys.exit(0)
chosen = set()
for name in requested:
    path = os.path.realpath(os.path.join(root, name))
    rel = os.path.relpath(path, root)
    if path in sources:
        chosen.add(path)
    elif rel.startswith("src/") and path.endswith(".h"):
        stem, include = path[:-2], rel[len("src/"):]
        pattern = re.compile(r'^\s*#\s*include\s*"' + re.escape(include) + '"', re.M)
        for candidate in sources:
            if candidate.startswith(stem + ".") or candidate.startswith(stem + "_"):
                chosen.add(candidate)
            elif pattern.search(open(candidate, encoding="utf-8", errors="replace").read()):
                chosen.add(candidate)
    else:
        print(f"clang-tidy: skipping {rel} (not a source under src/ in the compile database)",
              file=sys.stderr)
print("\n".join(sorted(chosen)))
PY
files=$(grep -c . "$selection" || true)
if [ "$files" -eq 0 ]; then
  if [ ${#requested[@]} -gt 0 ]; then echo "clang-tidy: no source under src/ selected"; exit 0; fi
  echo "clang-tidy: no source files in $build_dir/compile_commands.json" >&2
  exit 1
fi

# TIDY_CACHE_DIR (optional; CI leaves it unset, so a cold run checks everything): a source that
# passed is not checked again while its key is unchanged. The key is a SHA-256 of the clang-tidy
# version, .clang-tidy, the file's compile command, the file, and every header under src/ and
# include/ (so any header change re-checks every source: coarse, but never stale).
keys=""
if [ -n "${TIDY_CACHE_DIR:-}" ]; then
  mkdir -p "$TIDY_CACHE_DIR"
  keys="$build_dir/clang-tidy.keys"
  python3 - "$build_dir/compile_commands.json" "$selection" "$keys" "$TIDY_CACHE_DIR" \
    "$(clang-tidy-16 --version)" <<'PY'
import hashlib, json, os, pathlib, re, sys
db, selection, keys_out, cache, version = sys.argv[1:6]
base = hashlib.sha256(version.encode() + pathlib.Path(".clang-tidy").read_bytes())
for header in sorted(p for top in ("src", "include") for p in pathlib.Path(top).rglob("*")
                     if p.suffix in (".h", ".hpp") and p.is_file()):
    base.update(str(header).encode() + b"\0" + header.read_bytes())
commands = {e["file"]: e.get("command", " ".join(e.get("arguments", []))) for e in json.load(open(db))}
kept, pending = [], []
for name in pathlib.Path(selection).read_text().split():
    key = base.copy()
    text = pathlib.Path(name).read_bytes()
    key.update(commands[name].encode() + b"\0" + text)
    # A unity batch: the sources it includes, by absolute path.
    for included in re.findall(rb'^#include "(/[^"]+)"', text, re.M):
        key.update(included + b"\0" + pathlib.Path(included.decode()).read_bytes())
    digest = key.hexdigest()
    if os.path.exists(os.path.join(cache, digest)):
        kept.append(name)
    else:
        pending.append((name, digest))
pathlib.Path(selection).write_text("".join(n + "\n" for n, _ in pending))
pathlib.Path(keys_out).write_text("".join(d + "\n" for _, d in pending))
print(f"clang-tidy: {len(kept)} files passed before unchanged (TIDY_CACHE_DIR), {len(pending)} to check")
PY
  files=$(grep -c . "$selection" || true)
  if [ "$files" -eq 0 ]; then echo "clang-tidy: nothing to check, no findings"; exit 0; fi
fi
echo "clang-tidy: $files files, $jobs jobs"
mapfile -t patterns < <(sed 's/[][\.*^$+?(){}|]/\\&/g; s/^/^/; s/$/$/' "$selection")
log="$build_dir/clang-tidy.log"
status=0
# -config-file: a unity batch lives in the build tree, and clang-tidy looks for .clang-tidy from
# the checked file's directory up; the build tree may be anywhere (TIDY_BUILD_DIR).
timeout "${TIDY_TIMEOUT:-1800}" run-clang-tidy-16 -p "$build_dir" -j "$jobs" -quiet \
  -config-file="$PWD/.clang-tidy" "${extra_checks[@]}" "${patterns[@]}" >"$log" 2>&1 || status=$?
findings=$(grep -E '(warning|error): ' "$log" | grep -v '^/usr/' | sort -u || true)
if [ -n "$findings" ]; then printf '%s\n' "$findings"; fi
count=$(printf '%s' "$findings" | grep -c . || true)
if [ "$status" -eq 124 ]; then
  echo "clang-tidy: FAILED: out of time after ${TIDY_TIMEOUT:-1800} s" >&2
  exit 1
fi
checked=$(grep -c '^clang-tidy-16 ' "$log" || true)
if [ "$checked" -ne "$files" ]; then
  echo "clang-tidy: FAILED: checked $checked of the $files files" >&2
  status=1
fi
if [ "$status" -ne 0 ] || [ "$count" -ne 0 ]; then
  tail -n 40 "$log" >&2
  echo "clang-tidy: FAILED with $count findings (exit $status); the log is $log" >&2
  exit 1
fi
if [ -n "$keys" ]; then
  while read -r key; do : >"$TIDY_CACHE_DIR/$key"; done <"$keys"
fi
echo "clang-tidy: $files files, no findings"
