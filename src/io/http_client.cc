#include "io/http_client.h"

#include <algorithm>
#include <list>
#include <map>

namespace dw::io {
namespace {

// The TcpStream below an exchange buffers little: the exchange's own body buffer is where
// backpressure is decided.
constexpr size_t kStreamHighWaterMark = 64 * 1024;
// A response head larger than this is refused rather than buffered without bound.
constexpr size_t kMaxHeadBytes = 256 * 1024;

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = Lower(c);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

bool IsTokenChar(char c) {
  if (c >= '0' && c <= '9') return true;
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsTokenChar);
}

// CR, LF or NUL in a value would let it end the header early (request splitting).
bool IsSafeHeaderValue(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

bool IsSafeTarget(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return false;
  }
  return true;
}

// Minimal split of an absolute URL for callers (C++ tests) that give only `url`; fetch()'s
// JS has already parsed and normalised it.
bool SplitUrl(std::string_view url, HttpClientRequest* r) {
  size_t colon = url.find("://");
  if (colon == std::string_view::npos) return false;
  r->scheme = std::string(url.substr(0, colon));
  std::string_view rest = url.substr(colon + 3);
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  std::string_view tail = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) authority = authority.substr(at + 1);
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    r->host = std::string(authority.substr(0, close + 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return false;
      port = after.substr(1);
    }
  } else {
    size_t c = authority.rfind(':');
    r->host = std::string(authority.substr(0, c));
    if (c != std::string_view::npos) port = authority.substr(c + 1);
  }
  r->port = 0;
  for (char ch : port) {
    if (ch < '0' || ch > '9' || r->port > 65535) return false;
    r->port = r->port * 10 + (ch - '0');
  }
  size_t hash = tail.find('#');
  if (hash != std::string_view::npos) tail = tail.substr(0, hash);
  if (tail.empty() || tail.front() != '/') {
    r->path_and_query = "/" + std::string(tail);
  } else {
    r->path_and_query = std::string(tail);
  }
  return true;
}

