#include "client/loopback_listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "client/oauth_callback.h"
#include "client/pkce.h"

namespace ssooidc::client {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Owns a socket; movable so that connections can live in a vector.
class Socket {
 public:
  explicit Socket(int fd) noexcept : fd_(fd) {}
  Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Socket& operator=(Socket&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~Socket() { reset(); }
  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

 private:
  void reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd_;
};

struct Connection {
  Socket socket;
  std::string head;  // what arrived so far: the request line and headers
  SteadyClock::time_point deadline;
};

Error socket_error(std::string_view call, int err) {
  return Error::make(ErrorType::kTransport,
                     "loopback listener: " + std::string(call) + " failed: " + std::strerror(err));
}

int millis_until(SteadyClock::time_point t) {
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(t - SteadyClock::now()).count();
  return static_cast<int>(std::clamp<long long>(ms, 0, INT_MAX));
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 431:
      return "Request Header Fields Too Large";
    default:
      return "Error";
  }
}

std::string serialize(const CallbackReply& reply) {
  std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " " +
                    std::string(reason_phrase(reply.status)) + "\r\n";
  for (const auto& [name, value] : reply.headers)
    out.append(name).append(": ").append(value).append("\r\n");
  out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n\r\n";
  return out + reply.body;
}

CallbackReply plain(int status) {
  return CallbackReply{status,
                       {{"Content-Type", "text/plain; charset=utf-8"}, {"Connection", "close"}},
                       std::string(reason_phrase(status)) + "\n"};
}

// Best effort: a browser that went away does not matter, the verdict stands.
void send_all(int fd, std::string_view data, SteadyClock::time_point deadline) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, millis_until(deadline)) <= 0) return;
    } else {
      return;
    }
  }
}

struct RequestLine {
  std::string_view method;
  std::string_view target;
};

// "GET /oauth/callback?code=..&state=.. HTTP/1.1"
std::optional<RequestLine> parse_request_line(std::string_view head) {
  const std::string_view line = head.substr(0, head.find("\r\n"));
  const auto first_space = line.find(' ');
  if (first_space == std::string_view::npos) return std::nullopt;
  const auto second_space = line.find(' ', first_space + 1);
  if (second_space == std::string_view::npos) return std::nullopt;
  RequestLine r{line.substr(0, first_space),
                line.substr(first_space + 1, second_space - first_space - 1)};
  if (r.method.empty() || !r.target.starts_with('/') ||
      !line.substr(second_space + 1).starts_with("HTTP/1.")) {
    return std::nullopt;
  }
  return r;
}

std::string describe_duration(std::chrono::milliseconds d) {
  if (d.count() == 1000) return "1 second";
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " seconds";
  return std::to_string(d.count()) + " ms";
}

Error timed_out(std::uint16_t port, std::chrono::milliseconds waited) {
  Error e = Error::make(ErrorType::kExpiredToken,
                        "No authorization response reached " + pkce::loopback_redirect_uri(port) +
                            " within " + describe_duration(waited) +
                            ". The login flow to retrieve an SSO token must be restarted.");
  e.http_status = 0;  // decided here, not by the service
  return e;
}

// A connection that is done without a decision (closed, refused or malformed).
CallbackVerdict dropped() { return CallbackVerdict{}; }

// Reads what arrived on `c` and, once its request head is complete, answers it. nullopt while
// the request is still incomplete; otherwise the connection is finished and the verdict says
// whether the wait is over (anything but a decided request is kIgnored).
std::optional<CallbackVerdict> read_and_answer(Connection& c, std::string_view expected_state,
                                               std::size_t max_request_bytes) {
  char buffer[4096];
  const ssize_t n = ::recv(c.socket.get(), buffer, sizeof buffer, 0);
  if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) return std::nullopt;
  if (n <= 0) return dropped();  // closed by the browser, or reset
  c.head.append(buffer, static_cast<std::size_t>(n));
  if (c.head.find("\r\n\r\n") == std::string::npos) {
    if (c.head.size() <= max_request_bytes) return std::nullopt;
    send_all(c.socket.get(), serialize(plain(431)), c.deadline);
    return dropped();
  }
  const auto line = parse_request_line(c.head);
  if (!line) {
    send_all(c.socket.get(), serialize(plain(400)), c.deadline);
    return dropped();
  }
  CallbackVerdict verdict = handle_callback_request(line->method, line->target, expected_state);
  send_all(c.socket.get(), serialize(verdict.reply), c.deadline);
  return verdict;
}

