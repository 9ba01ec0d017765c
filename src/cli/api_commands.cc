#include "cli/api_commands.h"

#include <cstdio>
#include <memory>

#include "cli/output.h"
#include "ssooidc/client.h"
#include "ssooidc/json.h"

namespace ssooidc::cli {
namespace {

// Creates the client, calls the operation and prints the result or the error.
template <typename Call>
int run_operation(const GlobalOptions& global, std::string_view operation, Call call) {
  auto client = Client::create(global.to_config());
  if (!client) return report_error(client.error(), operation);
  auto response = call(*client);
  if (!response) return report_error(response.error(), operation);
  std::printf("%s\n", pretty_json(json::to_json(*response)).c_str());
  return kExitOk;
}

struct RegisterClientFlags {
  std::string client_name, client_type;
  OptionalList scopes, redirect_uris, grant_types;
  OptionalString issuer_url, entitled_application_arn;
};

struct StartDeviceAuthorizationFlags {
  std::string client_id, client_secret, start_url;
};

struct CreateTokenFlags {
  std::string client_id, client_secret, grant_type;
  OptionalString device_code, code, refresh_token, redirect_uri, code_verifier;
  OptionalList scope;
};

struct CreateTokenWithIamFlags {
  std::string client_id, grant_type;
  OptionalString code, refresh_token, assertion, redirect_uri, subject_token, subject_token_type,
      requested_token_type, code_verifier;
  OptionalList scope;
};

}  // namespace

void add_api_commands(CLI::App& app, const GlobalOptions& global,
                      std::vector<std::pair<CLI::App*, CommandRunner>>& runners) {
  {
    auto [sub, f] = add_command<RegisterClientFlags>(
        app, global, runners, "register-client",
        "Register a public client (RegisterClient, POST /client/register)",
        [](const GlobalOptions& g, const RegisterClientFlags& f) {
          return run_operation(g, "RegisterClient", [&](Client& c) {
            return c.register_client({f.client_name, f.client_type, f.scopes.get(),
                                      f.redirect_uris.get(), f.grant_types.get(),
                                      f.issuer_url.get(), f.entitled_application_arn.get()});
          });
        });
    sub->add_option("--client-name", f.client_name, "Friendly name of the client")->required();
    sub->add_option("--client-type", f.client_type, "Client type; the service accepts public")
        ->required();
    f.scopes.add(sub, "--scopes", "Scopes, e.g. sso:account:access");
    f.redirect_uris.add(sub, "--redirect-uris", "Redirect URIs (authorization code grant)");
    f.grant_types.add(sub, "--grant-types", "Grant types the client may use");
    f.issuer_url.add(sub, "--issuer-url", "IAM Identity Center issuer URL");
    f.entitled_application_arn.add(sub, "--entitled-application-arn", "Application ARN");
  }
  {
    auto [sub, f] = add_command<StartDeviceAuthorizationFlags>(
        app, global, runners, "start-device-authorization",
        "Start device authorization (StartDeviceAuthorization, POST /device_authorization)",
        [](const GlobalOptions& g, const StartDeviceAuthorizationFlags& f) {
          return run_operation(g, "StartDeviceAuthorization", [&](Client& c) {
            return c.start_device_authorization({f.client_id, f.client_secret, f.start_url});
          });
        });
    sub->add_option("--client-id", f.client_id, "Client id from register-client")->required();
    sub->add_option("--client-secret", f.client_secret, "Client secret from register-client")
        ->required();
    sub->add_option("--start-url", f.start_url, "AWS access portal URL")->required();
  }
  {
    auto [sub, f] = add_command<CreateTokenFlags>(
        app, global, runners, "create-token",
        "Create or refresh a token (CreateToken, POST /token)",
        [](const GlobalOptions& g, const CreateTokenFlags& f) {
          return run_operation(g, "CreateToken", [&](Client& c) {
            return c.create_token({f.client_id, f.client_secret, f.grant_type, f.device_code.get(),
                                   f.code.get(), f.refresh_token.get(), f.scope.get(),
                                   f.redirect_uri.get(), f.code_verifier.get()});
          });
        });
    sub->add_option("--client-id", f.client_id, "Client id")->required();
    sub->add_option("--client-secret", f.client_secret, "Client secret")->required();
    sub->add_option("--grant-type", f.grant_type,
                    "urn:ietf:params:oauth:grant-type:device_code, refresh_token or "
                    "authorization_code")
        ->required();
    f.device_code.add(sub, "--device-code", "Device code (device_code grant)");
    f.code.add(sub, "--code", "Authorization code (authorization_code grant)");
    f.refresh_token.add(sub, "--refresh-token", "Refresh token (refresh_token grant)");
    f.scope.add(sub, "--scope", "Scopes (ignored by the service)");
    f.redirect_uri.add(sub, "--redirect-uri", "Redirect URI (authorization_code grant)");
    f.code_verifier.add(sub, "--code-verifier", "PKCE code verifier");
  }
  {
    auto [sub, f] = add_command<CreateTokenWithIamFlags>(
        app, global, runners, "create-token-with-iam",
        "Create a token for an IAM-authenticated application (CreateTokenWithIAM, SigV4)",
        [](const GlobalOptions& g, const CreateTokenWithIamFlags& f) {
          return run_operation(g, "CreateTokenWithIAM", [&](Client& c) {
            return c.create_token_with_iam(
                {f.client_id, f.grant_type, f.code.get(), f.refresh_token.get(), f.assertion.get(),
                 f.scope.get(), f.redirect_uri.get(), f.subject_token.get(),
                 f.subject_token_type.get(), f.requested_token_type.get(), f.code_verifier.get()});
          });
        });
    sub->add_option("--client-id", f.client_id, "Application ARN")->required();
    sub->add_option("--grant-type", f.grant_type,
                    "authorization_code, refresh_token, jwt-bearer or token-exchange URN")
        ->required();
    f.code.add(sub, "--code", "Authorization code");
    f.refresh_token.add(sub, "--refresh-token", "Refresh token");
    f.assertion.add(sub, "--assertion", "JWT from a trusted token issuer (jwt-bearer)");
    f.scope.add(sub, "--scope", "Scopes to downscope to");
    f.redirect_uri.add(sub, "--redirect-uri", "Redirect URI");
    f.subject_token.add(sub, "--subject-token", "Subject token (token-exchange)");
    f.subject_token_type.add(sub, "--subject-token-type", "Subject token type URN");
    f.requested_token_type.add(sub, "--requested-token-type", "Requested token type URN");
    f.code_verifier.add(sub, "--code-verifier", "PKCE code verifier");
  }
}

}  // namespace ssooidc::cli
