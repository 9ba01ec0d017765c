#!/bin/sh
# Start-up cost of a CLI call: process start to a finished CreateToken call, `ssooidc create-token`
# beside Debian's AWS CLI `aws sso-oidc create-token --endpoint-url`, both against one local
# ssooidc-server on 127.0.0.1.
#
# Each call is a successful refresh_token grant: the server rotates refresh tokens, so every call
# uses the refresh token the previous call returned (parsing it is outside the timed span). The
# two tools alternate in one chain so that they meet the same server state. A python3 driver
# times each process with perf_counter around subprocess.run; /bin/true through the same driver
# is printed as the spawn baseline.
#
# usage: bench/client_startup.sh [BUILD_DIR] [RUNS]   (defaults: build, 20)
# env:   AWS=/usr/bin/aws (AWS CLI v2; `aws` on PATH may be v1)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
runs=${2:-20}
server=$build/bin/ssooidc-server
cli=$build/bin/ssooidc
aws=${AWS:-/usr/bin/aws}
for tool in "$server" "$cli" "$aws"; do
  [ -x "$tool" ] || { echo "missing executable: $tool" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/ssooidc-client-bench-XXXXXX")
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

"$server" serve --listen 127.0.0.1:0 --public-url http://127.0.0.1 \
  --database "sqlite:$work/bench.db" --access-log off >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
for _ in $(seq 1 100); do
  [ -s "$work/server.out" ] && break
  sleep 0.05
done
url=$(head -n 1 "$work/server.out")
case $url in http://127.0.0.1:*) ;; *) echo "server did not start: $(cat "$work/server.err")" >&2; exit 1 ;; esac

python3 - "$cli" "$aws" "$server" "$url" "$work" "$runs" <<'PY'
import json, os, statistics, subprocess, sys, time

cli, aws, server, url, work, runs = sys.argv[1:7]
runs = int(runs)
home = os.path.join(work, "home")
os.makedirs(home)
env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
       "AWS_CONFIG_FILE": os.path.join(home, "config"),
       "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "credentials"),
       "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
       "AWS_EC2_METADATA_DISABLED": "true", "AWS_PAGER": ""}

def call(argv):
    done = subprocess.run(argv, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.exit(f"{argv[0]} failed ({done.returncode}): {done.stderr}")
    return done.stdout

# A scoped registration and an approved device login give the first refresh token.
reg = json.loads(call([cli, "register-client", "--client-name", "bench", "--client-type",
                       "public", "--scopes", "sso:account:access", "--endpoint-url", url]))
auth = json.loads(call([cli, "start-device-authorization", "--client-id", reg["clientId"],
                        "--client-secret", reg["clientSecret"], "--start-url",
                        "https://d-0000000000.awsapps.com/start", "--endpoint-url", url]))
call([server, "device", "approve", auth["userCode"], "--user", "admin", "--database",
      "sqlite:" + os.path.join(work, "bench.db")])
time.sleep(auth.get("interval", 1))
refresh = json.loads(call([cli, "create-token", "--client-id", reg["clientId"],
                           "--client-secret", reg["clientSecret"], "--grant-type",
                           "urn:ietf:params:oauth:grant-type:device_code", "--device-code",
                           auth["deviceCode"], "--endpoint-url", url]))["refreshToken"]

commands = {
    "ssooidc create-token": [cli, "create-token"],
    "aws sso-oidc create-token": [aws, "sso-oidc", "create-token", "--output", "json"],
}
def timed(argv):
    start = time.perf_counter()
    out = call(argv)
    return time.perf_counter() - start, out

samples = {name: [] for name in commands}
samples["/bin/true (spawn baseline)"] = [timed(["/bin/true"])[0] for _ in range(runs)]
# One untimed warm-up call each (page cache, Python bytecode cache).
for i in range(runs + 1):
    for name, base in commands.items():
        # --flag=value: argparse (aws) would read a base64url value starting with '-' as a flag.
        argv = base + ["--client-id=" + reg["clientId"],
                       "--client-secret=" + reg["clientSecret"], "--grant-type=refresh_token",
                       "--refresh-token=" + refresh, "--endpoint-url=" + url]
        seconds, out = timed(argv)
        refresh = json.loads(out)["refreshToken"]
        if i > 0:
            samples[name].append(seconds)

print(f"{'command':32} {'runs':>5} {'median ms':>10} {'mean ms':>9} {'min ms':>8} {'max ms':>8}")
for name, values in samples.items():
    ms = [v * 1000 for v in values]
    print(f"{name:32} {len(ms):5d} {statistics.median(ms):10.1f} {statistics.mean(ms):9.1f} "
          f"{min(ms):8.1f} {max(ms):8.1f}")
ours = statistics.median(samples["ssooidc create-token"])
theirs = statistics.median(samples["aws sso-oidc create-token"])
print(f"\nratio (median aws / median ssooidc): {theirs / ours:.1f}x")
PY
