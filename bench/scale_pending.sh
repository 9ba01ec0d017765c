#!/usr/bin/env bash
# Scale (issue 15 item 4): ssooidc-server with many pending device authorizations next to the
# same server with few. Two SQLite files are loaded directly by scale_pending (the loader,
# scale_pending.cc): SCALE_SMALL pending logins in one, SCALE_LARGE in the other, plus
# SCALE_EXPIRED long-expired ones in the large one for the purge. Both servers run pinned to one
# core, wrk to the other, measured in interleaved rounds as in run_wrk.sh:
#   * CreateToken polling a random one of the pending device codes (wrk_random_poll.lua),
#   * StartDeviceAuthorization,
# then it reports each server's RSS, the large file's bytes per pending authorization, and polls
# and starts logins on the large server at once, without a purge and while its purge deletes the
# expired rows (p99 of each during the purge beside without).
# See bench/README.md.
#
# Environment (all optional; also BENCH_SECONDS, BENCH_ROUNDS, BENCH_CONNECTIONS, the CPUs,
# BENCH_THREADS, SSOOIDC_SERVER, WRK as in run_wrk.sh):
#   SCALE_SMALL=10000  SCALE_LARGE=10000000  SCALE_EXPIRED=1000000
#   SCALE_LOADER=build/bin/scale_pending
#   SCALE_DIR=$TMPDIR  where the two database files go (the large one takes gigabytes)
#   SCALE_QUIET_SECONDS=15  the poll + StartDeviceAuthorization run without a purge
#   SCALE_BARE=1  also a third server ("bare") on a copy of the large file with --no-pending-index,
#                 measured in the same rounds: the large server with and without the pending index
#                 (domain/pending_index.h) side by side
#   SCALE_KEEP=DIR  keep the two loaded files in DIR (kept after the run, not removed with the
#                   work directory) and reuse those a previous run left there: loading 10M takes
#                   a quarter of an hour, so several builds are measured on one load. The purge
#                   then runs on a copy of the large file, so the kept one keeps its expired rows.
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$bench_dir/.." && pwd)
bench_script=scale_pending.sh
# shellcheck source=bench/bench_lib.sh
source "$bench_dir/bench_lib.sh"

small=${SCALE_SMALL:-10000}
large=${SCALE_LARGE:-10000000}
expired=${SCALE_EXPIRED:-1000000}
loader=${SCALE_LOADER:-$(dirname "$server_bin")/scale_pending}
[[ -x "$server_bin" ]] || die "no ssooidc-server at $server_bin"
[[ -x "$loader" ]] || die "no scale_pending at $loader (build target scale_pending)"
for tool in "$wrk_bin" taskset curl jq; do command -v "$tool" >/dev/null || die "$tool not found"; done

work=$(mktemp -d "${SCALE_DIR:-${TMPDIR:-/tmp}}/ssooidc-scale.XXXXXX")
now=$(date +%s)
keep=${SCALE_KEEP:-}
db_dir=${keep:-$work}
if [[ -n "$keep" ]]; then mkdir -p "$keep"; fi

