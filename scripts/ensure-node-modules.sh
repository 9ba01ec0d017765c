#!/bin/sh
# Installs a package directory's node modules with `npm ci`, unless node_modules is already in
# step with package-lock.json (npm ci writes node_modules/.package-lock.json after the lock file).
# Usage: ensure-node-modules.sh DIR [NPM]
set -eu
dir="$1"
npm_cmd="${2:-npm}"
cd "$dir"
if [ ! -f package-lock.json ]; then
  echo "ensure-node-modules: $dir has no package-lock.json; commit one (npm install)" >&2
  exit 1
fi
marker=node_modules/.package-lock.json
if [ -f "$marker" ] && [ ! package-lock.json -nt "$marker" ] && [ ! package.json -nt "$marker" ]; then
  echo "ensure-node-modules: $dir/node_modules is up to date"
  exit 0
fi
echo "ensure-node-modules: npm ci in $dir"
exec "$npm_cmd" ci --no-audit --no-fund
