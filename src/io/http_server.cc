#include "io/http_server.h"

#include <llhttp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace dw::io {
namespace {

// A request body the consumer does not pull stops the socket being read at this size.
constexpr size_t kBodyHighWater = 256 * 1024;
// Bytes of pipelined requests read ahead while a response is pending. Reading on (rather
// than stopping) is what lets a disconnect be seen while the consumer works.
constexpr size_t kMaxReadAhead = 256 * 1024;
// Unsent response bytes above which no further pipelined request is started, so a client
// that sends but never reads cannot grow our memory.
constexpr size_t kMaxWriteQueue = 1 << 20;
// Request body still arriving after the response ended is read and dropped up to this much
// (to keep the connection); beyond it, the connection closes.
constexpr uint64_t kMaxDiscard = 256 * 1024;
// After our FIN, how long unread client bytes are drained before closing. Closing a socket
// with unread input sends RST, which can destroy the response still in flight (an error
// response sent before the request body was read, say).
constexpr uint64_t kLingerMs = 1000;
constexpr size_t kReadBufferSize = 64 * 1024;
// Pieces up to this size are copied together so that a head, a small body and chunk framing
// go out as one buffer.
constexpr size_t kCoalesce = 16 * 1024;

const char* ReasonPhrase(int status) {
  static constexpr struct {
    int status;
    const char* text;
  } kPhrases[] = {
      // clang-format off
      {100, "Continue"}, {200, "OK"}, {201, "Created"}, {202, "Accepted"},
      {203, "Non-Authoritative Information"}, {204, "No Content"}, {205, "Reset Content"},
      {206, "Partial Content"}, {300, "Multiple Choices"}, {301, "Moved Permanently"},
      {302, "Found"}, {303, "See Other"}, {304, "Not Modified"}, {307, "Temporary Redirect"},
      {308, "Permanent Redirect"}, {400, "Bad Request"}, {401, "Unauthorized"},
      {402, "Payment Required"}, {403, "Forbidden"}, {404, "Not Found"},
      {405, "Method Not Allowed"}, {406, "Not Acceptable"}, {408, "Request Timeout"},
      {409, "Conflict"}, {410, "Gone"}, {411, "Length Required"}, {412, "Precondition Failed"},
      {413, "Payload Too Large"}, {414, "URI Too Long"}, {415, "Unsupported Media Type"},
      {416, "Range Not Satisfiable"}, {417, "Expectation Failed"}, {418, "I'm a teapot"},
      {422, "Unprocessable Entity"}, {425, "Too Early"}, {426, "Upgrade Required"},
      {428, "Precondition Required"}, {429, "Too Many Requests"},
      {431, "Request Header Fields Too Large"}, {451, "Unavailable For Legal Reasons"},
      {500, "Internal Server Error"}, {501, "Not Implemented"}, {502, "Bad Gateway"},
      {503, "Service Unavailable"}, {504, "Gateway Timeout"}, {505, "HTTP Version Not Supported"},
      // clang-format on
  };
  for (const auto& p : kPhrases) {
    if (p.status == status) return p.text;
  }
  return "";
}

bool HasCrLf(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos;
}

// (Debian's absl::string_view is not std::string_view, so absl's string helpers do not
// accept ours.)
char Lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

bool HasToken(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    if (IEquals(Trim(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

void Append(std::string* out, std::initializer_list<std::string_view> parts) {
  for (std::string_view p : parts)
    out->append(p);
}

}  // namespace

// One accepted socket. Owns itself: it is deleted by the close callback of the last of its
// two handles, and libuv runs that only after every write/shutdown request on the socket has
// called back, so no libuv request ever outlives it. Exchanges point at it only while
// attached; Close() and End() detach them.
class HttpConnection {
 public:
  explicit HttpConnection(HttpServer* server);
  bool Accept(uv_stream_t* listener);

  // Called by HttpExchange (only while attached).
  void Respond(HttpExchange* ex, int status, const HeaderList& headers,
               std::optional<std::string> body, std::string_view status_text);
  void Write(HttpExchange* ex, std::string chunk, std::function<void(bool)> written);
  void End(HttpExchange* ex);
  void BodyPulled(HttpExchange* ex);
  void BodyConsumed();
  void ExchangeGone(HttpExchange* ex);

  // Called by HttpServer.
  void Drain();
  void Close(bool silent = false);
  void FlushNow();
  void TurnEnd();
  HttpServer* server_;
  bool turn_end_scheduled_ = false;  // in the server's turn_end_queue_

 private:
  enum class TimerKind { kNone, kIdle, kHeader, kBody, kLinger };

  struct WriteReq {
    uv_write_t req;
    HttpConnection* conn;
    std::vector<std::string> bufs;
    std::vector<std::function<void(bool)>> cbs;
  };

  // Batches writes issued while one of our callbacks runs into one uv_write at its end.
  class DeferFlush {
   public:
    explicit DeferFlush(HttpConnection* c) : c_(c) { ++c_->defer_flush_; }
    ~DeferFlush() {
      if (--c_->defer_flush_ == 0) c_->FlushNow();
    }

   private:
    HttpConnection* c_;
  };

  uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&tcp_); }

  static void OnAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void OnWriteDone(uv_write_t* req, int status);
  static void OnShutdown(uv_shutdown_t* req, int status);
  static void OnTimer(uv_timer_t* t);
  static void OnClosed(uv_handle_t* h);

  static int OnMessageBegin(llhttp_t* p);
  static int OnMethod(llhttp_t* p, const char* at, size_t len);
  static int OnUrl(llhttp_t* p, const char* at, size_t len);
  static int OnVersion(llhttp_t* p, const char* at, size_t len);
  static int OnHeaderField(llhttp_t* p, const char* at, size_t len);
  static int OnHeaderValue(llhttp_t* p, const char* at, size_t len);
  static int OnHeadersComplete(llhttp_t* p);
  static int OnBody(llhttp_t* p, const char* at, size_t len);
  static int OnMessageComplete(llhttp_t* p);
  static const llhttp_settings_t* Settings();
  int CountHead(size_t len);

  void Pump(const char* data = nullptr, size_t len = 0);
  size_t Execute(const char* data, size_t len);
  bool CanParse() const;
  void Dispatch();
  void FinishCycle();
  void ResponseFinished();
  void FailRequest(int status, std::string_view body_error);
  void SendError(int status);
  void GracefulClose();
  void DropPending();
  std::shared_ptr<HttpExchange> Detach(std::string_view body_error, bool abort);
  static void Notify(const std::shared_ptr<HttpExchange>& ex);
  void Out(std::string s);
  void RequestFlush();
  void SchedulePump();
  void AfterWrite(std::function<void(bool)> cb, bool ok);
  void UpdateReading();
  void UpdateTimer();

  uv_tcp_t tcp_;
  uv_timer_t timer_;
  uv_shutdown_t shutdown_req_;
  llhttp_t parser_;
  int open_handles_ = 2;
  bool closing_ = false;    // uv_close called
  bool lingering_ = false;  // FIN sent; draining input until EOF or the linger timeout
  bool silent_ = false;     // closed by ~HttpServer: run no consumer callbacks
  bool reading_ = false;
  TimerKind timer_kind_ = TimerKind::kNone;

  // Input not yet parsed: bytes after a complete request while its response is pending.
  std::string in_;
  bool pumping_ = false;
  bool pump_again_ = false;
  bool pump_scheduled_ = false;  // Pump at the end of the loop turn
  bool parser_paused_ = false;   // llhttp returned HPE_PAUSED (after each message)
  bool parser_dead_ = false;
  bool wait_drain_ = false;  // too many unsent response bytes to start the next request

  // The request being parsed; pending_ owns its exchange until it is handed to on_request.
  std::shared_ptr<HttpExchange> pending_;
  bool in_message_ = false;
  bool headers_done_ = false;
  bool in_header_field_ = false;
  size_t head_bytes_ = 0;
  int fail_status_ = 0;  // why a callback stopped the parser
  uint64_t body_received_ = 0;
  bool body_progress_ = false;
  bool timer_restart_ = false;

  // The request/response cycle: from a complete head until both the request and the
  // response are complete. ex_ is the attached exchange (null once detached or dropped).
  bool cycle_active_ = false;
  HttpExchange* ex_ = nullptr;
  bool request_complete_ = false;
  bool response_done_ = false;
  bool keep_alive_ = false;
  bool head_sent_ = false;
  bool body_allowed_ = true;
  bool chunked_ = false;
  std::optional<uint64_t> remaining_;  // streamed response with a declared Content-Length
  bool continue_sent_ = false;
  uint64_t discarded_ = 0;  // request body bytes dropped after the response ended

  // Output not yet handed to libuv, and the written callbacks that go with it.
  std::vector<std::string> out_;
  size_t out_bytes_ = 0;
  std::vector<std::function<void(bool)>> out_cbs_;
  int defer_flush_ = 0;
  WriteReq* last_write_ = nullptr;  // newest uv_write still in flight
};

// ---------------------------------------------------------------------------------------------
// HttpExchange

HttpExchange::~HttpExchange() {
  if (conn_) conn_->ExchangeGone(this);
}

std::string HttpExchange::host() const {
  for (const auto& [name, value] : headers_) {
    if (IEquals(name, "host")) return value;
  }
  return "";
}

void HttpExchange::ReadBody(BodyCallback cb) {
  if (!cb) return;
  if (read_cb_) {
    cb({}, false, "a body read is already pending");
    return;
  }
  read_cb_ = std::move(cb);
  if (conn_) conn_->BodyPulled(this);
  DeliverBody();
}

void HttpExchange::DeliverBody() {
  if (!read_cb_) return;
  // The callback may drop the last reference to this exchange.
  auto keep = weak_from_this().lock();
  BodyCallback cb = std::move(read_cb_);
  read_cb_ = nullptr;
  if (!body_queue_.empty()) {
    std::string chunk;
    if (body_queue_.size() == 1) {
      chunk = std::move(body_queue_.front());
    } else {
      chunk.reserve(body_buffered_);
      for (const auto& piece : body_queue_)
        chunk += piece;
    }
    body_queue_.clear();
    body_buffered_ = 0;
    if (conn_) conn_->BodyConsumed();
    cb(chunk, false, {});
  } else if (!body_error_.empty()) {
    std::string error = body_error_;
    cb({}, false, error);
  } else if (body_done_) {
    cb({}, true, {});
  } else {
    read_cb_ = std::move(cb);  // wait for more bytes
  }
}

void HttpExchange::Respond(int status, const HeaderList& headers, std::optional<std::string> body,
                           std::string_view status_text) {
  if (responded_ || ended_) return;
  responded_ = true;
  if (body) ended_ = true;
  if (conn_) conn_->Respond(this, status, headers, std::move(body), status_text);
}

void HttpExchange::Write(std::string chunk, std::function<void(bool ok)> written) {
  if (!conn_ || !responded_ || ended_) {
    if (written) written(false);
    return;
  }
  conn_->Write(this, std::move(chunk), std::move(written));
}

void HttpExchange::End() {
  if (ended_) return;
  if (!responded_) {
    // A consumer bug must not look like success.
    Respond(500, {}, std::string());
    return;
  }
  ended_ = true;
  if (conn_) conn_->End(this);
}

void HttpExchange::OnAbort(std::function<void()> cb) {
  if (aborted_) {
    if (cb) cb();
    return;
  }
  if (!ended_) abort_cb_ = std::move(cb);
}

// ---------------------------------------------------------------------------------------------
// HttpConnection: setup, reading, parsing

HttpConnection::HttpConnection(HttpServer* server) : server_(server) {
  uv_tcp_init(server->loop_.uv(), &tcp_);
  uv_timer_init(server->loop_.uv(), &timer_);
  tcp_.data = this;
  timer_.data = this;
  llhttp_init(&parser_, HTTP_REQUEST, Settings());
  parser_.data = this;
}

bool HttpConnection::Accept(uv_stream_t* listener) {
  if (uv_accept(listener, stream()) != 0) {
    Close();
    return false;
  }
  uv_tcp_nodelay(&tcp_, 1);
  UpdateReading();
  UpdateTimer();
  return true;
}

const llhttp_settings_t* HttpConnection::Settings() {
  static const llhttp_settings_t settings = [] {
    llhttp_settings_t s;
    llhttp_settings_init(&s);
    s.on_message_begin = &OnMessageBegin;
    s.on_method = &OnMethod;
    s.on_url = &OnUrl;
    s.on_version = &OnVersion;
    s.on_header_field = &OnHeaderField;
    s.on_header_value = &OnHeaderValue;
    s.on_headers_complete = &OnHeadersComplete;
    s.on_body = &OnBody;
    s.on_message_complete = &OnMessageComplete;
    return s;
  }();
  return &settings;
}

void HttpConnection::OnAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* self = static_cast<HttpConnection*>(h->data);
  if (self->server_) {
    *buf = uv_buf_init(self->server_->read_buffer_.get(), kReadBufferSize);
  } else {
    *buf = uv_buf_init(nullptr, 0);  // read callback gets UV_ENOBUFS
  }
}

void HttpConnection::OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<HttpConnection*>(s->data);
  if (nread == 0 || self->closing_) return;
  if (nread < 0) {
    // EOF or reset. A client that half-closes while its response is pending is treated as
    // gone, as browsers and fetch() do not half-close.
    self->Close();
    return;
  }
  if (self->lingering_) return;
  DeferFlush defer(self);
  self->Pump(buf->base, static_cast<size_t>(nread));
}