# prepare NAME PENDING EXPIRED: a database with a registration and PENDING + EXPIRED loaded rows;
# sets client[NAME], secret[NAME].
declare -A client secret pending_of
prepare() {
  local name=$1 count=$2 old=$3 db="$db_dir/$1.db" out
  # A kept load of the same size (SCALE_KEEP): NAME.loaded, written once the load finished, holds
  # the rows, registration and bytes per authorization. Its expired rows expired two days before
  # that load, which is still long ago.
  if [[ -n "$keep" && -f "$db_dir/$name.loaded" ]]; then
    local kept_count kept_old
    read -r kept_count kept_old "client[$name]" "secret[$name]" "bytes_per[$name]" \
      <"$db_dir/$name.loaded"
    if [[ "$kept_count" == "$count" && "$kept_old" == "$old" ]]; then
      pending_of[$name]=$count
      echo "$name: reusing $db ($count pending, $old expired)" >&2
      return
    fi
    rm -f "$db_dir/$name.loaded" "$db" "$db-wal" "$db-shm"
  fi
  "$server_bin" serve --listen 127.0.0.1:0 --database "sqlite:$db" --no-bootstrap-user \
    --access-log off >"$work/$name.prepare.out" 2>"$work/$name.prepare.err" &
  local pid=$!
  local base=""
  for _ in $(seq 200); do
    base=$(head -n1 "$work/$name.prepare.out" 2>/dev/null || true)
    [[ "$base" == http://* ]] && break
    sleep 0.05
  done
  [[ "$base" == http://* ]] || die "$name: server printed no URL: $(cat "$work/$name.prepare.err")"
  out=$(post "$base/client/register" '{"clientName":"scale","clientType":"public"}')
  [[ "${out%% *}" == 200 ]] || die "RegisterClient answered: $out"
  client[$name]=$(jq -r .clientId <<<"${out#* }")
  secret[$name]=$(jq -r .clientSecret <<<"${out#* }")
  kill -TERM "$pid"
  wait "$pid" || true
  echo "$name: loading $count pending device authorizations" >&2
  nice -n 10 "$loader" "$db" "${client[$name]}" "$count" $((now + 86400)) scale- >&2
  local bytes
  bytes=$(stat -c %s "$db")
  pending_of[$name]=$count
  echo "$name: $bytes bytes for $count pending: $((bytes / count)) bytes per pending authorization" >&2
  bytes_per[$name]=$((bytes / count))
  if [[ "$old" -gt 0 ]]; then
    echo "$name: loading $old device authorizations that expired two days ago" >&2
    nice -n 10 "$loader" "$db" "${client[$name]}" "$old" $((now - 2 * 86400)) expired- >&2
  fi
  if [[ -n "$keep" ]]; then
    echo "$count $old ${client[$name]} ${secret[$name]} ${bytes_per[$name]}" >"$db_dir/$name.loaded"
  fi
}
declare -A bytes_per

# serve NAME [ARGS...]: the server on NAME's database, pinned; sets url[NAME,*], body[NAME,*].
declare -A pid_of log_of db_of startup index_line
serve() {
  local name=$1
  shift
  local out="$work/$name.out"
  log_of[$name]="$work/$name.err"
  # The start-up reads the pending index (about 10 s at 10 million rows), before the URL.
  local started
  started=$(date +%s.%N)
  taskset -c "$server_cpu" "$server_bin" serve --listen 127.0.0.1:0 --database "sqlite:${db_of[$name]:-$db_dir/$name.db}" \
    --threads "$threads" --poll-interval 0 --access-log off --no-bootstrap-user \
    --device-authorization-rate 0 --register-client-rate 0 "$@" >"$out" 2>"${log_of[$name]}" &
  pid_of[$name]=$!
  pids+=($!)
  local base=""
  for _ in $(seq 6000); do
    base=$(head -n1 "$out" 2>/dev/null || true)
    [[ "$base" == http://* ]] && break
    sleep 0.05
  done
  [[ "$base" == http://* ]] || die "$name printed no URL: $(cat "${log_of[$name]}")"
  startup[$name]=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  index_line[$name]=$(grep -o 'pending index: .*' "${log_of[$name]}" | head -n1 || true)
  echo "$name: listening after ${startup[$name]} s; ${index_line[$name]:-no pending index}" >&2
  url[$name,poll]="$base/token"
  body[$name,poll]=$(jq -cn --arg id "${client[$name]}" --arg secret "${secret[$name]}" \
    '{grantType: "urn:ietf:params:oauth:grant-type:device_code", clientId: $id,
      clientSecret: $secret, deviceCode: "scale-%010d"}')
  url[$name,device]="$base/device_authorization"
  body[$name,device]=$(jq -cn --arg id "${client[$name]}" --arg secret "${secret[$name]}" \
    '{clientId: $id, clientSecret: $secret, startUrl: "https://bench.example/start"}')
  # A random code of those loaded polls as pending.
  local probe=${body[$name,poll]/\%010d/$(printf %010d $((RANDOM % pending_of[$name])))}
  local answer
  answer=$(post "$base/token" "$probe")
  [[ "$answer" == 400*authorization_pending* ]] || die "$name: a loaded code answered $answer"
}

# measure_scale NAME SCENARIO ROUND
measure_scale() {
  local name=$1 scenario=$2 round=$3 out line before after
  out="$work/wrk-$name-$scenario-$round.txt"
  before=$(cpu_ticks "${pid_of[$name]}")
  if [[ $scenario == poll ]]; then
    BENCH_BODY_TEMPLATE="${body[$name,poll]}" BENCH_RANDOM_COUNT="${pending_of[$name]}" \
      taskset -c "$wrk_cpu" "$wrk_bin" -t1 -c"$connections" -d"${seconds}s" --latency \
      -s "$bench_dir/wrk_random_poll.lua" "${url[$name,poll]}" >"$out"
  else
    BENCH_BODY="${body[$name,device]}" taskset -c "$wrk_cpu" "$wrk_bin" -t1 -c"$connections" \
      -d"${seconds}s" --latency -s "$bench_dir/wrk_request.lua" "${url[$name,device]}" >"$out"
  fi
  after=$(cpu_ticks "${pid_of[$name]}")
  line=$(grep '^BENCH_RESULT ' "$out") || die "wrk printed no result for $name $scenario: $(cat "$out")"
  # Requests per server CPU-second: steadier than req/s on a shared machine.
  local requests
  requests=$(field "$line" requests)
  line+=" cpu_s=$(awk -v t=$((after - before)) -v hz="$clock_ticks" 'BEGIN { printf "%.2f", t / hz }')"
  line+=" per_cpu_s=$(awk -v r="$requests" -v t=$((after - before)) -v hz="$clock_ticks" \
    'BEGIN { if (t > 0) printf "%.0f", r / (t / hz); else printf "0" }')"
  result[$name,$scenario,$round]=$line
  echo "  round $round $name $scenario: ${line#BENCH_RESULT }" >&2
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

prepare small "$small" 0
prepare large "$large" "$expired"
names="small large"
if [[ "${SCALE_BARE:-0}" == 1 ]]; then
  # A copy of the large file (closed, so the file holds every commit), for a server without the
  # index: its polls read the table, as before it. A copy, not the same file: two servers on one
  # file share their poll counts through the table (file_sharing.h), a write per first poll.
  cp "$db_dir/large.db" "$work/large-bare.db"
  client[bare]=${client[large]}
  secret[bare]=${secret[large]}
  pending_of[bare]=${pending_of[large]}
  db_of[bare]="$work/large-bare.db"
  names="small large bare"
fi
serve small
serve large
if [[ -n "${db_of[bare]:-}" ]]; then serve bare --no-pending-index; fi
echo "wrk -t1 -c$connections -d${seconds}s on cpu $wrk_cpu; servers on cpu $server_cpu;" \
  "$rounds rounds; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for round in $(seq "$rounds"); do
  for scenario in poll device; do
    for name in $names; do measure_scale "$name" "$scenario" "$round"; done
  done
done
declare -A rss
declare -A pss
# PSS beside RSS: the pages of the SQLite file that a server maps (the shared memory of the WAL
# index) are counted in the RSS of every server that touches them.
pss_kb() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup"; }
for name in $names; do
  rss[$name]=$(rss_kb "${pid_of[$name]}")
  pss[$name]=$(pss_kb "${pid_of[$name]}")
done
if [[ -n "${pid_of[bare]:-}" ]]; then
  kill -TERM "${pid_of[bare]}"
  wait "${pid_of[bare]}" || true
fi

# The purge (item 4): polls and StartDeviceAuthorization at once (half the connections each, both
# wrk on the wrk core) against the large server, first for SCALE_QUIET_SECONDS without a purge,
# then against a server on the same file whose first purge starts 2 s after it does, until the
# purge logs that it is done (wrk stops on SIGINT and prints its summary then): the p99 of each
# beside the same without a purge.
half=$(( connections / 2 > 0 ? connections / 2 : 1 ))
# both_start TAG NAME SECONDS: the two wrk runs on NAME's server in the background; both_wait
# TAG: their result lines.
declare -A both_pid
both_start() {
  local tag=$1 name=$2 duration=$3
  BENCH_BODY_TEMPLATE="${body[$name,poll]}" BENCH_RANDOM_COUNT="${pending_of[$name]}" \
    taskset -c "$wrk_cpu" "$wrk_bin" -t1 -c"$half" -d"${duration}s" --latency \
    -s "$bench_dir/wrk_random_poll.lua" "${url[$name,poll]}" >"$work/wrk-$tag-poll.txt" &
  both_pid[$tag,poll]=$!
  BENCH_BODY="${body[$name,device]}" taskset -c "$wrk_cpu" "$wrk_bin" -t1 -c"$half" \
    -d"${duration}s" --latency -s "$bench_dir/wrk_request.lua" "${url[$name,device]}" \
    >"$work/wrk-$tag-device.txt" &
  both_pid[$tag,device]=$!
}
both_wait() {
  local tag=$1 scenario
  for scenario in poll device; do
    wait "${both_pid[$tag,$scenario]}" || true
    result[$tag,$scenario]=$(grep '^BENCH_RESULT ' "$work/wrk-$tag-$scenario.txt") ||
      die "wrk printed no $tag $scenario result: $(cat "$work/wrk-$tag-$scenario.txt")"
  done
}
quiet_seconds=${SCALE_QUIET_SECONDS:-15}
# The same on the small server first: with logins started meanwhile every commit empties the
# poll's pending cache, so that both sizes poll SQLite (the rounds above compare the 10k server's
# cache against the large one's SQLite reads).
both_start quiet-small small "$quiet_seconds"
both_wait quiet-small
both_start quiet large "$quiet_seconds"
both_wait quiet

kill -TERM "${pid_of[large]}"
wait "${pid_of[large]}" || true
if [[ -n "$keep" ]]; then
  # The purge on a copy (the server stopped, so the file holds every commit: its WAL was
  # checkpointed at close), which the next run's purge starts from again.
  cp "$db_dir/large.db" "$work/large-purge.db"
  db_of[large]="$work/large-purge.db"
fi
serve large --purge-interval 2
purge_started=$(date +%s.%N)
both_start purge large 900
purged=""
for _ in $(seq 4500); do
  purged=$(grep -o 'purge: [0-9]* expired rows removed' "${log_of[large]}" | head -n1 || true)
  [[ -n "$purged" ]] && break
  sleep 0.2
done
purge_ended=$(date +%s.%N)
kill -INT "${both_pid[purge,poll]}" "${both_pid[purge,device]}" 2>/dev/null || true
both_wait purge
[[ -n "$purged" ]] || die "the purge did not finish in 15 minutes: $(tail -n5 "${log_of[large]}")"
purge_took=$(awk -v a="$purge_started" -v b="$purge_ended" 'BEGIN { printf "%.1f", b - a - 2 }')

echo
printf '%-26s %-8s %10s %8s %9s %9s %12s\n' scenario server pending 'req/s' 'p50 ms' 'p99 ms' \
  'req/CPU-s'
for scenario in poll device; do
  label=$([[ $scenario == poll ]] && echo "CreateToken (random poll)" || echo "StartDeviceAuthorization")
  for name in $names; do
    printf '%-26s %-8s %10s %8s %9s %9s %12s\n' "$label" "$name" "${pending_of[$name]}" \
      "$(median "$name" "$scenario" rps)" "$(ms "$(median "$name" "$scenario" p50_us)")" \
      "$(ms "$(median "$name" "$scenario" p99_us)")" "$(median "$name" "$scenario" per_cpu_s)"
  done
  for name in ${names#small }; do
    per_round="" per_round_cpu=""
    for round in $(seq "$rounds"); do
      per_round+=" $(ratio "$(field "${result[$name,$scenario,$round]}" rps)" \
        "$(field "${result[small,$scenario,$round]}" rps)")"
      per_round_cpu+=" $(ratio "$(field "${result[$name,$scenario,$round]}" per_cpu_s)" \
        "$(field "${result[small,$scenario,$round]}" per_cpu_s)")"
    done
    printf '%-26s %-8s %10s %8s %31s\n' "$label" "$name/small" "" \
      "$(ratio "$(median "$name" "$scenario" rps)" "$(median small "$scenario" rps)")" \
      "$(ratio "$(median "$name" "$scenario" per_cpu_s)" "$(median small "$scenario" per_cpu_s)")"
    echo "  $name/small by round: req/s$per_round; req per CPU-s$per_round_cpu"
  done
done
for name in $names; do
  echo "$name: RSS $((rss[$name] / 1024)) MB, PSS $((pss[$name] / 1024)) MB after the runs;" \
    "listening ${startup[$name]} s after its start; ${index_line[$name]:-no pending index}"
done
echo "bytes per pending authorization (file size / rows): small ${bytes_per[small]}, large ${bytes_per[large]}"
echo "purge ($purged) took about ${purge_took} s; poll and StartDeviceAuthorization at once," \
  "$half connections each: without a purge (${quiet_seconds} s, the small server and the large)" \
  "and from 2 s before the purge to its end:"
printf '  %-26s %-16s %8s %9s %9s %9s\n' scenario run 'req/s' 'p50 ms' 'p99 ms' 'max ms'
for scenario in poll device; do
  label=$([[ $scenario == poll ]] && echo "CreateToken (random poll)" || echo "StartDeviceAuthorization")
  for tag in quiet-small quiet purge; do
    line=${result[$tag,$scenario]}
    case $tag in
      quiet-small) run="small, no purge" ;;
      quiet) run="no purge" ;;
      *) run="during purge" ;;
    esac
    printf '  %-26s %-16s %8s %9s %9s %9s\n' "$label" "$run" "$(field "$line" rps)" \
      "$(ms "$(field "$line" p50_us)")" "$(ms "$(field "$line" p99_us)")" "$(ms "$(field "$line" max_us)")"
  done
  echo "  large/small without a purge (both off the pending cache):" \
    "$(ratio "$(field "${result[quiet,$scenario]}" rps)" "$(field "${result[quiet-small,$scenario]}" rps)")"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
