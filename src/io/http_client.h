// The HTTP/1.1 client behind fetch(): one exchange per request over a TcpStream (TLS for
// https:), with a keep-alive pool per event loop. It moves bytes and framing only: redirects,
// decompression, CORS and the like are fetch()'s business in JS.
#pragma once

#include <llhttp.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "io/event_loop.h"
#include "io/tcp.h"
#include "io/tls.h"

namespace dw::io {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpClientRequest {
  std::string method = "GET";
  // The absolute http: or https: URL. The fields below are what the client uses; when host
  // is empty they are filled in from `url`.
  std::string url;
  std::string scheme;  // "http" or "https" (a trailing ':' is accepted)
  std::string host;    // a name, or an IP literal (IPv6 with or without brackets)
  int port = 0;        // 0: the scheme's default
  std::string path_and_query = "/";
  // Sent as given, in order, except Host, Content-Length and Transfer-Encoding, which the
  // client writes itself.
  HeaderList headers;
  // With has_body: the known length (Content-Length), or nullopt to stream it chunked.
  std::optional<uint64_t> body_length;
  bool has_body = false;
  // Covers connecting (DNS, TCP, TLS) and waiting for the response head; 0 = no limit.
  uint64_t timeout_ms = 0;
  // When set, every connection the request is sent on has a peer this filter allows: new ones
  // are checked after DNS (TcpStreamOptions::address_filter), pooled ones are only those made
  // under an equal filter, and their peer is checked again. A denial fails the head with
  // io::AddressDeniedError.
  std::shared_ptr<const AddressFilter> address_filter;
};

struct HttpClientResponseHead {
  int status = 0;
  std::string status_text;
  HeaderList headers;  // as received, names in their original case
};

struct HttpClientOptions {
  // PEM certificates trusted for https: in addition to the system store (for tests).
  std::string extra_ca_pem;
  // Idle keep-alive connections kept per scheme://host:port. As many as a busy server has
  // requests in flight to one upstream: with 6 (a browser's number), 16 concurrent requests
  // through one worker opened ~10 new connections per round and closed them again (measured:
  // 1541 sockets in TIME_WAIT after 4 s of bench/compare's direct path, 600 us CPU a request).
  size_t max_idle_per_host = 128;
  // And across hosts: one client (one worker's fetch) keeps at most this many idle, closing its
  // oldest; and all the clients of a thread together at most max_idle_per_thread, closing the
  // thread's oldest, whichever client's. Idle sockets are file descriptors: without these, a
  // worker fetching from many hosts (or many workers) could hold enough of them for the whole
  // process to fail to accept connections.
  size_t max_idle_total = 128;
  size_t max_idle_per_thread = 512;
  // An idle connection is closed after this long (servers drop idle ones too; reusing one
  // they just closed costs a retry).
  uint64_t idle_timeout_ms = 4000;
  // Stop reading the socket while this much response body waits for ReadBody.
  size_t body_high_water_mark = 256 * 1024;
};

struct HttpClientStats {
  uint64_t connections_opened = 0;  // TCP connections started
  uint64_t connections_reused = 0;  // requests sent on a pooled connection
  uint64_t retries = 0;             // requests resent after a pooled connection turned out dead
};

class HttpConnectionPool;

// One request and its response. Callbacks run on the loop thread, and may run inside the call
// that registers them when the outcome is already known. The exchange keeps itself alive while
// one of its callbacks is outstanding; when no callback is outstanding and the last reference
// is dropped, it is cancelled like Abort (without calling anything).
//
// Errors are one sentence saying what happened and to which host: "connection refused:
// 127.0.0.1:9", "DNS lookup failed for nohost.invalid: ...", "TLS handshake with example.com
// failed: certificate verify failed (unable to get local issuer certificate)", "connection
// reset by 127.0.0.1:8080", "timed out after 5000 ms waiting for example.com". The head's
// status is Unavailable, or PermissionDenied from io::AddressDeniedError when the request's
// address filter refused the connection.
class HttpClientExchange : public std::enable_shared_from_this<HttpClientExchange> {
 public:
  ~HttpClientExchange();
  HttpClientExchange(const HttpClientExchange&) = delete;
  HttpClientExchange& operator=(const HttpClientExchange&) = delete;

  // Request body (only with has_body): `written(true)` once the chunk is handed to the
  // kernel, the caller's cue to send the next one; false when the request has failed. Then
  // End. Chunks may be written before the connection is up; they wait for it.
  void Write(std::string chunk, std::function<void(bool ok)> written);
  void End();

  // The response head, once (1xx informational responses are skipped).
  void OnHead(std::function<void(absl::StatusOr<HttpClientResponseHead>)> callback);
  // The next piece of the body, pulled like a stream; at most one outstanding. Exactly one
  // of: a non-empty chunk; done (error empty); an error (done true).
  void ReadBody(
      std::function<void(std::string_view chunk, bool done, std::string_view error)> callback);