bool HttpConnection::CanParse() const {
  return !closing_ && !lingering_ && !parser_dead_ && !wait_drain_ &&
         !(cycle_active_ && request_complete_);
}

// Drives parsing and dispatch. Re-entrant calls (a consumer ending a response inside
// on_request) only ask for another round, so a burst of pipelined requests answered
// synchronously does not recurse.
void HttpConnection::Pump(const char* data, size_t len) {
  if (data) {
    if (in_.empty() && CanParse()) {
      size_t used = Execute(data, len);
      if (used < len && !closing_ && !lingering_) in_.append(data + used, len - used);
    } else {
      in_.append(data, len);
    }
  }
  if (pumping_) {
    pump_again_ = true;
    return;
  }
  pumping_ = true;
  do {
    pump_again_ = false;
    if (pending_ && headers_done_) Dispatch();
    if (closing_ || lingering_) break;
    if (ex_) ex_->DeliverBody();
    if (closing_ || lingering_) break;
    if (cycle_active_ && response_done_ && (request_complete_ || !keep_alive_)) {
      FinishCycle();
      if (closing_ || lingering_) break;
    }
    if (!in_.empty() && CanParse()) {
      size_t used = Execute(in_.data(), in_.size());
      if (!closing_ && !lingering_) in_.erase(0, used);
      if (used > 0) pump_again_ = true;
    }
  } while (pump_again_ && !closing_ && !lingering_);
  pumping_ = false;
  UpdateReading();
  UpdateTimer();
}

