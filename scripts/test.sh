#!/usr/bin/env bash
# The one command that runs every test: installs the dependencies, installs the node modules of
# every package directory under tests/ and bench/, builds everything, and runs CTest (unit tests,
# storage conformance, end-to-end suites with real AWS clients, crash recovery).
#
#   bash scripts/test.sh                 # everything
#   bash scripts/test.sh -L e2e          # extra arguments go to ctest
#
# BUILD_DIR (default build) and JOBS (default: all cores) can be set in the environment; with
# CI=true the build treats warnings as errors (SSOOIDC_WERROR).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_dir="${BUILD_DIR:-build}"
jobs="${JOBS:-$(nproc)}"

bash scripts/install-deps.sh

# Every committed package.json with a lock file (tests/e2e/js today; tests/browser and others as
# they appear).
while IFS= read -r manifest; do
  bash scripts/ensure-node-modules.sh "$(dirname "$manifest")"
done < <(find tests bench -name package.json -not -path '*/node_modules/*' 2>/dev/null | sort)

# CI builds with warnings as errors, so that a warning cannot land unseen, and with -g1 (line
# tables and functions, no variables: what a backtrace or a sanitizer report needs) instead of
# -g: 0.67 to 0.79 of the compile CPU on four sources measured, and this build is most of CI's
# test stage on a cold compiler cache (README, "Sanitizers, fuzzing and clang-tidy").
werror=OFF
flags=()
if [[ "${CI:-}" == "true" ]]; then
  werror=ON
  flags=(-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG")
fi
# A compiler cache, when the machine has one, makes a rebuild of unchanged sources nearly free.
launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSSOOIDC_WERROR="$werror" "${launcher[@]}" \
  "${flags[@]}"
cmake --build "$build_dir" -j"$jobs"
# A throw-away PostgreSQL 15 for the suites that need one (issue 12), stopped at exit.
source scripts/postgres-for-tests.sh

# The end-to-end suites bind 127.0.0.1:0, so they can run in parallel.
ctest --test-dir "$build_dir" --output-on-failure -j2 "$@"
