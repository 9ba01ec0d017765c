#!/usr/bin/env bash
# ssooidc-server on PostgreSQL, one replica and two, next to nginx answering the same calls with
# fixed bodies (bench/nginx.conf.in) and ssooidc-server on SQLite, on the two hot API paths of
# bench/run_wrk.sh: CreateToken while pending (polling) and StartDeviceAuthorization (one row
# committed durably: the test cluster runs with synchronous_commit on, and so does the schema
# here). Issue 12's targets: polling >= 0.3 of nginx per replica, StartDeviceAuthorization >= 0.2.
# See bench/README.md.
#
# Servers (nginx, each replica, the SQLite server) are pinned to one core, wrk to the other, as
# in run_wrk.sh; PostgreSQL runs unpinned, as a database server beside them would. "pg x2" is two
# ssooidc-server processes on one schema, both on the server core, each driven by its own wrk
# with half the connections at the same time (no load balancer in between, whose cost would be
# counted against them): its req/s is the sum of the two. The one-replica row is the per-replica
# figure (one process on the core nginx had); the pair shows what two processes sharing that core
# and the database make of it together. "pg x2 lb" is the same two replicas behind nginx
# round-robin (tests/replicas/nginx-round-robin.conf.in, the load balancer the replica tests run),
# also on the server core, driven by one wrk with all the connections: the replicated service as
# a client sees it, the balancer's cost included. Every row also gives requests per CPU-second of
# its server processes (the replicas, and nginx where it is one), /proc/PID/stat before and after.
# Both replicas poll the one pending device code and insert into the one table, so the shared
# state is really shared. All servers are started first and measured in interleaved rounds; the
# table shows medians over the rounds and the ratios to nginx of the same round.
#
# Environment (all optional; the BENCH_* of bench_lib.sh as in run_wrk.sh):
#   BENCH_SECONDS=10 BENCH_ROUNDS=3 BENCH_CONNECTIONS=32 BENCH_SERVER_CPU=0 BENCH_WRK_CPU=1
#   BENCH_THREADS=1 (ssooidc-server --threads)  BENCH_ACCESS_LOG=off
#   BENCH_POSTGRES_URL  the PostgreSQL (default SSOOIDC_TEST_POSTGRES_URL); a fresh schema is
#                       made in it and dropped at exit
#   BENCH_HANDLER_THREADS  ssooidc-server --handler-threads (default: the server's own default)
#   SSOOIDC_SERVER=build/bin/ssooidc-server  WRK=wrk  NGINX=nginx
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$bench_dir/.." && pwd)
bench_script=run_wrk_pg_replicas.sh
# shellcheck source=bench/bench_lib.sh
source "$bench_dir/bench_lib.sh"

postgres_url=${BENCH_POSTGRES_URL:-${SSOOIDC_TEST_POSTGRES_URL:-}}
[[ -n "$postgres_url" ]] || die "needs BENCH_POSTGRES_URL (or SSOOIDC_TEST_POSTGRES_URL)"
for tool in "$wrk_bin" taskset curl jq psql "$nginx_bin"; do
  command -v "$tool" >/dev/null || die "$tool not found"
done
[[ -x "$server_bin" ]] || die "no ssooidc-server at $server_bin (build it, or set SSOOIDC_SERVER)"
(( connections >= 2 )) || die "BENCH_CONNECTIONS must be at least 2 (two replicas share them)"
handler_args=()
[[ -n "${BENCH_HANDLER_THREADS:-}" ]] && handler_args=(--handler-threads "$BENCH_HANDLER_THREADS")

work=$(mktemp -d "${TMPDIR:-/tmp}/ssooidc-bench-pg.XXXXXX")
pg_schema "ssooidc_bench_replicas_$$"
[[ "$(psql "$pg_database" -qAt -c 'SHOW synchronous_commit')" == on ]] ||
  die "the PostgreSQL does not commit synchronously: StartDeviceAuthorization would not be durable"
head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"$work/pg.key"

expect() {
  local answer
  answer=$(post "$1" "$2")
  [[ "${answer%% *}" == "$3" && "$answer" == *"$4"* ]] ||
    die "POST $1 answered '$answer', expected $3 with '$4'"
}

# start_server NAME DATABASE: one ssooidc-server pinned to the server core; sets $base and
# spid[NAME].
start_server() {
  start_pinned "$1" "$server_bin" serve --listen 127.0.0.1:0 --database "$2" \
    --key-file "$work/pg.key" --threads "$threads" --poll-interval 0 --access-log "$access_log" \
    --no-bootstrap-user --device-authorization-rate 0 --register-client-rate 0 \
    "${handler_args[@]}"
}

# bodies BASE: a registration and a pending device authorization made through BASE; sets
# $token_body and $device_body.
bodies() {
  local registered client_id client_secret authorization
  registered=$(post "$1/client/register" '{"clientName":"bench","clientType":"public"}')
  [[ "${registered%% *}" == 200 ]] || die "RegisterClient answered: $registered"
  client_id=$(jq -r .clientId <<<"${registered#* }")
  client_secret=$(jq -r .clientSecret <<<"${registered#* }")
  device_body=$(jq -cn --arg id "$client_id" --arg secret "$client_secret" \
    '{clientId: $id, clientSecret: $secret, startUrl: "https://bench.example/start"}')
  authorization=$(post "$1/device_authorization" "$device_body")
  [[ "${authorization%% *}" == 200 ]] || die "StartDeviceAuthorization answered: $authorization"
  token_body=$(jq -cn --arg id "$client_id" --arg secret "$client_secret" \
    --arg code "$(jq -r .deviceCode <<<"${authorization#* }")" \
    '{grantType: "urn:ietf:params:oauth:grant-type:device_code", clientId: $id,
      clientSecret: $secret, deviceCode: $code}')
}

declare -A bases  # [name] -> the server's base URLs, space-separated (two for pg_x2)
declare -A cpu_pids  # [name] -> the processes whose CPU time serves NAME's requests

# nginx with fixed answers.
nginx_port=$(free_port)
mkdir -p "$work/nginx"
sed -e "s#@DIR@#$work/nginx#g" -e "s#@PORT@#$nginx_port#g" "$bench_dir/nginx.conf.in" \
  >"$work/nginx/nginx.conf"
taskset -c "$server_cpu" "$nginx_bin" -p "$work/nginx" -e "$work/nginx/error.log" \
  -c "$work/nginx/nginx.conf" >"$work/nginx/stdout" 2>&1 &
pids+=($!)
cpu_pids[nginx]=$!
bases[nginx]="http://127.0.0.1:$nginx_port"
wait_for_http "${bases[nginx]}/"
body[nginx,token]='{"grantType":"urn:ietf:params:oauth:grant-type:device_code","clientId":"bench-client-id-0000000000000000","clientSecret":"bench-client-secret-00000000000000000000000000000000000000000000000000000000000000000000000000000000","deviceCode":"bench-device-code-000000000000000000000000000000000000000000000000000000000000"}'
body[nginx,device]='{"clientId":"bench-client-id-0000000000000000","clientSecret":"bench-client-secret-00000000000000000000000000000000000000000000000000000000000000000000000000000000","startUrl":"https://bench.example/start"}'

start_server sqlite "sqlite:$work/bench.db"
bases[sqlite]=$base
cpu_pids[sqlite]=${spid[sqlite]}
bodies "$base"
body[sqlite,token]=$token_body
body[sqlite,device]=$device_body

# One replica, then two more on the same schema for the pair: the pair polls the device code
# the first made, so every replica reads the rows the others wrote.
start_server pg "$pg_database"
bases[pg]=$base
cpu_pids[pg]=${spid[pg]}
bodies "$base"
body[pg,token]=$token_body
body[pg,device]=$device_body
start_server pg_a "$pg_database"
pair=$base
start_server pg_b "$pg_database"
bases[pg_x2]="$pair $base"
cpu_pids[pg_x2]="${spid[pg_a]} ${spid[pg_b]}"
body[pg_x2,token]=$token_body
body[pg_x2,device]=$device_body

# The same two replicas behind nginx round-robin (the load balancer configuration the replica
# tests run and the README shows: tests/replicas/nginx-round-robin.conf.in), driven by one wrk
# with all the connections: what a client of the replicated service sees. nginx proxies on the
# server core beside the replicas, and its CPU time counts against the row.
lb_port=$(free_port)
mkdir -p "$work/lb"
upstreams=""
for b in ${bases[pg_x2]}; do upstreams+="    server ${b#http://};"$'\n'; done
awk -v dir="$work/lb" -v port="$lb_port" -v upstreams="$upstreams" \
  '{ gsub("@DIR@", dir); gsub("@PORT@", port); if ($0 == "@UPSTREAMS@") $0 = upstreams; print }' \
  "$root/tests/replicas/nginx-round-robin.conf.in" >"$work/lb/nginx.conf"
taskset -c "$server_cpu" "$nginx_bin" -p "$work/lb" -e "$work/lb/error.log" \
  -c "$work/lb/nginx.conf" >"$work/lb/stdout" 2>&1 &
pids+=($!)
bases[pg_x2_lb]="http://127.0.0.1:$lb_port"
cpu_pids[pg_x2_lb]="${cpu_pids[pg_x2]} $!"
wait_for_http "${bases[pg_x2_lb]}/"
body[pg_x2_lb,token]=$token_body
body[pg_x2_lb,device]=$device_body
for b in ${bases[pg_x2]} ${bases[pg]} ${bases[pg_x2_lb]}; do
  expect "$b/token" "$token_body" 400 authorization_pending
done

servers=(nginx sqlite pg pg_x2 pg_x2_lb)
path_of() { [[ $1 == token ]] && echo /token || echo /device_authorization; }

# run NAME SCENARIO ROUND: one wrk per base URL of NAME at once, connections split between them;
# the result line has the summed req/s and the worst p50/p99 of the parts.
run() {
  local name=$1 scenario=$2 round=$3 path parts=() wrks=() i=0 b c pid ticks_before=0 ticks_after=0
  path=$(path_of "$scenario")
  for pid in ${cpu_pids[$name]}; do ticks_before=$((ticks_before + $(cpu_ticks "$pid"))); done
  read -r -a parts <<<"${bases[$name]}"
  c=$(( connections / ${#parts[@]} ))
  for b in "${parts[@]}"; do
    BENCH_BODY="${body[$name,$scenario]}" taskset -c "$wrk_cpu" "$wrk_bin" -t1 -c"$c" \
      -d"${seconds}s" --latency -s "$bench_dir/wrk_request.lua" "$b$path" \
      >"$work/wrk-$name-$scenario-$round-$i.txt" &
    wrks+=($!)
    i=$((i + 1))
  done
  for pid in "${wrks[@]}"; do wait "$pid"; done
  for pid in ${cpu_pids[$name]}; do ticks_after=$((ticks_after + $(cpu_ticks "$pid"))); done
  local line rps=0 p50=0 p99=0 requests=0 non2xx=0 errors=0 one
  for one in "$work/wrk-$name-$scenario-$round-"*.txt; do
    line=$(grep '^BENCH_RESULT ' "$one") || die "wrk printed no result for $name $scenario: $(cat "$one")"
    rps=$(( rps + $(field "$line" rps) ))
    requests=$(( requests + $(field "$line" requests) ))
    non2xx=$(( non2xx + $(field "$line" non2xx) ))
    errors=$(( errors + $(field "$line" socket_errors) ))
    (( $(field "$line" p50_us) > p50 )) && p50=$(field "$line" p50_us)
    (( $(field "$line" p99_us) > p99 )) && p99=$(field "$line" p99_us)
  done
  local cpu_s per_cpu_s
  cpu_s=$(awk -v t=$((ticks_after - ticks_before)) -v hz="$clock_ticks" 'BEGIN { printf "%.2f", t / hz }')
  per_cpu_s=$(awk -v r="$requests" -v c="$cpu_s" 'BEGIN { if (c > 0) printf "%.0f", r / c; else print 0 }')
  result[$name,$scenario,$round]="BENCH_RESULT requests=$requests rps=$rps p50_us=$p50 p99_us=$p99 non2xx=$non2xx socket_errors=$errors cpu_s=$cpu_s per_cpu_s=$per_cpu_s"
  echo "  round $round $name $scenario: ${result[$name,$scenario,$round]#BENCH_RESULT }" >&2
}

echo "$(uptime)" >&2
echo "wrk -t1 -c$connections -d${seconds}s on cpu $wrk_cpu (pg_x2: two wrk, -c$((connections / 2)) each);" \
  "servers on cpu $server_cpu; $rounds rounds" >&2
for round in $(seq "$rounds"); do
  for scenario in token device; do
    for name in "${servers[@]}"; do run "$name" "$scenario" "$round"; done
  done
done
for b in ${bases[pg_x2]} ${bases[pg]} ${bases[pg_x2_lb]}; do
  expect "$b/token" "${body[pg,token]}" 400 authorization_pending
done
load_after=$(uptime)

echo
printf '%-26s %-20s %8s %9s %9s %11s %s\n' scenario server 'req/s' 'p50 ms' 'p99 ms' 'req/cpu-s' \
  '÷ nginx by round'
for scenario in token device; do
  label=$([[ $scenario == token ]] && echo "CreateToken (pending)" || echo "StartDeviceAuthorization")
  for name in "${servers[@]}"; do
    per_round=""
    if [[ $name != nginx ]]; then
      for round in $(seq "$rounds"); do
        per_round+=" $(ratio "$(field "${result[$name,$scenario,$round]}" rps)" \
          "$(field "${result[nginx,$scenario,$round]}" rps)")"
      done
    fi
    printf '%-26s %-20s %8s %9s %9s %11s %s\n' "$label" "$name" "$(median "$name" "$scenario" rps)" \
      "$(ms "$(median "$name" "$scenario" p50_us)")" "$(ms "$(median "$name" "$scenario" p99_us)")" \
      "$(median "$name" "$scenario" per_cpu_s)" "$per_round"
    for round in $(seq "$rounds"); do
      line=${result[$name,$scenario,$round]}
      [[ $(field "$line" socket_errors) == 0 ]] ||
        echo "  warning: $name $scenario round $round had socket errors" >&2
      want_non2xx=$([[ $scenario == token ]] && field "$line" requests || echo 0)
      [[ $(field "$line" non2xx) == "$want_non2xx" ]] ||
        echo "  warning: $name $scenario round $round: non2xx=$(field "$line" non2xx), expected $want_non2xx" >&2
    done
  done
  nginx_rps=$(median nginx "$scenario" rps)
  for name in sqlite pg pg_x2 pg_x2_lb; do
    printf '%-26s %-20s %8s\n' "$label" "$name ÷ nginx" "$(ratio "$(median "$name" "$scenario" rps)" "$nginx_rps")"
  done
done
echo "(medians over $rounds interleaved rounds; pg_x2 = two replicas on one schema, a wrk each,"
echo " req/s summed; pg_x2_lb = the same two behind nginx round-robin, one wrk; req/cpu-s ="
echo " requests per CPU-second of the server processes (replicas, nginx), PostgreSQL not counted;"
echo " load before: see the first line; after: $load_after)"
