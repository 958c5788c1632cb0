// The HTTP/1.1 server of `dynworker serve`: libuv TCP plus one llhttp parser per connection.
// Everything here runs on the thread of the EventLoop it was created with; nothing is
// thread-safe. No V8: the JS glue (a later layer) drives an HttpExchange through this API.
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "io/event_loop.h"

namespace dw::io {

// Header names keep the case they were received (or given) with; lookups are case-insensitive.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

// A TCP socket bound to ip:port and listening, as HttpServer::Listen binds it (SO_REUSEADDR,
// backlog 511). `inheritable`: not close-on-exec, so a process this one starts can take it over
// (the `dynworker serve` supervisor hands it to each serving process). Errors name the address:
// "cannot listen on 127.0.0.1:8787: address already in use" (or "invalid port", "invalid IP
// address"). Plain sockets and libuv's address parsing only: usable before V8 exists.
absl::StatusOr<int> ListenOn(const std::string& ip, int port, bool inheritable = false);

struct HttpServerOptions {
  std::string ip = "127.0.0.1";  // an IPv4 or IPv6 literal
  int port = 8787;               // 0: an ephemeral port (tests), see HttpServer::port()
  // Request line + headers; over -> 431.
  size_t max_header_bytes = 64 * 1024;
  // Declared (Content-Length) or streamed (chunked); over -> 413.
  uint64_t max_body_bytes = 100ull << 20;
  // From the first byte of a request to the end of its head -> 408 and close.
  uint64_t header_timeout_ms = 30000;
  // No request body bytes for this long while the server reads -> 408 (or just close when a
  // response has started). A consumer that does not pull the body pauses this clock.
  uint64_t body_timeout_ms = 60000;
  // A keep-alive connection without a request in progress -> close.
  uint64_t idle_timeout_ms = 5000;
  // A socket already bound and listening (passed down by the supervisor): adopted instead of
  // binding ip:port. -1: bind.
  int listen_fd = -1;
};

class HttpConnection;  // internal: one accepted socket (http_server.cc)

// One request and its response. The server hands it to `on_request` once the request head is
// parsed; the body, if any, is pulled with ReadBody. Requests of one connection are handed
// out one at a time: the next (pipelined) one only after this response has ended. All calls
// are safe after the client has gone: they do nothing (Write reports ok=false).
//
// Output produced inside the server's callbacks (on_request, ReadBody, written) goes out when
// that callback returns; output produced elsewhere (a timer, a posted task) at the end of the
// loop turn. Either way a head and the body pieces queued with it share one write.
//
// Dropping the last reference before the response is complete abandons the exchange: the
// server answers 500 if nothing was sent yet, otherwise it closes the connection, so a lost
// exchange never hangs a client.
class HttpExchange : public std::enable_shared_from_this<HttpExchange> {
 public:
  using BodyCallback =
      std::function<void(std::string_view chunk, bool done, std::string_view error)>;

  ~HttpExchange();
  HttpExchange(const HttpExchange&) = delete;
  HttpExchange& operator=(const HttpExchange&) = delete;

  const std::string& method() const { return method_; }  // "GET", "POST", ...
  const std::string& target() const { return target_; }  // request-target as sent ("/a?b")
  const HeaderList& headers() const { return headers_; }
  bool has_body() const { return has_body_; }     // Content-Length > 0 or chunked
  std::string host() const;                       // the Host header, "" if absent (HTTP/1.0)
  int http_minor() const { return http_minor_; }  // 1 for HTTP/1.1, 0 for HTTP/1.0

  // Pulls the next piece of the request body. `cb` runs exactly once: with all bytes buffered
  // so far (synchronously, if there are any), else when more arrive. The end is reported by
  // its own call with an empty chunk and done=true; a failure by a non-empty `error` (and
  // done=false): "client disconnected", "request body too large", "malformed request body",
  // "request body timed out", or "the response ended before the request body was read".
  // Only one read may be pending. Without a pending read the server stops reading the socket
  // once ~256 KiB are buffered. The first read of an `Expect: 100-continue` request sends
  // `100 Continue`.
  void ReadBody(BodyCallback cb);

