#!/usr/bin/env bash
# Throughput, tail latency and CPU per request of ssooidc-server next to nginx answering the same
# calls with fixed bodies and next to node-oidc-provider (bench/peer/, its device flow on its
# shipped in-memory adapter), on six rows:
#   register  RegisterClient
#   device    StartDeviceAuthorization
#   pending   CreateToken while the authorization is pending (the polling loop every CLI runs)
#   approved  CreateToken for an approved device code (access + refresh token)
#   pkce      CreateToken for a PKCE authorization code (with an ES256 ID token; the peer: an
#             approved device code with scope openid, which it answers with an ES256 ID token)
#   refresh   CreateToken with a refresh token (the refresh grant)
# The issuance rows consume a different approved code / refresh token per request, prepared
# before the rounds (see prepare_ssooidc and the peer's /prepare). A fourth server,
# http_fixed_server (`transport`), is ssooidc's HTTP transport answering nginx's bodies.
# See bench/README.md.
#
# Each server gets one I/O thread pinned to one core; wrk runs pinned to another core. All servers
# are started first, then measured in interleaved rounds (every server once per scenario per
# round), and the table shows each server's median over the rounds with the per-round figures:
# on a shared machine the capacity drifts by tens of percent within minutes, and interleaving
# lets the ratios see the same drift. Requests per server CPU-second come from the server's
# /proc/PID/stat (utime + stime, children included) before and after each run.
#
# Environment (all optional):
#   BENCH_SECONDS=10        wrk duration per run
#   BENCH_ROUNDS=3          interleaved rounds; the table shows medians
#   BENCH_CONNECTIONS=32    wrk connections
#   BENCH_SERVER_CPU=0      core the servers are pinned to
#   BENCH_WRK_CPU=1         core wrk is pinned to
#   BENCH_THREADS=1         ssooidc-server --threads
#   BENCH_ONLY=all          all (nginx,ssooidc,node, and ssooidc_pg when a PostgreSQL is set), or
#                           a comma-separated subset of nginx,transport,ssooidc,ssooidc_pg,node
#   BENCH_SCENARIOS=all     all, or a comma-separated subset of the rows above
#   BENCH_ISSUE_COUNT=5000  one-time values prepared per ssooidc server, issuance row and round;
#                           a run that uses them up ends early (its req/s is over the time they
#                           lasted)
#   BENCH_PEER_ISSUE_COUNT=20000  the same for node-oidc-provider (made in-process: cheap)
#   BENCH_POSTGRES_URL      a PostgreSQL for ssooidc_pg (a fresh schema is made in it; default
#                           SSOOIDC_TEST_POSTGRES_URL); `all` includes ssooidc_pg when one is set.
#                           PostgreSQL itself runs unpinned, as a database server beside it would
#   BENCH_ACCESS_LOG=off    ssooidc-server --access-log (nginx runs with access_log off)
#   SSOOIDC_SERVER=build/bin/ssooidc-server
#   FIXED_SERVER=build/bin/http_fixed_server
#   WRK=wrk  NGINX=nginx  NODE=node  NPM=npm
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$bench_dir/.." && pwd)
bench_script=run_wrk.sh
# shellcheck source=bench/bench_lib.sh
source "$bench_dir/bench_lib.sh"

only=${BENCH_ONLY:-all}
postgres_url=${BENCH_POSTGRES_URL:-${SSOOIDC_TEST_POSTGRES_URL:-}}
if [[ "$only" == all ]]; then
  only=nginx,ssooidc
  [[ -n "$postgres_url" ]] && only+=,ssooidc_pg
  only+=,node
fi
all_scenarios=(pkce approved refresh pending device register)  # pkce first: its codes live 600 s
scenario_list=${BENCH_SCENARIOS:-all}
[[ "$scenario_list" == all ]] && scenario_list=$(IFS=,; echo "${all_scenarios[*]}")
issue_count=${BENCH_ISSUE_COUNT:-5000}
peer_issue_count=${BENCH_PEER_ISSUE_COUNT:-20000}
[[ "$issue_count" =~ ^[0-9]+$ && "$issue_count" -gt 0 ]] || die "BENCH_ISSUE_COUNT must be a positive integer"
[[ "$peer_issue_count" =~ ^[0-9]+$ && "$peer_issue_count" -gt 0 ]] ||
  die "BENCH_PEER_ISSUE_COUNT must be a positive integer"
