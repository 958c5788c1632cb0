// Shared by the network client tests (tcp_test.cc, http_client_test.cc): real loopback servers
// on their own threads with blocking sockets (plain or OpenSSL server-side TLS), a private test
// CA with server certificates made with the OpenSSL API, and a helper that runs an
// io::EventLoop until a condition holds. The servers deliberately share no code with the
// clients under test.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "io/event_loop.h"

namespace dw::testing::net {

// A write to a socket the peer has reset raises SIGPIPE (libuv and OpenSSL use plain
// write()); the tests provoke exactly that.
inline void IgnoreSigpipe() { signal(SIGPIPE, SIG_IGN); }

// Runs the loop until `done()` or `timeout_ms` passes; returns done(). A repeating timer keeps
// RunOnce from blocking on a loop that has nothing else to wake it.
inline bool RunUntil(io::EventLoop& loop, const std::function<bool()>& done,
                     int timeout_ms = 5000) {
  io::Timer tick(loop, [] {});
  tick.Start(5, 5);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!done() && std::chrono::steady_clock::now() < deadline) loop.RunOnce();
  return done();
}

// Runs the loop for about `ms` milliseconds.
inline void RunFor(io::EventLoop& loop, int ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  RunUntil(loop, [&] { return std::chrono::steady_clock::now() >= deadline; }, ms + 1000);
}

// Deterministic test data: bytes [offset, offset + n) of an endless stream whose period is a
// prime, so misplaced or repeated chunks show. Copied from a table: cheap even under ASan.
inline std::string Pattern(uint64_t offset, size_t n) {
  constexpr size_t kPeriod = 65521;
  static const std::string table = [] {
    std::string t(2 * kPeriod, '\0');
    uint32_t x = 12345;
    for (size_t i = 0; i < kPeriod; i++) {
      x = x * 1103515245u + 12345u;
      t[i] = t[i + kPeriod] = static_cast<char>(x >> 23);
    }
    return t;
  }();
  std::string s;
  s.reserve(n);
  size_t pos = offset % kPeriod;
  while (s.size() < n) {
    size_t k = std::min(n - s.size(), kPeriod);
    s.append(table, pos, k);
    pos = (pos + k) % kPeriod;
  }
  return s;
}

// Runs the loop until `counter` has not moved for `quiet_ms` (a writer blocked by a reader
// that stopped reading); false if it kept moving until the deadline.
inline bool RunUntilStalled(io::EventLoop& loop, const std::atomic<uint64_t>& counter,
                            int quiet_ms = 250, int timeout_ms = 8000) {
  uint64_t last = counter.load();
  auto since = std::chrono::steady_clock::now();
  return RunUntil(
      loop,
      [&] {
        auto now = std::chrono::steady_clock::now();
        if (counter.load() != last) {
          last = counter.load();
          since = now;
        }
        return now - since >= std::chrono::milliseconds(quiet_ms);
      },
      timeout_ms);
}

// ---------------------------------------------------------------------------------------------
// Test PKI

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
  void operator()(X509* c) const { X509_free(c); }
};
struct CtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};

