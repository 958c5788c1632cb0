// io::TcpStream (the sockets behind connect()) against real loopback servers on threads:
// plain TCP, TLS from the start, starttls upgrades, verification failures, backpressure.
#include "io/tcp.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "net_fixture.h"

namespace dw {
namespace {

using io::TcpStream;
using io::TcpStreamOptions;
using io::TlsContext;
using io::TlsContextOptions;
using io::TlsMode;
using testing::net::Pattern;
using testing::net::RunFor;
using testing::net::RunUntil;
using testing::net::ServerConn;
using testing::net::TestPki;
using testing::net::TestServer;
using testing::net::UnusedPort;

// Echoes until the client ends its side, then closes.
void Echo(ServerConn& c) {
  char buf[65536];
  for (;;) {
    size_t n = c.RecvSome(buf, sizeof buf);
    if (n == 0 || !c.SendAll(std::string_view(buf, n))) return;
  }
}

// What a stream delivered to Read.
struct Received {
  std::string data;
  bool done = false;
  std::string error;
};

// Keeps reading into `out` until the end or an error.
void ReadAll(std::shared_ptr<TcpStream> s, std::shared_ptr<Received> out) {
  s->Read([s, out](std::string_view chunk, bool done, std::string_view error) {
    if (done) {
      out->done = true;
      out->error = std::string(error);
      return;
    }
    out->data.append(chunk);
    ReadAll(s, out);
  });
}

std::shared_ptr<TlsContext> TrustingContext() {
  TlsContextOptions o;
  o.extra_ca_pem = TestPki::Get().ca_pem();
  auto ctx = TlsContext::CreateClient(o);
  EXPECT_TRUE(ctx.ok()) << ctx.status();
  return ctx.ok() ? *ctx : nullptr;
}

class TcpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { testing::net::IgnoreSigpipe(); }

  // Connects and runs the loop until the outcome; returns the error message or "".
  std::string ConnectAndWait(const std::shared_ptr<TcpStream>& s, const std::string& host,
                             int port, TlsMode mode) {
    bool done = false;
    std::string error;
    s->Connect(host, port, mode, [&](absl::Status st) {
      done = true;
      error = std::string(st.message());
    });
    EXPECT_TRUE(RunUntil(loop_, [&] { return done; })) << "no connect outcome";
    return error;
  }

  std::string StartTlsAndWait(const std::shared_ptr<TcpStream>& s, const std::string& host) {
    bool done = false;
    std::string error;
    s->StartTls(host, [&](absl::Status st) {
      done = true;
      error = std::string(st.message());
    });
    EXPECT_TRUE(RunUntil(loop_, [&] { return done; })) << "no StartTls outcome";
    return error;
  }

  // Reads until `n` bytes arrived (or the stream ended).
  std::string ReadBytes(const std::shared_ptr<TcpStream>& s, size_t n) {
    auto out = std::make_shared<Received>();
    std::string got;
    bool waiting = false;
    while (got.size() < n && !out->done) {
      if (!waiting) {
        waiting = true;
        s->Read([&, out](std::string_view chunk, bool done, std::string_view error) {
          waiting = false;
          if (done) {
            out->done = true;
            out->error = std::string(error);
          }
          got.append(chunk);
        });
      }
      if (waiting && !RunUntil(loop_, [&] { return !waiting; })) break;
    }
    if (waiting) s->CancelRead();
    return got;
  }

