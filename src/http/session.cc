#include "http/session.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/beast/http/error.hpp>
#include <span>
#include <utility>

#include "http/response_writer.h"
#include "http/worker.h"

namespace ssooidc::http {

namespace asio = boost::asio;
namespace beast_http = boost::beast::http;
using boost::system::error_code;

namespace {

// Bytes asked of the socket per read when the buffer has no spare room. A typical API request
// (a few hundred bytes) arrives in one read.
constexpr std::size_t kReadSize = 4096;
// A closing connection reads and discards at most this much before giving up on the client.
constexpr std::size_t kMaxDiscard = 1024 * 1024;
// What a complete chunk-size line may take besides its extension: the hex size and CRLFs.
constexpr std::size_t kChunkLineSlack = RequestParser::kMaxChunkExtension + 64;

// What a client is told when every handler thread is busy and the queue is full.
constexpr std::string_view kBusyDescription =
    "The server is too busy to take this request; retry shortly";

}  // namespace

Session::Session(Worker& worker, asio::ip::tcp::socket socket, asio::ip::address peer,
                 std::string connection_key, std::shared_ptr<asio::ssl::context> tls)
    : worker_(worker),
      config_(worker.config()),
      socket_(std::move(socket)),
      tls_context_(std::move(tls)),
      peer_(std::move(peer)),
      peer_text_(address_text(peer_)),
      connection_key_(std::move(connection_key)) {
  const std::size_t limit = std::max<std::size_t>(config_.options.pipeline_limit, 1);
  ring_.resize(limit + 2);
  if (tls_context_)
    tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(socket_, *tls_context_);
  worker_.attach(*this);
}

Session::~Session() {
  // Unlink before telling the worker, which may find its list empty and finish.
  unlink();
  worker_.config().connections.release(connection_key_);
  worker_.detach(*this);
}

void Session::start() {
  error_code ec;
  // Responses go out in one gathered write; do not let Nagle hold the last segment back.
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  if (!tls_) {
    process_buffer();
    return;
  }
  // The handshake is the client's first bytes: it gets first_byte_timeout to finish it.
  handshaking_ = true;
  read_deadline_ms_ = config_.now_ms() + config_.options.first_byte_timeout.count();
  tls_->async_handshake(asio::ssl::stream_base::server,
                        [self = shared_from_this()](const error_code& handshake_ec) {
                          self->on_handshake(handshake_ec);
                        });
}

void Session::on_handshake(const error_code& ec) {
  handshaking_ = false;
  if (closed_) return;
  if (ec) {
    // A client that does not trust the certificate, speaks plain HTTP or an old protocol: no
    // HTTP answer is possible, the alert OpenSSL sent says why.
    close_now();
    return;
  }
  process_buffer();
}

template <typename Handler>
void Session::async_read_some_from_stream(asio::mutable_buffer buffer, Handler&& handler) {
  if (tls_)
    tls_->async_read_some(buffer, std::forward<Handler>(handler));
  else
    socket_.async_read_some(buffer, std::forward<Handler>(handler));
}

// Parses what the buffer holds; dispatches each complete request; reads when it needs more.
void Session::process_buffer() {
  const std::size_t pipeline_limit = std::max<std::size_t>(config_.options.pipeline_limit, 1);
  while (!closing_ && !awaiting_handler_ && !closed_) {
    if (ring_size_ >= pipeline_limit) {
      paused_ = true;  // on_write resumes
      return;
    }
    if (buffer_.size() == 0) {
      if (writing_ && !parser_) {
        // Issue 15: between requests, read once the response is out, not now. The client cannot
        // have sent its next request before it got this answer, so a read now would almost
        // always be a wasted recvfrom (EAGAIN) and a second one after epoll; from on_write, with
        // the worker's other connections served in between, the next request is often there.
        read_after_write_ = true;
        return;
      }
      read_more();
      return;
    }
    if (!parser_) start_message();

    error_code ec;
    const bool header_was_done = parser_->is_header_done();
    const std::size_t used = parser_->put(buffer_.data(), ec);
    if (!header_was_done && !parser_->is_header_done()) header_bytes_ += used;
    buffer_.consume(used);

    if (ec == beast_http::error::need_more) ec = {};
    if (ec) {
      reject(ec);
      return;
    }
    if (parser_->is_done()) {
      dispatch();
      continue;
    }
    if (!parser_->is_header_done() &&
        header_bytes_ + buffer_.size() >= config_.options.header_limit) {
      // Beast counts the limit from where each put() starts; this bounds the whole header,
      // request line included, however the bytes were split across reads.
      reject(beast_http::error::header_limit);
      return;
    }
    if (parser_->is_header_done() &&
        buffer_.size() > config_.options.header_limit + kChunkLineSlack) {
      // Past the header Beast hands body bytes on as they arrive but keeps a chunk-size line or
      // the trailer section buffered until it is complete. Neither may grow the buffer beyond the
      // header limit plus a chunk line; RequestParser refuses the too-long ones once complete.
      reject_malformed("chunk-size line or trailer section too long");
      return;
    }
    if (parser_->is_header_done() && parser_->expects_continue() && !continue_sent_) {
      // RFC 9110 §10.1.1: the client waits for this before sending the body.
      continue_sent_ = true;
      Outgoing* out = push_outgoing();
      if (out == nullptr) return;
      out->head.assign(continue_response());
      start_write();
    }
    if (used == 0 || buffer_.size() == 0) {
      read_more();
      return;
    }
  }
}

void Session::start_message() {
  const auto& options = config_.options;
  parser_.emplace(request_, options.header_limit, options.body_limit);
  header_bytes_ = 0;
  continue_sent_ = false;
  request_started_ = Clock::now();
  // The whole request must arrive within read_timeout of its first byte, however slowly it
  // trickles in.
  read_deadline_ms_ = config_.now_ms() + options.read_timeout.count();
}

void Session::read_more() {
  if (reading_ || closed_) return;
  if (!parser_) {
    // Waiting for the first byte of a request: a fresh connection gets first_byte_timeout to
    // start talking (an idle socket holds a descriptor and a connection slot), a kept-alive one
    // idle_timeout.
    read_deadline_ms_ = config_.now_ms() + (served_any_ ? config_.options.idle_timeout
                                                        : config_.options.first_byte_timeout)
                                               .count();
  }
  reading_ = true;
  const std::size_t spare = buffer_.capacity() - buffer_.size();
  async_read_some_from_stream(buffer_.prepare(std::max(spare, kReadSize)),
                              [self = shared_from_this()](const error_code& ec, std::size_t bytes) {
                                self->on_read(ec, bytes);
                              });
}

void Session::on_read(const error_code& ec, std::size_t bytes) {
  reading_ = false;
  if (closed_) return;
  if (ec) {
    // End of stream, reset, or a read cancelled by close. A request cut short is dropped; the
    // responses already queued still go out if the peer only half-closed.
    peer_done_ = true;
    closing_ = true;
    finish_if_done();
    return;
  }
  buffer_.commit(bytes);
  if (closing_) {
    linger_ = true;  // the client is still sending: drain before closing
    discarded_ += buffer_.size();
    buffer_.consume(buffer_.size());
    if (discarded_ > kMaxDiscard)
      close_now();
    else if (shut_)
      start_discard_read();
    return;
  }
  process_buffer();
}

void Session::dispatch() {
  // The parser filled request_ (the connection's one, reused: issue 15); it stays this request's
  // until the next start_message, which comes after this request is answered or moved out.
  core::HttpRequest& request = request_;
  Answering answering;
  answering.client_keep_alive = parser_->keep_alive();
  parser_.reset();
  served_any_ = true;
  ClientOrigin origin = client_origin(peer_, peer_text_, request, config_.trusted_proxies);
  request.remote_address = std::move(origin.address);
  request.tls = origin.tls.value_or(config_.options.tls_public);
  request.received = request_started_;
  answering.head_request = request.method == "HEAD";
  if (config_.options.access_log) {
    answering.method = request.method;
    answering.path = request.path;
    answering.remote = request.remote_address;
  }

  const auto& runs_inline = config_.options.runs_inline;
  if (config_.pool == nullptr || (runs_inline && runs_inline(request))) {
    answer(std::move(answering), run_handler(request));
    return;
  }
  // Issue 15: what can be answered from memory is answered here, without the two thread
  // hand-offs of the pool.
  if (config_.options.try_inline) {
    if (auto answered = try_inline(request)) {
      answer(std::move(answering), std::move(*answered));
      return;
    }
  }
  if (config_.options.try_async && try_async(shared_from_this(), request, false, answering)) {
    awaiting_handler_ = true;
    return;
  }
  // Issue 12: a handler that may block on the database runs on the pool; this thread goes on
  // serving the worker's other connections. The completion takes the only reference the job
  // holds, so the session is released on the worker's thread. The job gets the request itself
  // (the next one is parsed into a fresh request_).
  auto shared_request = std::make_shared<core::HttpRequest>(std::move(request_));
  request_ = core::HttpRequest{};
  const bool quick = config_.quick_pool != nullptr && config_.options.quick_lane(*shared_request);
  HandlerPool::Job job = pool_job(shared_from_this(), std::move(shared_request), answering,
                                  quick ? PoolLane::kQuick : PoolLane::kHandler);
  if ((quick ? config_.quick_pool : config_.pool)->try_submit(job)) {
    awaiting_handler_ = true;
    return;
  }
  // Every handler thread is busy and the queue is full: answer at once rather than grow it.
  answer(std::move(answering), busy_response());
}

void Session::release_on_worker(std::shared_ptr<Session> self) {
  // When the answer has been sent by then, this reference is the last, and a session is
  // destroyed only on its worker's thread (its destructor detaches it from the worker; TSan
  // found the race when a job dropped it on its own thread).
  auto& context = self->worker_.io_context();
  asio::post(context, [self = std::move(self)] {});
}

core::HttpResponse Session::busy_response() const {
  worker_.config().busy_rejections.fetch_add(1, std::memory_order_relaxed);
  return error_response(503, kBusyDescription);
}

HandlerPool::Job Session::pool_job(std::shared_ptr<Session> self,
                                   std::shared_ptr<core::HttpRequest> request,
                                   Answering answering, PoolLane lane) {
  return [self = std::move(self), request = std::move(request), answering = std::move(answering),
          lane]() mutable {
    if (lane != PoolLane::kHandlerOnly && self->config_.options.try_async &&
        try_async(self, *request, true, answering)) {
      request.reset();
      release_on_worker(std::move(self));
      return;
    }
    if (lane == PoolLane::kQuick) {
      // Declined: its handler may wait for the database, which the quick lane never does.
      {
        HandlerPool::Job handed = pool_job(self, std::move(request), answering,
                                           PoolLane::kHandlerOnly);
        if (self->config_.pool->try_submit(handed)) {
          release_on_worker(std::move(self));  // the handler thread may answer first
          return;
        }
      }  // refused: `handed` and its reference are gone before the answer below is delivered
      core::HttpResponse busy = self->busy_response();
      Worker& worker = self->worker_;
      worker.deliver(Completion{std::move(self), std::move(answering), std::move(busy)});
      return;
    }
    core::HttpResponse response = self->run_handler(*request);
    request.reset();
    Worker& worker = self->worker_;
    worker.deliver(Completion{std::move(self), std::move(answering), std::move(response)});
  };
}

bool Session::try_async(const std::shared_ptr<Session>& session, const core::HttpRequest& request,
                        bool may_block, const Answering& answering) {
  // Posted back to the worker's thread, which alone touches the session's state.
  core::ResponseDone done = [self = session, answering = Answering(answering)](
                                core::HttpResponse response) mutable {
    if (response.status < 200 || response.status > 599)
      response = self->error_response(500, kInternalErrorDescription);
    Worker& worker = self->worker_;
    worker.deliver(Completion{std::move(self), std::move(answering), std::move(response)});
  };
  try {
    return session->config_.options.try_async(request, may_block, done);
  } catch (...) {
    // As run_handler answers a throw; if `done` was taken, whoever took it answers.
    if (done) done(session->error_response(500, kInternalErrorDescription));
    return true;
  }
}

std::optional<core::HttpResponse> Session::try_inline(const core::HttpRequest& request) const {
  std::optional<core::HttpResponse> response;
  try {
    response = config_.options.try_inline(request);
  } catch (...) {
    return error_response(500, kInternalErrorDescription);  // as run_handler answers a throw
  }
  if (response && (response->status < 200 || response->status > 599))
    return error_response(500, kInternalErrorDescription);
  return response;
}

core::HttpResponse Session::run_handler(const core::HttpRequest& request) const {
  core::HttpResponse response;
  try {
    response = config_.handler(request);
  } catch (...) {
    // Handlers report errors in the response; an exception is a bug, answered like the
    // service answers its own faults.
    response = error_response(500, kInternalErrorDescription);
  }
  if (response.status < 200 || response.status > 599)
    response = error_response(500, kInternalErrorDescription);
  return response;
}

void Session::complete(Completion completion) {
  completion.session->on_handler_done(std::move(completion.answering),
                                      std::move(completion.response));
}

void Session::on_handler_done(Answering answering, core::HttpResponse response) {
  awaiting_handler_ = false;
  if (closed_) return;
  answer(std::move(answering), std::move(response));
  process_buffer();  // the requests pipelined behind it
}

void Session::answer(Answering answering, core::HttpResponse response) {
  // Read `stopping` after the handler: a stop() that arrived meanwhile closes this connection.
  const bool keep_alive =
      answering.client_keep_alive && !config_.stopping.load(std::memory_order_relaxed);
  Outgoing* out = push_outgoing();
  if (out == nullptr) return;
  out->log = response.log;  // plain bytes (core::InlineText): a copy
  SerializedResponse wire = serialize_response(std::move(response), keep_alive,
                                               answering.head_request, worker_.http_date(),
                                               std::move(out->head));
  if (wire.close) closing_ = true;
  queue(*out, std::move(wire), std::move(answering.method), std::move(answering.path),
        std::move(answering.remote));
}

void Session::queue(Outgoing& out, SerializedResponse&& wire, std::string method,
                    std::string path, std::string remote) {
  out.head = std::move(wire.head);
  out.body = std::move(wire.body);
  out.shared_body = std::move(wire.shared_body);
  out.status = wire.status;
  out.logged = true;
  out.started = request_started_;
  if (config_.options.access_log) {
    out.method = std::move(method);
    out.path = std::move(path);
    out.remote = std::move(remote);
  }
  start_write();
}

core::HttpResponse Session::error_response(int status, std::string_view description) const {
  const auto& responder = config_.options.error_response;
  if (!responder) return plain_error_response(status, description);
  try {
    return responder(status, description);
  } catch (...) {
    return plain_error_response(status, description);
  }
}

void Session::reject(const error_code& ec) {
  const auto& options = config_.options;
  if (parser_ && !parser_->rejection().empty()) {
    reject_malformed(std::string(parser_->rejection()));
    return;
  }
  int status = 400;
  std::string description;
  if (ec == beast_http::error::header_limit) {
    status = 431;
    description = "Request header fields exceed " + std::to_string(options.header_limit) + " bytes";
  } else if (ec == beast_http::error::body_limit) {
    status = 413;
    description = "Request body exceeds " + std::to_string(options.body_limit) + " bytes";
  } else {
    description = "Malformed HTTP request: " + ec.message();
  }
  reject_with(status, std::move(description));
}

void Session::reject_malformed(const std::string& why) {
  reject_with(400, "Malformed HTTP request: " + why);
}

void Session::reject_with(int status, std::string_view description) {
  core::HttpRequest partial;
  if (parser_) {
    partial = std::move(parser_->request());
    request_ = core::HttpRequest{};
  }
  parser_.reset();
  closing_ = true;
  linger_ = true;  // the client may still be sending the rest of the rejected request

  Outgoing* out = push_outgoing();
  if (out == nullptr) return;
  SerializedResponse wire =
      serialize_response(error_response(status, description),
                         /*keep_alive=*/false, /*head_request=*/false, worker_.http_date());
  queue(*out, std::move(wire), std::move(partial.method), std::move(partial.path), peer_text_);
}

Session::Outgoing* Session::push_outgoing() {
  if (ring_size_ == ring_.size()) {
    // Cannot happen: reading pauses at pipeline_limit and the ring has two spare slots. Should
    // the arithmetic ever be wrong, drop the connection rather than overwrite a response.
    close_now();
    return nullptr;
  }
  Outgoing& out = ring_[(ring_first_ + ring_size_) % ring_.size()];
  ++ring_size_;
  out.head.clear();
  out.body.clear();
  out.shared_body.reset();
  out.logged = false;
  out.status = 0;
  out.method.clear();
  out.path.clear();
  out.remote.clear();
  out.log = {};
  return &out;
}

void Session::start_write() {
  if (writing_ || ring_size_ == 0 || closed_) return;
  writing_ = true;
  write_deadline_ms_ = config_.now_ms() + config_.options.read_timeout.count();
  write_buffers_.clear();
  writing_count_ = ring_size_;
  for (std::size_t i = 0; i < writing_count_; ++i) {
    const Outgoing& out = ring_[(ring_first_ + i) % ring_.size()];
    write_buffers_.emplace_back(asio::buffer(out.head));
    if (!out.body.empty()) write_buffers_.emplace_back(asio::buffer(out.body));
    if (out.shared_body && !out.shared_body->body.empty())
      write_buffers_.emplace_back(asio::buffer(out.shared_body->body));
  }
  write_next_ = 0;
  write_some();
}

// Issue 15: write_some and its own loop rather than asio::async_write. The composed operation
// sends a copy of up to 64 buffers, which makes Asio's operation too large for its per-thread
// recycling of operation memory: one heap allocation per response. The span keeps the operation
// small (it is recycled like the read's), and the loop below is what async_write would do.
void Session::write_some() {
  const std::span<const asio::const_buffer> pending(write_buffers_.data() + write_next_,
                                                    write_buffers_.size() - write_next_);
  auto on_written = [self = shared_from_this()](const error_code& ec, std::size_t bytes) {
    self->on_write_some(ec, bytes);
  };
  if (tls_)
    tls_->async_write_some(pending, std::move(on_written));
  else
    socket_.async_write_some(pending, std::move(on_written));
}

void Session::on_write_some(const error_code& ec, std::size_t bytes) {
  if (!ec && !closed_ && bytes == 0) {
    // No progress and no error (asio::async_write would stop here too): the rest cannot be sent.
    on_write(asio::error::broken_pipe);
    return;
  }
  if (!ec && !closed_) {
    while (write_next_ < write_buffers_.size() && bytes >= write_buffers_[write_next_].size()) {
      bytes -= write_buffers_[write_next_].size();
      ++write_next_;
    }
    if (write_next_ < write_buffers_.size()) {
      write_buffers_[write_next_] += bytes;  // the rest of a buffer sent in part
      write_some();
      return;
    }
  }
  on_write(ec);
}

void Session::on_write(const error_code& ec) {
  writing_ = false;
  write_deadline_ms_ = kNever;
  if (closed_) return;
  if (ec) {
    close_now();
    return;
  }
  const auto& access_log = config_.options.access_log;
  // Only the access log needs the time here (issue 15: a clock read less per request without it).
  const auto now = access_log ? Clock::now() : Clock::time_point{};
  for (std::size_t i = 0; i < writing_count_; ++i) {
    Outgoing& out = ring_[ring_first_];
    if (out.logged && access_log) {
      AccessLogEntry entry;
      entry.method = out.method;
      entry.path = out.path;
      entry.status = out.status;
      entry.bytes = out.body.size() + (out.shared_body ? out.shared_body->body.size() : 0);
      entry.duration_us = static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(now - out.started).count());
      entry.remote = out.remote;
      entry.log = &out.log;
      try {
        access_log(entry);
      } catch (...) {
        // A failing log sink must not take the connection down.
      }
    }
    ring_first_ = (ring_first_ + 1) % ring_.size();
    --ring_size_;
  }
  writing_count_ = 0;
  if (ring_size_ > 0) {
    start_write();
  } else {
    finish_if_done();
  }
  if ((paused_ || read_after_write_) && !closing_ && !closed_) {
    paused_ = false;
    read_after_write_ = false;
    process_buffer();
  }
}

