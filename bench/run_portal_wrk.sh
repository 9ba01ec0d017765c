#!/usr/bin/env bash
# Throughput and tail latency of the SSO portal API next to nginx answering the same calls with
# fixed bodies: ListAccounts (three assigned accounts, through a group) and GetRoleCredentials
# with minted credentials (the CSPRNG draws and the credential record is written on every call).
# Same method as run_wrk.sh: one I/O thread pinned to one core, wrk pinned to another, servers
# started once and measured in interleaved rounds, medians and per-round ratios.
# See bench/README.md.
#
# Environment (all optional): BENCH_SECONDS=10 BENCH_ROUNDS=3 BENCH_CONNECTIONS=32
#   BENCH_SERVER_CPU=0 BENCH_WRK_CPU=1 BENCH_THREADS=1 BENCH_ACCESS_LOG=off
#   SSOOIDC_SERVER=build/bin/ssooidc-server WRK=wrk NGINX=nginx
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$bench_dir/.." && pwd)
bench_script=run_portal_wrk.sh
# shellcheck source=bench/bench_lib.sh
source "$bench_dir/bench_lib.sh"


for tool in "$wrk_bin" "$nginx_bin" taskset curl jq python3; do
  command -v "$tool" >/dev/null || die "$tool not found (scripts/install-deps.sh)"
done
[[ -x "$server_bin" ]] || die "no ssooidc-server at $server_bin (build it, or set SSOOIDC_SERVER)"

work=$(mktemp -d "${TMPDIR:-/tmp}/ssooidc-portal-bench.XXXXXX")

# get URL TOKEN -> "STATUS BODY"
get() {
  curl -sS --max-time 5 -H "x-amz-sso_bearer_token: $2" -w '\n%{http_code}' "$1" |
    { body=$(cat); echo "${body##*$'\n'} ${body%$'\n'*}"; }
}
# expect URL TOKEN STATUS SUBSTRING: one checked request, so the benchmark measures what it says.
expect() {
  local answer
  answer=$(get "$1" "$2")
  [[ "${answer%% *}" == "$3" && "$answer" == *"$4"* ]] ||
    die "GET $1 answered '${answer:0:300}', expected $3 with '$4'"
}

accounts_path="/assignment/accounts"
credentials_path="/federation/credentials?role_name=BenchRole&account_id=111111111111"

start_nginx() {
  local port dir base
  port=$(free_port)
  dir="$work/nginx"
  mkdir -p "$dir"
  sed -e "s#@DIR@#$dir#g" -e "s#@PORT@#$port#g" "$bench_dir/nginx_portal.conf.in" >"$dir/nginx.conf"
  taskset -c "$server_cpu" "$nginx_bin" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" \
    >"$dir/stdout" 2>&1 &
  pids+=($!)
  base="http://127.0.0.1:$port"
  wait_for_http "$base/assignment/accounts"
  token[nginx]="fixed"
  expect "$base$accounts_path" fixed 200 accountList
  expect "$base$credentials_path" fixed 200 roleCredentials
  url[nginx,accounts]="$base$accounts_path"
  url[nginx,credentials]="$base$credentials_path"
  echo "nginx $("$nginx_bin" -v 2>&1 | sed 's/.*\///') on $base" >&2
}