size_t HttpConnection::Execute(const char* data, size_t len) {
  llhttp_errno_t err = llhttp_execute(&parser_, data, len);
  if (err == HPE_OK) return len;
  if (err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE) {
    parser_paused_ = true;
    if (err == HPE_PAUSED_UPGRADE) parser_dead_ = true;
    return static_cast<size_t>(llhttp_get_error_pos(&parser_) - data);
  }
  parser_dead_ = true;
  int status = fail_status_ ? fail_status_ : 400;
  std::string_view body_error = status == 413 ? "request body too large" : "malformed request body";
  FailRequest(status, body_error);
  return len;
}

int HttpConnection::CountHead(size_t len) {
  head_bytes_ += len;
  if (server_ && head_bytes_ > server_->options_.max_header_bytes) {
    fail_status_ = 431;
    return HPE_USER;
  }
  return 0;
}

int HttpConnection::OnMessageBegin(llhttp_t* p) {
  auto* self = static_cast<HttpConnection*>(p->data);
  self->in_message_ = true;
  self->headers_done_ = false;
  self->in_header_field_ = false;
  self->head_bytes_ = 4;  // separators of the request line and the final CRLF
  self->fail_status_ = 0;
  self->pending_ = std::shared_ptr<HttpExchange>(new HttpExchange(self));
  self->timer_restart_ = true;  // each request starts its own head deadline and idle period
  return 0;
}

int HttpConnection::OnMethod(llhttp_t* p, const char*, size_t len) {
  return static_cast<HttpConnection*>(p->data)->CountHead(len);
}

int HttpConnection::OnVersion(llhttp_t* p, const char*, size_t len) {
  return static_cast<HttpConnection*>(p->data)->CountHead(len);
}

int HttpConnection::OnUrl(llhttp_t* p, const char* at, size_t len) {
  auto* self = static_cast<HttpConnection*>(p->data);
  if (int r = self->CountHead(len)) return r;
  self->pending_->target_.append(at, len);
  return 0;
}

int HttpConnection::OnHeaderField(llhttp_t* p, const char* at, size_t len) {
  auto* self = static_cast<HttpConnection*>(p->data);
  if (self->headers_done_) return 0;  // chunked trailers: not exposed
  if (!self->in_header_field_) {
    self->in_header_field_ = true;
    self->pending_->headers_.emplace_back();
    if (int r = self->CountHead(4)) return r;  // ": " and CRLF
  }
  if (int r = self->CountHead(len)) return r;
  self->pending_->headers_.back().first.append(at, len);
  return 0;
}