std::string HexSize(size_t n) {
  char buf[32];
  snprintf(buf, sizeof buf, "%zx", n);
  return buf;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The keep-alive pool

class HttpConnectionPool : public std::enable_shared_from_this<HttpConnectionPool> {
 public:
  HttpConnectionPool(EventLoop& loop, HttpClientOptions options)
      : loop_(loop), options_(std::move(options)) {}
  ~HttpConnectionPool() { CloseAll(); }

  EventLoop& loop() { return loop_; }
  const HttpClientOptions& options() const { return options_; }
  HttpClientStats& stats() { return stats_; }

  absl::StatusOr<std::shared_ptr<TlsContext>> TlsContextForHttps() {
    if (!tls_) {
      if (options_.extra_ca_pem.empty()) {
        // Shared by every loop: the system store is loaded once per process.
        std::shared_ptr<TlsContext> shared = TlsContext::SystemDefault();
        if (shared) {
          tls_ = shared;
        } else {
          tls_ = absl::InternalError("no TLS context");
        }
      } else {
        TlsContextOptions o;
        o.extra_ca_pem = options_.extra_ca_pem;
        tls_ = TlsContext::CreateClient(o);
      }
    }
    return *tls_;
  }

  // The most recently used idle connection to `key` whose peer `filter` (if any) allows, or
  // null.
  std::shared_ptr<TcpStream> Acquire(const std::string& key, const AddressFilter* filter) {
    auto it = idle_.find(key);
    if (it == idle_.end()) return nullptr;
    std::shared_ptr<TcpStream> found;
    while (!found && !it->second.empty()) {
      Idle e = std::move(it->second.back());
      it->second.pop_back();
      Unlink(e);
      if (e.stream->is_open() && e.stream->buffered_read_bytes() == 0 &&
          PeerAllowed(*e.stream, filter)) {
        found = std::move(e.stream);
      } else {
        e.stream->Close();
      }
    }
    if (it->second.empty()) idle_.erase(it);
    if (found) {
      found->CancelRead();
      found->SetRef(true);
    }
    return found;
  }

  void Release(const std::string& key, std::shared_ptr<TcpStream> stream) {
    if (closed_ || options_.max_idle_per_host == 0 || options_.max_idle_total == 0 ||
        !stream->is_open() || stream->buffered_read_bytes() != 0) {
      stream->Close();
      return;
    }
    if (auto it = idle_.find(key); it != idle_.end()) {
      while (it->second.size() >= options_.max_idle_per_host) CloseFront(it->second);
      if (it->second.empty()) idle_.erase(it);
    }
    while (count_ >= options_.max_idle_total && !idle_.empty()) CloseOldest();
    // The thread's cap closes the connection idle longest in any pool of the thread (a
    // worker's, the loader's): refusing this one instead let a few workers that fetch from many
    // hosts take every other client's keep-alive.
    while (ThreadIdle().size() >= options_.max_idle_per_thread && !ThreadIdle().empty()) {
      ThreadIdleRef oldest = ThreadIdle().front();
      size_t before = ThreadIdle().size();
      oldest.pool->Remove(oldest.key, oldest.stream);
      if (ThreadIdle().size() == before) break;  // not found (cannot be): never loop
    }
    // Only now: the closing above may erase (and must never see) this key's list.
    auto& list = idle_[key];
    // Idle connections must not keep the loop (and so a worker) alive.
    stream->SetRef(false);
    TcpStream* raw = stream.get();
    ThreadIdle().push_back(ThreadIdleRef{this, key, raw});
    list.push_back(Idle{stream, loop_.NowMs(), std::prev(ThreadIdle().end())});
    ++count_;
    // Anything arriving on an idle connection (EOF, a reset, bytes the server had no reason
    // to send) means it cannot carry another request.
    std::weak_ptr<HttpConnectionPool> weak = weak_from_this();
    stream->Read([weak, key, raw](std::string_view, bool, std::string_view) {
      if (auto pool = weak.lock()) pool->Remove(key, raw);
    });
    ScheduleSweep();
  }

  void CloseAll() {
    auto idle = std::move(idle_);
    idle_.clear();
    for (auto& [key, list] : idle) {
      for (auto& e : list) {
        Unlink(e);
        e.stream->Close();
      }
    }
  }

  void Shutdown() {
    closed_ = true;
    CloseAll();
    sweep_.reset();
  }

  size_t idle_count() const { return count_; }

 private:
  // Every idle connection of the thread, oldest first, across pools: what the thread's cap
  // closes first. Pools belong to their loop's thread, and a pool takes its entries out of
  // this list before it goes (CloseAll), so `pool` is alive while listed.
  struct ThreadIdleRef {
    HttpConnectionPool* pool;
    std::string key;
    TcpStream* stream;
  };
  static std::list<ThreadIdleRef>& ThreadIdle() {
    static thread_local std::list<ThreadIdleRef> list;
    return list;
  }

  struct Idle {
    std::shared_ptr<TcpStream> stream;
    uint64_t since_ms;
    std::list<ThreadIdleRef>::iterator in_thread;  // its place in ThreadIdle()
  };

  // Every removal from idle_ goes through here, so the counts cannot drift.
  void Unlink(const Idle& e) {
    ThreadIdle().erase(e.in_thread);
    --count_;
  }

  // Closes the oldest connection of one host's list (which the caller erases once empty).
  void CloseFront(std::deque<Idle>& list) {
    Unlink(list.front());
    list.front().stream->Close();
    list.pop_front();
  }

  // The key already keeps a filtered request to connections made under an equal filter; the
  // peer is checked again because handing a denied address a request is what the filter exists
  // to prevent, and a getpeername is cheap next to that.
  static bool PeerAllowed(const TcpStream& stream, const AddressFilter* filter) {
    if (filter == nullptr) return true;
    std::optional<SocketAddress> peer = stream.peer();
    return peer.has_value() && filter->Denies(*peer) == nullptr;
  }

  void Remove(const std::string& key, TcpStream* stream) {
    auto it = idle_.find(key);
    if (it == idle_.end()) return;
    auto& list = it->second;
    for (auto e = list.begin(); e != list.end(); ++e) {
      if (e->stream.get() == stream) {
        Unlink(*e);
        std::shared_ptr<TcpStream> s = std::move(e->stream);
        list.erase(e);
        s->Close();
        break;
      }
    }
    if (list.empty()) idle_.erase(it);
  }

  // Closes the connection idle longest, whatever its host.
  void CloseOldest() {
    auto oldest = idle_.end();
    for (auto it = idle_.begin(); it != idle_.end(); ++it) {
      if (it->second.empty()) continue;
      if (oldest == idle_.end() || it->second.front().since_ms < oldest->second.front().since_ms) oldest = it;
    }
    if (oldest == idle_.end()) return;
    CloseFront(oldest->second);
    if (oldest->second.empty()) idle_.erase(oldest);
  }

  void ScheduleSweep() {
    if (closed_) return;
    if (!sweep_) {
      sweep_ = std::make_unique<Timer>(loop_, [this] { Sweep(); });
      sweep_->SetRef(false);
    }
    if (!sweep_->active()) sweep_->Start(options_.idle_timeout_ms);
  }

  void Sweep() {
    uint64_t now = loop_.NowMs();
    uint64_t next = 0;
    for (auto it = idle_.begin(); it != idle_.end();) {
      auto& list = it->second;
      while (!list.empty() && now - list.front().since_ms >= options_.idle_timeout_ms) CloseFront(list);
      if (!list.empty()) {
        uint64_t due = list.front().since_ms + options_.idle_timeout_ms - now;
        if (next == 0 || due < next) next = due;
      }
      it = list.empty() ? idle_.erase(it) : std::next(it);
    }
    if (next != 0) sweep_->Start(next);
  }

  EventLoop& loop_;
  HttpClientOptions options_;
  HttpClientStats stats_;
  bool closed_ = false;
  std::map<std::string, std::deque<Idle>> idle_;
  size_t count_ = 0;  // connections in idle_
  std::optional<absl::StatusOr<std::shared_ptr<TlsContext>>> tls_;
  std::unique_ptr<Timer> sweep_;
};

// ---------------------------------------------------------------------------------------------
// HttpClient

HttpClient::HttpClient(EventLoop& loop, HttpClientOptions options)
    : loop_(loop), pool_(std::make_shared<HttpConnectionPool>(loop, std::move(options))) {}

HttpClient::~HttpClient() { pool_->Shutdown(); }

std::shared_ptr<HttpClientExchange> HttpClient::Start(HttpClientRequest request) {
  std::shared_ptr<HttpClientExchange> ex(
      new HttpClientExchange(loop_, pool_, std::move(request)));
  ex->Begin();
  return ex;
}

const HttpClientStats& HttpClient::stats() const { return pool_->stats(); }

size_t HttpClient::idle_connections() const { return pool_->idle_count(); }

// ---------------------------------------------------------------------------------------------
// The exchange: setup

HttpClientExchange::HttpClientExchange(EventLoop& loop, std::shared_ptr<HttpConnectionPool> pool,
                                       HttpClientRequest request)
    : loop_(loop), pool_(std::move(pool)), request_(std::move(request)) {
  body_high_water_mark_ = std::max<size_t>(pool_->options().body_high_water_mark, 1);
}

HttpClientExchange::~HttpClientExchange() {
  if (stream_ != nullptr) stream_->Close();
}

void HttpClientExchange::Begin() {
  auto keep = shared_from_this();
  HttpClientRequest& r = request_;
  if (r.host.empty() && !r.url.empty() && !SplitUrl(r.url, &r)) {
    Fail("invalid URL: " + r.url);
    return;
  }
  if (!r.scheme.empty() && r.scheme.back() == ':') r.scheme.pop_back();
  r.scheme = ToLower(r.scheme);
  https_ = r.scheme == "https";
  if (r.scheme != "http" && !https_) {
    Fail("unsupported URL scheme for HTTP: " + r.scheme);
    return;
  }
  if (r.port == 0) r.port = https_ ? 443 : 80;
  std::string bare(StripBrackets(r.host));
  display_host_ = bare.find(':') != std::string::npos ? "[" + bare + "]" : bare;
  host_port_ = FormatHostPort(bare, r.port);
  pool_key_ = r.scheme + "://" + FormatHostPort(ToLower(bare), r.port);
  if (r.address_filter != nullptr && !r.address_filter->blocks().empty()) {
    // A connection made without this filter (or under another) may lead to an address it
    // denies; it must not carry this request.
    pool_key_ += " deny=" + r.address_filter->key();
  }
  if (bare.empty() || r.port < 0 || r.port > 65535) {
    Fail("invalid URL host: " + host_port_);
    return;
  }
  if (r.path_and_query.empty()) r.path_and_query = "/";
  if (!IsToken(r.method)) {
    Fail("invalid HTTP method: " + r.method);
    return;
  }
  if (EqualsIgnoreCase(r.method, "CONNECT")) {
    Fail("the CONNECT method is not supported");
    return;
  }
  head_request_ = EqualsIgnoreCase(r.method, "HEAD");
  if (!IsSafeTarget(r.path_and_query)) {
    Fail("invalid request target: " + r.path_and_query);
    return;
  }
  for (const auto& [name, value] : r.headers) {
    if (!IsToken(name) || !IsSafeHeaderValue(value)) {
      Fail("invalid request header: " + name);
      return;
    }
    if (EqualsIgnoreCase(name, "connection") && ToLower(value).find("close") != std::string::npos) {
      request_wants_close_ = true;
    }
  }
  chunked_ = r.has_body && !r.body_length.has_value();
  ResetParser();
  if (r.timeout_ms > 0) {
    timeout_ = std::make_unique<Timer>(loop_, [this] {
      auto keep = shared_from_this();
      if (!head_ready_ && error_.empty()) {
        Fail("timed out after " + std::to_string(request_.timeout_ms) + " ms waiting for " +
             display_host_);
        Dispatch();
      }
    });
    timeout_->Start(r.timeout_ms);
  }
  Connect(/*allow_pooled=*/true);
}

void HttpClientExchange::Connect(bool allow_pooled) {
  attempt_++;
  connected_ = false;
  reused_ = false;
  if (allow_pooled) {
    if (auto pooled = pool_->Acquire(pool_key_, request_.address_filter.get())) {
      stream_ = std::move(pooled);
      reused_ = true;
      pool_->stats().connections_reused++;
      OnConnected(absl::OkStatus(), attempt_);
      return;
    }
  }
  TcpStreamOptions options;
  options.read_high_water_mark = kStreamHighWaterMark;
  options.address_filter = request_.address_filter;
  if (https_) {
    auto ctx = pool_->TlsContextForHttps();
    if (!ctx.ok()) {
      Fail("TLS with " + display_host_ + " failed: " + std::string(ctx.status().message()));
      return;
    }
    options.tls_context = *ctx;
    options.alpn = {"http/1.1"};
  }
  stream_ = TcpStream::Create(loop_, std::move(options));
  pool_->stats().connections_opened++;
  std::weak_ptr<HttpClientExchange> weak = weak_from_this();
  uint64_t attempt = attempt_;
  stream_->Connect(request_.host, request_.port, https_ ? TlsMode::kOn : TlsMode::kOff,
                   [weak, attempt](absl::Status s) {
                     if (auto self = weak.lock()) self->OnConnected(std::move(s), attempt);
                   });
}

void HttpClientExchange::OnConnected(absl::Status status, uint64_t attempt) {
  if (attempt != attempt_ || !error_.empty() || stream_ == nullptr) return;
  if (!status.ok()) {
    Fail(std::move(status));
    Dispatch();
    return;
  }
  connected_ = true;
  std::weak_ptr<HttpClientExchange> weak = weak_from_this();
  stream_->Write(BuildHead(), [weak, attempt](absl::Status s) {
    auto self = weak.lock();
    if (self && self->attempt_ == attempt && !s.ok()) {
      self->OnConnectionError(std::string(s.message()));
      self->Dispatch();
    }
  });
  while (connected_ && !unsent_.empty()) {
    PendingWrite w = std::move(unsent_.front());
    unsent_.pop_front();
    SendFramed(std::move(w.data), w.id);
  }
  Dispatch();
}

std::string HttpClientExchange::BuildHead() const {
  const HttpClientRequest& r = request_;
  std::string h;
  h.reserve(256);
  h.append(r.method).append(" ").append(r.path_and_query).append(" HTTP/1.1\r\n");
  h.append("Host: ").append(display_host_);
  if (r.port != (https_ ? 443 : 80)) h.append(":").append(std::to_string(r.port));
  h.append("\r\n");
  for (const auto& [name, value] : r.headers) {
    if (EqualsIgnoreCase(name, "host") || EqualsIgnoreCase(name, "content-length") ||
        EqualsIgnoreCase(name, "transfer-encoding")) {
      continue;
    }
    h.append(name).append(": ").append(value).append("\r\n");
  }
  if (r.has_body) {
    if (r.body_length) {
      h.append("Content-Length: ").append(std::to_string(*r.body_length)).append("\r\n");
    } else {
      h.append("Transfer-Encoding: chunked\r\n");
    }
  } else if (EqualsIgnoreCase(r.method, "POST") || EqualsIgnoreCase(r.method, "PUT") ||
             EqualsIgnoreCase(r.method, "PATCH")) {
    // Servers may insist on a length for these methods (411) even without a body.
    h.append("Content-Length: 0\r\n");
  }
  h.append("\r\n");
  return h;
}

// ---------------------------------------------------------------------------------------------
// The exchange: request body

void HttpClientExchange::Write(std::string chunk, std::function<void(bool ok)> written) {
  auto keep = shared_from_this();
  if (!request_.has_body || end_called_ || !error_.empty() || message_complete_) {
    if (written) written(false);
    return;
  }
  if (request_.body_length && body_written_ + chunk.size() > *request_.body_length) {
    Fail("the request body to " + display_host_ + " is longer than its Content-Length (" +
         std::to_string(*request_.body_length) + " bytes)");
    if (written) written(false);
    Dispatch();
    return;
  }
  body_written_ += chunk.size();
  if (chunk.empty()) {
    // A zero-size chunk would end a chunked body.
    if (written) written(true);
    return;
  }
  std::string framed;
  if (chunked_) {
    std::string size = HexSize(chunk.size());
    framed.reserve(size.size() + chunk.size() + 4);
    framed.append(size).append("\r\n").append(chunk).append("\r\n");
  } else {
    framed = std::move(chunk);
  }
  uint64_t id = next_write_id_++;
  if (written) inflight_.emplace(id, std::move(written));
  UpdateSelfRef();
  SendFramed(std::move(framed), id);
}

void HttpClientExchange::End() {
  auto keep = shared_from_this();
  if (!request_.has_body || end_called_) return;
  end_called_ = true;
  if (!error_.empty() || message_complete_) return;
  if (request_.body_length && body_written_ != *request_.body_length) {
    Fail("the request body to " + display_host_ + " ended after " +
         std::to_string(body_written_) + " of its " + std::to_string(*request_.body_length) +
         " bytes (Content-Length)");
    Dispatch();
    return;
  }
  if (chunked_) SendFramed("0\r\n\r\n", next_write_id_++);
}

void HttpClientExchange::SendFramed(std::string data, uint64_t id) {
  if (!connected_) {
    unsent_.push_back(PendingWrite{std::move(data), id});
    return;
  }
  std::weak_ptr<HttpClientExchange> weak = weak_from_this();
  uint64_t attempt = attempt_;
  stream_->Write(std::move(data), [weak, attempt, id](absl::Status s) {
    auto self = weak.lock();
    if (!self) return;
    if (!s.ok() && self->attempt_ == attempt) self->OnConnectionError(std::string(s.message()));
    self->CompleteWrite(id, s.ok());
    self->Dispatch();
  });
}

void HttpClientExchange::CompleteWrite(uint64_t id, bool ok) {
  auto it = inflight_.find(id);
  if (it == inflight_.end()) return;
  auto cb = std::move(it->second);
  inflight_.erase(it);
  if (cb) cb(ok);
}

void HttpClientExchange::FailWrites() {
  unsent_.clear();
  auto inflight = std::move(inflight_);
  inflight_.clear();
  for (auto& [id, cb] : inflight) {
    if (cb) cb(false);
  }
}

// ---------------------------------------------------------------------------------------------
// The exchange: response

void HttpClientExchange::ResetParser() {
  llhttp_init(&parser_, HTTP_RESPONSE, ParserSettings());
  parser_.data = this;
  got_response_bytes_ = false;
  informational_ = false;
  head_ = HttpClientResponseHead{};
  head_bytes_ = 0;
  field_.clear();
  value_.clear();
  in_value_ = false;
  parser_paused_at_end_ = false;
}

void HttpClientExchange::PullResponse() {
  if (stream_ == nullptr || !connected_ || reading_ || message_complete_ || !error_.empty()) {
    return;
  }
  if (body_.size() >= body_high_water_mark_) return;
  reading_ = true;
  std::weak_ptr<HttpClientExchange> weak = weak_from_this();
  uint64_t attempt = attempt_;
  stream_->Read([weak, attempt](std::string_view chunk, bool done, std::string_view error) {
    auto self = weak.lock();
    if (!self || self->attempt_ != attempt) return;
    self->OnStreamRead(chunk, done, error);
  });
}

void HttpClientExchange::OnStreamRead(std::string_view chunk, bool done, std::string_view error) {
  reading_ = false;
  if (!chunk.empty()) {
    got_response_bytes_ = true;
    Feed(chunk);
  } else if (!error.empty()) {
    OnConnectionError(std::string(error));
  } else if (done) {
    OnEof();
  }
  Dispatch();
}

void HttpClientExchange::Feed(std::string_view data) {
  if (message_complete_ || !error_.empty()) return;
  llhttp_errno_t rc = llhttp_execute(&parser_, data.data(), data.size());
  if (rc == HPE_OK) return;
  if (rc == HPE_PAUSED && parser_paused_at_end_) {
    size_t consumed = static_cast<size_t>(llhttp_get_error_pos(&parser_) - data.data());
    // Bytes after the response were never asked for; the connection's state is unknown.
    if (consumed < data.size()) keep_alive_ = false;
    MessageComplete();
    return;
  }
  if (head_too_large_) {
    Fail("the response head from " + host_port_ + " is larger than " +
         std::to_string(kMaxHeadBytes / 1024) + " KiB");
  } else if (parser_.status_code == 101) {
    Fail(host_port_ + " answered 101 Switching Protocols, which an HTTP request cannot use");
  } else {
    Fail("invalid HTTP response from " + host_port_ + ": " + llhttp_get_error_reason(&parser_));
  }
}

void HttpClientExchange::OnEof() {
  if (message_complete_ || !error_.empty()) return;
  if (!got_response_bytes_) {
    if (CanRetry()) {
      Retry();
      return;
    }
    Fail("connection closed by " + host_port_ + " before a response was received");
    return;
  }
  llhttp_finish(&parser_);
  if (parser_paused_at_end_) {
    // A body delimited by the end of the connection.
    keep_alive_ = false;
    MessageComplete();
  } else if (!head_ready_) {
    Fail("connection closed by " + host_port_ + " in the middle of the response head");
  } else {
    Fail("connection closed by " + host_port_ + " before the end of the response body");
  }
}

void HttpClientExchange::OnConnectionError(std::string message) {
  if (message_complete_ || !error_.empty()) return;
  if (!got_response_bytes_ && CanRetry()) {
    Retry();
    return;
  }
  Fail(std::move(message));
}

bool HttpClientExchange::CanRetry() const {
  // Only a pooled connection can have died unseen while idle (the server's keep-alive timeout
  // racing our request), and only a request without a streamed body can be sent again.
  return reused_ && !retried_ && !request_.has_body && error_.empty();
}

void HttpClientExchange::Retry() {
  retried_ = true;
  pool_->stats().retries++;
  if (stream_ != nullptr) stream_->Close();
  stream_.reset();
  reading_ = false;
  ResetParser();
  Connect(/*allow_pooled=*/false);
}

void HttpClientExchange::MessageComplete() {
  message_complete_ = true;
  body_done_ = true;
  if (timeout_) timeout_->Stop();
  bool request_done = !request_.has_body || (end_called_ && unsent_.empty());
  std::shared_ptr<TcpStream> stream = std::move(stream_);
  stream_.reset();
  connected_ = false;
  reading_ = false;
  if (stream == nullptr) return;
  if (keep_alive_ && request_done && !request_wants_close_) {
    // Returned before the consumer hears "done", so a request it starts from that callback
    // can reuse the connection. Write callbacks still in flight belong to this attempt and
    // report through the weak reference they hold.
    pool_->Release(pool_key_, std::move(stream));
  } else {
    stream->Close();
    // The server answered before the request body was complete; the rest is not wanted.
    FailWrites();
  }
}

void HttpClientExchange::Fail(std::string message) {
  Fail(absl::UnavailableError(std::move(message)));
}

void HttpClientExchange::Fail(absl::Status status) {
  if (!error_.empty()) return;
  std::string message(status.message());
  if (message_complete_ && !aborted_) {
    // The response is whole; only the request body's writers need to hear.
    FailWrites();
    return;
  }
  error_ = std::move(message);
  failure_ = std::move(status);
  if (timeout_) timeout_->Stop();
  if (stream_ != nullptr) stream_->Close();
  stream_.reset();
  connected_ = false;
  reading_ = false;
  FailWrites();
}

void HttpClientExchange::Abort() {
  auto keep = shared_from_this();
  if (aborted_) return;
  aborted_ = true;
  body_.clear();
  if (error_.empty()) {
    std::string message = "the request to " + display_host_ + " was aborted";
    if (message_complete_) {
      // The connection may already be back in the pool; only the consumer's view changes.
      error_ = std::move(message);
      FailWrites();
    } else {
      Fail(std::move(message));
    }
  }
  Dispatch();
}

void HttpClientExchange::OnHead(
    std::function<void(absl::StatusOr<HttpClientResponseHead>)> callback) {
  auto keep = shared_from_this();
  head_cb_ = std::move(callback);
  Dispatch();
}

void HttpClientExchange::ReadBody(
    std::function<void(std::string_view chunk, bool done, std::string_view error)> callback) {
  auto keep = shared_from_this();
  body_cb_ = std::move(callback);
  Dispatch();
}

void HttpClientExchange::Dispatch() {
  auto keep = shared_from_this();
  if (head_cb_) {
    if (head_ready_ && !head_delivered_ && (error_.empty() || !aborted_)) {
      head_delivered_ = true;
      auto cb = std::move(head_cb_);
      head_cb_ = nullptr;
      cb(std::move(head_));
    } else if (!error_.empty()) {
      auto cb = std::move(head_cb_);
      head_cb_ = nullptr;
      cb(failure_.ok() ? absl::UnavailableError(error_) : failure_);
    } else if (head_delivered_) {
      auto cb = std::move(head_cb_);
      head_cb_ = nullptr;
      cb(absl::FailedPreconditionError("the response head was already delivered"));
    }
  }
  if (body_cb_) {
    if (!body_.empty()) {
      std::string data;
      data.swap(body_);
      auto cb = std::move(body_cb_);
      body_cb_ = nullptr;
      // Refill first: the socket resumes while the consumer handles this chunk.
      PullResponse();
      cb(data, false, {});
    } else if (!error_.empty()) {
      auto cb = std::move(body_cb_);
      body_cb_ = nullptr;
      std::string error = error_;
      cb({}, true, error);
    } else if (body_done_) {
      auto cb = std::move(body_cb_);
      body_cb_ = nullptr;
      cb({}, true, {});
    }
  }
  PullResponse();
  UpdateSelfRef();
}

void HttpClientExchange::UpdateSelfRef() {
  // Every caller holds its own reference, so dropping this one never destroys `this` here.
  bool outstanding = head_cb_ || body_cb_ || !inflight_.empty();
  if (outstanding && self_ == nullptr) {
    self_ = shared_from_this();
  } else if (!outstanding && self_ != nullptr) {
    self_.reset();
  }
}

// ---------------------------------------------------------------------------------------------
// llhttp callbacks: they only record; user callbacks run from Dispatch, outside the parser.

int HttpClientExchange::OnMessageBegin(llhttp_t* p) {
  auto* self = static_cast<HttpClientExchange*>(p->data);
  self->head_ = HttpClientResponseHead{};
  self->field_.clear();
  self->value_.clear();
  self->in_value_ = false;
  return 0;
}

int HttpClientExchange::OnStatus(llhttp_t* p, const char* at, size_t len) {
  auto* self = static_cast<HttpClientExchange*>(p->data);
  if ((self->head_bytes_ += len) > kMaxHeadBytes) {
    self->head_too_large_ = true;
    return -1;
  }
  self->head_.status_text.append(at, len);
  return 0;
}

int HttpClientExchange::OnHeaderField(llhttp_t* p, const char* at, size_t len) {
  auto* self = static_cast<HttpClientExchange*>(p->data);
  if ((self->head_bytes_ += len) > kMaxHeadBytes) {
    self->head_too_large_ = true;
    return -1;
  }
  if (self->in_value_) self->FinishHeader();
  self->field_.append(at, len);
  return 0;
}

int HttpClientExchange::OnHeaderValue(llhttp_t* p, const char* at, size_t len) {
  auto* self = static_cast<HttpClientExchange*>(p->data);
  if ((self->head_bytes_ += len) > kMaxHeadBytes) {
    self->head_too_large_ = true;
    return -1;
  }
  self->in_value_ = true;
  self->value_.append(at, len);
  return 0;
}

void HttpClientExchange::FinishHeader() {
  if (!field_.empty()) {
    while (!value_.empty() && (value_.back() == ' ' || value_.back() == '\t')) value_.pop_back();
    head_.headers.emplace_back(std::move(field_), std::move(value_));
  }
  field_.clear();
  value_.clear();
  in_value_ = false;
}

int HttpClientExchange::OnHeadersComplete(llhttp_t* p) {
  auto* self = static_cast<HttpClientExchange*>(p->data);
  self->FinishHeader();
  int status = p->status_code;
  if (status == 101) return -1;  // reported by Feed
  if (status >= 100 && status < 200) {
    // 100 Continue, 103 Early Hints, ...: skipped; the real response follows.
    self->informational_ = true;
    return 1;
  }
  self->head_.status = status;
  self->head_ready_ = true;
  if (self->timeout_) self->timeout_->Stop();
  if (self->head_request_ || status == 204 || status == 304) return 1;  // no body
  return 0;
}

int HttpClientExchange::OnBody(llhttp_t* p, const char* at, size_t len) {
  auto* self = static_cast<HttpClientExchange*>(p->data);
  self->body_.append(at, len);
  return 0;
}

int HttpClientExchange::OnMessageComplete(llhttp_t* p) {
  auto* self = static_cast<HttpClientExchange*>(p->data);
  if (self->informational_) {
    self->informational_ = false;
    return 0;
  }
  // Only while the message's flags are still set (llhttp clears them right after).
  self->keep_alive_ = llhttp_should_keep_alive(p) != 0;
  self->parser_paused_at_end_ = true;
  // Pausing stops the parser at the message's end, so Feed can see what follows it.
  return HPE_PAUSED;
}

const llhttp_settings_t* HttpClientExchange::ParserSettings() {
  static const llhttp_settings_t settings = [] {
    llhttp_settings_t s;
    llhttp_settings_init(&s);
    s.on_message_begin = &HttpClientExchange::OnMessageBegin;
    s.on_status = &HttpClientExchange::OnStatus;
    s.on_header_field = &HttpClientExchange::OnHeaderField;
    s.on_header_value = &HttpClientExchange::OnHeaderValue;
    s.on_headers_complete = &HttpClientExchange::OnHeadersComplete;
    s.on_body = &HttpClientExchange::OnBody;
    s.on_message_complete = &HttpClientExchange::OnMessageComplete;
    return s;
  }();
  return &settings;
}

}  // namespace dw::io
