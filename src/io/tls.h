// TLS clients with OpenSSL over memory BIOs: the socket owner (TcpStream) moves ciphertext
// between the network and a TlsSession, which never touches a socket itself. That keeps all
// I/O on libuv and never blocks the loop.
#pragma once

#include <openssl/types.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "io/event_loop.h"

namespace dw::io {

struct TlsContextOptions {
  // PEM certificates trusted in addition to the system store (tests trust a private CA).
  std::string extra_ca_pem;
  // The system store as OpenSSL's own tools find it: SSL_CERT_FILE / SSL_CERT_DIR when set,
  // else OpenSSL's default file and directory.
  bool use_system_store = true;
};

// A client SSL_CTX: peer verification on, TLS 1.2 minimum. Shared by many sessions, on any
// thread. Loading the system store reads and parses ~150 certificates (over 100 ms), so it is
// not done on creation: WhenReady loads it once, on libuv's thread pool.
class TlsContext : public std::enable_shared_from_this<TlsContext> {
 public:
  // Fails only on an unusable extra_ca_pem (or if OpenSSL cannot allocate).
  static absl::StatusOr<std::shared_ptr<TlsContext>> CreateClient(
      const TlsContextOptions& options = {});
  // The process-wide context with default options (system store only); null only if OpenSSL
  // could not create one.
  static std::shared_ptr<TlsContext> SystemDefault();
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // Runs `ready` on `loop`'s thread once the system store is loaded: at once if it already
  // is, else after loading it on the thread pool (concurrent callers share one load).
  void WhenReady(EventLoop& loop, std::function<void(absl::Status)> ready);
  // The same, blocking the calling thread.
  absl::Status LoadNow();
  bool ready() const { return ready_.load(std::memory_order_acquire); }

  SSL_CTX* get() const { return ctx_; }

 private:
  TlsContext(SSL_CTX* ctx, bool use_system_store)
      : ctx_(ctx), use_system_store_(use_system_store) {}
  void Load();

  SSL_CTX* ctx_;
  bool use_system_store_;
  std::once_flag load_once_;
  std::atomic<bool> ready_{false};
  absl::Status load_status_;  // written inside load_once_, read after ready_
};

// One client connection's TLS state. The owner feeds received bytes with FeedCiphertext /
// FeedEof and sends whatever TakeCiphertext returns after each call. Errors are one clause
// without the host ("certificate verify failed (unable to get local issuer certificate)");
// the caller says which host.
class TlsSession {
 public:
  // `hostname` is verified against the certificate (DNS name or IP address) and sent as SNI
  // when it is a name. `alpn` lists protocols to offer, e.g. {"http/1.1"}; may be empty.
  static absl::StatusOr<std::unique_ptr<TlsSession>> CreateClient(
      std::shared_ptr<TlsContext> context, std::string_view hostname,
      const std::vector<std::string>& alpn);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Advances the handshake: true once complete, false while it waits for peer bytes.
  absl::StatusOr<bool> Handshake();
  bool handshake_done() const { return handshake_done_; }

  void FeedCiphertext(std::string_view data);
  // The peer closed the TCP connection: no more ciphertext will come.
  void FeedEof();
  // Bytes to send to the peer (handshake records, encrypted data, alerts).
  std::string TakeCiphertext();
  bool has_ciphertext() const;

  // Encrypts `plaintext`; the records are then available from TakeCiphertext.
  absl::Status Encrypt(std::string_view plaintext);

  enum class ReadResult { kData, kWantInput, kClosed };
  // Appends up to `max_bytes` of decrypted data to `out`. kClosed: the peer ended the TLS
  // stream (close_notify, or a TCP close; truncation is caught by the framing above TLS).
  absl::StatusOr<ReadResult> Decrypt(std::string* out, size_t max_bytes);

  // Queues close_notify.
  void Shutdown();

  // The protocol the server chose with ALPN, or "".
  std::string alpn_protocol() const;

 private:
  TlsSession() = default;
  std::string ErrorString(int ret);

  std::shared_ptr<TlsContext> context_;
  SSL* ssl_ = nullptr;
  BIO* rbio_ = nullptr;  // network -> SSL (owned by ssl_)
  BIO* wbio_ = nullptr;  // SSL -> network (owned by ssl_)
  bool handshake_done_ = false;
};

}  // namespace dw::io