inline void AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  ASSERT_NE(ext, nullptr) << "extension " << value;
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate for `key`, signed by `issuer_key` (self-signed when issuer is null).
inline std::unique_ptr<X509, CertFree> MakeCert(EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
                                                const std::string& cn, bool is_ca,
                                                const std::string& san, long serial) {
  std::unique_ptr<X509, CertFree> cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7L * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("dynworker tests"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509* signer = issuer ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  AddExt(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (issuer) AddExt(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  if (is_ca) {
    AddExt(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    AddExt(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddExt(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    AddExt(cert.get(), signer, NID_key_usage, "critical,digitalSignature");
    AddExt(cert.get(), signer, NID_ext_key_usage, "serverAuth");
    AddExt(cert.get(), signer, NID_subject_alt_name, san.c_str());
  }
  EXPECT_GT(X509_sign(cert.get(), issuer_key, EVP_sha256()), 0);
  return cert;
}

inline std::string CertPem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, n);
  BIO_free(bio);
  return out;
}

// A private CA and server contexts whose certificates it signed, made once per test binary.
class TestPki {
 public:
  static const TestPki& Get() {
    static const TestPki* pki = new TestPki();
    return *pki;
  }
  // The CA certificate, for the clients' extra-CA option.
  const std::string& ca_pem() const { return ca_pem_; }
  // Presents a certificate for localhost, 127.0.0.1 and ::1.
  SSL_CTX* localhost_ctx() const { return localhost_.get(); }
  // Presents a certificate for other.test only (a client asking for localhost must refuse it).
  SSL_CTX* other_ctx() const { return other_.get(); }

 private:
  TestPki() {
    ca_key_.reset(EVP_EC_gen("P-256"));
    ca_ = MakeCert(ca_key_.get(), nullptr, ca_key_.get(), "dynworker test CA", true, "", 1);
    ca_pem_ = CertPem(ca_.get());
    localhost_ = ServerCtx("localhost", "DNS:localhost,IP:127.0.0.1,IP:::1", 2);
    other_ = ServerCtx("other.test", "DNS:other.test", 3);
  }

  std::unique_ptr<SSL_CTX, CtxFree> ServerCtx(const std::string& cn, const std::string& san,
                                              long serial) {
    std::unique_ptr<EVP_PKEY, KeyFree> key(EVP_EC_gen("P-256"));
    auto cert = MakeCert(key.get(), ca_.get(), ca_key_.get(), cn, false, san, serial);
    std::unique_ptr<SSL_CTX, CtxFree> ctx(SSL_CTX_new(TLS_server_method()));
    SSL_CTX_use_certificate(ctx.get(), cert.get());
    SSL_CTX_use_PrivateKey(ctx.get(), key.get());
    // Picks http/1.1 when the client offers it, so tests can see what was offered.
    SSL_CTX_set_alpn_select_cb(
        ctx.get(),
        [](SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
           unsigned inlen, void*) -> int {
          unsigned char* sel = nullptr;
          static const unsigned char kHttp11[] = "\x08http/1.1";
          if (SSL_select_next_proto(&sel, outlen, kHttp11, 9, in, inlen) ==
              OPENSSL_NPN_NEGOTIATED) {
            *out = sel;
            return SSL_TLSEXT_ERR_OK;
          }
          return SSL_TLSEXT_ERR_NOACK;
        },
        nullptr);
    return ctx;
  }

  std::unique_ptr<EVP_PKEY, KeyFree> ca_key_;
  std::unique_ptr<X509, CertFree> ca_;
  std::string ca_pem_;
  std::unique_ptr<SSL_CTX, CtxFree> localhost_;
  std::unique_ptr<SSL_CTX, CtxFree> other_;
};

// ---------------------------------------------------------------------------------------------
// Servers

struct TestRequest {
  std::string method, target, head;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool chunked = false;

  // The first value of a header (case-insensitive name), or "".
  std::string Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k.size() == name.size() &&
          strncasecmp(k.data(), name.data(), name.size()) == 0) {
        return v;
      }
    }
    return "";
  }
  bool HasHeader(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k.size() == name.size() && strncasecmp(k.data(), name.data(), name.size()) == 0) {
        return true;
      }
    }
    return false;
  }
};

// One accepted connection, seen from the server's blocking thread.
class ServerConn {
 public:
  ServerConn(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}

  int fd() const { return fd_; }
  SSL* ssl() const { return ssl_; }
  // The ALPN protocol selected in the TLS handshake, or "".
  std::string alpn() const {
    if (!ssl_) return "";
    const unsigned char* p = nullptr;
    unsigned n = 0;
    SSL_get0_alpn_selected(ssl_, &p, &n);
    return p ? std::string(reinterpret_cast<const char*>(p), n) : "";
  }

  // Some bytes (0 = the peer closed or the connection broke).
  size_t RecvSome(char* buf, size_t n) {
    if (!pending_.empty()) {
      size_t k = std::min(n, pending_.size());
      memcpy(buf, pending_.data(), k);
      pending_.erase(0, k);
      return k;
    }
    if (ssl_) {
      int r = SSL_read(ssl_, buf, static_cast<int>(n));
      return r > 0 ? static_cast<size_t>(r) : 0;
    }
    ssize_t r = recv(fd_, buf, n, 0);
    return r > 0 ? static_cast<size_t>(r) : 0;
  }

  bool SendAll(std::string_view data) {
    size_t off = 0;
    while (off < data.size()) {
      if (ssl_) {
        int r = SSL_write(ssl_, data.data() + off, static_cast<int>(data.size() - off));
        if (r <= 0) return false;
        off += r;
      } else {
        ssize_t r = send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (r <= 0) return false;
        off += r;
      }
    }
    return true;
  }

  // Reads through `delim`; returns what came before it.
  bool ReadUntil(std::string_view delim, std::string* out) {
    std::string buf;
    char tmp[4096];
    for (;;) {
      size_t pos = buf.find(delim);
      if (pos != std::string::npos) {
        *out = buf.substr(0, pos);
        pending_ = buf.substr(pos + delim.size()) + pending_;
        return true;
      }
      size_t n = RecvSome(tmp, sizeof tmp);
      if (n == 0) return false;
      buf.append(tmp, n);
    }
  }

  bool ReadExactly(size_t n, std::string* out) {
    out->clear();
    out->reserve(n);
    char tmp[65536];
    while (out->size() < n) {
      size_t k = RecvSome(tmp, std::min(sizeof tmp, n - out->size()));
      if (k == 0) return false;
      out->append(tmp, k);
    }
    return true;
  }

