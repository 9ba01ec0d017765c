#!/usr/bin/env bash
# Installs everything the build, the tests and the benchmarks need, from Debian's packages.
#
# Idempotent: when every package is already installed it touches nothing and needs no network.
# Runs apt-get through sudo only when not root. Safe without a terminal (CI has no stdin).
#
# Node.js and npm are left alone when `node` and `npm` already work (the machine image ships
# them from another repository, whose nodejs conflicts with Debian's npm). boto3 comes with the
# image's python3; Debian's python3-boto3 is installed only when no python3 can import boto3.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

packages=(
  # build
  build-essential cmake g++ pkg-config
  libboost1.81-dev libssl-dev libsqlite3-dev libpq-dev libargon2-dev libcurl4-openssl-dev
  libcli11-dev libspdlog-dev libqrencode-dev libtomlplusplus-dev
  # unit tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # fuzzing, sanitizers and static analysis (fuzz/README.md): clang 16 with libFuzzer, clang-tidy
  clang-16 libclang-rt-16-dev libfuzzer-16-dev clang-tidy-16
  # servers and tools the tests and benchmarks start
  postgresql sqlite3 nginx wrk
  # real clients for the end-to-end suites: AWS CLI v2 (/usr/bin/aws), a browser
  awscli chromium chromium-driver
  # the TLS suite (tests/ops): openssl and curl make and check its test PKI, certutil gives
  # Chromium trust in the test CA
  openssl curl libnss3-tools
  # tests/operations: curl (the CI example, PKCE with curl), dpkg-dev (CPack's Depends:),
  # systemd (systemd-analyze verify/security of the unit)
  curl dpkg-dev systemd
)
if ! command -v node >/dev/null 2>&1; then packages+=(nodejs); fi
if ! command -v npm >/dev/null 2>&1; then packages+=(npm); fi
have_boto3=false
for py in python3 "$HOME"/.pyenv/versions/*/bin/python3 /usr/bin/python3; do
  if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import boto3' >/dev/null 2>&1; then
    have_boto3=true
    break
  fi
done
if [ "$have_boto3" = false ]; then packages+=(python3-boto3); fi

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [ "$status" != "install ok installed" ]; then missing+=("$pkg"); fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages are installed"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo -n); fi
echo "install-deps: installing ${missing[*]}"
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