// Takes the connections waiting in the backlog, up to the limit.
void accept_waiting(int listen_fd, const LoopbackOptions& options,
                    std::vector<Connection>& connections) {
  while (connections.size() < options.max_connections) {
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN: nobody else is waiting; other errors: that peer gave up
    connections.push_back(Connection{Socket(fd), {}, SteadyClock::now() + options.request_timeout});
  }
}

}  // namespace

std::expected<std::unique_ptr<LoopbackListener>, Error> LoopbackListener::open(
    LoopbackOptions options) {
  Socket socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (socket.get() < 0) return std::unexpected(socket_error("socket", errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // never reachable from other hosts
  addr.sin_port = 0;                              // a free port the kernel picks
  if (::bind(socket.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    return std::unexpected(socket_error("bind 127.0.0.1:0", errno));
  }
  if (::listen(socket.get(), 16) != 0) return std::unexpected(socket_error("listen", errno));
  socklen_t length = sizeof addr;
  if (::getsockname(socket.get(), reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
    return std::unexpected(socket_error("getsockname", errno));
  }
  return std::unique_ptr<LoopbackListener>(
      new LoopbackListener(socket.release(), ntohs(addr.sin_port), options));
}

LoopbackListener::~LoopbackListener() {
  if (fd_ >= 0) ::close(fd_);
}

std::expected<std::string, Error> LoopbackListener::wait_for_code(std::string_view expected_state) {
  const auto give_up = SteadyClock::now() + options_.overall_timeout;
  std::vector<Connection> connections;
  std::vector<pollfd> fds;
  for (;;) {
    const auto now = SteadyClock::now();
    if (now >= give_up) return std::unexpected(timed_out(port_, options_.overall_timeout));
    // Connections that sent no complete request in time are answered and dropped.
    std::erase_if(connections, [&](Connection& c) {
      if (now < c.deadline) return false;
      send_all(c.socket.get(), serialize(plain(408)), now);
      return true;
    });

    auto wake = give_up;
    fds.clear();
    for (const auto& c : connections) {
      fds.push_back(pollfd{c.socket.get(), POLLIN, 0});
      wake = std::min(wake, c.deadline);
    }
    const bool accepting = connections.size() < options_.max_connections;
    if (accepting) fds.push_back(pollfd{fd_, POLLIN, 0});
    const int ready = ::poll(fds.data(), fds.size(), millis_until(wake));
    if (ready < 0 && errno != EINTR) return std::unexpected(socket_error("poll", errno));
    if (ready <= 0) continue;

    // The connections first (their indexes match `fds`), then new ones.
    std::vector<Connection> still_open;
    for (std::size_t i = 0; i < connections.size(); ++i) {
      auto verdict = fds[i].revents == 0 ? std::nullopt
                                         : read_and_answer(connections[i], expected_state,
                                                           options_.max_request_bytes);
      if (!verdict) {
        still_open.push_back(std::move(connections[i]));
      } else if (verdict->outcome == CallbackVerdict::Outcome::kCode) {
        return std::move(verdict->code);
      } else if (verdict->outcome == CallbackVerdict::Outcome::kFailed) {
        return std::unexpected(std::move(verdict->error));
      }
    }
    connections = std::move(still_open);
    if (accepting && fds.back().revents != 0) accept_waiting(fd_, options_, connections);
  }
}

}  // namespace ssooidc::client
