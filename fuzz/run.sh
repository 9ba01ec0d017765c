#!/usr/bin/env bash
# CI stage (run by .ci/run): builds the libFuzzer targets (clang 16, build-fuzz/) and runs each
# for a bounded time on its seed corpus. Any crash, sanitizer report, leak or per-input timeout
# fails the run; the input that caused it is written to build-fuzz/artifacts/. See fuzz/README.md.
#
#   bash fuzz/run.sh                        # CI: 45 s per target
#   FUZZ_SECONDS=720 bash fuzz/run.sh       # the hour-long campaign (5 targets x 12 minutes)
#   bash fuzz/run.sh http_request_fuzzer    # some targets only
#   bash fuzz/run.sh --build-only           # build them, run nothing (.ci/run, in the background)
#
# The targets run FUZZ_JOBS at a time (default: one per core), each on a core of its own for
# its FUZZ_SECONDS; CI's 2 cores run the five in three rounds, 135 s instead of 225 s.
#
# The tree is compiled -O1 -gline-tables-only, as OSS-Fuzz compiles its fuzzers: about half the
# compile time of -O2 -g, which is most of this stage's time in CI.
#
# New inputs go to build-fuzz/corpus/<target>/ (never into the committed seeds). To keep the
# interesting ones, minimise them into the seed directory:
#   build-fuzz/fuzz/<target> -merge=1 fuzz/corpus/<target> build-fuzz/corpus/<target>
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_dir="${FUZZ_BUILD_DIR:-build-fuzz}"
seconds="${FUZZ_SECONDS:-45}"
jobs="${JOBS:-$(nproc)}"
fuzz_jobs="${FUZZ_JOBS:-$(nproc)}"
build_only=0
if [ "${1:-}" = --build-only ]; then build_only=1; shift; fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(http_request_fuzzer wire_codec_fuzzer form_fuzzer sigv4_fuzzer html_template_fuzzer)
fi

launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
CXX=clang++-16 cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSSOOIDC_FUZZ=ON \
  -DSSOOIDC_BUILD_TESTS=OFF -DSSOOIDC_BUILD_BENCHMARKS=OFF "${launcher[@]}" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" >/dev/null
cmake --build "$build_dir" -j"$jobs" --target "${targets[@]}"
if [ "$build_only" = 1 ]; then echo "fuzz: built ${targets[*]}"; exit 0; fi

mkdir -p "$build_dir/artifacts"
for target in "${targets[@]}"; do
  seeds="fuzz/corpus/$target"
  if [ ! -d "$seeds" ] || [ -z "$(ls -A "$seeds")" ]; then
    echo "fuzz: no seed corpus in $seeds" >&2
    exit 1
  fi
done

fuzz_one() {  # target; its output goes to build-fuzz/artifacts/<target>.log
  local target="$1"
  local work="$build_dir/corpus/$target"
  mkdir -p "$work"
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 UBSAN_OPTIONS=print_stacktrace=1 \
    "$build_dir/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=8192 -print_final_stats=1 -artifact_prefix="$build_dir/artifacts/$target-" \
      "$work" "fuzz/corpus/$target" >"$build_dir/artifacts/$target.log" 2>&1
}

# Run them fuzz_jobs at a time; remember each one's exit status.
declare -A pid_of status_of
running=0
for target in "${targets[@]}"; do
  if [ "$running" -ge "$fuzz_jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  echo "fuzz: $target for $seconds s ($(date -u +%H:%M:%S))"
  fuzz_one "$target" &
  pid_of[$target]=$!
  running=$((running + 1))
done
for target in "${targets[@]}"; do
  status=0
  wait "${pid_of[$target]}" || status=$?
  status_of[$target]=$status
done

failed=0
for target in "${targets[@]}"; do
  log="$build_dir/artifacts/$target.log"
  echo "fuzz: $target"
  # "#N DONE cov: C ft: F corp: U/S ..." and the final stats: executions, coverage, corpus, RSS.
  grep -E '^(#[0-9]+ +DONE |stat::number_of_executed_units|stat::new_units_added|stat::peak_rss_mb)' \
    "$log" || true
  if [ "${status_of[$target]}" -ne 0 ]; then
    tail -n 60 "$log" >&2
    echo "fuzz: $target FAILED (exit ${status_of[$target]}); the input is in $build_dir/artifacts/" >&2
    failed=1
  fi
done
if [ "$failed" -ne 0 ]; then exit 1; fi
echo "fuzz: all ${#targets[@]} targets ran ${seconds} s each without a finding"
