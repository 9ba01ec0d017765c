#include "cli/credential_output.h"

#include <algorithm>
#include <cctype>

#include "cli/output.h"
#include "ssooidc/json.h"
#include "ssooidc/portal_types.h"

namespace ssooidc::cli {

std::string credential_process_json(const CachedRoleCredentials& c) {
  // The one encoder of the credential_process format (the server reads it from its `command`
  // credential source), indented as the CLI prints JSON.
  CredentialProcessOutput out;
  out.AccessKeyId = c.access_key_id;
  out.SecretAccessKey = c.secret_access_key;
  out.SessionToken = c.session_token;
  out.Expiration = format_cache_time(c.expiration);
  return pretty_json(json::to_json(out)) + "\n";
}

std::string shell_quote(std::string_view value) {
  const bool plain = !value.empty() && std::all_of(value.begin(), value.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return std::isalnum(c) != 0 ||
           std::string_view("+/=._:,@%-").find(ch) != std::string_view::npos;
  });
  if (plain) return std::string(value);
  std::string out = "'";
  for (char ch : value) {
    if (ch == '\'') {
      out += "'\\''";
    } else {
      out += ch;
    }
  }
  out += "'";
  return out;
}

std::string credential_env_exports(const CachedRoleCredentials& c) {
  std::string out;
  auto line = [&](std::string_view name, std::string_view value) {
    out += "export ";
    out += name;
    out += '=';
    out += shell_quote(value);
    out += '\n';
  };
  line("AWS_ACCESS_KEY_ID", c.access_key_id);
  line("AWS_SECRET_ACCESS_KEY", c.secret_access_key);
  line("AWS_SESSION_TOKEN", c.session_token);
  line("AWS_CREDENTIAL_EXPIRATION", format_cache_time(c.expiration));
  return out;
}

}  // namespace ssooidc::cli
