// A connected byte stream for connect() and the HTTP client: TCP, TLS over TCP from the start,
// or plain TCP upgraded later with StartTls ("starttls"). All I/O is libuv on the owning
// loop's thread; reads are pulled, with backpressure (the socket is not read while enough
// received data waits for the consumer).
#pragma once

#include <uv.h>

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "io/address_filter.h"
#include "io/dns.h"
#include "io/event_loop.h"
#include "io/tls.h"

namespace dw::io {

enum class TlsMode { kOff, kOn, kStartTls };

struct TcpStreamOptions {
  // Trust settings for TLS. When null and TLS is used, TlsContext::SystemDefault().
  std::shared_ptr<TlsContext> tls_context;
  // ALPN protocols offered in a TLS handshake (none by default).
  std::vector<std::string> alpn;
  // The socket is not read while this much received data waits for Read.
  size_t read_high_water_mark = 256 * 1024;
  // When set, Connect checks every address the host resolved to (an IP literal included)
  // before connecting to any, and fails with AddressDeniedError if one is denied.
  std::shared_ptr<const AddressFilter> address_filter;
};

// Created with Create (shared_ptr-owned: libuv requests in flight hold a reference, so the
// object outlives them). Callbacks run on the loop thread; one may run inside the call that
// registers it when the outcome is already known. After Close, no callback runs.
//
// Errors are one sentence naming the peer: "connection refused: 127.0.0.1:9", "DNS lookup
// failed for nohost.invalid: ...", "TLS handshake with example.com failed: certificate verify
// failed (unable to get local issuer certificate)", "connection reset by 127.0.0.1:8080". A
// connect refused by the address filter fails with io::AddressDeniedError (PermissionDenied;
// GetAddressDenial finds the address and block), other connect failures with Unavailable.
class TcpStream : public std::enable_shared_from_this<TcpStream> {
 public:
  using StatusCallback = std::function<void(absl::Status)>;
  // Exactly one of: a non-empty chunk (done false, error empty); the end of the stream (done
  // true, error empty); a failure (done true, error set). Delivers everything buffered.
  using ReadCallback =
      std::function<void(std::string_view chunk, bool done, std::string_view error)>;

  static std::shared_ptr<TcpStream> Create(EventLoop& loop, TcpStreamOptions options = {});
  ~TcpStream();
  TcpStream(const TcpStream&) = delete;
  TcpStream& operator=(const TcpStream&) = delete;

  // Resolves `host` (a name or an IP literal, IPv6 with or without brackets), connects to
  // its addresses in order until one accepts, then with TlsMode::kOn completes a TLS
  // handshake verifying `host`. `connected` runs once. Writes and reads may be issued before
  // it runs; writes are held until the stream is open.
  void Connect(std::string host, int port, TlsMode tls, StatusCallback connected);

  // Sends `data`; `written` runs once it has been handed to the kernel (the caller's
  // backpressure signal) or the write failed.
  void Write(std::string data, StatusCallback written);

  // Pulls the next received data; at most one Read may be outstanding.
  void Read(ReadCallback callback);
  // Forgets the outstanding Read without calling it (data keeps being buffered).
  void CancelRead();

  // Upgrades a stream connected with TlsMode::kStartTls: data written before this call goes
  // out in plaintext, data written after it (and all reads) over TLS, verified for `hostname`.
  void StartTls(std::string hostname, StatusCallback secured);

  // Sends FIN after queued writes (and close_notify first under TLS); reads continue.
  void ShutdownWrite(StatusCallback done);

  // Closes at once; pending callbacks are dropped, never called.
  void Close();

  // An unreferenced stream does not keep the loop alive (idle pooled connections).
  void SetRef(bool ref);

  // Connected (handshake done under TLS), not failed, not closed, and the peer has not ended.
  bool is_open() const;
  bool tls_active() const { return tls_ != nullptr && state_ == State::kOpen; }
  // The protocol chosen with ALPN, or "".
  std::string alpn_protocol() const;
  // "127.0.0.1:5000", "[::1]:5000"; "" when not connected.
  std::string local_address() const;
  std::string remote_address() const;
  // The connected peer; nullopt when not connected.
  std::optional<SocketAddress> peer() const;
  // "example.com:443", as error messages name the peer.
  const std::string& host_port() const { return host_port_; }
  size_t buffered_read_bytes() const { return read_buf_.size(); }

 private:
  enum class State { kNew, kResolving, kConnecting, kTlsHandshake, kOpen, kFailed, kClosed };
  struct ConnectReq;
  struct WriteReq;
  struct ShutdownReq;
  struct Queued {
    std::string data;
    StatusCallback callback;
    bool shutdown = false;
  };

  TcpStream(EventLoop& loop, TcpStreamOptions options);

  void OnResolved(absl::StatusOr<std::vector<SocketAddress>> result);
  void TryNextAddress();
  static void OnConnect(uv_connect_t* req, int status);
  void OnTcpConnected();
  void BeginTls(std::string hostname);
  void OnTlsContextReady(absl::Status status);
  void DriveTls();
  void DecryptAvailable();
  void FlushCiphertext();
  void FailConnect(std::string message);
  void FailConnect(absl::Status status);
  void FlushQueued();
  void SendNow(std::string data, StatusCallback callback);
  void RawWrite(std::string data, StatusCallback callback);
  void DoShutdown(StatusCallback callback);
  static void OnWrite(uv_write_t* req, int status);
  static void OnShutdown(uv_shutdown_t* req, int status);
  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  void MaybeDeliverRead();
  void UpdateReading();
  void CloseHandle();
  std::string ConnectError(int rc) const;
  std::string IoError(int rc, const char* verb) const;

  EventLoop& loop_;
  TcpStreamOptions options_;
  State state_ = State::kNew;
  TlsMode tls_mode_ = TlsMode::kOff;
  std::string host_;
  int port_ = 0;
  std::string host_port_;
  std::unique_ptr<DnsLookup> dns_;
  std::vector<SocketAddress> addrs_;
  size_t next_addr_ = 0;
  std::string last_connect_error_;
  uv_tcp_t* tcp_ = nullptr;  // heap; freed by its close callback, after libuv is done with it
  bool ref_ = true;
  StatusCallback connect_cb_;  // Connect's or StartTls's
  std::unique_ptr<TlsSession> tls_;
  std::string tls_host_;

  std::unique_ptr<char[]> read_chunk_;  // libuv reads into this
  std::string read_buf_;                // received (decrypted) bytes not yet delivered
  bool socket_eof_ = false;             // no more bytes from the socket
  bool read_eof_ = false;               // the byte stream ended cleanly
  std::string error_;                   // sticky failure, delivered after buffered data
  ReadCallback read_cb_;
  bool uv_reading_ = false;

  std::deque<Queued> queued_;  // writes issued before the stream was open
  bool write_shut_ = false;
  std::string write_error_;
};

}  // namespace dw::io
