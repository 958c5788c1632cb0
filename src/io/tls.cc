#include "io/tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "io/dns.h"

namespace dw::io {
namespace {

// OpenSSL's error queue is per thread and outlives a call; a stale entry from an unrelated
// failure would otherwise be reported as this one's reason.
std::string DrainErrors() {
  std::string first;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    if (first.empty()) {
      const char* reason = ERR_reason_error_string(e);
      first = reason ? reason : "error " + std::to_string(ERR_GET_REASON(e));
    }
  }
  return first;
}

}  // namespace

absl::StatusOr<std::shared_ptr<TlsContext>> TlsContext::CreateClient(
    const TlsContextOptions& options) {
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return absl::InternalError("creating a TLS context failed: " + DrainErrors());
  std::shared_ptr<TlsContext> out(new TlsContext(ctx, options.use_system_store));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  // Many HTTPS servers close without close_notify; HTTP framing (Content-Length, chunked)
  // detects truncation, so a bare TCP close is reported as the end of the stream.
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  if (!options.extra_ca_pem.empty()) {
    BIO* bio = BIO_new_mem_buf(options.extra_ca_pem.data(),
                               static_cast<int>(options.extra_ca_pem.size()));
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    int added = 0;
    while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
      X509_STORE_add_cert(store, cert);  // takes its own reference
      X509_free(cert);
      added++;
    }
    BIO_free(bio);
    ERR_clear_error();  // the loop ends on a "no start line" error at the end of the input
    if (added == 0) return absl::InvalidArgumentError("extra CA PEM holds no certificate");
  }
  return out;
}

std::shared_ptr<TlsContext> TlsContext::SystemDefault() {
  static const std::shared_ptr<TlsContext> context = [] {
    auto c = CreateClient();
    return c.ok() ? *c : nullptr;
  }();
  return context;
}

void TlsContext::Load() {
  std::call_once(load_once_, [this] {
    // SSL_CERT_FILE / SSL_CERT_DIR when set, else OpenSSL's compiled-in file and directory.
    if (use_system_store_ && SSL_CTX_set_default_verify_paths(ctx_) != 1) {
      load_status_ = absl::InternalError("loading the system CA store failed: " + DrainErrors());
    }
    ERR_clear_error();
    ready_.store(true, std::memory_order_release);
  });
}

absl::Status TlsContext::LoadNow() {
  Load();
  return load_status_;
}

