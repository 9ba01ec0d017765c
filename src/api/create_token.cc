#include "api/error_response.h"
#include "api/missing_members.h"
#include "api/operations.h"
#include "core/request_id.h"
#include "wire/codec.h"

namespace ssooidc::api {
namespace {

core::HttpResponse token_answer(const std::expected<CreateTokenResponse, Error>& resp,
                                std::string_view client_id, std::string_view request_id) {
  auto answer = resp ? json_response(wire::encode(*resp), request_id)
                     : error_response(resp.error(), request_id);
  answer.log.client_id = loggable_client_id(client_id);
  return answer;
}

}  // namespace

core::HttpResponse create_token(Services& s, const core::HttpRequest& req,
                                std::string_view request_id) {
  auto decoded = wire::decode_create_token_request(req.body);
  if (!decoded) return error_response(decoded.error(), request_id);
  if (!decoded->missing_required.empty())
    return error_response(missing_member_error(decoded->missing_required), request_id);
  return token_answer(s.tokens.create_token(decoded->value), decoded->value.clientId, request_id);
}

bool create_token_defers(Services& s) {
  return s.tokens.commits_without_waiting(kGrantDeviceCode) &&
         s.tokens.commits_without_waiting(kGrantAuthorizationCode) &&
         s.tokens.commits_without_waiting(kGrantRefreshToken);
}

std::optional<Deferred> create_token_deferred(Services& s, const core::HttpRequest& req,
                                              std::string request_id, bool may_block) {
  // The grants' checks read storage: only on a thread that may block.
  if (!may_block) return std::nullopt;
  auto decoded = wire::decode_create_token_request(req.body);
  if (!decoded || !decoded->missing_required.empty() ||
      !s.tokens.commits_without_waiting(decoded->value.grantType))
    return std::nullopt;  // create_token answers it
  return Deferred([&tokens = s.tokens, request = std::move(decoded->value),
                   request_id = std::move(request_id)](core::ResponseDone done) mutable {
    domain::TokenService::TokenDone answer =
        [client_id = request.clientId, request_id,
         done = std::move(done)](std::expected<CreateTokenResponse, Error> resp) mutable {
          done(token_answer(resp, client_id, request_id));
        };
    if (!tokens.create_token_without_waiting(request, answer))
      answer(tokens.create_token(request));
  });
}

std::optional<core::HttpResponse> create_token_from_memory(Services& s,
                                                           const core::HttpRequest& req) {
  // The body every polling CLI sends is read without a JSON document (about a tenth of the
  // poll's CPU with one); any other body takes the full decoder, as create_token would.
  // Read as views into the body (no copies); only another body is decoded into `decoded`.
  domain::TokenService::PollMembers poll;
  std::optional<CreateTokenRequest> decoded;
  if (const auto members = wire::device_code_poll_members(req.body)) {
    poll = {members->client_id, members->client_secret, members->grant_type,
            members->device_code};
  } else {
    auto full = wire::decode_create_token_request(req.body);
    if (!full || !full->missing_required.empty()) return std::nullopt;
    decoded = std::move(full->value);
    poll = {decoded->clientId, decoded->clientSecret, decoded->grantType,
            decoded->deviceCode ? std::string_view(*decoded->deviceCode) : ""};
  }
  const Error* refusal = s.tokens.poll_from_memory(poll);
  if (refusal == nullptr) return std::nullopt;
  // The poll's answers from memory are a few errors, repeated at the rate clients poll:
  // prepared once (issue 15), the same bytes as token_answer's, and nothing on the heap.
  const core::RequestIdChars request_id = core::next_request_id_chars(s.random);
  std::optional<core::HttpResponse> answer =
      prepared_error_response(*refusal, std::string_view(request_id.data(), request_id.size()));
  answer->log.client_id = loggable_client_id(poll.client_id);
  return answer;
}

}  // namespace ssooidc::api
