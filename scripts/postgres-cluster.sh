#!/usr/bin/env bash
# A throw-away PostgreSQL 15 cluster for the tests (issue 12): made with initdb in a temporary
# directory, run with pg_ctl on a loopback port and a socket directory, as the `postgres` user
# when we are root (PostgreSQL refuses to run as root), else as ourselves.
#
#   bash scripts/postgres-cluster.sh start DIR    creates and starts a cluster in DIR (empty or
#                                                 absent); prints `export ...` lines to eval:
#                                                 SSOOIDC_TEST_POSTGRES_URL (role ssooidc with a
#                                                 password, database ssooidc, over TCP),
#                                                 SSOOIDC_TEST_POSTGRES_SOCKET_DIR and
#                                                 SSOOIDC_TEST_POSTGRES_CLUSTER (DIR)
#   bash scripts/postgres-cluster.sh stop DIR     stops it (fast) and removes DIR
#   bash scripts/postgres-cluster.sh restart DIR  restarts it (fast: sessions are cut)
#   bash scripts/postgres-cluster.sh halt DIR     stops it, keeping DIR (for `resume`)
#   bash scripts/postgres-cluster.sh resume DIR   starts a halted cluster again
set -euo pipefail

command=${1:?usage: postgres-cluster.sh start|stop|restart|halt|resume DIR}
dir=${2:?usage: postgres-cluster.sh start|stop|restart|halt|resume DIR}

bindir=""
for candidate in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
  if [ -x "$candidate/initdb" ]; then bindir=$candidate; break; fi
done
if [ -z "$bindir" ]; then
  echo "postgres-cluster: no initdb found (install Debian's postgresql package)" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_ctl_run() {
  local action=$1
  as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $(cat "$dir/port") -k $dir/socket -c listen_addresses=127.0.0.1" "$action" >/dev/null
}

case "$command" in
  start)
    mkdir -p "$dir/socket"
    if [ "$(id -u)" -eq 0 ]; then chown -R postgres "$dir"; fi
    chmod 700 "$dir"
    password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    printf '%s\n' "$password" > "$dir/password"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir/password"; fi
    # Local (socket) connections trust the OS user; TCP needs the password (scram-sha-256).
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 --pwfile="$dir/password" >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    cat >> "$dir/data/postgresql.conf" <<CONF
max_connections = 400
shared_buffers = 64MB
fsync = on
synchronous_commit = on
log_min_messages = warning
CONF
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    echo "$port" > "$dir/port"
    pg_ctl_run start || { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$bindir/psql" -h "$dir/socket" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
      -c "CREATE ROLE ssooidc LOGIN PASSWORD '$password'" \
      -c "CREATE DATABASE ssooidc OWNER ssooidc" >/dev/null
    echo "export SSOOIDC_TEST_POSTGRES_URL='postgresql://ssooidc:$password@127.0.0.1:$port/ssooidc'"
    echo "export SSOOIDC_TEST_POSTGRES_SOCKET_DIR='$dir/socket'"
    echo "export SSOOIDC_TEST_POSTGRES_CLUSTER='$dir'"
    ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true; fi
    rm -rf "$dir"
    ;;
  restart)
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    pg_ctl_run start
    ;;
  halt)
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  resume)
    pg_ctl_run start
    ;;
  *)
    echo "postgres-cluster: unknown command $command" >&2
    exit 2
    ;;
esac
