// Operator commands for the standard face's long-lived clients (issue 14): third-party tools
// ship with a fixed client id, so the operator creates it here rather than through RegisterClient.
#include <cstdio>
#include <string>

#include "core/time_format.h"
#include "server/application.h"
#include "server/commands.h"

namespace ssooidc::server {
namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out.empty() ? "-" : out;
}

}  // namespace

int run_client_add(const CommonOptions& common, const ClientOptions& options) {
  Application app(common.database, domain::Settings{});
  domain::ClientService::OperatorClient spec;
  spec.client_id = options.client_id;
  spec.client_name = options.name.empty() ? options.client_id : options.name;
  spec.with_secret = !options.public_client;
  spec.redirect_uris = options.redirect_uris;
  spec.grant_types = options.grant_types;
  spec.scopes = options.scopes;
  auto secret = app.services().clients.add_operator_client(spec);
  if (!secret) return report(secret.error());
  std::printf("Added client %s\n", spec.client_id.c_str());
  // Shown once: only its SHA-256 is stored.
  if (!secret->empty()) std::printf("client_secret: %s\n", secret->c_str());
  return 0;
}

int run_client_list(const CommonOptions& common) {
  Application app(common.database, domain::Settings{});
  auto clients = app.services().clients.list_operator_clients();
  if (!clients) return report(clients.error());
  std::printf("%-32s %-12s %-20s %s\n", "CLIENT_ID", "TYPE", "CREATED", "GRANTS / SCOPES / REDIRECT URIS");
  for (const auto& c : *clients)
    std::printf("%-32s %-12s %-20s %s %s %s\n", c.client_id.c_str(), c.client_type.c_str(),
                core::format_iso8601_utc(c.issued_at).c_str(), joined(c.grant_types).c_str(),
                joined(c.scopes).c_str(), joined(c.redirect_uris).c_str());
  return 0;
}

int run_client_remove(const CommonOptions& common, const ClientOptions& options) {
  Application app(common.database, domain::Settings{});
  auto removed = app.services().clients.remove_operator_client(options.client_id);
  if (!removed) return report(removed.error());
  if (!*removed) {
    std::fprintf(stderr, "ssooidc-server: no client %s was added by the operator\n",
                 options.client_id.c_str());
    return 1;
  }
  std::printf("Removed client %s and its tokens\n", options.client_id.c_str());
  return 0;
}

}  // namespace ssooidc::server
