#!/usr/bin/env bash
# Throughput and tail latency of ssooidc-server next to nginx answering the same calls with fixed
# bodies, on the two hot API paths: CreateToken while authorization is pending (the polling loop
# every CLI runs) and StartDeviceAuthorization. A third server, http_fixed_server, is ssooidc's
# HTTP transport answering the nginx bodies: the transport's cost without the API's.
# See bench/README.md.
#
# Each server gets one I/O thread pinned to one core; wrk runs pinned to another core. All servers
# are started first, then measured in interleaved rounds (every server once per scenario per
# round), and the table shows each server's median over the rounds: on a shared machine the
# capacity drifts by tens of percent within minutes, and interleaving lets the ratios see the same
# drift.
#
# Environment (all optional):
#   BENCH_SECONDS=10        wrk duration per run
#   BENCH_ROUNDS=3          interleaved rounds; the table shows medians
#   BENCH_CONNECTIONS=32    wrk connections
#   BENCH_SERVER_CPU=0      core the servers are pinned to
#   BENCH_WRK_CPU=1         core wrk is pinned to
#   BENCH_THREADS=1         ssooidc-server --threads
#   BENCH_ONLY=all          all, or a comma-separated subset of nginx,transport,ssooidc
#   BENCH_ACCESS_LOG=off    ssooidc-server --access-log (nginx runs with access_log off)
#   SSOOIDC_SERVER=build/bin/ssooidc-server
#   FIXED_SERVER=build/bin/http_fixed_server
#   WRK=wrk  NGINX=nginx
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$bench_dir/.." && pwd)
bench_script=run_wrk.sh
# shellcheck source=bench/bench_lib.sh
source "$bench_dir/bench_lib.sh"

only=${BENCH_ONLY:-all}
[[ "$only" == all ]] && only=nginx,transport,ssooidc
fixed_bin=${FIXED_SERVER:-$(dirname "$server_bin")/http_fixed_server}

wants() { [[ ",$only," == *",$1,"* ]]; }
for name in ${only//,/ }; do
  case "$name" in nginx | transport | ssooidc) ;; *) die "BENCH_ONLY: unknown server '$name'" ;; esac
done
command -v "$wrk_bin" >/dev/null || die "wrk not found (apt-get install wrk)"
command -v taskset >/dev/null || die "taskset not found (util-linux)"
command -v curl >/dev/null || die "curl not found"
command -v jq >/dev/null || die "jq not found"
if wants nginx; then
  command -v "$nginx_bin" >/dev/null || die "nginx not found (apt-get install nginx-light)"
fi
if wants ssooidc; then
  [[ -x "$server_bin" ]] || die "no ssooidc-server at $server_bin (build it, or set SSOOIDC_SERVER)"
fi
if wants transport; then
  [[ -x "$fixed_bin" ]] ||
    die "no http_fixed_server at $fixed_bin (build target http_fixed_server, or set FIXED_SERVER)"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ssooidc-bench.XXXXXX")

# expect URL BODY STATUS SUBSTRING: one request by curl, checked, so that the benchmark measures
# the answer it claims to.
expect() {
  local answer
  answer=$(post "$1" "$2")
  [[ "${answer%% *}" == "$3" && "$answer" == *"$4"* ]] ||
    die "POST $1 answered '$answer', expected $3 with '$4'"
}

# for_measure NAME BASE TOKEN_BODY DEVICE_BODY: what measure runs for this server.
for_measure() {
  url[$1,token]="$2/token"
  body[$1,token]=$3
  url[$1,device]="$2/device_authorization"
  body[$1,device]=$4
}

token_body_nginx='{"grantType":"urn:ietf:params:oauth:grant-type:device_code","clientId":"bench-client-id-0000000000000000","clientSecret":"bench-client-secret-00000000000000000000000000000000000000000000000000000000000000000000000000000000","deviceCode":"bench-device-code-000000000000000000000000000000000000000000000000000000000000"}'
device_body_nginx='{"clientId":"bench-client-id-0000000000000000","clientSecret":"bench-client-secret-00000000000000000000000000000000000000000000000000000000000000000000000000000000","startUrl":"https://bench.example/start"}'

start_nginx() {
  local port dir
  port=$(free_port)
  dir="$work/nginx"
  mkdir -p "$dir"
  sed -e "s#@DIR@#$dir#g" -e "s#@PORT@#$port#g" "$bench_dir/nginx.conf.in" >"$dir/nginx.conf"
  taskset -c "$server_cpu" "$nginx_bin" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" \
    >"$dir/stdout" 2>&1 &
  pids+=($!)
  wait_for_http "http://127.0.0.1:$port/"
  local base="http://127.0.0.1:$port"
  expect "$base/token" "$token_body_nginx" 400 authorization_pending
  expect "$base/device_authorization" "$device_body_nginx" 200 deviceCode
  echo "nginx $("$nginx_bin" -v 2>&1 | sed 's/.*\///') on $base" >&2
  for_measure nginx "$base" "$token_body_nginx" "$device_body_nginx"
}