// Once a closing connection has written everything: close at once if the peer has gone,
// otherwise shut down sending and linger (see session.h).
void Session::finish_if_done() {
  if (closed_ || !closing_ || writing_ || ring_size_ > 0 || awaiting_handler_) return;
  if (peer_done_) {
    close_now();
    return;
  }
  if (!linger_ && buffer_.size() == 0) {
    // Nothing suggests the client is still sending (it asked to close, or the server is
    // stopping between requests): a plain close sends FIN, not RST.
    error_code ec;
    if (socket_.available(ec) == 0 && !ec) {
      close_now();
      return;
    }
  }
  if (!shut_) {
    shut_ = true;
    error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    if (ec) {
      close_now();
      return;
    }
    read_deadline_ms_ = config_.now_ms() + config_.linger.count();
  }
  start_discard_read();
}

void Session::start_discard_read() {
  if (reading_ || closed_) return;
  reading_ = true;
  buffer_.clear();
  socket_.async_read_some(buffer_.prepare(std::max(buffer_.capacity(), kReadSize)),
                          [self = shared_from_this()](const error_code& ec, std::size_t bytes) {
                            self->on_read(ec, bytes);
                          });
}

void Session::check_deadlines(std::int64_t now_ms) {
  if (closed_) return;
  if (((reading_ || handshaking_) && now_ms >= read_deadline_ms_) ||
      (writing_ && now_ms >= write_deadline_ms_))
    close_now();
}

void Session::drain() {
  if (closed_ || closing_) return;
  if (!parser_ && ring_size_ == 0 && !writing_ && !awaiting_handler_) {
    close_now();  // idle between requests
    return;
  }
  // Requests already answered go out, then the connection closes. A request still being
  // received is answered with "Connection: close" (dispatch sees `stopping`) and closes after.
  if (!parser_) closing_ = true;
}

void Session::close_now() noexcept {
  if (closed_) return;
  closed_ = true;
  error_code ec;
  socket_.close(ec);
}

}  // namespace ssooidc::http
