#!/usr/bin/env bash
# CI stage: the test suite under AddressSanitizer + UndefinedBehaviorSanitizer, and the
# concurrency tests under ThreadSanitizer. Called by .ci/run as two of its default stages (asan
# right after the normal build and tests, tsan after fuzz); can be run alone (it builds its own
# trees, build-asan/ and build-tsan/ by default).
#
#   bash .ci/sanitizers.sh            # both
#   bash .ci/sanitizers.sh asan       # one of them
#   bash .ci/sanitizers.sh --build-only asan tsan   # build the trees, run nothing (.ci/run
#                                                   # builds them in the background this way)
#
# Both trees are built with g++ (which parses libstdc++ 12's <expected>; clang does not, see
# fuzz/README.md). Any sanitizer report fails the test it happens in: halt_on_error /
# -fno-sanitize-recover make the process exit non-zero, and the end-to-end harness fails a
# server that does not exit 0 on SIGTERM (which is also where LeakSanitizer reports).
#
# What each covers:
#   asan  every CTest test, as scripts/test.sh runs them: the unit tests of every layer, the
#         storage conformance suite, the end-to-end suites (boto3, AWS CLI, JavaScript SDK), the
#         client suites, the Chromium suites, the crash-recovery suite and the hostile-request
#         suite, all against the ASan+UBSan server and client.
#   tsan  the tests that run threads: the HTTP server's (http_test: worker threads, SO_REUSEPORT
#         listeners, graceful stop), the storage conformance suite (concurrent inserts, redeems
#         and rotations from several threads on SQLite and memory), the web unit tests (the rate
#         limiter and session store are shared between I/O threads; concurrent wrong passwords),
#         and the hostile-request suite, the crash-recovery load (six client threads) and the
#         group-commit durability load (24 writer threads, also under the power-cut shim) against
#         the TSan server. domain_test runs no threads and is left out.
#
# The asan tree is compiled -O0 -g1 (with NDEBUG, as shipped): ASan+UBSan at -O1 costs more CPU
# to compile than the normal -O2 -g build, at -O0 about 40 % less (README, "CI"), and no check
# is optimised away; the suites' time is the clients' and the real clock's, not the server's.
# The tsan tree is compiled -O1 -g1 (TSan at -O0 runs several times slower, and its tree is
# small). -g1 keeps file:line in every report.
#
# Both trees are unity builds (CMAKE_UNITY_BUILD: CMake compiles each target's sources in
# batches of eight, so the standard library, Boost and GoogleTest are parsed once a batch
# instead of once a source): a third of the CPU of building source by source (README, "CI").
# The normal build (scripts/test.sh) and clang-tidy still compile every source alone, so a
# source that only compiles beside its neighbours cannot land. SANITIZER_UNITY=0 turns it off.
#
# BUILD_ROOT (default: the repository), JOBS (build jobs, default: all cores) and ASAN_CTEST_JOBS
# (tests at a time in the asan stage, default 4) can be set.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

root="${BUILD_ROOT:-.}"
jobs="${JOBS:-$(nproc)}"
build_only=0
if [ "${1:-}" = --build-only ]; then build_only=1; shift; fi
stages=("$@")
if [ ${#stages[@]} -eq 0 ]; then stages=(asan tsan); fi
unity=ON
if [ "${SANITIZER_UNITY:-1}" = 0 ]; then unity=OFF; fi

launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi

configure() {  # dir flags optimisation
  # No -Werror here: g++ warns that TSan does not model Boost.Asio's atomic_thread_fence
  # (-Wtsan, silenced below); the normal build in scripts/test.sh is the one held to -Werror.
  cmake -S . -B "$1" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" -DSSOOIDC_WERROR=OFF \
    -DSSOOIDC_BUILD_BENCHMARKS=OFF -DCMAKE_UNITY_BUILD="$unity" \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$3 -g1 -DNDEBUG" \
    -DCMAKE_CXX_FLAGS="$2" -DCMAKE_EXE_LINKER_FLAGS="$2" -DCMAKE_SHARED_LINKER_FLAGS="$2" >/dev/null
}

run_asan() {
  local dir="$root/build-asan"
  configure "$dir" "-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" -O0
  cmake --build "$dir" -j"$jobs"
  if [ "$build_only" = 1 ]; then return 0; fi
  # verify_asan_link_order=0: crash.write_durability preloads its power-cut shim (never
  # instrumented, tests/crash/CMakeLists.txt) into the server, ahead of the ASan runtime the
  # server links; the check would refuse that order, which is harmless here (the shim defines
  # no allocation function, and calls on through ASan's interceptors).
  # Four tests at a time (ASAN_CTEST_JOBS), not two as in scripts/test.sh: the suite mostly
  # waits for its clients and the real clock. Its first whole run, at -j2, took 1501 s with
  # 2862 s of test time and its stage used 839 CPU seconds in 1714 s on 2 cores (README, "CI").
  # The tests that load both cores (crash.*, replicas.postgres_restart) still run alone
  # (RUN_SERIAL).
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1:detect_stack_use_after_return=1:verify_asan_link_order=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$dir" --output-on-failure --no-tests=error -j"${ASAN_CTEST_JOBS:-4}" \
      --timeout 900
}

run_tsan() {
  local dir="$root/build-tsan"
  configure "$dir" "-fsanitize=thread -fno-omit-frame-pointer -Wno-tsan" -O1
  cmake --build "$dir" -j"$jobs" --target http_test storage_conformance_test web_test \
    ssooidc-server powercut
  if [ "$build_only" = 1 ]; then return 0; fi
  export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
  local test
  for test in http_test storage_conformance_test web_test; do
    "$dir/bin/$test" --gtest_brief=1
  done
  # crash.write_durability runs too: its power-cut shim is never instrumented and calls on
  # through TSan's interceptors (tests/crash/CMakeLists.txt).
  ctest --test-dir "$dir" --output-on-failure --no-tests=error -j2 --timeout 900 \
    -R '^(hostile|crash)\.'
}

# The PostgreSQL suites need their throw-away server here too (issue 12).
if [ "$build_only" = 0 ]; then source scripts/postgres-for-tests.sh; fi

for stage in "${stages[@]}"; do
  start=$(date +%s)
  case "$stage" in
    asan) run_asan ;;
    tsan) run_tsan ;;
    *) echo "sanitizers.sh: unknown stage $stage (asan or tsan)" >&2; exit 2 ;;
  esac
  if [ "$build_only" = 1 ]; then
    echo "sanitizers: $stage built in $(( $(date +%s) - start )) s"
  else
    echo "sanitizers: $stage passed in $(( $(date +%s) - start )) s"
  fi
done
