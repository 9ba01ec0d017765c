#!/usr/bin/env bash
# `cmake --install` into a temporary prefix, then a small program built only from what was
# installed (headers under include/ssooidc, the static libraries, the pkg-config file) must
# compile, link and run. The pkg-config file must not ask for libargon2 (the server's only).
# Usage: test_install.sh BUILD_DIR CXX [CXXFLAGS]
# CXXFLAGS: the flags the library was built with beyond its build type's (CMAKE_CXX_FLAGS), which
# the program needs too: an ASan+UBSan library does not link without the sanitizer runtimes.
set -euo pipefail
build_dir=$1
cxx=$2
read -r -a cxxflags <<<"${3:-}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" >"$work/install.log"
pc="$work/prefix/lib/pkgconfig/ssooidc.pc"
test -f "$pc" || { echo "FAIL: no $pc"; exit 1; }
if grep -q argon2 "$pc"; then
  echo "FAIL: ssooidc.pc asks for argon2:"; cat "$pc"; exit 1
fi
for header in client.h config.h error.h types.h json.h shared_config.h sso_cache.h sso_login.h; do
  test -f "$work/prefix/include/ssooidc/$header" || { echo "FAIL: $header not installed"; exit 1; }
done

cat >"$work/main.cc" <<'PROGRAM'
#include <ssooidc/client.h>
#include <ssooidc/shared_config.h>
#include <ssooidc/sso_cache.h>
#include <ssooidc/sso_login.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

int failed(const char* what) {
  std::printf("FAIL: %s\n", what);
  return 1;
}

class NoPrompt final : public ssooidc::DeviceLoginPrompt {
 public:
  void show(const ssooidc::StartDeviceAuthorizationResponse&) override { shown = true; }
  bool shown = false;
};

}  // namespace

// argv[1]: a directory for the caches. The program writes there what the script then checks.
int main(int argc, char** argv) {
  if (argc != 2) return failed("usage: program CACHE_DIR");
  const std::string dir = argv[1];

  // Port 9 (discard) on loopback refuses connections: the call must fail as a transport error,
  // which proves the installed library resolved the configuration and really tried HTTP.
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
    return failed("expected a TransportError from RegisterClient");
  }

  // The device-flow login against the same refusing endpoint: RegisterClient fails first, so
  // the prompt is never shown and no token file is written.
  NoPrompt prompt;
  auto login = ssooidc::device_login(*client, dir + "/sso",
                                     {"https://installed.awsapps.com/start", "us-east-1",
                                      std::string("installed"), std::nullopt},
                                     prompt);
  if (login || login.error().type != ssooidc::ErrorType::kTransport || prompt.shown) {
    return failed("expected device_login to fail with a TransportError before any prompt");
  }
  if (!ssooidc::list_sso_tokens(dir + "/sso").empty()) return failed("a failed login wrote");

  // The token cache: write as botocore does, read back, list.
  ssooidc::SsoToken token;
  token.start_url = "https://installed.awsapps.com/start";
  token.region = "us-east-1";
  token.access_token = "installed-access-token";
  token.expires_at = 1796119200;  // 2026-12-01T10:00:00Z
  token.refresh_token = "installed-refresh-token";
  const std::string key = ssooidc::sso_token_cache_key(std::string("installed"), "");
  if (auto w = ssooidc::write_sso_token(dir + "/sso", key, token); !w) {
    return failed(w.error().error_description.c_str());
  }
  auto read = ssooidc::read_sso_token(dir + "/sso", key);
  if (!read || !*read || (*read)->access_token != token.access_token ||
      (*read)->expires_at != token.expires_at || (*read)->refresh_token != token.refresh_token) {
    return failed("the token did not read back");
  }
  auto listed = ssooidc::list_sso_tokens(dir + "/sso");
  if (listed.size() != 1 || listed[0].key != key || listed[0].path != dir + "/sso/" + key + ".json") {
    return failed("list_sso_tokens");
  }
  auto missing = ssooidc::read_sso_token(dir + "/sso", "no-such-key");
  if (!missing || *missing) return failed("a missing token file is nullopt");

  // The role credentials cache.
  ssooidc::CachedRoleCredentials credentials{"ASIAINSTALLED", "secret", "session", 1796119200,
                                             std::string("111122223333")};
  const std::string role_key =
      ssooidc::role_credentials_cache_key({"111122223333", "ReadOnly", std::string("installed"), ""});
  if (auto w = ssooidc::write_role_credentials(dir + "/cli", role_key, credentials); !w) {
    return failed(w.error().error_description.c_str());
  }
  auto cached = ssooidc::read_role_credentials(dir + "/cli", role_key);
  if (!cached || !*cached || (*cached)->session_token != "session" ||
      !ssooidc::role_credentials_fresh(**cached, 1796119200 - 3600) ||
      ssooidc::role_credentials_fresh(**cached, 1796119200 - 60)) {
    return failed("the role credentials did not read back");
  }

  // The shared config, as `ssooidc login` resolves a profile.
  auto shared = ssooidc::SharedConfig::parse(
      "[profile dev]\nsso_session = installed\n[sso-session installed]\n"
      "sso_start_url = https://installed.awsapps.com/start\n",
      "config");
  if (!shared || shared->profile_value("dev", "sso_session") != "installed" ||
      shared->sso_session_value("installed", "sso_start_url") != token.start_url ||
      shared->sso_session_names() != std::vector<std::string>{"installed"}) {
    return failed("SharedConfig");
  }
  std::printf("ok: %s; %s; %s\n", std::string(registered.error().shape()).c_str(),
              listed[0].path.c_str(), role_key.c_str());
  return 0;
}
PROGRAM

export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig"
# shellcheck disable=SC2046  # pkg-config prints several words on purpose
"$cxx" "${cxxflags[@]}" -o "$work/program" "$work/main.cc" $(pkg-config --cflags --libs ssooidc)
mkdir "$work/caches"
"$work/program" "$work/caches"

# What the program wrote is what botocore writes: the token file is named by sha1 of the session
# name, mode 0600 in a 0700 directory, with botocore's member names and date form.
key=$(printf %s installed | sha1sum | cut -d' ' -f1)
file="$work/caches/sso/$key.json"
test -f "$file" || { echo "FAIL: no $file"; ls -la "$work/caches/sso"; exit 1; }
test "$(stat -c %a "$file")" = 600 || { echo "FAIL: $file is not mode 0600"; exit 1; }
test "$(stat -c %a "$work/caches/sso")" = 700 || { echo "FAIL: the cache dir is not 0700"; exit 1; }
grep -q '"accessToken": "installed-access-token"' "$file" || { echo "FAIL: $file"; cat "$file"; exit 1; }
grep -q '"expiresAt": "2026-12-01T10:00:00Z"' "$file" || { echo "FAIL: $file"; cat "$file"; exit 1; }
# botocore's role credentials key: sha1 of the sorted compact JSON of account, role and session.
role_key=$(printf %s '{"accountId":"111122223333","roleName":"ReadOnly","sessionName":"installed"}' |
  sha1sum | cut -d' ' -f1)
grep -q '"ProviderType": "sso"' "$work/caches/cli/$role_key.json" ||
  { echo "FAIL: no role credentials under botocore's key $role_key"; ls -la "$work/caches/cli"; exit 1; }
echo "ok: the installed login API wrote botocore's files"