fixed_bin=${FIXED_SERVER:-$(dirname "$server_bin")/http_fixed_server}
node_bin=${NODE:-node}
npm_bin=${NPM:-npm}

wants() { [[ ",$only," == *",$1,"* ]]; }
wants_scenario() { [[ ",$scenario_list," == *",$1,"* ]]; }
for name in ${only//,/ }; do
  case "$name" in nginx | transport | ssooidc | ssooidc_pg | node) ;; *) die "BENCH_ONLY: unknown server '$name'" ;; esac
done
scenarios=()
for scenario in "${all_scenarios[@]}"; do wants_scenario "$scenario" && scenarios+=("$scenario"); done
for scenario in ${scenario_list//,/ }; do
  [[ " ${all_scenarios[*]} " == *" $scenario "* ]] || die "BENCH_SCENARIOS: unknown row '$scenario'"
done
issuing() { wants_scenario approved || wants_scenario pkce || wants_scenario refresh; }
command -v "$wrk_bin" >/dev/null || die "wrk not found (apt-get install wrk)"
command -v taskset >/dev/null || die "taskset not found (util-linux)"
command -v curl >/dev/null || die "curl not found"
command -v jq >/dev/null || die "jq not found"
command -v openssl >/dev/null || die "openssl not found"
if wants nginx; then
  command -v "$nginx_bin" >/dev/null || die "nginx not found (apt-get install nginx-light)"
fi
if wants node; then
  command -v "$node_bin" >/dev/null || die "node not found (apt-get install nodejs npm)"
  sh "$root/scripts/ensure-node-modules.sh" "$bench_dir/peer" "$npm_bin" >&2 ||
    die "cannot install bench/peer's node modules"
fi
if wants ssooidc_pg; then
  [[ -n "$postgres_url" ]] || die "ssooidc_pg needs BENCH_POSTGRES_URL"
  command -v psql >/dev/null || die "psql not found (apt-get install postgresql-client)"
fi
if wants ssooidc || wants ssooidc_pg; then
  [[ -x "$server_bin" ]] || die "no ssooidc-server at $server_bin (build it, or set SSOOIDC_SERVER)"
fi
if wants transport; then
  [[ -x "$fixed_bin" ]] ||
    die "no http_fixed_server at $fixed_bin (build target http_fixed_server, or set FIXED_SERVER)"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ssooidc-bench.XXXXXX")
# The preparation's scratch database: on tmpfs, where a commit's fsync costs nothing.
scratch=$(mktemp -d /dev/shm/ssooidc-bench-prep.XXXXXX)
trap 'rm -rf "$scratch"; cleanup' EXIT

# expect URL BODY STATUS SUBSTRING [CONTENT-TYPE]: one POST by curl, checked, so that the
# benchmark measures the answer it claims to.
expect() {
  local answer
  answer=$(curl -sS --max-time 5 -X POST -H "Content-Type: ${5:-application/json}" -d "$2" \
    -w '\n%{http_code}' "$1" | { b=$(cat); echo "${b##*$'\n'} ${b%$'\n'*}"; })
  [[ "${answer%% *}" == "$3" && "$answer" == *"$4"* ]] ||
    die "POST $1 answered '${answer:0:300}', expected $3 with '$4'"
}

# expect_scenario NAME SCENARIO STATUS SUBSTRING [VALUE]: expect for what measure runs (VALUE
# replaces @CODE@).
expect_scenario() {
  expect "${url[$1,$2]}" "${body[$1,$2]//@CODE@/${5:-}}" "$3" "$4" "${ctype[$1,$2]:-}"
}

# split_rounds FILE [COUNT]: FILE.1 .. FILE.$rounds, COUNT (issue_count) lines each, and
# FILE.check (one more); dies when the preparation made too few.
split_rounds() {
  local have r issue_count=${2:-$issue_count}
  have=$(wc -l <"$1")
  [[ "$have" -gt $((issue_count * rounds)) ]] ||
    die "the preparation made $have values in $1, $((issue_count * rounds + 1)) needed"
  for r in $(seq "$rounds"); do
    sed -n "$(((r - 1) * issue_count + 1)),$((r * issue_count))p" "$1" >"$1.$r"
  done
  sed -n "$((rounds * issue_count + 1))p" "$1" >"$1.check"
}

# collect NAME WHAT COUNT FILE URL [wrk_codes.lua environment...]: a preparation run of wrk
# (on the wrk core, 32 connections) that appends COUNT captured values to FILE.
collect() {
  local name=$1 what=$2 count=$3 file=$4 target=$5
  shift 5
  local started=$SECONDS
  : >"$file"
  rm -f "$file.done"
  env BENCH_COLLECT="$file" BENCH_COUNT="$count" BENCH_ELAPSED="$file.done" "$@" taskset -c "$wrk_cpu" "$wrk_bin" -t1 \
    -c"$connections" -d600s -s "$bench_dir/wrk_codes.lua" "$target" >"$file.wrk" &
  local wrk_pid=$!
  # wrk idles to the end of its duration after the script stops it: stopped here instead.
  while kill -0 "$wrk_pid" 2>/dev/null && [[ $(wc -l <"$file") -lt "$count" && ! -s "$file.done" ]]
  do sleep 0.2; done
  sleep 0.2
  kill -TERM "$wrk_pid" 2>/dev/null || true
  wait "$wrk_pid" 2>/dev/null || true
  [[ $(wc -l <"$file") -ge "$count" ]] ||
    die "preparing $what for $name: $(wc -l <"$file") of $count ($(cat "$file.wrk"))"
  echo "  $name: prepared $count $what in $((SECONDS - started)) s" >&2
}

token_body_nginx='{"grantType":"urn:ietf:params:oauth:grant-type:device_code","clientId":"bench-client-id-0000000000000000","clientSecret":"bench-client-secret-00000000000000000000000000000000000000000000000000000000000000000000000000000000","deviceCode":"bench-device-code-000000000000000000000000000000000000000000000000000000000000"}'
device_body_nginx='{"clientId":"bench-client-id-0000000000000000","clientSecret":"bench-client-secret-00000000000000000000000000000000000000000000000000000000000000000000000000000000","startUrl":"https://bench.example/start"}'
register_body='{"clientName":"bench","clientType":"public"}'
redirect_uri=http://127.0.0.1:49152/oauth/callback
verifier=bench-pkce-verifier-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGH
challenge=$(printf %s "$verifier" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=')

start_nginx() {
  local port dir
  port=$(free_port)
  dir="$work/nginx"
  mkdir -p "$dir"
  sed -e "s#@DIR@#$dir#g" -e "s#@PORT@#$port#g" "$bench_dir/nginx.conf.in" >"$dir/nginx.conf"
  taskset -c "$server_cpu" "$nginx_bin" -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" \
    >"$dir/stdout" 2>&1 &
  pids+=($!)
  spid[nginx]=$!
  wait_for_http "http://127.0.0.1:$port/"
  local base="http://127.0.0.1:$port"
  url[nginx,pending]="$base/token" body[nginx,pending]=$token_body_nginx
  url[nginx,device]="$base/device_authorization" body[nginx,device]=$device_body_nginx
  url[nginx,register]="$base/client/register" body[nginx,register]=$register_body
  for scenario in approved pkce refresh; do
    url[nginx,$scenario]="$base/token-$scenario" body[nginx,$scenario]=$token_body_nginx
  done
  expect_scenario nginx pending 400 authorization_pending
  expect_scenario nginx device 200 deviceCode
  expect_scenario nginx register 200 clientSecret
  expect_scenario nginx approved 200 refreshToken
  expect_scenario nginx pkce 200 idToken
  expect_scenario nginx refresh 200 refreshToken
  echo "nginx $("$nginx_bin" -v 2>&1 | sed 's/.*\///') on $base" >&2
}

# stop_server NAME: SIGTERM to a server start_pinned started, and waits for it.
stop_server() {
  kill -TERM "${spid[$1]}" 2>/dev/null || true
  wait "${spid[$1]}" 2>/dev/null || true
  unset "spid[$1]"
}

start_transport() {
  start_pinned transport "$fixed_bin" --listen 127.0.0.1:0 --threads "$threads"
  url[transport,pending]="$base/token" body[transport,pending]=$token_body_nginx
  url[transport,device]="$base/device_authorization" body[transport,device]=$device_body_nginx
  expect_scenario transport pending 400 authorization_pending
  expect_scenario transport device 200 deviceCode
  echo "http_fixed_server --threads $threads on $base (pending and device rows only)" >&2
}

# prepare_ssooidc NAME DATABASE KEY_FILE: before NAME is measured, a test-mode server
# (--auto-approve bench, unpinned) on DATABASE registers the client every row uses and makes
# the one-time values of the issuance rows over HTTP: approved device codes
# (StartDeviceAuthorization, approved the moment it starts), refresh tokens (CreateToken on
# more of them) and PKCE authorization codes (GET /authorize, consented without a page). Sets
# client_id and client_secret; leaves $work/NAME-{approved,refresh,pkce}.{1..rounds,check}.
prepare_ssooidc() {
  local name=$1 database=$2 key_file=$3 prep="$1-prep"
  echo 'bench-password-0123456789' |
    "$server_bin" user add bench --password-stdin --database "$database" >/dev/null ||
    die "cannot add the user bench to $database"
  start_listening "$prep" "$server_bin" serve --listen 127.0.0.1:0 --database "$database" \
    --key-file "$key_file" --test-mode --auto-approve bench --threads 2 --poll-interval 0 \
    --access-log off --no-bootstrap-user --device-authorization-rate 0 \
    --register-client-rate 0 --device-code-ttl 86400 --authorization-code-ttl 600

  local registered
  registered=$(post "$base/client/register" "$(jq -cn --arg r "$redirect_uri" \
    '{clientName: "bench", clientType: "public", scopes: ["sso:account:access", "openid"],
      grantTypes: ["authorization_code", "refresh_token",
                   "urn:ietf:params:oauth:grant-type:device_code"],
      redirectUris: [$r], issuerUrl: "https://bench.example/start"}')")
  [[ "${registered%% *}" == 200 ]] || die "RegisterClient answered: $registered"
  client_id=$(jq -r .clientId <<<"${registered#* }")
  client_secret=$(jq -r .clientSecret <<<"${registered#* }")
  issuing || { stop_server "$prep"; return; }

  local n=$((issue_count * rounds + 1)) start_body redeem_body
  start_body=$(jq -cn --arg id "$client_id" --arg secret "$client_secret" \
    '{clientId: $id, clientSecret: $secret, startUrl: "https://bench.example/start"}')
  redeem_body=$(jq -cn --arg id "$client_id" --arg secret "$client_secret" \
    '{grantType: "urn:ietf:params:oauth:grant-type:device_code", clientId: $id,
      clientSecret: $secret, deviceCode: "@CODE@"}')
  local pattern_device='"deviceCode":"([^"]+)"'
  if wants_scenario approved; then
    collect "$name" "approved device codes" "$n" "$work/$name-approved" \
      "$base/device_authorization" BENCH_BODY="$start_body" BENCH_PATTERN="$pattern_device"
    split_rounds "$work/$name-approved"
  fi
  if wants_scenario refresh; then
    collect "$name" "device codes to redeem" $((n + 64)) "$work/$name-redeem" \
      "$base/device_authorization" BENCH_BODY="$start_body" BENCH_PATTERN="$pattern_device"
    collect "$name" "refresh tokens" "$n" "$work/$name-refresh" "$base/token" \
      BENCH_BODY="$redeem_body" BENCH_CODES="$work/$name-redeem" \
      BENCH_PATTERN='"refreshToken":"([^"]+)"'
    split_rounds "$work/$name-refresh"
  fi
  if wants_scenario pkce; then
    local query
    query="response_type=code&client_id=$client_id&redirect_uri=$(jq -rn --arg r "$redirect_uri" '$r|@uri')"
    query+="&state=bench&code_challenge=$challenge&code_challenge_method=S256"
    query+="&scopes=sso%3Aaccount%3Aaccess%20openid"
    collect "$name" "PKCE authorization codes" "$n" "$work/$name-pkce" "$base/authorize?$query" \
      BENCH_METHOD=GET BENCH_FROM=location BENCH_PATTERN='[?&]code=([^&]+)'
    split_rounds "$work/$name-pkce"
  fi
  stop_server "$prep"
}

start_ssooidc() {
  # Prepared on tmpfs, then copied to the disk the measured server commits to.
  prepare_ssooidc ssooidc "sqlite:$scratch/bench.db" "$work/bench.key"
  local f
  for f in "$scratch"/bench.db*; do cp "$f" "$work/"; done
  sync
  start_ssooidc_on ssooidc "sqlite:$work/bench.db" --key-file "$work/bench.key"
}

# One replica on a fresh schema of BENCH_POSTGRES_URL (dropped at exit).
start_ssooidc_pg() {
  pg_schema "ssooidc_bench_$$"
  head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"$work/pg.key"
  prepare_ssooidc ssooidc_pg "$pg_database" "$work/pg.key"
  start_ssooidc_on ssooidc_pg "$pg_database" --key-file "$work/pg.key"
}

# start_ssooidc_on NAME DATABASE [ARGS...]: the measured server on the database prepare_ssooidc
# made, with a pending device authorization of its own (nobody approves it). Without the
# per-address limits on RegisterClient and StartDeviceAuthorization, which wrk's one address
# would hit at once, and with --poll-interval 0, which turns SlowDownException off.
start_ssooidc_on() {
  local name=$1 database=$2
  shift 2
  start_pinned "$name" "$server_bin" serve --listen 127.0.0.1:0 \
    --database "$database" --threads "$threads" --poll-interval 0 \
    --access-log "$access_log" --no-bootstrap-user --device-authorization-rate 0 \
    --register-client-rate 0 "$@"

  local device_body authorization device_code
  device_body=$(jq -cn --arg id "$client_id" --arg secret "$client_secret" \
    '{clientId: $id, clientSecret: $secret, startUrl: "https://bench.example/start"}')
  authorization=$(post "$base/device_authorization" "$device_body")
  [[ "${authorization%% *}" == 200 ]] || die "StartDeviceAuthorization answered: $authorization"
  device_code=$(jq -r .deviceCode <<<"${authorization#* }")
  token_for() {  # token_for GRANT MEMBERS_JSON
    jq -cn --arg id "$client_id" --arg secret "$client_secret" --arg grant "$1" --argjson m "$2" \
      '{grantType: $grant, clientId: $id, clientSecret: $secret} + $m'
  }
  url[$name,register]="$base/client/register" body[$name,register]=$register_body
  url[$name,device]="$base/device_authorization" body[$name,device]=$device_body
  url[$name,pending]="$base/token"
  body[$name,pending]=$(token_for urn:ietf:params:oauth:grant-type:device_code \
    "$(jq -cn --arg c "$device_code" '{deviceCode: $c}')")
  url[$name,approved]="$base/token" codes[$name,approved]="$work/$name-approved"
  body[$name,approved]=$(token_for urn:ietf:params:oauth:grant-type:device_code '{"deviceCode":"@CODE@"}')
  url[$name,refresh]="$base/token" codes[$name,refresh]="$work/$name-refresh"
  body[$name,refresh]=$(token_for refresh_token '{"refreshToken":"@CODE@"}')
  url[$name,pkce]="$base/token" codes[$name,pkce]="$work/$name-pkce"
  body[$name,pkce]=$(token_for authorization_code "$(jq -cn --arg r "$redirect_uri" \
    --arg v "$verifier" '{code: "@CODE@", redirectUri: $r, codeVerifier: $v}')")

  expect_scenario "$name" pending 400 authorization_pending
  wants_scenario approved &&
    expect_scenario "$name" approved 200 refreshToken "$(cat "$work/$name-approved.check")"
  wants_scenario refresh &&
    expect_scenario "$name" refresh 200 refreshToken "$(cat "$work/$name-refresh.check")"
  wants_scenario pkce && expect_scenario "$name" pkce 200 idToken "$(cat "$work/$name-pkce.check")"
  echo "$name: ssooidc-server --threads $threads on $base (${database%%:*})" >&2
}

# node-oidc-provider (bench/peer/server.mjs), pinned like the others; the codes come from its
# preparation port, made by its own models.
start_node() {
  start_pinned node "$node_bin" "$bench_dir/peer/server.mjs"
  local prepare version
  prepare=$(sed -n 2p "$work/node.out")
  version=$(jq -r .version "$bench_dir/peer/node_modules/oidc-provider/package.json")
  local form_type=application/x-www-form-urlencoded device_grant
  device_grant=$(jq -rn '"urn:ietf:params:oauth:grant-type:device_code"|@uri')
  local pending
  pending=$(curl -sS -X POST "$prepare/pending") || die "node-oidc-provider: no pending code"
  url[node,register]="$base/reg" ctype[node,register]=application/json
  body[node,register]='{"client_name":"bench","redirect_uris":[],"response_types":[],"grant_types":["urn:ietf:params:oauth:grant-type:device_code"],"token_endpoint_auth_method":"none"}'
  url[node,device]="$base/device/auth" ctype[node,device]=$form_type
  body[node,device]="client_id=bench-client&scope=openid"
  url[node,pending]="$base/token" ctype[node,pending]=$form_type
  body[node,pending]="grant_type=$device_grant&client_id=bench-client&device_code=$pending"
  local scenario kind
  for scenario in approved pkce refresh; do
    url[node,$scenario]="$base/token" ctype[node,$scenario]=$form_type
    codes[node,$scenario]="$work/node-$scenario"
    body[node,$scenario]="grant_type=$device_grant&client_id=bench-client&device_code=@CODE@"
    wants_scenario "$scenario" || continue
    kind=$([[ $scenario == approved ]] && echo device ||
      { [[ $scenario == pkce ]] && echo device-openid || echo refresh; })
    curl -sS -f -X POST "$prepare/prepare?kind=$kind&count=$((peer_issue_count * rounds + 1))" \
      -o "$work/node-$scenario" || die "node-oidc-provider: cannot prepare $kind"
    split_rounds "$work/node-$scenario" "$peer_issue_count"
  done
  body[node,refresh]="grant_type=refresh_token&client_id=bench-client&refresh_token=@CODE@"
  expect_scenario node pending 400 authorization_pending
  expect_scenario node device 200 device_code
  expect_scenario node register 201 client_id
  wants_scenario approved &&
    expect_scenario node approved 200 refresh_token "$(cat "$work/node-approved.check")"
  wants_scenario pkce && expect_scenario node pkce 200 id_token "$(cat "$work/node-pkce.check")"
  wants_scenario refresh &&
    expect_scenario node refresh 200 refresh_token "$(cat "$work/node-refresh.check")"
  echo "node-oidc-provider $version on node $("$node_bin" --version) at $base" >&2
}

echo "wrk -t1 -c$connections -d${seconds}s on cpu $wrk_cpu; servers on cpu $server_cpu;" \
  "$rounds rounds; load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
servers=()
for name in nginx transport ssooidc ssooidc_pg node; do
  if wants "$name"; then
    "start_$name"
    servers+=("$name")
  fi
done
# serves NAME SCENARIO: whether NAME answers that row (the transport: pending and device only).
serves() { [[ -n "${url[$1,$2]:-}" ]]; }
for round in $(seq "$rounds"); do
  for scenario in "${scenarios[@]}"; do
    for name in "${servers[@]}"; do
      if serves "$name" "$scenario"; then measure "$name" "$scenario" "$round"; fi
    done
  done
done
# Still pending (not SlowDown or ExpiredToken): the runs measured the pending path.
if wants_scenario pending; then
  for name in "${servers[@]}"; do
    case $name in
      node) expect_scenario node pending 400 authorization_pending ;;
      *) expect_scenario "$name" pending 400 authorization_pending ;;
    esac
  done
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

