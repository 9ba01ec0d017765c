#include "api/api.h"

#include "api/error_response.h"
#include "api/operations.h"
#include "core/request_id.h"

namespace ssooidc::api {

bool is_iam_query(std::string_view query) noexcept {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view param = query.substr(0, amp);
    if (param == "aws_iam=t") return true;
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return false;
}

std::string Api::new_request_id() { return core::next_request_id(services_.random); }

std::optional<core::HttpResponse> Api::handle(const core::HttpRequest& req) {
  using Op = core::HttpResponse (*)(Services&, const core::HttpRequest&, std::string_view);
  Op op = nullptr;
  std::string_view name;  // the operation, for the access log
  if (req.path == "/token") {
    const bool iam = is_iam_query(req.query);
    op = iam ? &create_token_with_iam : &create_token;
    name = iam ? "CreateTokenWithIAM" : "CreateToken";
  } else if (req.path == "/device_authorization") {
    op = &start_device_authorization;
    name = "StartDeviceAuthorization";
  } else if (req.path == "/client/register") {
    op = &register_client;
    name = "RegisterClient";
  } else {
    return std::nullopt;
  }
  const std::string request_id = new_request_id();
  if (req.method != "POST") {
    auto resp = protocol_error(405, "MethodNotAllowedException", "invalid_request",
                               "Method " + req.method + " is not allowed on " + req.path +
                                   "; use POST",
                               request_id);
    resp.set("Allow", "POST");
    resp.log.operation = name;
    return resp;
  }
  auto resp = op(services_, req, request_id);
  resp.log.operation = name;
  resp.log.request_id = request_id;
  return resp;
}

std::optional<core::HttpResponse> Api::handle_from_memory(const core::HttpRequest& req) {
  if (req.path != "/token" || req.method != "POST" || is_iam_query(req.query)) return std::nullopt;
  auto resp = create_token_from_memory(services_, req);
  if (resp) resp->log.operation = "CreateToken";
  return resp;
}

bool Api::defers_only_where_reads_may_wait(const core::HttpRequest& req) {
  return req.method == "POST" && req.path == "/token" && !is_iam_query(req.query) &&
         create_token_defers(services_);
}

std::optional<Deferred> Api::handle_deferred(const core::HttpRequest& req, bool may_block) {
  if (req.method != "POST") return std::nullopt;
  using Op = std::optional<Deferred> (*)(Services&, const core::HttpRequest&, std::string, bool);
  Op op = nullptr;
  std::string_view operation;  // the operation, for the access log
  if (req.path == "/device_authorization") {
    op = &start_device_authorization_deferred;
    operation = "StartDeviceAuthorization";
  } else if (req.path == "/client/register") {
    op = &register_client_deferred;
    operation = "RegisterClient";
  } else if (req.path == "/token" && !is_iam_query(req.query)) {
    op = &create_token_deferred;
    operation = "CreateToken";
  } else {
    return std::nullopt;
  }
  std::string request_id = new_request_id();
  auto deferred = op(services_, req, request_id, may_block);
  if (!deferred) return std::nullopt;
  // What handle() adds to every answer.
  return Deferred([deferred = std::move(*deferred), request_id = std::move(request_id),
                   operation](core::ResponseDone done) mutable {
    deferred([request_id = std::move(request_id), operation,
              done = std::move(done)](core::HttpResponse resp) mutable {
      resp.log.operation = operation;
      resp.log.request_id = request_id;
      done(std::move(resp));
    });
  });
}

}  // namespace ssooidc::api