int HttpConnection::OnHeaderValue(llhttp_t* p, const char* at, size_t len) {
  auto* self = static_cast<HttpConnection*>(p->data);
  if (self->headers_done_) return 0;
  self->in_header_field_ = false;
  if (int r = self->CountHead(len)) return r;
  self->pending_->headers_.back().second.append(at, len);
  return 0;
}

int HttpConnection::OnHeadersComplete(llhttp_t* p) {
  auto* self = static_cast<HttpConnection*>(p->data);
  HttpExchange* ex = self->pending_.get();
  const HttpServerOptions& opts = self->server_->options_;
  self->headers_done_ = true;
  for (auto& header : ex->headers_) {
    // llhttp keeps trailing whitespace of a value; it is not part of the value (RFC 9110 5.5).
    while (!header.second.empty() &&
           (header.second.back() == ' ' || header.second.back() == '\t')) {
      header.second.pop_back();
    }
  }
  ex->method_ = llhttp_method_name(static_cast<llhttp_method_t>(p->method));
  ex->head_request_ = p->method == HTTP_HEAD;
  ex->http_minor_ = p->http_minor;
  if (p->http_major != 1) {
    self->fail_status_ = 505;
    return -1;
  }
  bool has_host = false;
  for (const auto& [name, value] : ex->headers_) {
    if (IEquals(name, "host")) has_host = true;
    if (IEquals(name, "expect") && IEquals(value, "100-continue")) {
      ex->expect_continue_ = true;
    }
  }
  if (p->http_minor >= 1 && !has_host) {  // RFC 9112 3.2
    self->fail_status_ = 400;
    return -1;
  }
  bool chunked = (p->flags & F_CHUNKED) != 0;
  bool has_length = (p->flags & F_CONTENT_LENGTH) != 0;
  if (has_length && p->content_length > opts.max_body_bytes) {
    self->fail_status_ = 413;
    return -1;
  }
  ex->has_body_ = chunked || (has_length && p->content_length > 0);
  if (!ex->has_body_ || p->http_minor == 0) ex->expect_continue_ = false;

  self->cycle_active_ = true;
  self->ex_ = ex;
  self->request_complete_ = false;
  self->response_done_ = false;
  self->keep_alive_ = llhttp_should_keep_alive(p) && !p->upgrade && !self->server_->draining_;
  self->head_sent_ = false;
  self->body_allowed_ = true;
  self->chunked_ = false;
  self->remaining_.reset();
  self->continue_sent_ = false;
  self->discarded_ = 0;
  self->body_received_ = 0;
  return 0;
}

int HttpConnection::OnBody(llhttp_t* p, const char* at, size_t len) {
  auto* self = static_cast<HttpConnection*>(p->data);
  self->body_received_ += len;
  self->body_progress_ = true;
  if (self->body_received_ > self->server_->options_.max_body_bytes) {
    self->fail_status_ = 413;
    return HPE_USER;
  }
  if (self->ex_) {
    self->ex_->body_queue_.emplace_back(at, len);
    self->ex_->body_buffered_ += len;
  } else {
    self->discarded_ += len;
    if (self->discarded_ > kMaxDiscard) {
      self->fail_status_ = 0;  // the response is out; FailRequest just closes
      return HPE_USER;
    }
  }
  return 0;
}

int HttpConnection::OnMessageComplete(llhttp_t* p) {
  auto* self = static_cast<HttpConnection*>(p->data);
  self->in_message_ = false;
  self->request_complete_ = true;
  if (self->ex_) self->ex_->body_done_ = true;
  if (p->upgrade) self->keep_alive_ = false;  // the bytes after an Upgrade are not HTTP
  // Pipelined requests wait in in_ until this exchange's response ends.
  return HPE_PAUSED;
}

void HttpConnection::Dispatch() {
  std::shared_ptr<HttpExchange> ex = std::move(pending_);
  pending_.reset();
  if (server_ && server_->on_request_) server_->on_request_(ex);
  // If the consumer kept no reference, ~HttpExchange answers 500 here.
}

// ---------------------------------------------------------------------------------------------
// HttpConnection: responses