declare -A label=([register]="RegisterClient" [device]="StartDeviceAuthorization"
  [pending]="CreateToken pending" [approved]="CreateToken approved" [pkce]="CreateToken PKCE+IDtok"
  [refresh]="CreateToken refresh")
# per_cpu NAME SCENARIO ROUND: requests per server CPU-second of one run.
per_cpu() {
  local line=${result[$1,$2,$3]}
  awk -v r="$(field "$line" requests)" -v c="$(field "$line" cpu_s)" \
    'BEGIN { if (c > 0) printf "%.0f\n", r / c; else print "-" }'
}
# rounds_of NAME SCENARIO KIND: the per-round figures, comma-separated (KIND rps, cpu, or a
# server name to divide req/s by).
rounds_of() {
  local r out=() line
  for r in $(seq "$rounds"); do
    line=${result[$1,$2,$r]}
    case $3 in
      rps) out+=("$(field "$line" rps)") ;;
      cpu) out+=("$(per_cpu "$1" "$2" "$r")") ;;
      *) out+=("$(ratio "$(field "$line" rps)" "$(field "${result[$3,$2,$r]:-}" rps)")") ;;
    esac
  done
  (IFS=,; echo "${out[*]}")
}
median_cpu() {
  local r
  for r in $(seq "$rounds"); do per_cpu "$1" "$2" "$r"; done | grep -v '^-$' |
    sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) { print "-"; exit } printf "%.0f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo
