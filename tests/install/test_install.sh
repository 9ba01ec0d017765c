#!/usr/bin/env bash
# `cmake --install` into a temporary prefix, then a small program built only from what was
# installed (headers under include/ssooidc, the static libraries, the pkg-config file) must
# compile, link and run. The pkg-config file must not ask for libargon2 (the server's only).
# Usage: test_install.sh BUILD_DIR CXX
set -euo pipefail
build_dir=$1
cxx=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" >"$work/install.log"
pc="$work/prefix/lib/pkgconfig/ssooidc.pc"
test -f "$pc" || { echo "FAIL: no $pc"; exit 1; }
if grep -q argon2 "$pc"; then
  echo "FAIL: ssooidc.pc asks for argon2:"; cat "$pc"; exit 1
fi
for header in client.h config.h error.h types.h; do
  test -f "$work/prefix/include/ssooidc/$header" || { echo "FAIL: $header not installed"; exit 1; }
done

cat >"$work/main.cc" <<'PROGRAM'
#include <ssooidc/client.h>

#include <cstdio>

// Port 9 (discard) on loopback refuses connections: the call must fail as a transport error,
// which proves the installed library resolved the configuration and really tried HTTP.
int main() {
  ssooidc::Config config;
  config.region = "us-east-1";
  config.endpoint = "http://127.0.0.1:9";
  config.max_retries = 0;
  auto client = ssooidc::Client::create(config);
  if (!client) {
    std::printf("create failed: %s\n", client.error().error_description.c_str());
    return 1;
  }
  ssooidc::RegisterClientRequest request;
  request.clientName = "installed";
  request.clientType = "public";
  auto registered = client->register_client(request);
  if (registered || registered.error().type != ssooidc::ErrorType::kTransport) {
    std::printf("expected a TransportError\n");
    return 1;
  }
  std::printf("ok: %s\n", std::string(registered.error().shape()).c_str());
  return 0;
}
PROGRAM

export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
# shellcheck disable=SC2046  # pkg-config prints several words on purpose
"$cxx" -o "$work/program" "$work/main.cc" $(pkg-config --cflags --libs ssooidc)
"$work/program"