# start_pinned NAME COMMAND... : starts a server that prints its URL as the first line of stdout,
# on the server core; sets $base.
start_pinned() {
  local name=$1 out="$work/$1.out" err="$work/$1.err"
  shift
  taskset -c "$server_cpu" "$@" >"$out" 2>"$err" &
  pids+=($!)
  base=""
  for _ in $(seq 200); do
    base=$(head -n1 "$out" 2>/dev/null || true)
    [[ "$base" == http://* ]] && break
    kill -0 "${pids[-1]}" 2>/dev/null || die "$name exited: $(cat "$err")"
    sleep 0.05
  done
  [[ "$base" == http://* ]] || die "$name printed no URL: $(cat "$out" "$err")"
  wait_for_http "$base/"
}

start_transport() {
  start_pinned http_fixed_server "$fixed_bin" --listen 127.0.0.1:0 --threads "$threads"
  expect "$base/token" "$token_body_nginx" 400 authorization_pending
  expect "$base/device_authorization" "$device_body_nginx" 200 deviceCode
  echo "http_fixed_server --threads $threads on $base" >&2
  for_measure transport "$base" "$token_body_nginx" "$device_body_nginx"
}

start_ssooidc() {
  start_pinned ssooidc-server "$server_bin" serve --listen 127.0.0.1:0 \
    --database "sqlite:$work/bench.db" --threads "$threads" --poll-interval 0 \
    --access-log "$access_log" --no-bootstrap-user

  local registered client_id client_secret authorization device_code
  registered=$(post "$base/client/register" '{"clientName":"bench","clientType":"public"}')
  [[ "${registered%% *}" == 200 ]] || die "RegisterClient answered: $registered"
  client_id=$(jq -r .clientId <<<"${registered#* }")
  client_secret=$(jq -r .clientSecret <<<"${registered#* }")
  local device_body
  device_body=$(jq -cn --arg id "$client_id" --arg secret "$client_secret" \
    '{clientId: $id, clientSecret: $secret, startUrl: "https://bench.example/start"}')
  authorization=$(post "$base/device_authorization" "$device_body")
  [[ "${authorization%% *}" == 200 ]] || die "StartDeviceAuthorization answered: $authorization"
  device_code=$(jq -r .deviceCode <<<"${authorization#* }")
  local token_body
  token_body=$(jq -cn --arg id "$client_id" --arg secret "$client_secret" --arg code "$device_code" \
    '{grantType: "urn:ietf:params:oauth:grant-type:device_code", clientId: $id,
      clientSecret: $secret, deviceCode: $code}')

  expect "$base/token" "$token_body" 400 authorization_pending
  echo "ssooidc-server --threads $threads on $base" >&2
  for_measure ssooidc "$base" "$token_body" "$device_body"
}

echo "wrk -t1 -c$connections -d${seconds}s on cpu $wrk_cpu; servers on cpu $server_cpu;" \
  "$rounds rounds" >&2
servers=()
for name in nginx transport ssooidc; do
  if wants "$name"; then
    "start_$name"
    servers+=("$name")
  fi
done
for round in $(seq "$rounds"); do
  for scenario in token device; do
    for name in "${servers[@]}"; do measure "$name" "$scenario" "$round"; done
  done
done
# Still pending (not SlowDown or ExpiredToken): the runs measured the pending path.
for name in "${servers[@]}"; do
  expect "${url[$name,token]}" "${body[$name,token]}" 400 authorization_pending
done

echo
printf '%-26s %-16s %8s %9s %9s\n' scenario server 'req/s' 'p50 ms' 'p99 ms'
for scenario in token device; do
  label=$([[ $scenario == token ]] && echo "CreateToken (pending)" || echo "StartDeviceAuthorization")
  for name in "${servers[@]}"; do
    printf '%-26s %-16s %8s %9s %9s\n' "$label" "$name" "$(median "$name" "$scenario" rps)" \
      "$(ms "$(median "$name" "$scenario" p50_us)")" "$(ms "$(median "$name" "$scenario" p99_us)")"
    for round in $(seq "$rounds"); do
      line=${result[$name,$scenario,$round]}
      if [[ $(field "$line" socket_errors) != 0 ]]; then
        echo "  warning: $name $scenario round $round had socket errors: ${line#BENCH_RESULT }" >&2
      fi
      want_non2xx=$([[ $scenario == token ]] && field "$line" requests || echo 0)
      if [[ $(field "$line" non2xx) != "$want_non2xx" ]]; then
        echo "  warning: $name $scenario round $round: non2xx=$(field "$line" non2xx)," \
          "expected $want_non2xx" >&2
      fi
    done
  done
  wants nginx || continue
  for name in transport ssooidc; do
    wants "$name" || continue
    printf '%-26s %-16s %8s %9s %9s\n' "$label" "${name}/nginx" \
      "$(ratio "$(median "$name" "$scenario" rps)" "$(median nginx "$scenario" rps)")" \
      "$(ratio "$(median "$name" "$scenario" p50_us)" "$(median nginx "$scenario" p50_us)")" \
      "$(ratio "$(median "$name" "$scenario" p99_us)" "$(median nginx "$scenario" p99_us)")"
    per_round=""
    for round in $(seq "$rounds"); do
      per_round+=" $(ratio "$(field "${result[$name,$scenario,$round]}" rps)" \
        "$(field "${result[nginx,$scenario,$round]}" rps)")"
    done
    echo "  ${name}/nginx req/s by round:$per_round" >&2
  done
done
echo "(medians over $rounds interleaved rounds; transport = http_fixed_server: ssooidc's HTTP layer"
echo " with fixed answers, no API or database. x/nginx ratios: above 1 is better for req/s, worse"
echo " for latency)"
