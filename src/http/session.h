// Session: one HTTP/1.1 connection on one worker. Private to the http layer.
//
// The read loop owns one flat_buffer for the connection's life and feeds it to a fresh
// RequestParser per request; each complete request goes to the handler at once (on this thread)
// and its serialized response joins a bounded ring of outgoing responses. Reading pauses while the
// ring holds `pipeline_limit` responses and resumes when a write drains it, so a pipelining
// client cannot make the server buffer unboundedly. All responses waiting in the ring leave in one
// gathered write. Between requests the next read starts once the last response is written (issue
// 15: one recvfrom per kept-alive request, as nginx makes, instead of a speculative one that finds
// nothing yet).
//
// A connection that must close while the client may still be sending (a rejected request, unread
// pipelined bytes) first shuts down its sending side and reads and discards input for a short
// while ("lingering close"), so that the error response is not destroyed by a TCP reset.
//
// With a handler pool (ServerOptions::handler_threads) a request that may block is handed to the
// pool and the session stops parsing until its response is delivered back to the worker's thread
// (Worker::deliver), so responses stay in request order and at most one request per connection
// waits on the pool.
//
// TLS: with a context the session first completes the server handshake (within
// first_byte_timeout) and then reads and writes through the TLS stream; lingering close drains
// the raw socket.
//
// Lifetime: owned by shared_ptrs held by pending completion handlers (and by a job on the
// handler pool, which moves its reference into the Completion it delivers, so the session is
// always destroyed on the worker's thread); linked into the worker's list so that the worker's
// sweep can enforce deadlines and the shutdown can reach it.
// Thread safety: none needed; everything but the handler call on the pool runs on the worker's
// thread, and the pool's job touches only its own copy of the request.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/intrusive/list_hook.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/handler_pool.h"
#include "http/request_parser.h"
#include "http/response_writer.h"