void TlsContext::WhenReady(EventLoop& loop, std::function<void(absl::Status)> ready) {
  if (this->ready()) {
    ready(load_status_);
    return;
  }
  struct Work {
    uv_work_t req;
    std::shared_ptr<TlsContext> context;  // alive until the loop hears back
    std::function<void(absl::Status)> ready;
  };
  auto* work = new Work{};
  work->context = shared_from_this();
  work->ready = std::move(ready);
  work->req.data = work;
  int rc = uv_queue_work(
      loop.uv(), &work->req, [](uv_work_t* req) { static_cast<Work*>(req->data)->context->Load(); },
      [](uv_work_t* req, int) {
        auto* w = static_cast<Work*>(req->data);
        std::shared_ptr<TlsContext> context = std::move(w->context);
        auto cb = std::move(w->ready);
        delete w;
        // Even if cancelled, loading here keeps the promise that `ready` means loaded.
        cb(context->LoadNow());
      });
  if (rc != 0) {
    auto cb = std::move(work->ready);
    delete work;
    cb(LoadNow());
  }
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

absl::StatusOr<std::unique_ptr<TlsSession>> TlsSession::CreateClient(
    std::shared_ptr<TlsContext> context, std::string_view hostname,
    const std::vector<std::string>& alpn) {
  ERR_clear_error();
  std::unique_ptr<TlsSession> s(new TlsSession());
  s->context_ = std::move(context);
  s->ssl_ = SSL_new(s->context_->get());
  if (s->ssl_ == nullptr) return absl::InternalError("SSL_new failed: " + DrainErrors());
  s->rbio_ = BIO_new(BIO_s_mem());
  s->wbio_ = BIO_new(BIO_s_mem());
  // An empty read BIO means "no data yet" (retry), not end of stream, until FeedEof.
  BIO_set_mem_eof_return(s->rbio_, -1);
  SSL_set_bio(s->ssl_, s->rbio_, s->wbio_);
  SSL_set_connect_state(s->ssl_);

  std::string host(StripBrackets(hostname));
  if (IsIpLiteral(host)) {
    // No SNI for addresses (RFC 6066); verify against the certificate's IP SANs.
    X509_VERIFY_PARAM* param = SSL_get0_param(s->ssl_);
    if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) {
      return absl::InvalidArgumentError("bad IP address for TLS verification: " + host);
    }
  } else {
    if (SSL_set_tlsext_host_name(s->ssl_, host.c_str()) != 1 ||
        SSL_set1_host(s->ssl_, host.c_str()) != 1) {
      return absl::InvalidArgumentError("bad TLS host name: " + host);
    }
    SSL_set_hostflags(s->ssl_, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  }
  if (!alpn.empty()) {
    std::string wire;
    for (const auto& p : alpn) {
      if (p.empty() || p.size() > 255) return absl::InvalidArgumentError("bad ALPN protocol");
      wire.push_back(static_cast<char>(p.size()));
      wire.append(p);
    }
    // Unusually, 0 means success here.
    if (SSL_set_alpn_protos(s->ssl_, reinterpret_cast<const unsigned char*>(wire.data()),
                            static_cast<unsigned>(wire.size())) != 0) {
      return absl::InternalError("setting ALPN failed");
    }
  }
  return s;
}

TlsSession::~TlsSession() {
  if (ssl_ != nullptr) SSL_free(ssl_);  // frees both BIOs
}

std::string TlsSession::ErrorString(int ret) {
  int err = SSL_get_error(ssl_, ret);
  unsigned long e = ERR_peek_error();
  std::string reason = DrainErrors();
  if (err == SSL_ERROR_SSL && ERR_GET_LIB(e) == ERR_LIB_SSL &&
      ERR_GET_REASON(e) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
    long v = SSL_get_verify_result(ssl_);
    return reason + " (" + X509_verify_cert_error_string(v) + ")";
  }
  if (err == SSL_ERROR_ZERO_RETURN || (err == SSL_ERROR_SYSCALL && reason.empty())) {
    return "the connection was closed";
  }
  if (reason.empty()) return "error " + std::to_string(err);
  return reason;
}

absl::StatusOr<bool> TlsSession::Handshake() {
  if (handshake_done_) return true;
  ERR_clear_error();
  int ret = SSL_do_handshake(ssl_);
  if (ret == 1) {
    handshake_done_ = true;
    return true;
  }
  int err = SSL_get_error(ssl_, ret);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return false;
  return absl::UnavailableError(ErrorString(ret));
}

void TlsSession::FeedCiphertext(std::string_view data) {
  BIO_write(rbio_, data.data(), static_cast<int>(data.size()));
}

void TlsSession::FeedEof() { BIO_set_mem_eof_return(rbio_, 0); }

bool TlsSession::has_ciphertext() const { return BIO_ctrl_pending(wbio_) > 0; }

std::string TlsSession::TakeCiphertext() {
  std::string out;
  size_t n = BIO_ctrl_pending(wbio_);
  if (n == 0) return out;
  out.resize(n);
  int got = BIO_read(wbio_, out.data(), static_cast<int>(n));
  out.resize(got > 0 ? got : 0);
  return out;
}

absl::Status TlsSession::Encrypt(std::string_view plaintext) {
  // With a memory write BIO, SSL_write never blocks: it consumes everything at once.
  size_t off = 0;
  while (off < plaintext.size()) {
    ERR_clear_error();
    size_t written = 0;
    int ret = SSL_write_ex(ssl_, plaintext.data() + off, plaintext.size() - off, &written);
    if (ret != 1) return absl::UnavailableError(ErrorString(ret));
    off += written;
  }
  return absl::OkStatus();
}

absl::StatusOr<TlsSession::ReadResult> TlsSession::Decrypt(std::string* out, size_t max_bytes) {
  size_t start = out->size();
  out->resize(start + max_bytes);
  ERR_clear_error();
  size_t got = 0;
  int ret = SSL_read_ex(ssl_, out->data() + start, max_bytes, &got);
  out->resize(start + got);
  if (ret == 1) return ReadResult::kData;
  int err = SSL_get_error(ssl_, ret);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return ReadResult::kWantInput;
  if (err == SSL_ERROR_ZERO_RETURN) return ReadResult::kClosed;
  if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) return ReadResult::kClosed;
  return absl::UnavailableError(ErrorString(ret));
}

void TlsSession::Shutdown() {
  ERR_clear_error();
  if (handshake_done_) SSL_shutdown(ssl_);
  ERR_clear_error();
}

std::string TlsSession::alpn_protocol() const {
  const unsigned char* data = nullptr;
  unsigned len = 0;
  SSL_get0_alpn_selected(ssl_, &data, &len);
  if (data == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(data), len);
}

}  // namespace dw::io