printf '%-25s %-11s %7s %-20s %6s %6s %8s %-20s %-16s %-16s\n' row server 'req/s' '(rounds)' \
  'p50ms' 'p99ms' 'req/CPUs' '(rounds)' '÷nginx (rounds)' '÷node (rounds)'
for scenario in "${scenarios[@]}"; do
  for name in "${servers[@]}"; do
    serves "$name" "$scenario" || continue
    vs_nginx="" vs_node=""
    if [[ $name == ssooidc* || $name == transport ]]; then
      wants nginx && vs_nginx="$(ratio "$(median "$name" "$scenario" rps)" \
        "$(median nginx "$scenario" rps)") ($(rounds_of "$name" "$scenario" nginx))"
      wants node && vs_node="$(ratio "$(median "$name" "$scenario" rps)" \
        "$(median node "$scenario" rps)") ($(rounds_of "$name" "$scenario" node))"
    fi
    printf '%-25s %-11s %7s %-20s %6s %6s %8s %-20s %-16s %-16s\n' "${label[$scenario]}" "$name" \
      "$(median "$name" "$scenario" rps)" "($(rounds_of "$name" "$scenario" rps))" \
      "$(ms "$(median "$name" "$scenario" p50_us)")" "$(ms "$(median "$name" "$scenario" p99_us)")" \
      "$(median_cpu "$name" "$scenario")" "($(rounds_of "$name" "$scenario" cpu))" \
      "$vs_nginx" "$vs_node"
    for round in $(seq "$rounds"); do
      line=${result[$name,$scenario,$round]}
      if [[ $(field "$line" socket_errors) != 0 ]]; then
        echo "  warning: $name $scenario round $round had socket errors: ${line#BENCH_RESULT }" >&2
      fi
      want_non2xx=$([[ $scenario == pending ]] && field "$line" requests || echo 0)
      got_non2xx=$(field "$line" non2xx)
      # A run whose one-time values ran out stops, and a few requests in flight at that moment
      # may carry none: up to one per connection is expected.
      if [[ -n "${codes[$name,$scenario]:-}" && "$got_non2xx" -le "$connections" ]]; then
        got_non2xx=0
      fi
      if [[ "$got_non2xx" != "$want_non2xx" ]]; then
        echo "  warning: $name $scenario round $round: non2xx=$(field "$line" non2xx)," \
          "expected $want_non2xx" >&2
      fi
    done
  done
done
echo "(medians over $rounds interleaved rounds, per-round figures in parentheses; req/CPUs ="
echo " requests per CPU-second of the server process (utime+stime from /proc, children included);"
echo " ÷nginx/÷node = req/s of the row's server over nginx's fixed reply / node-oidc-provider's."
echo " node-oidc-provider's PKCE+IDtok row is an approved device code with scope openid, which it"
echo " answers with an ES256 ID token. load average before: see above; after: $load_after)"