namespace ssooidc::http {

class Worker;
struct ServerConfig;

class Session : public std::enable_shared_from_this<Session>,
                public boost::intrusive::list_base_hook<
                    boost::intrusive::link_mode<boost::intrusive::auto_unlink>> {
 public:
  using Clock = std::chrono::steady_clock;

  // `peer` is the socket's remote address; `connection_key` the slot the worker's
  // ConnectionCounter gave it, released when the session ends; `tls` the context to handshake
  // with, null for plain HTTP.
  Session(Worker& worker, boost::asio::ip::tcp::socket socket, boost::asio::ip::address peer,
          std::string connection_key, std::shared_ptr<boost::asio::ssl::context> tls);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start();
  // Closes the connection if a read or write has outlived its deadline (`now_ms`: the server
  // clock's monotonic milliseconds).
  void check_deadlines(std::int64_t now_ms);
  // Server stopping: an idle connection closes now; one receiving or holding requests finishes
  // them, answers with "Connection: close" and then closes.
  void drain();
  // Closes the socket; pending operations complete with operation_aborted.
  void close_now() noexcept;

  // What a dispatched request's response needs once the handler has answered.
  struct Answering {
    std::string method;
    std::string path;
    std::string remote;
    bool client_keep_alive = true;
    bool head_request = false;
  };
  // A response made on another thread (a handler thread, the database's writer), handed to the
  // worker's thread by Worker::deliver and sent there by complete().
  struct Completion {
    std::shared_ptr<Session> session;
    Answering answering;
    core::HttpResponse response;
  };
  // On the worker's thread: sends a delivered response and resumes its connection.
  static void complete(Completion completion);

 private:
  // One response waiting to be written, with what the access log needs about it.
  struct Outgoing {
    std::string head;
    std::string body;
    std::shared_ptr<const core::PreparedResponse> shared_body;  // written instead of `body`
    bool logged = false;  // false for interim responses
    int status = 0;
    std::string method;
    std::string path;
    std::string remote;  // the client, as the request saw it
    core::ResponseLog log;  // the handler's, for the access log
    Clock::time_point started{};
  };

  static constexpr std::int64_t kNever = INT64_MAX;

  void on_handshake(const boost::system::error_code& ec);
  void process_buffer();
  void read_more();
  void on_read(const boost::system::error_code& ec, std::size_t bytes);
  void start_message();
  void dispatch();
  // Calls the handler, turning an exception or a bad status into the 500 answer.
  [[nodiscard]] core::HttpResponse run_handler(const core::HttpRequest& request) const;
  // ServerOptions::try_inline, with run_handler's 500 for a throw or a bad status.
  [[nodiscard]] std::optional<core::HttpResponse> try_inline(const core::HttpRequest& request) const;
  // ServerOptions::try_async for `session`'s `request`: true when it took the request, whose
  // response is then delivered back to on_handler_done. Called on the worker's thread
  // (may_block false) or a handler thread (true); touches only what is safe from either.
  [[nodiscard]] static bool try_async(const std::shared_ptr<Session>& session,
                                      const core::HttpRequest& request, bool may_block,
                                      const Answering& answering);
  // Where a job of the pool runs: the quick lane (ServerOptions::quick_lane; what try_async
  // declines there goes on to the handler threads, kHandlerOnly), or a handler thread.
  enum class PoolLane { kQuick, kHandler, kHandlerOnly };
  // The pool's job for `request`: try_async on its thread (not for kHandlerOnly), else the
  // handler; the answer is delivered to the session's worker.
  [[nodiscard]] static HandlerPool::Job pool_job(std::shared_ptr<Session> self,
                                                 std::shared_ptr<core::HttpRequest> request,
                                                 Answering answering, PoolLane lane);
  // Drops a pool job's reference to `self` on the session's worker thread (any thread).
  static void release_on_worker(std::shared_ptr<Session> self);
  // The 503 for a full handler queue, counted in busy_rejections (any thread).
  [[nodiscard]] core::HttpResponse busy_response() const;
  // Queues the handler's response (on the worker's thread).
  void answer(Answering answering, core::HttpResponse response);
  // The pool answered: resumes the connection.
  void on_handler_done(Answering answering, core::HttpResponse response);
  template <typename Handler>
  void async_read_some_from_stream(boost::asio::mutable_buffer buffer, Handler&& handler);
  // The transport's own error answer: ServerOptions::error_response, else plain text.
  [[nodiscard]] core::HttpResponse error_response(int status, std::string_view description) const;
  void reject(const boost::system::error_code& ec);
  void reject_malformed(const std::string& why);  // 400 "Malformed HTTP request: why"
  void reject_with(int status, std::string_view description);
  Outgoing* push_outgoing();
  // Fills `out` with a serialized answer (and, for the access log, the request line) and starts
  // writing.
  // `remote`: the client as the request saw it (client_address.h), for the access log.
  void queue(Outgoing& out, SerializedResponse&& wire, std::string method, std::string path,
             std::string remote);
  void start_write();
  // Sends what is left of write_buffers_ (from write_next_) with one write_some.
  void write_some();
  void on_write_some(const boost::system::error_code& ec, std::size_t bytes);
  void on_write(const boost::system::error_code& ec);
  void finish_if_done();
  void start_discard_read();

  Worker& worker_;
  const ServerConfig& config_;
  boost::asio::ip::tcp::socket socket_;
  std::shared_ptr<boost::asio::ssl::context> tls_context_;  // kept alive for tls_
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
  boost::asio::ip::address peer_;
  std::string peer_text_;  // address_text(peer_), formatted once for every request
  std::string connection_key_;
  boost::beast::flat_buffer buffer_;

  // The request being received and, once dispatched, handled on this thread; reused from request
  // to request (RequestParser's reusing constructor).
  core::HttpRequest request_;
  std::optional<RequestParser> parser_;  // engaged while a request is being received; fills request_
  std::size_t header_bytes_ = 0;         // header bytes the current parser consumed so far
  bool continue_sent_ = false;
  Clock::time_point request_started_{};  // for the access log's duration

  std::vector<Outgoing> ring_;  // fixed capacity: pipeline_limit + room for interim and error
  std::size_t ring_first_ = 0;
  std::size_t ring_size_ = 0;
  std::size_t writing_count_ = 0;  // ring entries in the write in progress
  std::vector<boost::asio::const_buffer> write_buffers_;
  std::size_t write_next_ = 0;  // the first of write_buffers_ not wholly sent

  bool reading_ = false;
  bool writing_ = false;
  bool paused_ = false;      // reading stopped because the ring is full
  bool read_after_write_ = false;  // between requests: on_write starts the next read
  bool closing_ = false;     // no further requests; close once the ring is written
  bool linger_ = false;      // a request was cut short: drain input before closing
  bool shut_ = false;        // sending side shut down; lingering
  bool peer_done_ = false;   // the peer closed or the read side failed
  bool served_any_ = false;  // a request was dispatched: the connection is being kept alive
  bool awaiting_handler_ = false;  // a request is on the handler pool
  bool handshaking_ = false;
  bool closed_ = false;
  std::size_t discarded_ = 0;
  std::int64_t read_deadline_ms_ = kNever;  // also the handshake's
  std::int64_t write_deadline_ms_ = kNever;
};

}  // namespace ssooidc::http
