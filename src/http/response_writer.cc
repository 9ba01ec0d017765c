#include "http/response_writer.h"

// Boost 1.81's boost/core/detail/string_view.hpp (pulled in by status.hpp) streams to
// std::ostream but includes only <iosfwd>.
#include <array>
#include <boost/beast/http/status.hpp>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ostream>
#include <utility>

#include "core/time_format.h"

namespace ssooidc::http {
namespace {

using core::valid_field_name;
using core::valid_field_value;

// The fields whose meaning belongs to the transport; the length test keeps the common case (none
// of these) to one switch.
enum class FieldRole { kOther, kDate, kConnection, kFraming };

FieldRole field_role(std::string_view name) noexcept {
  switch (name.size()) {
    case 4:
      return core::iequals(name, "date") ? FieldRole::kDate : FieldRole::kOther;
    case 10:
      return core::iequals(name, "connection") ? FieldRole::kConnection : FieldRole::kOther;
    case 14:
      return core::iequals(name, "content-length") ? FieldRole::kFraming : FieldRole::kOther;
    case 17:
      return core::iequals(name, "transfer-encoding") ? FieldRole::kFraming : FieldRole::kOther;
    default:
      return FieldRole::kOther;
  }
}

bool has_no_content(int status) noexcept { return status < 200 || status == 204 || status == 304; }

void append_number(std::string& out, std::size_t value) {
  std::array<char, 24> digits{};
  auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  out.append(digits.data(), end);
}

}  // namespace

SerializedResponse serialize_response(core::HttpResponse&& response, bool keep_alive,
                                      bool head_request, std::string_view date,
                                      std::string head_buffer) {
  if (response.status < 200 || response.status > 599)
    response = plain_error_response(500, kInternalErrorDescription);

  SerializedResponse out;
  out.status = response.status;
  out.close = !keep_alive;
  bool handler_date = false;
  const auto reason =
      boost::beast::http::obsolete_reason(boost::beast::http::int_to_status(out.status));
  const core::PreparedResponse* prepared = response.prepared.get();
  std::size_t size = 96 + reason.size() + date.size();
  if (prepared)
    size += prepared->fields_before.size() + response.prepared_value.size() +
            prepared->fields_after.size();
  for (const auto& [name, value] : response.headers) {
    size += name.size() + value.size() + 4;
    const FieldRole role = field_role(name);
    if (role == FieldRole::kDate) handler_date = true;
    if (role == FieldRole::kConnection && core::iequals(value, "close")) out.close = true;
  }

  std::string& head = out.head;
  head = std::move(head_buffer);
  head.clear();
  head.reserve(size);
  head += "HTTP/1.1 ";
  append_number(head, static_cast<std::size_t>(out.status));
  head += ' ';
  if (boost::beast::http::int_to_status(out.status) != boost::beast::http::status::unknown)
    head.append(reason.data(), reason.size());
  head += "\r\n";
  if (prepared) {
    // Checked when prepared (core::prepare_response) and when filled in (respond_prepared).
    head += prepared->fields_before;
    head += response.prepared_value.view();
    head += prepared->fields_after;
  }
  for (const auto& [name, value] : response.headers) {
    const FieldRole role = field_role(name);
    if (role == FieldRole::kConnection || role == FieldRole::kFraming) continue;
    if (!valid_field_name(name) || !valid_field_value(value)) continue;
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
  }
  if (!handler_date && !date.empty()) {
    head += "Date: ";
    head += date;
    head += "\r\n";
  }
  if (!has_no_content(out.status)) {
    head += "Content-Length: ";
    append_number(head, prepared ? prepared->body.size() : response.body.size());
    head += "\r\n";
    if (!head_request) {
      if (prepared)
        out.shared_body = std::move(response.prepared);
      else
        out.body = std::move(response.body);
    }
  }
  head += out.close ? "Connection: close\r\n\r\n" : "Connection: keep-alive\r\n\r\n";
  return out;
}

std::string_view continue_response() noexcept { return "HTTP/1.1 100 Continue\r\n\r\n"; }

core::HttpResponse plain_error_response(int status, std::string_view description) {
  core::HttpResponse response;
  response.status = status;
  response.set("Content-Type", "text/plain; charset=utf-8");
  response.body = std::string(description) + "\n";
  return response;
}

std::string_view HttpDate::now() {
  const std::time_t t = std::time(nullptr);
  if (t != second_) {
    second_ = t;
    text_ = format(t);
  }
  return text_;
}

std::string HttpDate::format(std::time_t t) { return core::format_imf_fixdate(t); }

}  // namespace ssooidc::http