start_ssooidc() {
  local db="sqlite:$work/bench.db"
  cat >"$work/world.toml" <<WORLD
[[users]]
name = "bench"
password = "bench password 0123456789"

[[groups]]
name = "benchers"
members = ["bench"]
WORLD
  for id in 111111111111 222222222222 333333333333; do
    cat >>"$work/world.toml" <<WORLD

[[accounts]]
id = "$id"
name = "Bench $id"
email = "aws+$id@bench.example"
  [[accounts.roles]]
  name = "BenchRole"

[[assignments]]
group = "benchers"
account = "$id"
role = "BenchRole"
WORLD
  done
  # The rate limit stays on (its bookkeeping is measured), set far above what wrk can send.
  start_pinned ssooidc "$server_bin" serve --listen 127.0.0.1:0 --database "$db" \
    --threads "$threads" --access-log "$access_log" --no-bootstrap-user --world "$work/world.toml" \
    --portal-requests-per-second 1000000 --portal-burst 1000000

  # A login: device flow approved by the operator command.
  local registered client_id client_secret authorization user_code device_code issued
  registered=$(post "$base/client/register" \
    '{"clientName":"bench","clientType":"public","scopes":["sso:account:access"]}')
  client_id=$(jq -r .clientId <<<"${registered#* }")
  client_secret=$(jq -r .clientSecret <<<"${registered#* }")
  authorization=$(post "$base/device_authorization" "$(jq -cn --arg id "$client_id" \
    --arg secret "$client_secret" '{clientId: $id, clientSecret: $secret, startUrl: "https://bench.example/start"}')")
  user_code=$(jq -r .userCode <<<"${authorization#* }")
  device_code=$(jq -r .deviceCode <<<"${authorization#* }")
  "$server_bin" device approve "$user_code" --user bench --database "$db" >/dev/null
  issued=$(post "$base/token" "$(jq -cn --arg id "$client_id" --arg secret "$client_secret" \
    --arg code "$device_code" '{grantType: "urn:ietf:params:oauth:grant-type:device_code",
      clientId: $id, clientSecret: $secret, deviceCode: $code}')")
  [[ "${issued%% *}" == 200 ]] || die "CreateToken answered: $issued"
  token[ssooidc]=$(jq -r .accessToken <<<"${issued#* }")
  expect "$base$accounts_path" "${token[ssooidc]}" 200 '"accountId":"333333333333"'
  expect "$base$credentials_path" "${token[ssooidc]}" 200 '"accessKeyId":"ASIA'
  url[ssooidc,accounts]="$base$accounts_path"
  url[ssooidc,credentials]="$base$credentials_path"
  server_db="$work/bench.db"
  echo "ssooidc-server --threads $threads on $base" >&2
}

echo "wrk -t1 -c$connections -d${seconds}s on cpu $wrk_cpu; servers on cpu $server_cpu;" \
  "$rounds rounds" >&2
start_nginx
start_ssooidc
servers=(nginx ssooidc)
records_before=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from credential_records").fetchone()[0])' "$server_db")
for round in $(seq "$rounds"); do
  for scenario in accounts credentials; do
    for name in "${servers[@]}"; do measure "$name" "$scenario" "$round"; done
  done
done
records_after=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from credential_records").fetchone()[0])' "$server_db")
issued_total=0
for round in $(seq "$rounds"); do
  issued_total=$((issued_total + $(field "${result[ssooidc,credentials,$round]}" requests)))
done
echo "credential records written during the runs: $((records_after - records_before))" \
  "(GetRoleCredentials answered by wrk: $issued_total)" >&2

echo
printf '%-26s %-16s %8s %9s %9s\n' scenario server 'req/s' 'p50 ms' 'p99 ms'
for scenario in accounts credentials; do
  label=$([[ $scenario == accounts ]] && echo "ListAccounts" || echo "GetRoleCredentials")
  for name in "${servers[@]}"; do
    printf '%-26s %-16s %8s %9s %9s\n' "$label" "$name" "$(median "$name" "$scenario" rps)" \
      "$(ms "$(median "$name" "$scenario" p50_us)")" "$(ms "$(median "$name" "$scenario" p99_us)")"
    for round in $(seq "$rounds"); do
      line=${result[$name,$scenario,$round]}
      if [[ $(field "$line" socket_errors) != 0 || $(field "$line" non2xx) != 0 ]]; then
        echo "  warning: $name $scenario round $round: ${line#BENCH_RESULT }" >&2
      fi
    done
  done
  printf '%-26s %-16s %8s %9s %9s\n' "$label" "ssooidc/nginx" \
    "$(ratio "$(median ssooidc "$scenario" rps)" "$(median nginx "$scenario" rps)")" \
    "$(ratio "$(median ssooidc "$scenario" p50_us)" "$(median nginx "$scenario" p50_us)")" \
    "$(ratio "$(median ssooidc "$scenario" p99_us)" "$(median nginx "$scenario" p99_us)")"
  per_round=""
  for round in $(seq "$rounds"); do
    per_round+=" $(ratio "$(field "${result[ssooidc,$scenario,$round]}" rps)" \
      "$(field "${result[nginx,$scenario,$round]}" rps)")"
  done
  echo "  ssooidc/nginx req/s by round:$per_round" >&2
done
echo "(medians over $rounds interleaved rounds; targets: ListAccounts >= 0.50 and"
echo " GetRoleCredentials >= 0.30 of nginx req/s)"
