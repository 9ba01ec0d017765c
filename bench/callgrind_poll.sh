#!/usr/bin/env bash
# Instructions and heap allocations per pending poll (issue 15, the `pending` row of run_wrk.sh),
# counted by callgrind, whose counts do not depend on what else runs on the machine.
#
# Starts ssooidc-server under `valgrind --tool=callgrind --instr-atstart=no` on a fresh SQLite
# file on tmpfs, with run_wrk.sh's flags (one I/O thread, --poll-interval 0, access log off,
# no per-address limits), registers a client, starts one device authorization nobody approves
# and polls it: a warm-up run of wrk with instrumentation off (thread-local caches, the pending
# cache, the prepared answers), then one with it on. Counts per poll, over the polls the server
# answered while instrumented (its own /metrics count of CreateToken, before and after):
#   Ir        instructions executed, all threads
#   new       calls of operator new (every overload)
#   malloc    calls of malloc
# and, with CALLGRIND_TOP=N, the N functions with the most inclusive instructions per poll.
# Under valgrind OpenSSL's SHA-256 runs without the CPU's SHA extensions, so its share here is
# several times what it costs on the machine (perf of the real server says that).
#
# Environment (all optional):
#   CALLGRIND_SECONDS=4     the instrumented wrk run
#   CALLGRIND_TOP=0         functions to list
#   CALLGRIND_KEEP=DIR      keep the callgrind output file in DIR
#   SSOOIDC_SERVER=build/bin/ssooidc-server
#   WRK=wrk
set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$bench_dir/.." && pwd)
bench_script=callgrind_poll.sh
# shellcheck source=bench/bench_lib.sh
source "$bench_dir/bench_lib.sh"

seconds=${CALLGRIND_SECONDS:-4}
top=${CALLGRIND_TOP:-0}
for tool in valgrind callgrind_control callgrind_annotate "$wrk_bin" curl jq python3; do
  command -v "$tool" >/dev/null || die "needs $tool"
done
[[ -x "$server_bin" ]] || die "no server binary at $server_bin (cmake --build build --target ssooidc-server)"

work=$(mktemp -d /dev/shm/callgrind_poll.XXXXXX)
out_file="$work/callgrind.out"
start_listening ssooidc valgrind --tool=callgrind --instr-atstart=no \
  --callgrind-out-file="$out_file" "$server_bin" serve --listen 127.0.0.1:0 \
  --database "sqlite:$work/bench.db" --threads 1 --poll-interval 0 --access-log off \
  --no-bootstrap-user --device-authorization-rate 0 --register-client-rate 0
pid=${spid[ssooidc]}

registered=$(post "$base/client/register" '{"clientName":"bench","clientType":"public"}')
[[ "${registered%% *}" == 200 ]] || die "RegisterClient answered: $registered"
client_id=$(jq -r .clientId <<<"${registered#* }")
client_secret=$(jq -r .clientSecret <<<"${registered#* }")
authorization=$(post "$base/device_authorization" "$(jq -cn --arg id "$client_id" \
  --arg secret "$client_secret" '{clientId: $id, clientSecret: $secret,
  startUrl: "https://bench.example/start"}')")
[[ "${authorization%% *}" == 200 ]] || die "StartDeviceAuthorization answered: $authorization"
poll_body=$(jq -cn --arg id "$client_id" --arg secret "$client_secret" \
  --arg code "$(jq -r .deviceCode <<<"${authorization#* }")" \
  '{grantType: "urn:ietf:params:oauth:grant-type:device_code", clientId: $id,
    clientSecret: $secret, deviceCode: $code}')

# answered_polls: the server's count of CreateToken answers with AuthorizationPendingException.
answered_polls() {
  curl -sS --max-time 30 "$base/metrics" | awk '/^ssooidc_requests_total\{/ &&
    /operation="CreateToken"/ && /AuthorizationPendingException/ { n += $NF } END { printf "%d\n", n }'
}
poll_wrk() {  # poll_wrk SECONDS
  BENCH_BODY="$poll_body" "$wrk_bin" -t1 -c32 -d"$1s" --timeout 30s \
    -s "$bench_dir/wrk_request.lua" "$base/token" >"$work/wrk.txt"
  grep -q '^BENCH_RESULT ' "$work/wrk.txt" || die "wrk printed no result: $(cat "$work/wrk.txt")"
}
answer=$(post "$base/token" "$poll_body")
[[ "$answer" == "400 "*authorization_pending* ]] || die "the poll answered: $answer"
poll_wrk 2
before=$(answered_polls)
callgrind_control -i on "$pid" >/dev/null
poll_wrk "$seconds"
callgrind_control -i off "$pid" >/dev/null
after=$(answered_polls)
callgrind_control -d "$pid" >/dev/null
polls=$((after - before))
[[ "$polls" -gt 0 ]] || die "no poll answered while instrumented"
answer=$(post "$base/token" "$poll_body")
[[ "$answer" == "400 "*authorization_pending* ]] || die "the poll answered after the runs: $answer"

dump=$(ls -t "$out_file"* | head -n1)
# Totals and call counts from the dump: `calls=N` lines follow the `cfn=` naming their callee
# (names are compressed: "(id) name" the first time, "(id)" after).
python3 - "$dump" "$polls" <<'EOF'
import re, sys
path, polls = sys.argv[1], int(sys.argv[2])
names, callee, calls_new, calls_malloc, total = {}, None, 0, 0, 0
def resolve(text):
    m = re.match(r"\((\d+)\)(?: (.*))?", text)
    if not m:
        return text
    if m.group(2) is not None:
        names[m.group(1)] = m.group(2)
    return names.get(m.group(1), "")
for line in open(path):
    if line.startswith(("fn=", "cfn=")):
        name = resolve(line.split("=", 1)[1].strip())
        if line.startswith("cfn="):
            callee = name
    elif line.startswith("calls=") and callee is not None:
        n = int(line[6:].split()[0])
        if callee.startswith("operator new"):
            calls_new += n
        elif callee == "malloc" or callee.startswith("malloc'"):
            calls_malloc += n
    elif line.startswith(("summary:", "totals:")):
        total = int(line.split()[1])
print(f"polls={polls} Ir_per_poll={total / polls:.0f} new_per_poll={calls_new / polls:.2f} "
      f"malloc_per_poll={calls_malloc / polls:.2f}")
EOF
if [[ "$top" -gt 0 ]]; then
  callgrind_annotate --inclusive=yes "$dump" 2>/dev/null |
    awk -v p="$polls" -v n="$top" '/^ *[0-9,]+ / && c < n { v = $1; gsub(",", "", v);
      $1 = ""; printf "%8.0f %s\n", v / p, $0; c++ }'
fi
if [[ -n "${CALLGRIND_KEEP:-}" ]]; then cp "$dump" "$CALLGRIND_KEEP/"; fi
