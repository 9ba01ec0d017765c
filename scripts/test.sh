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

# CI builds with warnings as errors, so that a warning cannot land unseen.
werror=OFF
if [[ "${CI:-}" == "true" ]]; then werror=ON; fi
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSSOOIDC_WERROR="$werror"
cmake --build "$build_dir" -j"$jobs"
# A throw-away PostgreSQL 15 for the suites that need one (issue 12): its URL goes to the tests
# in SSOOIDC_TEST_POSTGRES_URL, and it is stopped and removed however the run ends. When it cannot
# start, the run stops here: those suites never skip.
pg_parent=$(mktemp -d "${TMPDIR:-/tmp}/ssooidc-test-pg.XXXXXX")
chmod 755 "$pg_parent"  # the cluster's owner (postgres, when we are root) must reach it
trap 'bash scripts/postgres-cluster.sh stop "$pg_parent/cluster" >/dev/null 2>&1 || true; rm -rf "$pg_parent"' EXIT
pg_env=$(bash scripts/postgres-cluster.sh start "$pg_parent/cluster")
eval "$pg_env"
export SSOOIDC_TEST_POSTGRES_CTL="$PWD/scripts/postgres-cluster.sh"
echo "test.sh: PostgreSQL for the tests in $SSOOIDC_TEST_POSTGRES_CLUSTER"

# The end-to-end suites bind 127.0.0.1:0, so they can run in parallel.
ctest --test-dir "$build_dir" --output-on-failure -j2 "$@"
