# Sourced (not run) by scripts/test.sh and .ci/sanitizers.sh before ctest: a throw-away
# PostgreSQL 15 for the suites that need one (issue 12), made by scripts/postgres-cluster.sh and
# stopped and removed however the run ends (an EXIT trap). Exports SSOOIDC_TEST_POSTGRES_URL,
# _SOCKET_DIR, _CLUSTER and _CTL for the tests. When SSOOIDC_TEST_POSTGRES_URL is already set,
# that server is used and nothing is started. When the cluster cannot start, the sourcing script
# stops here (set -e): those suites never skip.
if [[ -z "${SSOOIDC_TEST_POSTGRES_URL:-}" ]]; then
  pg_parent=$(mktemp -d "${TMPDIR:-/tmp}/ssooidc-test-pg.XXXXXX")
  chmod 755 "$pg_parent"  # the cluster's owner (postgres, when we are root) must reach it
  trap 'bash scripts/postgres-cluster.sh stop "$pg_parent/cluster" >/dev/null 2>&1 || true; rm -rf "$pg_parent"' EXIT
  pg_env=$(bash scripts/postgres-cluster.sh start "$pg_parent/cluster")
  eval "$pg_env"
  export SSOOIDC_TEST_POSTGRES_CTL="$PWD/scripts/postgres-cluster.sh"
  echo "PostgreSQL for the tests in $SSOOIDC_TEST_POSTGRES_CLUSTER" >&2
fi