void HttpConnection::Respond(HttpExchange* ex, int status, const HeaderList& headers,
                             std::optional<std::string> body, std::string_view status_text) {
  if (ex != ex_ || head_sent_) return;
  if (status < 200 || status > 999) {
    status = 500;
    status_text = {};
  }
  if (status_text.empty() || HasCrLf(status_text)) status_text = ReasonPhrase(status);
  body_allowed_ = !ex->head_request_ && status != 204 && status != 304;
  if (server_ && server_->draining_) keep_alive_ = false;
  // The client will not send a body it was not asked for once a final status arrives, so
  // the rest of the connection's input cannot be trusted to be a next request.
  if (ex->expect_continue_ && !continue_sent_ && !request_complete_) keep_alive_ = false;

  std::string head;
  size_t estimate = 64 + status_text.size();
  for (const auto& [name, value] : headers)
    estimate += name.size() + value.size() + 4;
  head.reserve(estimate);
  Append(&head, {"HTTP/1.1 ", std::to_string(status), " ", status_text, "\r\n"});
  std::optional<uint64_t> declared;
  for (const auto& [name, value] : headers) {
    if (name.empty() || HasCrLf(name) || HasCrLf(value) || name.find(':') != std::string::npos) {
      continue;
    }
    if (IEquals(name, "content-length")) {
      // Only a streamed response (or one without a body, describing the resource) keeps
      // the consumer's length; a complete body is measured here.
      uint64_t n = 0;
      auto trimmed = Trim(value);
      auto [ptr, ec] = std::from_chars(trimmed.data(), trimmed.data() + trimmed.size(), n);
      if (body || ec != std::errc() || ptr != trimmed.data() + trimmed.size() || declared) continue;
      if (status == 204) continue;
      declared = n;
    } else if (IEquals(name, "transfer-encoding") || IEquals(name, "keep-alive")) {
      continue;
    } else if (IEquals(name, "connection")) {
      if (HasToken(value, "close")) keep_alive_ = false;
      continue;
    }
    Append(&head, {name, ": ", value, "\r\n"});
  }
  if (body) {
    if (status != 204 && status != 304) {
      Append(&head, {"Content-Length: ", std::to_string(body->size()), "\r\n"});
    }
  } else if (declared) {
    Append(&head, {"Content-Length: ", std::to_string(*declared), "\r\n"});
    if (body_allowed_) remaining_ = *declared;
  } else if (body_allowed_) {
    if (ex->http_minor_ == 0) {
      keep_alive_ = false;  // HTTP/1.0 has no chunked coding: closing ends the body
    } else {
      head += "Transfer-Encoding: chunked\r\n";
      chunked_ = true;
    }
  }
  if (!keep_alive_) {
    head += "Connection: close\r\n";
  } else if (ex->http_minor_ == 0) {
    head += "Connection: keep-alive\r\n";
  }
  head += "\r\n";
  head_sent_ = true;
  Out(std::move(head));
  if (body) {
    if (body_allowed_ && !body->empty()) Out(std::move(*body));
    ResponseFinished();
  } else {
    RequestFlush();
  }
}

void HttpConnection::Write(HttpExchange* ex, std::string chunk, std::function<void(bool)> written) {
  if (ex != ex_ || !head_sent_) {
    if (written) written(false);
    return;
  }
  if (!body_allowed_ || chunk.empty()) {
    AfterWrite(std::move(written), true);
    return;
  }
  if (remaining_) {
    if (*remaining_ == 0) {  // beyond the declared Content-Length
      if (written) written(false);
      return;
    }
    if (chunk.size() > *remaining_) chunk.resize(*remaining_);
    *remaining_ -= chunk.size();
  }
  if (chunked_) {
    char size_line[24];
    auto [end, ec] = std::to_chars(size_line, size_line + 16, chunk.size(), 16);
    *end++ = '\r';
    *end++ = '\n';
    Out(std::string(size_line, end));
    Out(std::move(chunk));
    Out("\r\n");
  } else {
    Out(std::move(chunk));
  }
  out_cbs_.push_back(std::move(written));
  RequestFlush();
}

void HttpConnection::End(HttpExchange* ex) {
  if (ex != ex_ || !head_sent_) return;
  if (body_allowed_ && chunked_) Out("0\r\n\r\n");
  // Fewer bytes than declared: only closing tells the client the body is cut short.
  if (remaining_ && *remaining_ > 0) keep_alive_ = false;
  ResponseFinished();
}

// The response is complete (queued): detach the exchange, then continue with the next
// request or close.
void HttpConnection::ResponseFinished() {
  response_done_ = true;
  // Body bytes still to come are read and dropped (OnBody without ex_), unless the client
  // waits for a 100 Continue that will never come.
  if (!request_complete_ && ex_ && ex_->expect_continue_ && !continue_sent_) keep_alive_ = false;
  auto keep = Detach("the response ended before the request body was read", false);
  if (pumping_) {
    pump_again_ = true;  // the Pump on the stack (inside a DeferFlush) continues
  } else {
    // Called by the consumer (Respond/End, or dropping the exchange): the next pipelined
    // request is dispatched at the end of the loop turn, not inside the consumer's call.
    SchedulePump();
  }
  Notify(keep);  // a read still pending gets its error
}

void HttpConnection::FinishCycle() {
  cycle_active_ = false;
  if (!keep_alive_ || !server_ || server_->draining_) {
    GracefulClose();
    return;
  }
  headers_done_ = false;
  request_complete_ = false;
  response_done_ = false;
  if (parser_paused_) {
    llhttp_resume(&parser_);
    parser_paused_ = false;
  }
  if (out_bytes_ + uv_stream_get_write_queue_size(stream()) > kMaxWriteQueue) {
    FlushNow();  // responses answered in this pass are still in out_
    if (closing_) return;
    if (uv_stream_get_write_queue_size(stream()) > kMaxWriteQueue) wait_drain_ = true;
  }
  pump_again_ = true;
}

void HttpConnection::BodyPulled(HttpExchange* ex) {
  if (ex != ex_) return;
  if (ex->expect_continue_ && !continue_sent_ && !head_sent_ && !request_complete_) {
    continue_sent_ = true;
    Out("HTTP/1.1 100 Continue\r\n\r\n");
    RequestFlush();
  }
}

void HttpConnection::BodyConsumed() {
  if (pumping_ || closing_) return;  // Pump updates reading when it finishes
  UpdateReading();
  UpdateTimer();
}

void HttpConnection::ExchangeGone(HttpExchange* ex) {
  if (ex != ex_) return;
  ex_ = nullptr;
  if (closing_ || lingering_) return;
  if (head_sent_) {
    Close();  // cut off mid-response
    return;
  }
  if (server_ && server_->draining_) keep_alive_ = false;
  if (ex->expect_continue_ && !continue_sent_ && !request_complete_) keep_alive_ = false;
  std::string msg = "Internal Server Error";
  std::string head =
      absl::StrCat("HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n",
                   "Content-Length: ", ex->head_request_ ? 0 : msg.size(), "\r\n",
                   keep_alive_ ? "" : "Connection: close\r\n", "\r\n");
  if (!ex->head_request_) head += msg;
  head_sent_ = true;
  Out(std::move(head));
  ResponseFinished();
}

// ---------------------------------------------------------------------------------------------
// HttpConnection: failures and closing

