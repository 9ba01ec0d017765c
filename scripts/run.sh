#!/usr/bin/env bash
# The one command that starts the server: installs the dependencies, builds ssooidc-server and
# serves on its defaults (http://127.0.0.1:8080, SQLite database var/ssooidc.db in the repo).
# On the first start it creates the user `admin`; its password is in var/ssooidc.db.admin-password
# (mode 0600), and is also printed when standard output is a terminal.
#
#   bash scripts/run.sh                              # defaults
#   bash scripts/run.sh --listen 0.0.0.0:8080 --public-url https://sso.example.com
#
# Extra arguments go to `ssooidc-server serve`. BUILD_DIR (default build) can be set.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_dir="${BUILD_DIR:-build}"

bash scripts/install-deps.sh
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build_dir" -j"$(nproc)" --target ssooidc-server
mkdir -p var
exec "$build_dir/bin/ssooidc-server" serve "$@"
