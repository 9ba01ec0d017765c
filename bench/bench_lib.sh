# Shared by bench/run_wrk.sh, bench/run_portal_wrk.sh and bench/run_wrk_pg_replicas.sh (sourced,
# not run): the work directory and the cleanup of started servers, starting a server that prints
# its URL, ports, curl probes, one wrk run and the medians and ratios of the table. The sourcing script sets `bench_script` (its name, for messages), `bench_dir` and
# `root` before sourcing, and `work` before calling these.

die() { echo "$bench_script: $*" >&2; exit 1; }

# The settings both scripts take from the environment (their headers list them).
seconds=${BENCH_SECONDS:-10}
rounds=${BENCH_ROUNDS:-3}
connections=${BENCH_CONNECTIONS:-32}
server_cpu=${BENCH_SERVER_CPU:-0}
wrk_cpu=${BENCH_WRK_CPU:-1}
threads=${BENCH_THREADS:-1}
access_log=${BENCH_ACCESS_LOG:-off}
server_bin=${SSOOIDC_SERVER:-$root/build/bin/ssooidc-server}
wrk_bin=${WRK:-wrk}
nginx_bin=${NGINX:-nginx}
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || die "BENCH_SECONDS must be a positive integer"
[[ "$rounds" =~ ^[0-9]+$ && "$rounds" -gt 0 ]] || die "BENCH_ROUNDS must be a positive integer"

pids=()  # every server started; cleanup stops them
schemas=()  # every PostgreSQL schema pg_schema made; cleanup drops them
cleanup() {
  local pid schema
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for schema in "${schemas[@]}"; do
    psql "$postgres_url" -qAt -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  done
  if [[ -n "${work:-}" ]]; then rm -rf "$work"; fi
}