void HttpConnection::DropPending() {
  if (!pending_) return;
  if (ex_ == pending_.get()) ex_ = nullptr;
  pending_->conn_ = nullptr;  // never dispatched: its destructor must not answer
  pending_.reset();
}

std::shared_ptr<HttpExchange> HttpConnection::Detach(std::string_view body_error, bool abort) {
  HttpExchange* ex = ex_;
  ex_ = nullptr;
  if (!ex) return nullptr;
  ex->conn_ = nullptr;
  if (!ex->body_done_ && ex->body_error_.empty()) ex->body_error_ = std::string(body_error);
  if (abort && !ex->ended_) {
    ex->aborted_ = true;
  } else {
    ex->abort_cb_ = nullptr;
  }
  return ex->weak_from_this().lock();
}

void HttpConnection::Notify(const std::shared_ptr<HttpExchange>& ex) {
  if (!ex) return;
  ex->DeliverBody();
  if (ex->aborted_ && ex->abort_cb_) {
    auto cb = std::move(ex->abort_cb_);
    ex->abort_cb_ = nullptr;
    cb();
  }
}

// The request cannot go on. Answers `status` when nothing of a response was sent yet,
// otherwise closes; a dispatched exchange is aborted either way.
void HttpConnection::FailRequest(int status, std::string_view body_error) {
  if (closing_ || lingering_) return;
  parser_dead_ = true;
  keep_alive_ = false;
  DropPending();
  if (cycle_active_ && response_done_) {
    GracefulClose();
    return;
  }
  bool can_answer = !head_sent_ && status != 0;
  auto keep = Detach(body_error, true);
  if (can_answer) {
    SendError(status);
    GracefulClose();
  } else {
    Close();
  }
  Notify(keep);
}

void HttpConnection::SendError(int status) {
  const char* reason = ReasonPhrase(status);
  head_sent_ = true;
  Out(absl::StrCat("HTTP/1.1 ", status, " ", reason,
                   "\r\nContent-Type: text/plain\r\nContent-Length: ", strlen(reason),
                   "\r\nConnection: close\r\n\r\n", reason));
}

void HttpConnection::GracefulClose() {
  if (closing_ || lingering_) return;
  lingering_ = true;
  cycle_active_ = false;
  DropPending();
  auto keep = Detach("connection closed", true);
  in_.clear();
  FlushNow();
  // uv_shutdown waits for the queued writes, then sends FIN.
  if (!closing_ && uv_shutdown(&shutdown_req_, stream(), &OnShutdown) != 0) Close();
  UpdateReading();
  UpdateTimer();
  Notify(keep);
}

void HttpConnection::OnShutdown(uv_shutdown_t* req, int status) {
  auto* self = static_cast<HttpConnection*>(req->handle->data);
  if (status < 0 && !self->closing_) self->Close();
}

void HttpConnection::Drain() {
  if (closing_ || lingering_) return;
  keep_alive_ = false;
  if (!cycle_active_ && !in_message_ && in_.empty()) {
    Close();  // idle keep-alive connection
    return;
  }
  if (cycle_active_ && response_done_) SchedulePump();  // body still being discarded: close
}

void HttpConnection::Close(bool silent) {
  if (closing_) return;
  closing_ = true;
  silent_ = silent;
  lingering_ = false;
  DropPending();
  auto keep = Detach("client disconnected", true);
  if (turn_end_scheduled_ && server_) {
    auto& q = server_->turn_end_queue_;
    std::replace(q.begin(), q.end(), this, static_cast<HttpConnection*>(nullptr));
  }
  turn_end_scheduled_ = false;
  uv_timer_stop(&timer_);
  uv_read_stop(stream());
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &OnClosed);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), &OnClosed);
  // Consumer callbacks last, with this connection already in its final state.
  out_.clear();
  out_bytes_ = 0;
  auto cbs = std::move(out_cbs_);
  out_cbs_.clear();
  if (silent) {
    if (keep) {
      keep->read_cb_ = nullptr;
      keep->abort_cb_ = nullptr;
    }
    return;
  }
  for (auto& cb : cbs) {
    if (cb) cb(false);
  }
  Notify(keep);
}

void HttpConnection::OnClosed(uv_handle_t* h) {
  auto* self = static_cast<HttpConnection*>(h->data);
  if (--self->open_handles_ > 0) return;
  if (self->server_) self->server_->ConnectionClosed(self);
  delete self;
}

// ---------------------------------------------------------------------------------------------
// HttpConnection: writing

void HttpConnection::Out(std::string s) {
  out_bytes_ += s.size();
  if (!out_.empty() && out_.back().size() + s.size() <= kCoalesce) {
    out_.back() += s;
  } else {
    out_.push_back(std::move(s));
  }
}

void HttpConnection::RequestFlush() {
  if (defer_flush_ > 0 || out_.empty() || closing_) return;
  // Outside our own callbacks (a JS timer, a posted task), writes issued in the same loop
  // turn are gathered and sent together from the server's check handle.
  if (!turn_end_scheduled_ && server_) server_->ScheduleTurnEnd(this);
}

void HttpConnection::SchedulePump() {
  if (closing_) return;
  pump_scheduled_ = true;
  if (!turn_end_scheduled_ && server_) server_->ScheduleTurnEnd(this);
}

void HttpConnection::TurnEnd() {
  if (closing_) return;
  DeferFlush defer(this);
  if (pump_scheduled_) {
    pump_scheduled_ = false;
    Pump();
  }
}

void HttpConnection::FlushNow() {
  if (out_.empty() || closing_) return;
  out_bytes_ = 0;
  std::vector<uv_buf_t> bufs;
  bufs.reserve(out_.size());
  for (auto& b : out_)
    bufs.push_back(uv_buf_init(b.data(), b.size()));
  size_t first = 0;
  bool no_callbacks = std::none_of(out_cbs_.begin(), out_cbs_.end(),
                                   [](const auto& cb) { return static_cast<bool>(cb); });
  if (no_callbacks && !last_write_) {
    // A complete response usually fits the socket buffer: writing it directly spares the
    // write request, its callback pass and libuv's epoll_ctl after it.
    int n = uv_try_write(stream(), bufs.data(), bufs.size());
    if (n < 0 && n != UV_EAGAIN) {
      Close();  // the client is gone
      return;
    }
    size_t written = n > 0 ? static_cast<size_t>(n) : 0;
    while (first < bufs.size() && written >= bufs[first].len) {
      written -= bufs[first].len;
      first++;
    }
    if (first == bufs.size()) {
      out_.clear();
      out_cbs_.clear();
      return;
    }
    bufs[first].base += written;
    bufs[first].len -= written;
  }
  auto* w = new WriteReq;
  w->req.data = w;
  w->conn = this;
  w->bufs = std::move(out_);  // the uv_bufs point into these strings; moving keeps them
  w->cbs = std::move(out_cbs_);
  out_.clear();
  out_cbs_.clear();
  int r = uv_write(&w->req, stream(), bufs.data() + first, bufs.size() - first, &OnWriteDone);
  if (r != 0) {
    auto cbs = std::move(w->cbs);
    delete w;
    Close();
    for (auto& cb : cbs) {
      if (cb) cb(false);
    }
    return;
  }
  last_write_ = w;
}

void HttpConnection::OnWriteDone(uv_write_t* req, int status) {
  auto* w = static_cast<WriteReq*>(req->data);
  HttpConnection* self = w->conn;
  if (self->last_write_ == w) self->last_write_ = nullptr;
  auto cbs = std::move(w->cbs);
  delete w;
  if (self->closing_ && self->silent_) return;
  DeferFlush defer(self);
  if (status < 0 && !self->closing_) self->Close();  // EPIPE, ECONNRESET: the client is gone
  for (auto& cb : cbs) {
    if (cb) cb(status == 0);
  }
  if (self->wait_drain_ && !self->closing_ &&
      uv_stream_get_write_queue_size(self->stream()) <= kMaxWriteQueue / 2) {
    self->wait_drain_ = false;
    self->Pump();
  }
}

// For writes that send nothing: report once everything before them is out, or right away
// when nothing is in flight.
void HttpConnection::AfterWrite(std::function<void(bool)> cb, bool ok) {
  if (!cb) return;
  if (!out_.empty()) {
    out_cbs_.push_back(std::move(cb));
  } else if (last_write_) {
    last_write_->cbs.push_back(std::move(cb));
  } else {
    cb(ok);
  }
}

// ---------------------------------------------------------------------------------------------
// HttpConnection: reading and timers

void HttpConnection::UpdateReading() {
  if (closing_) return;
  bool want;
  if (lingering_) {
    want = true;
  } else if (cycle_active_ && !request_complete_) {
    want = ex_ == nullptr || ex_->body_buffered_ < kBodyHighWater;
  } else {
    want = in_.size() < kMaxReadAhead && !wait_drain_;
  }
  if (want && !reading_) {
    reading_ = uv_read_start(stream(), &OnAlloc, &OnRead) == 0;
  } else if (!want && reading_) {
    uv_read_stop(stream());
    reading_ = false;
  }
}

void HttpConnection::UpdateTimer() {
  if (closing_ || !server_) return;
  const HttpServerOptions& opts = server_->options_;
  TimerKind kind = TimerKind::kNone;
  uint64_t ms = 0;
  bool restart = false;
  if (lingering_) {
    kind = TimerKind::kLinger;
    ms = kLingerMs;
  } else if (in_message_ && !headers_done_) {
    kind = TimerKind::kHeader;
    ms = opts.header_timeout_ms;
  } else if (cycle_active_ && !request_complete_) {
    // Only while we are reading: a consumer that does not pull must not time the client out.
    if (reading_) {
      kind = TimerKind::kBody;
      ms = opts.body_timeout_ms;
      restart = body_progress_;
    }
  } else if (!cycle_active_) {
    kind = TimerKind::kIdle;
    ms = opts.idle_timeout_ms;
  }
  restart = restart || timer_restart_;
  body_progress_ = false;
  timer_restart_ = false;
  if (kind == timer_kind_ && !restart) return;
  timer_kind_ = kind;
  if (kind == TimerKind::kNone) {
    uv_timer_stop(&timer_);
  } else {
    uv_timer_start(&timer_, &OnTimer, ms, 0);
  }
}

void HttpConnection::OnTimer(uv_timer_t* t) {
  auto* self = static_cast<HttpConnection*>(t->data);
  TimerKind kind = self->timer_kind_;
  self->timer_kind_ = TimerKind::kNone;
  DeferFlush defer(self);
  switch (kind) {
    case TimerKind::kHeader:
      self->FailRequest(408, "");
      break;
    case TimerKind::kBody:
      self->FailRequest(408, "request body timed out");
      break;
    case TimerKind::kIdle:
    case TimerKind::kLinger:
      self->Close();
      break;
    case TimerKind::kNone:
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// HttpServer

HttpServer::HttpServer(EventLoop& loop, HttpServerOptions options,
                       std::function<void(std::shared_ptr<HttpExchange>)> on_request)
    : loop_(loop), options_(std::move(options)), on_request_(std::move(on_request)) {}

HttpServer::~HttpServer() {
  auto conns = connections_;
  connections_.clear();
  for (HttpConnection* conn : conns) {
    conn->server_ = nullptr;
    conn->Close(/*silent=*/true);
  }
  turn_end_queue_.clear();
  if (listener_) {
    listener_->data = nullptr;
    if (!uv_is_closing(reinterpret_cast<uv_handle_t*>(listener_))) {
      uv_close(reinterpret_cast<uv_handle_t*>(listener_),
               [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
    }
  }
  if (turn_end_check_) {
    auto close_cb = [](uv_handle_t* h) { delete reinterpret_cast<uv_check_t*>(h); };
    uv_close(reinterpret_cast<uv_handle_t*>(turn_end_check_), close_cb);
    uv_close(reinterpret_cast<uv_handle_t*>(turn_end_idle_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_idle_t*>(h); });
  }
}

namespace {
std::string ListenAddress(const std::string& ip, int port) {
  return ip.find(':') != std::string::npos ? absl::StrCat("[", ip, "]:", port)
                                           : absl::StrCat(ip, ":", port);
}
}  // namespace

absl::StatusOr<int> ListenOn(const std::string& ip, int port, bool inheritable) {
  std::string where = ListenAddress(ip, port);
  if (port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("cannot listen on ", where, ": invalid port"));
  }
  bool v6 = ip.find(':') != std::string::npos;
  sockaddr_storage addr{};
  socklen_t len = v6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  // libuv's parsers: IPv6 scope ids such as fe80::1%lo too.
  int r = v6 ? uv_ip6_addr(ip.c_str(), port, reinterpret_cast<sockaddr_in6*>(&addr))
             : uv_ip4_addr(ip.c_str(), port, reinterpret_cast<sockaddr_in*>(&addr));
  if (r != 0) {
    return absl::InvalidArgumentError(absl::StrCat("cannot listen on ", where, ": invalid IP address"));
  }
  int fd = socket(addr.ss_family, SOCK_STREAM | (inheritable ? 0 : SOCK_CLOEXEC), 0);
  int one = 1;
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
      bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd, 511) != 0) {
    int err = errno;
    if (fd >= 0) close(fd);
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", where, ": ", uv_strerror(uv_translate_sys_error(err))));
  }
  return fd;
}

absl::Status HttpServer::Listen() {
  if (listener_ || draining_) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot listen on ", ListenAddress(options_.ip, options_.port), ": already listening"));
  }
  int fd = options_.listen_fd;  // the supervisor's socket, or one of our own
  if (fd < 0) {
    absl::StatusOr<int> bound = ListenOn(options_.ip, options_.port);
    if (!bound.ok()) return bound.status();
    fd = *bound;
  }
  auto* tcp = new uv_tcp_t;
  uv_tcp_init(loop_.uv(), tcp);
  tcp->data = this;
  int r = uv_tcp_open(tcp, fd);
  if (r == 0) r = uv_listen(reinterpret_cast<uv_stream_t*>(tcp), 511, &HttpServer::OnConnection);
  if (r != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(tcp),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", ListenAddress(options_.ip, options_.port), ": ", uv_strerror(r)));
  }
  sockaddr_storage bound{};
  int len = sizeof(bound);
  uv_tcp_getsockname(tcp, reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                      : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  listener_ = tcp;
  read_buffer_.reset(new char[kReadBufferSize]);
  return absl::OkStatus();
}

void HttpServer::OnConnection(uv_stream_t* listener, int status) {
  auto* self = static_cast<HttpServer*>(listener->data);
  if (!self || status < 0 || self->draining_) return;
  auto* conn = new HttpConnection(self);
  self->connections_.insert(conn);
  conn->Accept(listener);
}

void HttpServer::ConnectionClosed(HttpConnection* conn) {
  connections_.erase(conn);
  MaybeShutdownDone();
}

void HttpServer::Shutdown(std::function<void()> done) {
  if (done) shutdown_done_.push_back(std::move(done));
  if (!draining_) {
    draining_ = true;
    if (listener_) {
      uv_close(reinterpret_cast<uv_handle_t*>(listener_), [](uv_handle_t* h) {
        auto* self = static_cast<HttpServer*>(h->data);
        delete reinterpret_cast<uv_tcp_t*>(h);
        if (self) {
          self->listener_ = nullptr;
          self->listener_closed_ = true;
          self->MaybeShutdownDone();
        }
      });
    } else {
      listener_closed_ = true;
    }
    auto conns = connections_;
    for (HttpConnection* conn : conns)
      conn->Drain();
  }
  MaybeShutdownDone();
}

void HttpServer::MaybeShutdownDone() {
  if (!draining_ || !listener_closed_ || !connections_.empty() || shutdown_done_.empty()) return;
  // A done callback may destroy this server.
  auto cbs = std::move(shutdown_done_);
  shutdown_done_.clear();
  for (auto& cb : cbs)
    cb();
}

void HttpServer::ScheduleTurnEnd(HttpConnection* conn) {
  if (!turn_end_check_) {
    turn_end_check_ = new uv_check_t;
    turn_end_idle_ = new uv_idle_t;
    uv_check_init(loop_.uv(), turn_end_check_);
    uv_idle_init(loop_.uv(), turn_end_idle_);
    turn_end_check_->data = this;
  }
  conn->turn_end_scheduled_ = true;
  turn_end_queue_.push_back(conn);
  if (turn_end_queue_.size() == 1) {
    uv_check_start(turn_end_check_, &HttpServer::OnTurnEnd);
    // An active idle handle keeps the poll phase from blocking before the check runs.
    uv_idle_start(turn_end_idle_, [](uv_idle_t*) {});
  }
}

void HttpServer::OnTurnEnd(uv_check_t* check) {
  auto* self = static_cast<HttpServer*>(check->data);
  uv_check_stop(self->turn_end_check_);
  uv_idle_stop(self->turn_end_idle_);
  auto queue = std::move(self->turn_end_queue_);
  self->turn_end_queue_.clear();
  // Closing frees a connection only in the close phase, after this callback.
  for (HttpConnection* conn : queue) {
    if (!conn || !conn->turn_end_scheduled_) continue;
    conn->turn_end_scheduled_ = false;
    conn->TurnEnd();
  }
}

}  // namespace dw::io
