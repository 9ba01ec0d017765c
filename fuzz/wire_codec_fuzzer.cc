// Fuzzes the JSON codec of every wire type (src/wire/codec.h). The first byte picks the decoder;
// whatever decodes must encode, and decoding that encoding must give the same encoding again (a
// request the server accepted means one thing, whichever way it was spelled).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "wire/codec.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

template <typename Decode>
void round_trip_request(std::string_view text, Decode decode) {
  auto first = decode(text);
  if (!first) {
    check(first.error().type == ssooidc::ErrorType::kInvalidRequest);
    check(!first.error().error_description.empty());
    return;
  }
  const std::string encoded = ssooidc::wire::encode(first->value);
  auto second = decode(encoded);
  check(second.has_value());
  check(ssooidc::wire::encode(second->value) == encoded);
}

template <typename Decode>
void round_trip_response(std::string_view text, Decode decode) {
  auto first = decode(text);
  if (!first) return;
  const std::string encoded = ssooidc::wire::encode(*first);
  auto second = decode(encoded);
  check(second.has_value());
  check(ssooidc::wire::encode(*second) == encoded);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace wire = ssooidc::wire;
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 9) {
    case 0: round_trip_request(text, wire::decode_register_client_request); break;
    case 1: round_trip_request(text, wire::decode_start_device_authorization_request); break;
    case 2: round_trip_request(text, wire::decode_create_token_request); break;
    case 3: round_trip_request(text, wire::decode_create_token_with_iam_request); break;
    case 4: round_trip_response(text, wire::decode_register_client_response); break;
    case 5: round_trip_response(text, wire::decode_start_device_authorization_response); break;
    case 6: round_trip_response(text, wire::decode_create_token_response); break;
    case 7: round_trip_response(text, wire::decode_create_token_with_iam_response); break;
    default: {
      const auto body = wire::decode_error_body(text);
      if (body.error) {
        ssooidc::Error error;
        error.error = *body.error;
        error.error_description = body.error_description.value_or("");
        const auto again = wire::decode_error_body(wire::encode_error_body(error));
        check(again.error == body.error);
      }
    }
  }
  return 0;
}
