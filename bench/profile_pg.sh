#!/usr/bin/env bash
# Where one ssooidc-server replica on PostgreSQL spends its CPU on the two hot paths of
# run_wrk_pg_replicas.sh: CreateToken while pending (polling) and StartDeviceAuthorization.
# The server is pinned to the server core and driven by wrk on the other, as in the benchmark;
# `perf record` samples the server process alone (every thread, user and kernel) during each wrk
# run, and the script prints the self cost per library and per function (perf report
# --no-children), the requests wrk completed, the server's CPU seconds, and the system calls per
# request (a second run under strace -c). See bench/README.md.
#
# Environment: BENCH_SECONDS=10 BENCH_CONNECTIONS=32 BENCH_SERVER_CPU=0 BENCH_WRK_CPU=1
#   BENCH_THREADS=1  BENCH_POSTGRES_URL (default SSOOIDC_TEST_POSTGRES_URL)  PROFILE_TOP=25 (rows)
#   SSOOIDC_SERVER=build/bin/ssooidc-server  WRK=wrk  PERF=perf
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$bench_dir/.." && pwd)
bench_script=profile_pg.sh
# shellcheck source=bench/bench_lib.sh
source "$bench_dir/bench_lib.sh"

postgres_url=${BENCH_POSTGRES_URL:-${SSOOIDC_TEST_POSTGRES_URL:-}}
[[ -n "$postgres_url" ]] || die "needs BENCH_POSTGRES_URL (or SSOOIDC_TEST_POSTGRES_URL)"
perf_bin=${PERF:-perf}
top=${PROFILE_TOP:-25}
for tool in "$wrk_bin" "$perf_bin" strace taskset curl jq psql; do
  command -v "$tool" >/dev/null || die "$tool not found"
done
[[ -x "$server_bin" ]] || die "no ssooidc-server at $server_bin (build it, or set SSOOIDC_SERVER)"

work=$(mktemp -d "${TMPDIR:-/tmp}/ssooidc-profile-pg.XXXXXX")
pg_schema "ssooidc_profile_$$"
head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"$work/pg.key"

start_pinned pg "$server_bin" serve --listen 127.0.0.1:0 --database "$pg_database" \
  --key-file "$work/pg.key" --threads "$threads" --poll-interval 0 --access-log off \
  --no-bootstrap-user --device-authorization-rate 0 --register-client-rate 0
registered=$(post "$base/client/register" '{"clientName":"profile","clientType":"public"}')
[[ "${registered%% *}" == 200 ]] || die "RegisterClient answered: $registered"
device_body=$(jq -cn --arg id "$(jq -r .clientId <<<"${registered#* }")" \
  --arg secret "$(jq -r .clientSecret <<<"${registered#* }")" \
  '{clientId: $id, clientSecret: $secret, startUrl: "https://bench.example/start"}')
authorization=$(post "$base/device_authorization" "$device_body")
[[ "${authorization%% *}" == 200 ]] || die "StartDeviceAuthorization answered: $authorization"
token_body=$(jq -cn --argjson d "$device_body" --arg code "$(jq -r .deviceCode <<<"${authorization#* }")" \
  '{grantType: "urn:ietf:params:oauth:grant-type:device_code", clientId: $d.clientId,
    clientSecret: $d.clientSecret, deviceCode: $code}')

# report SCENARIO SORT: perf's self cost per SORT key, one line each, blank columns trimmed.
report() {
  "$perf_bin" report -i "$work/$1.perf" --no-children --sort "$2" --stdio 2>/dev/null |
    grep -v -e '^#' -e '^$' | sed -E 's/([[:space:]]+-)*[[:space:]]*$//'
}

uptime >&2
for scenario in token device; do
  path=/token body_now=$token_body
  [[ $scenario == device ]] && path=/device_authorization body_now=$device_body
  before=$(cpu_ticks "${spid[pg]}")
  "$perf_bin" record -q -F 1999 -p "${spid[pg]}" -o "$work/$scenario.perf" -- \
    env BENCH_BODY="$body_now" taskset -c "$wrk_cpu" "$wrk_bin" -t1 -c"$connections" \
    -d"${seconds}s" --latency -s "$bench_dir/wrk_request.lua" "$base$path" \
    >"$work/$scenario.wrk" 2>"$work/$scenario.perf-err" ||
    die "perf record failed: $(cat "$work/$scenario.perf-err")"
  after=$(cpu_ticks "${spid[pg]}")
  line=$(grep '^BENCH_RESULT ' "$work/$scenario.wrk") || die "wrk printed no result: $(cat "$work/$scenario.wrk")"
  cpu_s=$(awk -v t=$((after - before)) -v hz="$clock_ticks" 'BEGIN { printf "%.2f", t / hz }')
  echo
  echo "== $scenario ($path): ${line#BENCH_RESULT } server_cpu_s=$cpu_s" \
    "requests/cpu-s=$(awk -v r="$(field "$line" requests)" -v c="$cpu_s" 'BEGIN { printf "%.0f", r / c }')"
  # By library first (where the time goes: kernel, libc's allocator, libpq, the server), then by
  # function. awk, not head: head's early exit would kill the pipeline (pipefail).
  echo "-- by library:"
  report "$scenario" dso | awk 'NR <= 8'
  echo "-- by function:"
  report "$scenario" dso,symbol | awk -v n="$top" 'NR <= n'
  # The system calls per request: a second, shorter run under strace -c (which slows the server
  # down, but counts exactly).
  strace -f -c -o "$work/$scenario.strace" -p "${spid[pg]}" 2>/dev/null &
  strace_pid=$!
  sleep 1  # strace attaches to every thread
  BENCH_BODY="$body_now" taskset -c "$wrk_cpu" "$wrk_bin" -t1 -c"$connections" -d3s \
    -s "$bench_dir/wrk_request.lua" "$base$path" >"$work/$scenario.strace-wrk"
  kill -INT "$strace_pid"
  wait "$strace_pid" 2>/dev/null || true
  requests=$(field "$(grep '^BENCH_RESULT ' "$work/$scenario.strace-wrk")" requests)
  echo "-- system calls per request (strace -c, $requests requests):"
  awk -v n="$requests" '$1 ~ /^[0-9.]+$/ && NF >= 5 {
      printf "  %-16s %6.2f\n", $NF, $4 / n }' "$work/$scenario.strace" | sort -k2 -rn | awk 'NR <= 12'
done
echo
echo "(load after: $(uptime))"
