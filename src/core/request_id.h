// x-amzn-RequestId values. They must be unique and look like the service's (UUID v4 text), but they
// are not secrets, so drawing 16 bytes from the CSPRNG for each one (a third of the cost of a
// polling request, measured with bench/api_bench) buys nothing. Instead each thread takes two
// 64-bit keys from `seed` once and then formats a keyed mix of a per-thread counter: the 122 bits
// that are not version or variant are as unlikely to repeat as a random UUID's, and an observer
// cannot read the request count off consecutive ids.
//
// Thread safety: safe to call from any thread; `seed` is used on a thread's first call only.
#pragma once

#include <array>
#include <cstddef>
#include <string>

#include "core/random.h"

namespace ssooidc::core {

inline constexpr std::size_t kRequestIdSize = 36;  // 8-4-4-4-12 hex digits and dashes
using RequestIdChars = std::array<char, kRequestIdSize>;

// The next id as a value of fixed size: a request on the poll's path holds it without the heap.
[[nodiscard]] RequestIdChars next_request_id_chars(Random& seed);
// The next id as text (next_request_id_chars in a string).
[[nodiscard]] std::string next_request_id(Random& seed);

}  // namespace ssooidc::core