# pg_schema NAME: a fresh schema NAME in $postgres_url (the script's PostgreSQL), dropped at exit;
# sets pg_database to the URL whose search_path is that schema.
pg_schema() {
  local separator='?'
  psql "$postgres_url" -qAt -v ON_ERROR_STOP=1 -c "DROP SCHEMA IF EXISTS $1 CASCADE" \
    -c "CREATE SCHEMA $1" >/dev/null 2>&1 || die "cannot create schema $1 in the PostgreSQL"
  schemas+=("$1")
  [[ "$postgres_url" == *'?'* ]] && separator='&'
  pg_database="$postgres_url${separator}options=-csearch_path%3D$1"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until something answers HTTP at $1 (any status).
wait_for_http() {
  local url=$1
  for _ in $(seq 200); do
    if curl -s -o /dev/null --max-time 1 "$url"; then return 0; fi
    sleep 0.05
  done
  die "nothing answers at $url"
}

# start_listening NAME COMMAND... : starts a server that prints its URL as the first line of
# stdout ($work/NAME.out; stderr in $work/NAME.err), waits until it answers HTTP, and sets $base
# and spid[NAME]. The caller pins it (start_pinned) or not.
start_listening() {
  local name=$1 out="$work/$1.out" err="$work/$1.err"
  shift
  "$@" >"$out" 2>"$err" &
  pids+=($!)
  spid[$name]=$!
  base=""
  for _ in $(seq 400); do  # 20 s: a --world file of many users takes a while
    base=$(head -n1 "$out" 2>/dev/null || true)
    [[ "$base" == http://* ]] && break
    kill -0 "${spid[$name]}" 2>/dev/null || die "$name exited: $(cat "$err")"
    sleep 0.05
  done
  [[ "$base" == http://* ]] || die "$name printed no URL: $(cat "$out" "$err")"
  wait_for_http "$base/"
}

# start_pinned NAME COMMAND... : start_listening on the server core.
start_pinned() {
  local name=$1
  shift
  start_listening "$name" taskset -c "$server_cpu" "$@"
}

# post URL BODY -> prints "STATUS BODY"
post() {
  curl -sS --max-time 5 -X POST -H 'Content-Type: application/json' -d "$2" \
    -w '\n%{http_code}' "$1" | { body=$(cat); echo "${body##*$'\n'} ${body%$'\n'*}"; }
}

declare -A result            # [name,scenario,round] -> wrk's BENCH_RESULT line
declare -A url body token    # [name,scenario] -> URL and POST body; [name] -> portal token
declare -A ctype codes spid  # [name,scenario] -> Content-Type, one-time values; [name] -> PID
# cpu_ticks PID: user + system clock ticks (/proc/PID/stat fields 14 and 15, every thread) of
# PID and of its direct children (nginx's worker is its master's child).
cpu_ticks() {
  local pid total=0 stat rest
  for pid in "$1" $(pgrep -P "$1" 2>/dev/null || true); do
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    rest=${stat##*) }  # fields from 3 on; the command name in parentheses may hold spaces
    read -r -a f <<<"$rest"
    total=$((total + f[11] + f[12]))
  done
  echo "$total"
}
clock_ticks=$(getconf CLK_TCK)
# measure NAME SCENARIO ROUND: one wrk run of url[NAME,SCENARIO] (GET with token[NAME] when the
# server has a token; else POST of body[NAME,SCENARIO], with a different one-time value from
# codes[NAME,SCENARIO].ROUND per request when that is set), its result line kept in `result`,
# with cpu_s= the server's CPU seconds over the run when spid[NAME] is set.
measure() {
  local name=$1 scenario=$2 round=$3 out line before=0 after=0
  out="$work/wrk-$name-$scenario-$round.txt"
  [[ -n "${spid[$name]:-}" ]] && before=$(cpu_ticks "${spid[$name]}")
  if [[ -n "${token[$name]:-}" ]]; then
    BENCH_METHOD=GET BENCH_TOKEN="${token[$name]}" taskset -c "$wrk_cpu" "$wrk_bin" -t1 \
      -c"$connections" -d"${seconds}s" --latency -s "$bench_dir/wrk_request.lua" \
      "${url[$name,$scenario]}" >"$out"
  elif [[ -n "${codes[$name,$scenario]:-}${ctype[$name,$scenario]:-}" ]]; then
    local file=""
    [[ -n "${codes[$name,$scenario]:-}" ]] && file="${codes[$name,$scenario]}.$round"
    rm -f "$out.elapsed"
    BENCH_BODY="${body[$name,$scenario]}" BENCH_TYPE="${ctype[$name,$scenario]:-application/json}" \
      BENCH_CODES="$file" BENCH_ELAPSED="$out.elapsed" taskset -c "$wrk_cpu" "$wrk_bin" -t1 \
      -c"$connections" -d"${seconds}s" --latency -s "$bench_dir/wrk_codes.lua" \
      "${url[$name,$scenario]}" >"$out"
  else
    BENCH_BODY="${body[$name,$scenario]}" taskset -c "$wrk_cpu" "$wrk_bin" -t1 \
      -c"$connections" -d"${seconds}s" --latency -s "$bench_dir/wrk_request.lua" \
      "${url[$name,$scenario]}" >"$out"
  fi
  [[ -n "${spid[$name]:-}" ]] && after=$(cpu_ticks "${spid[$name]}")
  line=$(grep '^BENCH_RESULT ' "$out") || die "wrk printed no result for $name $scenario: $(cat "$out")"
  if [[ -n "${spid[$name]:-}" ]]; then
    line+=" cpu_s=$(awk -v t=$((after - before)) -v hz="$clock_ticks" 'BEGIN { printf "%.2f", t / hz }')"
  fi
  if [[ -s "$out.elapsed" ]]; then
    # The values ran out before the end: req/s over the time they lasted.
    local elapsed requests
    elapsed=$(cat "$out.elapsed")
    requests=$(field "$line" requests)
    line=$(sed -E "s/ rps=[0-9]+/ rps=$(awk -v r="$requests" -v e="$elapsed" \
      'BEGIN { printf "%.0f", r / (e / 1e6) }')/" <<<"$line")
    line+=" ran_out_after_us=$elapsed"
  fi
  result[$name,$scenario,$round]=$line
  echo "  round $round $name $scenario: ${line#BENCH_RESULT }" >&2
}

# field LINE KEY: the value of KEY=... in a BENCH_RESULT line (0 when absent).
field() {
  local kv
  for kv in $1; do [[ "$kv" == "$2="* ]] && { echo "${kv#*=}"; return; }; done
  echo 0
}

# median NAME SCENARIO KEY: the median over the rounds of one field of wrk's result.
median() {
  local r
  for r in $(seq "$rounds"); do field "${result[$1,$2,$r]}" "$3"; done |
    sort -n | awk '{ v[NR] = $1 } END { printf "%.0f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ms() { awk -v us="$1" 'BEGIN { printf "%.2f", us / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }
