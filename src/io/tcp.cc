#include "io/tcp.h"

#include <cstring>

namespace dw::io {
namespace {

constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kDecryptChunk = 16 * 1024;

}  // namespace

struct TcpStream::ConnectReq {
  uv_connect_t req;
  std::shared_ptr<TcpStream> stream;  // keeps the stream alive until libuv reports back
  uv_tcp_t* handle;                   // which attempt this was
};

struct TcpStream::WriteReq {
  uv_write_t req;
  std::string data;  // libuv reads from it until the callback
  std::shared_ptr<TcpStream> stream;
  StatusCallback callback;
};

struct TcpStream::ShutdownReq {
  uv_shutdown_t req;
  std::shared_ptr<TcpStream> stream;
  StatusCallback callback;
};

std::shared_ptr<TcpStream> TcpStream::Create(EventLoop& loop, TcpStreamOptions options) {
  return std::shared_ptr<TcpStream>(new TcpStream(loop, std::move(options)));
}

TcpStream::TcpStream(EventLoop& loop, TcpStreamOptions options)
    : loop_(loop), options_(std::move(options)), read_chunk_(new char[kReadChunk]) {
  if (options_.read_high_water_mark == 0) options_.read_high_water_mark = 1;
}

TcpStream::~TcpStream() { Close(); }

// ---------------------------------------------------------------------------------------------
// Connecting

void TcpStream::Connect(std::string host, int port, TlsMode tls, StatusCallback connected) {
  if (state_ != State::kNew) {
    if (connected) connected(absl::FailedPreconditionError("the stream was already connected"));
    return;
  }
  host_ = std::string(StripBrackets(host));
  port_ = port;
  host_port_ = FormatHostPort(host_, port);
  tls_mode_ = tls;
  connect_cb_ = std::move(connected);
  if (host_.empty() || port <= 0 || port > 65535) {
    FailConnect("invalid address: " + host_port_);
    return;
  }
  state_ = State::kResolving;
  dns_ = std::make_unique<DnsLookup>(loop_);
  std::weak_ptr<TcpStream> weak = weak_from_this();
  dns_->Start(host_, port, [weak](absl::StatusOr<std::vector<SocketAddress>> result) {
    if (auto self = weak.lock()) self->OnResolved(std::move(result));
  });
}

void TcpStream::OnResolved(absl::StatusOr<std::vector<SocketAddress>> result) {
  if (state_ != State::kResolving) return;
  if (!result.ok()) {
    FailConnect(std::string(result.status().message()));
    return;
  }
  addrs_ = std::move(*result);
  next_addr_ = 0;
  if (options_.address_filter != nullptr) {
    // Before the first attempt, over the whole answer: see AddressFilter::FirstDenied.
    if (auto denied = options_.address_filter->FirstDenied(addrs_)) {
      addrs_.clear();
      FailConnect(AddressDeniedError({denied->address.Ip(), denied->block->text(), host_port_}));
      return;
    }
  }
  TryNextAddress();
}

void TcpStream::TryNextAddress() {
  // Addresses are tried one after another (localhost may resolve to ::1 and 127.0.0.1 while
  // the server listens on only one of them); the last failure is reported.
  while (next_addr_ < addrs_.size()) {
    const SocketAddress& addr = addrs_[next_addr_++];
    auto* handle = new uv_tcp_t;
    uv_tcp_init(loop_.uv(), handle);
    handle->data = this;
    tcp_ = handle;
    if (!ref_) uv_unref(reinterpret_cast<uv_handle_t*>(handle));
    auto* req = new ConnectReq{};
    req->stream = shared_from_this();
    req->handle = handle;
    int rc = uv_tcp_connect(&req->req, handle, addr.get(), &TcpStream::OnConnect);
    if (rc == 0) {
      state_ = State::kConnecting;
      return;
    }
    delete req;
    last_connect_error_ = ConnectError(rc);
    CloseHandle();
  }
  FailConnect(last_connect_error_.empty() ? "connecting to " + host_port_ + " failed"
                                          : last_connect_error_);
}

void TcpStream::OnConnect(uv_connect_t* raw, int status) {
  auto* req = reinterpret_cast<ConnectReq*>(raw);
  std::shared_ptr<TcpStream> self = std::move(req->stream);
  uv_tcp_t* handle = req->handle;
  delete req;
  // A closed stream, or an attempt already abandoned: its handle is closing; nothing to do.
  if (self->state_ != State::kConnecting || self->tcp_ != handle) return;
  if (status < 0) {
    self->last_connect_error_ = self->ConnectError(status);
    self->CloseHandle();
    self->TryNextAddress();
    return;
  }
  self->OnTcpConnected();
}

void TcpStream::OnTcpConnected() {
  addrs_.clear();
  uv_tcp_nodelay(tcp_, 1);
  uv_tcp_keepalive(tcp_, 1, 60);
  if (tls_mode_ == TlsMode::kOn) {
    BeginTls(host_);
    return;
  }
  state_ = State::kOpen;
  UpdateReading();
  FlushQueued();
  if (state_ == State::kClosed) return;
  StatusCallback cb = std::move(connect_cb_);
  connect_cb_ = nullptr;
  if (cb) cb(absl::OkStatus());
  if (state_ == State::kClosed) return;
  MaybeDeliverRead();
}

void TcpStream::FailConnect(std::string message) {
  FailConnect(absl::UnavailableError(std::move(message)));
}

void TcpStream::FailConnect(absl::Status status) {
  std::string message(status.message());
  state_ = State::kFailed;
  error_ = message;
  dns_.reset();
  CloseHandle();
  StatusCallback cb = std::move(connect_cb_);
  connect_cb_ = nullptr;
  if (cb) cb(status);
  // Writes held for the open stream fail with the same sentence.
  while (state_ != State::kClosed && !queued_.empty()) {
    Queued q = std::move(queued_.front());
    queued_.pop_front();
    if (q.callback) q.callback(absl::UnavailableError(message));
  }
  if (state_ != State::kClosed) MaybeDeliverRead();
}

std::string TcpStream::ConnectError(int rc) const {
  switch (rc) {
    case UV_ECONNREFUSED:
      return "connection refused: " + host_port_;
    case UV_ETIMEDOUT:
      return "connection to " + host_port_ + " timed out";
    case UV_ENETUNREACH:
    case UV_EHOSTUNREACH:
      return std::string("cannot reach ") + host_port_ + ": " + uv_strerror(rc);
    default:
      return "connecting to " + host_port_ + " failed: " + uv_strerror(rc);
  }
}

std::string TcpStream::IoError(int rc, const char* verb) const {
  switch (rc) {
    case UV_ECONNRESET:
    case UV_EPIPE:
      return "connection reset by " + host_port_;
    case UV_ETIMEDOUT:
      return "connection to " + host_port_ + " timed out";
    default:
      return std::string(verb) + " " + host_port_ + " failed: " + uv_strerror(rc);
  }
}

// ---------------------------------------------------------------------------------------------
// TLS

void TcpStream::StartTls(std::string hostname, StatusCallback secured) {
  auto self = shared_from_this();
  if (tls_mode_ != TlsMode::kStartTls) {
    if (secured) {
      secured(absl::FailedPreconditionError(
          "StartTls needs a stream connected with TLS mode 'starttls'"));
    }
    return;
  }
  if (state_ != State::kOpen || tls_ != nullptr) {
    if (secured) {
      secured(absl::FailedPreconditionError(
          tls_ != nullptr ? "TLS was already started" : "the stream is not open"));
    }
    return;
  }
  connect_cb_ = std::move(secured);
  BeginTls(hostname.empty() ? host_ : std::string(StripBrackets(hostname)));
}

void TcpStream::BeginTls(std::string hostname) {
  tls_host_ = std::move(hostname);
  if (options_.tls_context == nullptr) options_.tls_context = TlsContext::SystemDefault();
  if (options_.tls_context == nullptr) {
    FailConnect("TLS handshake with " + tls_host_ + " failed: no TLS context");
    return;
  }
  // Until the session exists the socket is not read: what arrives belongs to TLS.
  state_ = State::kTlsHandshake;
  UpdateReading();
  std::weak_ptr<TcpStream> weak = weak_from_this();
  options_.tls_context->WhenReady(loop_, [weak](absl::Status status) {
    if (auto self = weak.lock()) self->OnTlsContextReady(std::move(status));
  });
}

void TcpStream::OnTlsContextReady(absl::Status status) {
  if (state_ != State::kTlsHandshake || tls_ != nullptr) return;
  if (!status.ok()) {
    FailConnect("TLS handshake with " + tls_host_ + " failed: " + std::string(status.message()));
    return;
  }
  auto session = TlsSession::CreateClient(options_.tls_context, tls_host_, options_.alpn);
  if (!session.ok()) {
    FailConnect("TLS handshake with " + tls_host_ + " failed: " +
                std::string(session.status().message()));
    return;
  }
  tls_ = std::move(*session);
  // Plaintext already received belongs to the protocol before the upgrade and stays
  // readable; everything from the socket from now on is TLS.
  UpdateReading();
  DriveTls();
}

void TcpStream::DriveTls() {
  if (state_ == State::kTlsHandshake) {
    absl::StatusOr<bool> done = tls_->Handshake();
    FlushCiphertext();  // ClientHello, Finished, or the alert explaining a failure
    if (!done.ok()) {
      FailConnect("TLS handshake with " + tls_host_ + " failed: " +
                  std::string(done.status().message()));
      return;
    }
    if (!*done) {
      if (socket_eof_) {
        FailConnect("TLS handshake with " + tls_host_ + " failed: the connection was closed");
      }
      return;
    }
    state_ = State::kOpen;
    DecryptAvailable();
    UpdateReading();
    FlushQueued();
    if (state_ == State::kClosed) return;
    StatusCallback cb = std::move(connect_cb_);
    connect_cb_ = nullptr;
    if (cb) cb(absl::OkStatus());
    if (state_ == State::kClosed) return;
    MaybeDeliverRead();
    return;
  }
  if (state_ == State::kOpen && tls_ != nullptr) DecryptAvailable();
}

void TcpStream::DecryptAvailable() {
  while (read_buf_.size() < options_.read_high_water_mark && !read_eof_ && error_.empty()) {
    auto r = tls_->Decrypt(&read_buf_, kDecryptChunk);
    if (!r.ok()) {
      error_ = "TLS error with " + tls_host_ + ": " + std::string(r.status().message());
      break;
    }
    if (*r == TlsSession::ReadResult::kWantInput) break;
    if (*r == TlsSession::ReadResult::kClosed) read_eof_ = true;
  }
  // Reading may produce records to send (key updates, alerts).
  FlushCiphertext();
}

void TcpStream::FlushCiphertext() {
  if (tls_ == nullptr || !tls_->has_ciphertext() || tcp_ == nullptr) return;
  // Failures show up on the read side as a reset or EOF.
  RawWrite(tls_->TakeCiphertext(), nullptr);
}

std::string TcpStream::alpn_protocol() const {
  return tls_ != nullptr && state_ == State::kOpen ? tls_->alpn_protocol() : std::string();
}

// ---------------------------------------------------------------------------------------------
// Writing

void TcpStream::Write(std::string data, StatusCallback written) {
  auto self = shared_from_this();
  if (state_ == State::kClosed || state_ == State::kNew) {
    if (written) written(absl::FailedPreconditionError("the stream is not connected"));
    return;
  }
  if (state_ == State::kFailed) {
    if (written) written(absl::UnavailableError(error_));
    return;
  }
  if (!write_error_.empty()) {
    if (written) written(absl::UnavailableError(write_error_));
    return;
  }
  if (write_shut_) {
    if (written) written(absl::FailedPreconditionError("the stream's write side was shut down"));
    return;
  }
  if (state_ != State::kOpen || !queued_.empty()) {
    queued_.push_back(Queued{std::move(data), std::move(written), false});
    return;
  }
  SendNow(std::move(data), std::move(written));
}

void TcpStream::ShutdownWrite(StatusCallback done) {
  auto self = shared_from_this();
  if (state_ == State::kClosed || state_ == State::kNew || state_ == State::kFailed ||
      write_shut_) {
    if (done) done(absl::FailedPreconditionError("the stream is not writable"));
    return;
  }
  write_shut_ = true;
  if (state_ != State::kOpen || !queued_.empty()) {
    queued_.push_back(Queued{std::string(), std::move(done), true});
    return;
  }
  DoShutdown(std::move(done));
}

void TcpStream::FlushQueued() {
  while (state_ == State::kOpen && !queued_.empty()) {
    Queued q = std::move(queued_.front());
    queued_.pop_front();
    if (q.shutdown) {
      DoShutdown(std::move(q.callback));
    } else {
      SendNow(std::move(q.data), std::move(q.callback));
    }
  }
}

void TcpStream::SendNow(std::string data, StatusCallback callback) {
  if (data.empty()) {
    if (callback) callback(absl::OkStatus());
    return;
  }
  if (tls_ != nullptr) {
    absl::Status s = tls_->Encrypt(data);
    if (!s.ok()) {
      if (callback) {
        callback(absl::UnavailableError("TLS error with " + tls_host_ + ": " +
                                        std::string(s.message())));
      }
      return;
    }
    RawWrite(tls_->TakeCiphertext(), std::move(callback));
    return;
  }
  RawWrite(std::move(data), std::move(callback));
}

void TcpStream::RawWrite(std::string data, StatusCallback callback) {
  auto* req = new WriteReq{};
  req->data = std::move(data);
  req->stream = shared_from_this();
  req->callback = std::move(callback);
  uv_buf_t buf = uv_buf_init(req->data.data(), static_cast<unsigned>(req->data.size()));
  int rc = uv_write(&req->req, reinterpret_cast<uv_stream_t*>(tcp_), &buf, 1, &TcpStream::OnWrite);
  if (rc != 0) {
    StatusCallback cb = std::move(req->callback);
    delete req;
    write_error_ = IoError(rc, "writing to");
    if (cb) cb(absl::UnavailableError(write_error_));
  }
}

void TcpStream::OnWrite(uv_write_t* raw, int status) {
  auto* req = reinterpret_cast<WriteReq*>(raw);
  std::shared_ptr<TcpStream> self = std::move(req->stream);
  StatusCallback cb = std::move(req->callback);
  delete req;
  if (self->state_ == State::kClosed) return;
  if (status < 0) {
    if (self->write_error_.empty()) self->write_error_ = self->IoError(status, "writing to");
    if (cb) cb(absl::UnavailableError(self->write_error_));
    return;
  }
  if (cb) cb(absl::OkStatus());
}

void TcpStream::DoShutdown(StatusCallback callback) {
  if (tls_ != nullptr) {
    tls_->Shutdown();
    FlushCiphertext();
  }
  auto* req = new ShutdownReq{};
  req->stream = shared_from_this();
  req->callback = std::move(callback);
  int rc = uv_shutdown(&req->req, reinterpret_cast<uv_stream_t*>(tcp_), &TcpStream::OnShutdown);
  if (rc != 0) {
    StatusCallback cb = std::move(req->callback);
    delete req;
    if (cb) cb(absl::UnavailableError(IoError(rc, "shutting down")));
  }
}

void TcpStream::OnShutdown(uv_shutdown_t* raw, int status) {
  auto* req = reinterpret_cast<ShutdownReq*>(raw);
  std::shared_ptr<TcpStream> self = std::move(req->stream);
  StatusCallback cb = std::move(req->callback);
  delete req;
  if (self->state_ == State::kClosed || !cb) return;
  cb(status < 0 ? absl::UnavailableError(self->IoError(status, "shutting down"))
                : absl::OkStatus());
}

// ---------------------------------------------------------------------------------------------
// Reading

void TcpStream::Read(ReadCallback callback) {
  auto self = shared_from_this();
  if (state_ == State::kClosed || state_ == State::kNew) {
    if (callback) callback({}, true, "the stream is not connected");
    return;
  }
  read_cb_ = std::move(callback);
  MaybeDeliverRead();
}

void TcpStream::CancelRead() { read_cb_ = nullptr; }

void TcpStream::MaybeDeliverRead() {
  if (!read_cb_ || state_ == State::kClosed) return;
  if (!read_buf_.empty()) {
    std::string data;
    data.swap(read_buf_);
    ReadCallback cb = std::move(read_cb_);
    read_cb_ = nullptr;
    // Room again: decrypt what TLS still holds and resume the socket before handing off, so
    // the next Read finds data without waiting for another turn.
    if (state_ == State::kOpen && tls_ != nullptr) DecryptAvailable();
    UpdateReading();
    cb(data, false, {});
    return;
  }
  if (!error_.empty() || read_eof_) {
    ReadCallback cb = std::move(read_cb_);
    read_cb_ = nullptr;
    std::string error = error_;
    cb({}, true, error);
  }
}

void TcpStream::UpdateReading() {
  bool want = tcp_ != nullptr && !socket_eof_ && error_.empty() &&
              ((state_ == State::kTlsHandshake && tls_ != nullptr) ||
               (state_ == State::kOpen && read_buf_.size() < options_.read_high_water_mark));
  auto* stream = reinterpret_cast<uv_stream_t*>(tcp_);
  if (want && !uv_reading_) {
    if (uv_read_start(stream, &TcpStream::OnAlloc, &TcpStream::OnRead) == 0) uv_reading_ = true;
  } else if (!want && uv_reading_) {
    uv_read_stop(stream);
    uv_reading_ = false;
  }
}

void TcpStream::OnAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  auto* self = static_cast<TcpStream*>(handle->data);
  if (self == nullptr) {
    *buf = uv_buf_init(nullptr, 0);
    return;
  }
  *buf = uv_buf_init(self->read_chunk_.get(), kReadChunk);
}