  io::EventLoop loop_;
};

TEST_F(TcpTest, PlainEchoWithHalfClose) {
  TestServer server(Echo);
  auto s = TcpStream::Create(loop_);
  bool connected = false;
  s->Connect("127.0.0.1", server.port(), TlsMode::kOff, [&](absl::Status st) {
    EXPECT_TRUE(st.ok()) << st;
    connected = true;
  });
  // Written before the connection exists: held, then sent in order.
  int written = 0;
  s->Write("hello ", [&](absl::Status st) { written += st.ok(); });
  s->Write("world", [&](absl::Status st) { written += st.ok(); });
  EXPECT_EQ(ReadBytes(s, 11), "hello world");
  EXPECT_TRUE(connected);
  EXPECT_EQ(written, 2);
  EXPECT_EQ(s->remote_address(), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(s->local_address().rfind("127.0.0.1:", 0), 0u) << s->local_address();
  EXPECT_FALSE(s->tls_active());

  bool shut = false;
  s->ShutdownWrite([&](absl::Status st) { shut = st.ok(); });
  auto rest = std::make_shared<Received>();
  ReadAll(s, rest);
  ASSERT_TRUE(RunUntil(loop_, [&] { return rest->done; }));
  EXPECT_TRUE(shut);
  EXPECT_EQ(rest->error, "");
  EXPECT_EQ(rest->data, "");
  s->Close();
}

TEST_F(TcpTest, Ipv6Literal) {
  TestServer server(Echo, nullptr, /*ipv6=*/true);
  auto s = TcpStream::Create(loop_);
  ASSERT_EQ(ConnectAndWait(s, "[::1]", server.port(), TlsMode::kOff), "");
  EXPECT_EQ(s->remote_address(), "[::1]:" + std::to_string(server.port()));
  s->Write("v6", nullptr);
  EXPECT_EQ(ReadBytes(s, 2), "v6");
  s->Close();
}

TEST_F(TcpTest, ConnectErrorsNameThePeer) {
  int port = UnusedPort();
  auto refused = TcpStream::Create(loop_);
  EXPECT_EQ(ConnectAndWait(refused, "127.0.0.1", port, TlsMode::kOff),
            "connection refused: 127.0.0.1:" + std::to_string(port));
  // Reads and writes on the failed stream report the same sentence.
  std::string read_error;
  refused->Read([&](std::string_view, bool, std::string_view e) { read_error = e; });
  EXPECT_EQ(read_error, "connection refused: 127.0.0.1:" + std::to_string(port));

  auto unknown = TcpStream::Create(loop_);
  std::string error = ConnectAndWait(unknown, "nohost.invalid", 80, TlsMode::kOff);
  EXPECT_EQ(error.rfind("DNS lookup failed for nohost.invalid: ", 0), 0u) << error;
}

TEST_F(TcpTest, PeerResetAfterData) {
  TestServer server([](ServerConn& c) {
    c.SendAll("x");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    c.Reset();
  });
  auto s = TcpStream::Create(loop_);
  ASSERT_EQ(ConnectAndWait(s, "127.0.0.1", server.port(), TlsMode::kOff), "");
  auto out = std::make_shared<Received>();
  ReadAll(s, out);
  ASSERT_TRUE(RunUntil(loop_, [&] { return out->done; }));
  EXPECT_EQ(out->data, "x");
  EXPECT_EQ(out->error, "connection reset by 127.0.0.1:" + std::to_string(server.port()));
}

TEST_F(TcpTest, CloseDropsPendingCallbacks) {
  TestServer server([](ServerConn& c) { c.WaitForClose(); });
  auto s = TcpStream::Create(loop_);
  ASSERT_EQ(ConnectAndWait(s, "127.0.0.1", server.port(), TlsMode::kOff), "");
  bool called = false;
  s->Read([&](std::string_view, bool, std::string_view) { called = true; });
  s->Close();
  RunFor(loop_, 30);
  EXPECT_FALSE(called);
  // Closing while connecting is fine too.
  auto t = TcpStream::Create(loop_);
  t->Connect("127.0.0.1", server.port(), TlsMode::kOff, [&](absl::Status) { called = true; });
  t->Close();
  RunFor(loop_, 30);
  EXPECT_FALSE(called);
}

TEST_F(TcpTest, TlsFromTheStart) {
  TestServer server(Echo, TestPki::Get().localhost_ctx());
  TcpStreamOptions options;
  options.tls_context = TrustingContext();
  options.alpn = {"h2", "http/1.1"};
  auto s = TcpStream::Create(loop_, options);
  ASSERT_EQ(ConnectAndWait(s, "localhost", server.port(), TlsMode::kOn), "");
  EXPECT_TRUE(s->tls_active());
  EXPECT_EQ(s->alpn_protocol(), "http/1.1");
  std::string big = Pattern(0, 300000);
  s->Write(big, nullptr);
  EXPECT_TRUE(ReadBytes(s, big.size()) == big);
  s->Close();
}

TEST_F(TcpTest, TlsWithoutTheTestCaFailsVerification) {
  TestServer server(Echo, TestPki::Get().localhost_ctx());
  auto s = TcpStream::Create(loop_);  // system store only
  EXPECT_EQ(ConnectAndWait(s, "localhost", server.port(), TlsMode::kOn),
            "TLS handshake with localhost failed: certificate verify failed (unable to get "
            "local issuer certificate)");
  EXPECT_FALSE(s->is_open());
}

// The system store is whatever OpenSSL's own tools would use: SSL_CERT_FILE when set.
TEST_F(TcpTest, TheSystemStoreHonoursSslCertFile) {
  char path[] = "/tmp/dw_tcp_test_ca_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  const std::string& pem = TestPki::Get().ca_pem();
  ASSERT_EQ(write(fd, pem.data(), pem.size()), static_cast<ssize_t>(pem.size()));
  close(fd);
  const char* old = getenv("SSL_CERT_FILE");
  std::string saved = old ? old : "";
  setenv("SSL_CERT_FILE", path, 1);
  auto ctx = TlsContext::CreateClient();  // no extra CA: system store only
  ASSERT_TRUE(ctx.ok());
  ASSERT_TRUE((*ctx)->LoadNow().ok());
  if (old) {
    setenv("SSL_CERT_FILE", saved.c_str(), 1);
  } else {
    unsetenv("SSL_CERT_FILE");
  }
  unlink(path);

  TestServer server(Echo, TestPki::Get().localhost_ctx());
  TcpStreamOptions options;
  options.tls_context = *ctx;
  auto s = TcpStream::Create(loop_, options);
  ASSERT_EQ(ConnectAndWait(s, "localhost", server.port(), TlsMode::kOn), "");
  s->Write("trusted", nullptr);
  EXPECT_EQ(ReadBytes(s, 7), "trusted");
  s->Close();
}

// A STARTTLS-style dialogue: plaintext greeting and command, then TLS on the same socket.
void StartTlsServer(ServerConn& c) {
  std::string line;
  if (!c.SendAll("220 plain hello\r\n") || !c.ReadUntil("\r\n", &line) || line != "STARTTLS") {
    return;
  }
  if (!c.SendAll("220 go ahead\r\n")) return;
  SSL* ssl = SSL_new(TestPki::Get().localhost_ctx());
  SSL_set_fd(ssl, c.fd());
  if (SSL_accept(ssl) == 1) {
    ServerConn tls(c.fd(), ssl);
    Echo(tls);
    SSL_shutdown(ssl);
  }
  ERR_clear_error();
  SSL_free(ssl);
}

TEST_F(TcpTest, StartTlsUpgradesAPlainConnection) {
  TestServer server(StartTlsServer);
  TcpStreamOptions options;
  options.tls_context = TrustingContext();
  auto s = TcpStream::Create(loop_, options);
  ASSERT_EQ(ConnectAndWait(s, "127.0.0.1", server.port(), TlsMode::kStartTls), "");
  EXPECT_EQ(ReadBytes(s, 17), "220 plain hello\r\n");
  s->Write("STARTTLS\r\n", nullptr);
  EXPECT_EQ(ReadBytes(s, 14), "220 go ahead\r\n");
  EXPECT_FALSE(s->tls_active());
  ASSERT_EQ(StartTlsAndWait(s, "localhost"), "");
  EXPECT_TRUE(s->tls_active());
  s->Write("secret", nullptr);
  EXPECT_EQ(ReadBytes(s, 6), "secret");
  s->Close();
}

TEST_F(TcpTest, StartTlsVerifiesTheHostName) {
  TestServer server(StartTlsServer);
  TcpStreamOptions options;
  options.tls_context = TrustingContext();
  auto s = TcpStream::Create(loop_, options);
  ASSERT_EQ(ConnectAndWait(s, "127.0.0.1", server.port(), TlsMode::kStartTls), "");
  EXPECT_EQ(ReadBytes(s, 17), "220 plain hello\r\n");
  s->Write("STARTTLS\r\n", nullptr);
  EXPECT_EQ(ReadBytes(s, 14), "220 go ahead\r\n");
  EXPECT_EQ(StartTlsAndWait(s, "wrong.example"),
            "TLS handshake with wrong.example failed: certificate verify failed (hostname "
            "mismatch)");
}

TEST_F(TcpTest, StartTlsNeedsTheStartTlsMode) {
  TestServer server(Echo);
  auto s = TcpStream::Create(loop_);
  ASSERT_EQ(ConnectAndWait(s, "127.0.0.1", server.port(), TlsMode::kOff), "");
  EXPECT_EQ(StartTlsAndWait(s, "localhost"),
            "StartTls needs a stream connected with TLS mode 'starttls'");
  s->Close();
}

TEST_F(TcpTest, UnreadDataStopsTheSocket) {
  constexpr uint64_t kSize = 24ull * 1024 * 1024;
  constexpr size_t kPiece = 128 * 1024;
  std::atomic<uint64_t> sent{0};
  TestServer server([&](ServerConn& c) {
    for (uint64_t off = 0; off < kSize; off += kPiece) {
      if (!c.SendAll(Pattern(off, kPiece))) return;
      sent += kPiece;
    }
  });
  TcpStreamOptions options;
  options.read_high_water_mark = 128 * 1024;
  auto s = TcpStream::Create(loop_, options);
  ASSERT_EQ(ConnectAndWait(s, "127.0.0.1", server.port(), TlsMode::kOff), "");
  ASSERT_TRUE(testing::net::RunUntilStalled(loop_, sent)) << "the server kept sending";
  EXPECT_LT(sent.load(), kSize / 2);
  EXPECT_GE(s->buffered_read_bytes(), 128u * 1024);
  EXPECT_LE(s->buffered_read_bytes(), 128u * 1024 + 64 * 1024);

  uint64_t got = 0;
  bool intact = true;
  auto out = std::make_shared<Received>();
  std::function<void()> pull = [&] {
    s->Read([&](std::string_view chunk, bool done, std::string_view error) {
      if (done) {
        out->done = true;
        out->error = std::string(error);
        return;
      }
      if (intact && chunk != Pattern(got, chunk.size())) intact = false;
      got += chunk.size();
      pull();
    });
  };
  pull();
  ASSERT_TRUE(RunUntil(loop_, [&] { return out->done; }, 10000));
  EXPECT_EQ(out->error, "");
  EXPECT_EQ(got, kSize);
  EXPECT_TRUE(intact);
}

}  // namespace
}  // namespace dw