  // One HTTP/1.1 request: head, then a Content-Length or chunked body.
  bool ReadRequest(TestRequest* req) {
    *req = TestRequest{};
    if (!ReadUntil("\r\n\r\n", &req->head)) return false;
    size_t eol = req->head.find("\r\n");
    std::string line = req->head.substr(0, eol);
    size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
    req->method = line.substr(0, sp1);
    req->target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t pos = eol == std::string::npos ? req->head.size() : eol + 2;
    while (pos < req->head.size()) {
      size_t end = req->head.find("\r\n", pos);
      if (end == std::string::npos) end = req->head.size();
      std::string h = req->head.substr(pos, end - pos);
      size_t colon = h.find(':');
      std::string v = h.substr(colon + 1);
      while (!v.empty() && v.front() == ' ') v.erase(0, 1);
      req->headers.emplace_back(h.substr(0, colon), v);
      pos = end + 2;
    }
    if (strcasecmp(req->Header("transfer-encoding").c_str(), "chunked") == 0) {
      req->chunked = true;
      for (;;) {
        std::string size_line;
        if (!ReadUntil("\r\n", &size_line)) return false;
        size_t size = std::stoul(size_line, nullptr, 16);
        if (size == 0) {
          std::string trailer;
          return ReadUntil("\r\n", &trailer);
        }
        std::string chunk, crlf;
        if (!ReadExactly(size, &chunk) || !ReadExactly(2, &crlf) || crlf != "\r\n") return false;
        req->body += chunk;
      }
    }
    std::string cl = req->Header("content-length");
    if (!cl.empty()) return ReadExactly(std::stoull(cl), &req->body);
    return true;
  }

  // Blocks until the peer closes (or `timeout_ms` passes); true if it closed.
  bool WaitForClose(int timeout_ms = 3000) {
    char tmp[4096];
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (!pending_.empty()) {
        pending_.clear();
        continue;
      }
      if (ssl_ && SSL_pending(ssl_) > 0) {
        if (RecvSome(tmp, sizeof tmp) == 0) return true;
        continue;
      }
      if (poll(&p, 1, 20) <= 0) continue;
      if (RecvSome(tmp, sizeof tmp) == 0) return true;
    }
    return false;
  }

  // Ends the connection with a TCP RST instead of a FIN.
  void Reset() {
    linger l{1, 0};
    setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    reset_ = true;
  }
  bool reset() const { return reset_; }

 private:
  int fd_;
  SSL* ssl_;
  std::string pending_;
  bool reset_ = false;
};

// Listens on an ephemeral loopback port; each connection runs `handler` on its own thread
// (TLS-accepted first when `tls` is set). The destructor stops accepting, unblocks handlers by
// shutting their sockets down, and joins every thread.
class TestServer {
 public:
  using Handler = std::function<void(ServerConn&)>;

  explicit TestServer(Handler handler, SSL_CTX* tls = nullptr, bool ipv6 = false)
      : handler_(std::move(handler)), tls_(tls) {
    IgnoreSigpipe();
    listen_fd_ = socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ipv6) {
      sockaddr_in6 a{};
      a.sin6_family = AF_INET6;
      a.sin6_addr = in6addr_loopback;
      EXPECT_EQ(bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    } else {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      EXPECT_EQ(bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    }
    EXPECT_EQ(listen(listen_fd_, 64), 0);
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len);
    port_ = ipv6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
                 : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }

  ~TestServer() { Stop(); }

  int port() const { return port_; }
  int accepts() const { return accepts_.load(); }

  void Stop() {
    if (stopped_.exchange(true)) return;
    acceptor_.join();
    close(listen_fd_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& c : conns_) {
        if (c->open) shutdown(c->fd, SHUT_RDWR);
      }
    }
    for (auto& c : conns_) c->thread.join();
  }

 private:
  struct Conn {
    int fd;
    bool open = true;  // guarded by mu_: Stop must not shut down a reused descriptor
    std::thread thread;
  };

  void AcceptLoop() {
    while (!stopped_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (poll(&p, 1, 10) <= 0) continue;
      int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      accepts_++;
      auto conn = std::make_unique<Conn>();
      conn->fd = fd;
      Conn* raw = conn.get();
      std::lock_guard<std::mutex> lock(mu_);
      conn->thread = std::thread([this, raw] { Serve(raw); });
      conns_.push_back(std::move(conn));
    }
  }

  void Serve(Conn* c) {
    SSL* ssl = nullptr;
    bool ok = true;
    if (tls_) {
      ssl = SSL_new(tls_);
      SSL_set_fd(ssl, c->fd);
      ok = SSL_accept(ssl) == 1;
      if (!ok) ERR_clear_error();
    }
    if (ok) {
      ServerConn conn(c->fd, ssl);
      handler_(conn);
      if (ssl && !conn.reset()) SSL_shutdown(ssl);
    }
    if (ssl) SSL_free(ssl);
    std::lock_guard<std::mutex> lock(mu_);
    close(c->fd);
    c->open = false;
  }

  Handler handler_;
  SSL_CTX* tls_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopped_{false};
  std::atomic<int> accepts_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Conn>> conns_;
};

// A loopback port with nothing listening (bound, then closed).
inline int UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

}  // namespace dw::testing::net