void TcpStream::OnRead(uv_stream_t* handle, ssize_t nread, const uv_buf_t* buf) {
  auto* raw = static_cast<TcpStream*>(handle->data);
  if (raw == nullptr || nread == 0) return;
  std::shared_ptr<TcpStream> self = raw->shared_from_this();
  if (nread > 0) {
    std::string_view data(buf->base, static_cast<size_t>(nread));
    if (self->tls_ != nullptr) {
      self->tls_->FeedCiphertext(data);
      self->DriveTls();
    } else {
      self->read_buf_.append(data);
    }
  } else if (nread == UV_EOF) {
    self->socket_eof_ = true;
    if (self->tls_ != nullptr) {
      self->tls_->FeedEof();
      self->DriveTls();
    } else {
      self->read_eof_ = true;
    }
  } else {
    self->socket_eof_ = true;
    std::string message = self->IoError(static_cast<int>(nread), "reading from");
    if (self->state_ == State::kTlsHandshake) {
      self->FailConnect("TLS handshake with " + self->tls_host_ + " failed: " + message);
      return;
    }
    if (self->error_.empty()) self->error_ = message;
  }
  if (self->state_ == State::kClosed || self->state_ == State::kFailed) return;
  self->UpdateReading();
  self->MaybeDeliverRead();
}