  // Starts the response. With `body`, the response is complete (Content-Length is set; End is
  // implied). With std::nullopt, Write()/End() follow and the body is chunked, unless
  // `headers` carry a Content-Length (then exactly that many bytes are sent; writing fewer
  // before End closes the connection) or the request was HTTP/1.0 (the connection then closes
  // to end the body). HEAD requests and 204/304 responses never carry a body. Framing and
  // hop-by-hop headers in `headers` (Transfer-Encoding, Connection, Keep-Alive) are replaced by
  // the server's own; `Connection: close` is honoured. `status_text` empty = the standard
  // reason phrase. Statuses outside 200..999 are sent as 500.
  void Respond(int status, const HeaderList& headers, std::optional<std::string> body,
               std::string_view status_text = {});
  // Queues a piece of a streamed body. `written(true)` runs once it has been handed to the
  // kernel (use it for backpressure), `written(false)` if the client is gone or the response
  // is not streaming. When the write is dropped (client gone, body not sent for HEAD/204/304,
  // empty chunk with nothing in flight) `written` may run synchronously.
  void Write(std::string chunk, std::function<void(bool ok)> written = nullptr);
  void End();

  // The client disconnected before End(). A client that half-closes its side counts as gone
  // (browsers and fetch() never do it; Go and Node servers treat it the same way).
  bool aborted() const { return aborted_; }
  // Runs once if the client disconnects (or the request is cut off: timeout, malformed body)
  // before End(). Runs immediately if that already happened.
  void OnAbort(std::function<void()> cb);

 private:
  friend class HttpConnection;
  explicit HttpExchange(HttpConnection* conn) : conn_(conn) {}

  void DeliverBody();  // hands buffered bytes / end / error to a pending ReadBody

  HttpConnection* conn_;  // null once detached: after End(), or when the connection died
  std::string method_;
  std::string target_;
  HeaderList headers_;
  bool has_body_ = false;
  int http_minor_ = 1;
  bool head_request_ = false;
  bool expect_continue_ = false;

  // Request body, filled by the connection.
  std::vector<std::string> body_queue_;
  size_t body_buffered_ = 0;
  bool body_done_ = false;
  std::string body_error_;
  BodyCallback read_cb_;

  // Response state.
  bool responded_ = false;  // Respond() was called
  bool ended_ = false;      // End() (or a complete Respond) was called
  bool aborted_ = false;
  std::function<void()> abort_cb_;
};

class HttpServer {
 public:
  HttpServer(EventLoop& loop, HttpServerOptions options,
             std::function<void(std::shared_ptr<HttpExchange>)> on_request);
  // Closes every connection at once. Pending callbacks of exchanges (written, OnAbort,
  // ReadBody) are dropped without running: their owners may be gone too.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens. Errors read "cannot listen on 127.0.0.1:8787: address already in use".
  absl::Status Listen();
  int port() const { return port_; }  // the bound port (useful with options.port = 0)

  // Graceful shutdown: stops accepting, closes idle keep-alive connections, lets in-flight
  // exchanges finish (their responses carry `Connection: close` when not yet started) and
  // closes those connections after them; `done` runs once the listening socket and every
  // connection have closed. A request whose head is half received may still complete (bounded by
  // header_timeout_ms). Closing waits up to 1 s for the client to read the last response.
  void Shutdown(std::function<void()> done);
  size_t active_connections() const { return connections_.size(); }

  const HttpServerOptions& options() const { return options_; }

 private:
  friend class HttpConnection;
  static void OnConnection(uv_stream_t* listener, int status);
  void ConnectionClosed(HttpConnection* conn);
  void MaybeShutdownDone();
  void ScheduleTurnEnd(HttpConnection* conn);
  static void OnTurnEnd(uv_check_t* check);

  EventLoop& loop_;
  HttpServerOptions options_;
  std::function<void(std::shared_ptr<HttpExchange>)> on_request_;
  uv_tcp_t* listener_ = nullptr;  // freed by its close callback
  bool listener_closed_ = false;
  int port_ = 0;
  bool draining_ = false;
  std::vector<std::function<void()>> shutdown_done_;
  std::unordered_set<HttpConnection*> connections_;
  // One read buffer for all connections: libuv fills it and calls the read callback at once,
  // which parses or copies the bytes before the next read.
  std::unique_ptr<char[]> read_buffer_;
  // Connections with work left by calls from outside our own callbacks (say a JS timer):
  // output to send together, the next pipelined request to start. Done at the end of the
  // loop turn (check phase; the idle handle keeps poll from blocking before it). Both
  // handles are created on first use.
  std::vector<HttpConnection*> turn_end_queue_;
  uv_check_t* turn_end_check_ = nullptr;
  uv_idle_t* turn_end_idle_ = nullptr;
};

}  // namespace dw::io