  // Cancels everything: outstanding callbacks get the error "the request to HOST was
  // aborted"; the connection is closed, not reused.
  void Abort();

  // Body bytes received and not yet handed to ReadBody (for backpressure tests).
  size_t buffered_body_bytes() const { return body_.size(); }
  // Whether the request went out on a pooled connection (the last attempt's).
  bool reused_connection() const { return reused_; }

 private:
  friend class HttpClient;
  friend class HttpConnectionPool;
  HttpClientExchange(EventLoop& loop, std::shared_ptr<HttpConnectionPool> pool,
                     HttpClientRequest request);

  struct PendingWrite {
    std::string data;  // framed
    uint64_t id;
  };

  void Begin();
  void Connect(bool allow_pooled);
  void OnConnected(absl::Status status, uint64_t attempt);
  std::string BuildHead() const;
  void SendFramed(std::string data, uint64_t id);
  void CompleteWrite(uint64_t id, bool ok);
  void FailWrites();
  void PullResponse();
  void OnStreamRead(std::string_view chunk, bool done, std::string_view error);
  void Feed(std::string_view data);
  void OnEof();
  void OnConnectionError(std::string message);
  bool CanRetry() const;
  void Retry();
  void MessageComplete();
  void Fail(std::string message);
  void Fail(absl::Status status);
  void Dispatch();
  void UpdateSelfRef();
  void ResetParser();
  void FinishHeader();

  static const llhttp_settings_t* ParserSettings();
  static int OnMessageBegin(llhttp_t* p);
  static int OnStatus(llhttp_t* p, const char* at, size_t len);
  static int OnHeaderField(llhttp_t* p, const char* at, size_t len);
  static int OnHeaderValue(llhttp_t* p, const char* at, size_t len);
  static int OnHeadersComplete(llhttp_t* p);
  static int OnBody(llhttp_t* p, const char* at, size_t len);
  static int OnMessageComplete(llhttp_t* p);

  EventLoop& loop_;
  std::shared_ptr<HttpConnectionPool> pool_;
  HttpClientRequest request_;
  bool https_ = false;
  bool head_request_ = false;
  bool chunked_ = false;
  bool request_wants_close_ = false;
  std::string display_host_;  // "example.com", "[::1]"
  std::string host_port_;     // "example.com:443"
  std::string pool_key_;      // "https://example.com:443", plus the address filter's key
  size_t body_high_water_mark_ = 0;

  std::shared_ptr<TcpStream> stream_;
  uint64_t attempt_ = 0;  // bumps on retry, so callbacks of an abandoned stream are ignored
  bool reused_ = false;
  bool retried_ = false;
  bool connected_ = false;
  std::unique_ptr<Timer> timeout_;

  // Request body.
  std::deque<PendingWrite> unsent_;  // framed chunks written before the connection was up
  std::map<uint64_t, std::function<void(bool)>> inflight_;  // `written` callbacks not yet run
  uint64_t next_write_id_ = 1;
  uint64_t body_written_ = 0;
  bool end_called_ = false;

  // Response.
  llhttp_t parser_;
  bool reading_ = false;
  bool got_response_bytes_ = false;  // this attempt received something
  bool informational_ = false;
  bool parser_paused_at_end_ = false;
  bool head_too_large_ = false;
  size_t head_bytes_ = 0;
  bool head_ready_ = false;
  bool head_delivered_ = false;
  HttpClientResponseHead head_;
  std::string field_, value_;
  bool in_value_ = false;
  bool message_complete_ = false;
  bool keep_alive_ = false;
  std::string body_;
  bool body_done_ = false;
  std::string error_;
  absl::Status failure_;  // error_ as the head reports it, when not plain Unavailable
  bool aborted_ = false;

  std::function<void(absl::StatusOr<HttpClientResponseHead>)> head_cb_;
  std::function<void(std::string_view, bool, std::string_view)> body_cb_;
  std::shared_ptr<HttpClientExchange> self_;  // set while a callback is outstanding
};

// One per event loop. Owns the keep-alive pool keyed by scheme://host:port (and the request's
// address filter: see HttpClientRequest::address_filter). https: uses
// TlsContext::SystemDefault(), or with extra_ca_pem a context of its own (made on the first
// https: request). Destroying the client closes idle connections; exchanges in flight finish
// on their own connections, which are then closed.
class HttpClient {
 public:
  HttpClient(EventLoop& loop, HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  std::shared_ptr<HttpClientExchange> Start(HttpClientRequest request);

  const HttpClientStats& stats() const;
  size_t idle_connections() const;

 private:
  EventLoop& loop_;
  std::shared_ptr<HttpConnectionPool> pool_;
};

}  // namespace dw::io