// ---------------------------------------------------------------------------------------------
// Lifetime

void TcpStream::Close() {
  if (state_ == State::kClosed) return;
  bool was_open = state_ == State::kOpen;
  state_ = State::kClosed;
  dns_.reset();
  connect_cb_ = nullptr;
  read_cb_ = nullptr;
  queued_.clear();
  if (was_open && tls_ != nullptr && tcp_ != nullptr && !write_shut_) {
    // Best-effort close_notify: uv_close cancels queued writes, so only an immediate write
    // can still go out.
    tls_->Shutdown();
    std::string alert = tls_->TakeCiphertext();
    if (!alert.empty()) {
      uv_buf_t b = uv_buf_init(alert.data(), static_cast<unsigned>(alert.size()));
      uv_try_write(reinterpret_cast<uv_stream_t*>(tcp_), &b, 1);
    }
  }
  CloseHandle();
}

void TcpStream::CloseHandle() {
  if (tcp_ == nullptr) return;
  tcp_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(tcp_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
  tcp_ = nullptr;
  uv_reading_ = false;
}

void TcpStream::SetRef(bool ref) {
  ref_ = ref;
  if (tcp_ == nullptr) return;
  if (ref) {
    uv_ref(reinterpret_cast<uv_handle_t*>(tcp_));
  } else {
    uv_unref(reinterpret_cast<uv_handle_t*>(tcp_));
  }
}

bool TcpStream::is_open() const {
  return state_ == State::kOpen && error_.empty() && !read_eof_ && !socket_eof_ &&
         write_error_.empty() && !write_shut_;
}

std::string TcpStream::local_address() const {
  if (tcp_ == nullptr || state_ == State::kConnecting) return {};
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (uv_tcp_getsockname(tcp_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  auto a = SocketAddress::FromSockaddr(reinterpret_cast<sockaddr*>(&ss));
  return a ? a->ToString() : std::string();
}

std::optional<SocketAddress> TcpStream::peer() const {
  if (tcp_ == nullptr || state_ == State::kConnecting) return std::nullopt;
  sockaddr_storage ss{};
  int len = sizeof ss;
  if (uv_tcp_getpeername(tcp_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return std::nullopt;
  return SocketAddress::FromSockaddr(reinterpret_cast<sockaddr*>(&ss));
}

std::string TcpStream::remote_address() const {
  std::optional<SocketAddress> a = peer();
  return a ? a->ToString() : std::string();
}

}  // namespace dw::io
