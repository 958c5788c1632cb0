// connect() from cloudflare:sockets end to end: loopback servers here (plain and TLS echo,
// STARTTLS, a byte source with stall/resume controls, ...), the real `dynworker test` binary
// running tests/js/fixtures/sockets_net.js with the ports passed as env vars through a
// generated wrangler.jsonc, and the test CA trusted through DYNWORKER_EXTRA_CA_FILE.
#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "net_fixture.h"
#include "test_util.h"

namespace dw {
namespace {

namespace fs = std::filesystem;
namespace net = testing::net;
using testing::ExeDir;
using testing::RepoRoot;
using testing::RunResult;
using testing::ShellQuote;

// Runs `ENV... dynworker ARGS...` from the repository root (killed after two minutes).
RunResult RunDynworker(const std::vector<std::string>& env, const std::vector<std::string>& args) {
  std::string cmd = "cd " + ShellQuote(RepoRoot().string()) + " && ";
  for (const auto& e : env) cmd += e + " ";
  cmd += "timeout 120 " + ShellQuote((ExeDir() / "dynworker").string());
  for (const auto& a : args) cmd += " " + ShellQuote(a);
  return testing::RunShell(cmd + " 2>&1");
}

std::string LastLine(const std::string& output) {
  std::string s = output;
  while (!s.empty() && s.back() == '\n') s.pop_back();
  size_t nl = s.rfind('\n');
  return nl == std::string::npos ? s : s.substr(nl + 1);
}

void WriteFile(const fs::path& path, const std::string& contents) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << contents;
  out.close();
  ASSERT_TRUE(out.good()) << path;
}

// One line, read a byte at a time so nothing after it is consumed (the TLS handshake follows).
bool ReadLineRaw(int fd, std::string* line) {
  line->clear();
  char c;
  while (recv(fd, &c, 1, 0) == 1) {
    if (c == '\n') {
      if (!line->empty() && line->back() == '\r') line->pop_back();
      return true;
    }
    *line += c;
  }
  return false;
}

// Echoes until the peer ends its side.
void Echo(net::ServerConn& c) {
  char buf[65536];
  for (;;) {
    size_t n = c.RecvSome(buf, sizeof buf);
    if (n == 0 || !c.SendAll(std::string_view(buf, n))) return;
  }
}

// byte(i) = i % 251, as the JS fixture's pattern().
const std::string& PatternTable() {
  static const std::string table = [] {
    std::string t(65536 + 251, '\0');
    for (size_t i = 0; i < t.size(); i++) t[i] = static_cast<char>(i % 251);
    return t;
  }();
  return table;
}

// Shared state of the source server's connections.
struct SourceState {
  std::mutex mu;
  std::condition_variable cv;
  uint64_t resume_generation = 0;
  bool stopping = false;
  std::atomic<uint64_t> sent{0};
  std::string recorded;
};

void ServeSource(net::ServerConn& c, SourceState& st) {
  std::string line;
  if (!c.ReadUntil("\n", &line)) return;
  if (line.rfind("SEND ", 0) == 0) {
    uint64_t total = std::stoull(line.substr(5));
    st.sent = 0;
    const std::string& table = PatternTable();
    uint64_t offset = 0;
    while (offset < total) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(65536, total - offset));
      if (!c.SendAll(std::string_view(table).substr(offset % 251, n))) return;
      offset += n;
      st.sent = offset;
    }
  } else if (line == "STATS") {
    c.SendAll(std::to_string(st.sent.load()));
  } else if (line == "STALL") {
    // Reads nothing until RESUME (or the end of the test), then checks what arrived.
    {
      std::unique_lock<std::mutex> lock(st.mu);
      uint64_t generation = st.resume_generation;
      st.cv.wait_for(lock, std::chrono::seconds(60),
                     [&] { return st.resume_generation > generation || st.stopping; });
    }
    char buf[65536];
    uint64_t received = 0;
    bool ok = true;
    for (;;) {
      size_t n = c.RecvSome(buf, sizeof buf);
      if (n == 0) break;
      for (size_t i = 0; i < n && ok; i++) {
        ok = static_cast<unsigned char>(buf[i]) == (received + i) % 251;
      }
      received += n;
    }
    c.SendAll("received " + std::to_string(received) + (ok ? " ok\n" : " corrupt\n"));
  } else if (line == "RESUME") {
    {
      std::lock_guard<std::mutex> lock(st.mu);
      st.resume_generation++;
    }
    st.cv.notify_all();
    c.SendAll("resumed\n");
  } else if (line == "RECORD") {
    std::string data;
    char buf[4096];
    for (;;) {
      size_t n = c.RecvSome(buf, sizeof buf);
      if (n == 0) break;
      data.append(buf, n);
    }
    std::lock_guard<std::mutex> lock(st.mu);
    st.recorded = data;
  } else if (line == "RECORDED") {
    std::string recorded;
    {
      std::lock_guard<std::mutex> lock(st.mu);
      recorded = st.recorded;
    }
    c.SendAll(recorded);
  }
}

// A server context whose self-signed certificate no client trusts.
struct UntrustedCtx {
  UntrustedCtx() {
    std::unique_ptr<EVP_PKEY, net::KeyFree> key(EVP_EC_gen("P-256"));
    auto cert = net::MakeCert(key.get(), nullptr, key.get(), "localhost", false,
                              "DNS:localhost,IP:127.0.0.1", 7);
    ctx.reset(SSL_CTX_new(TLS_server_method()));
    SSL_CTX_use_certificate(ctx.get(), cert.get());
    SSL_CTX_use_PrivateKey(ctx.get(), key.get());
  }
  std::unique_ptr<SSL_CTX, net::CtxFree> ctx;
};

class SocketsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(ExeDir() / "dynworker")) << "build dynworker with tools/build.sh";
    std::string tmpl = (fs::path(::testing::TempDir()) / "dw_sockets_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = fs::canonical(tmpl);
    ca_file_ = dir_ / "ca.pem";
    WriteFile(ca_file_, net::TestPki::Get().ca_pem());
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // A wrangler.jsonc whose vars are `vars` (names to numbers), with the main module it needs.
  fs::path Config(const std::vector<std::pair<std::string, int>>& vars) {
    WriteFile(dir_ / "worker/src/index.js", "export default {};\n");
    std::string json = "{\n  \"main\": \"src/index.js\",\n  \"vars\": {\n";
    for (size_t i = 0; i < vars.size(); i++) {
      json += "    \"" + vars[i].first + "\": " + std::to_string(vars[i].second) +
              (i + 1 < vars.size() ? ",\n" : "\n");
    }
    json += "  }\n}\n";
    WriteFile(dir_ / "worker/wrangler.jsonc", json);
    return dir_ / "worker/wrangler.jsonc";
  }

  fs::path dir_;
  fs::path ca_file_;
};

int CountTests(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (line.rfind("export const ", 0) == 0) n++;
  }
  return n;
}

TEST_F(SocketsTest, ConnectAgainstLoopbackServers) {
  const net::TestPki& pki = net::TestPki::Get();
  UntrustedCtx untrusted;
  SourceState source;
  std::mutex half_mu;
  std::string half_received;

  net::TestServer echo(Echo);
  net::TestServer tls_echo(Echo, pki.localhost_ctx());
  net::TestServer untrusted_tls(Echo, untrusted.ctx.get());
  net::TestServer wrong_host_tls(Echo, pki.other_ctx());
  net::TestServer starttls([&](net::ServerConn& c) {
    if (!c.SendAll("220 ready\r\n")) return;
    std::string line;
    if (!ReadLineRaw(c.fd(), &line)) return;
    if (line == "STARTTLS") {
      if (!c.SendAll("220 go ahead\r\n")) return;
    } else if (line != "STARTTLS-QUIET") {
      return;
    }
    SSL* ssl = SSL_new(pki.localhost_ctx());
    SSL_set_fd(ssl, c.fd());
    if (SSL_accept(ssl) == 1) {
      net::ServerConn secure(c.fd(), ssl);
      Echo(secure);
      SSL_shutdown(ssl);
    } else {
      ERR_clear_error();
    }
    SSL_free(ssl);
  });
  net::TestServer source_server([&](net::ServerConn& c) { ServeSource(c, source); });
  net::TestServer greet([](net::ServerConn& c) { c.SendAll("hello\n"); });
  net::TestServer half([&](net::ServerConn& c) {
    c.SendAll("hello\n");
    shutdown(c.fd(), SHUT_WR);
    std::string data;
    char buf[4096];
    for (;;) {
      size_t n = c.RecvSome(buf, sizeof buf);
      if (n == 0) break;
      data.append(buf, n);
    }
    std::lock_guard<std::mutex> lock(half_mu);
    half_received = data;
  });
  net::TestServer reset([](net::ServerConn& c) {
    c.SendAll("partial");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    c.Reset();
  });

  fs::path config = Config({
      {"ECHO_PORT", echo.port()},
      {"TLS_PORT", tls_echo.port()},
      {"UNTRUSTED_TLS_PORT", untrusted_tls.port()},
      {"WRONG_HOST_TLS_PORT", wrong_host_tls.port()},
      {"STARTTLS_PORT", starttls.port()},
      {"SOURCE_PORT", source_server.port()},
      {"GREET_PORT", greet.port()},
      {"HALF_PORT", half.port()},
      {"RESET_PORT", reset.port()},
      {"CLOSED_PORT", net::UnusedPort()},
  });
  const std::string fixture = "tests/js/fixtures/sockets_net.js";
  int tests = CountTests(RepoRoot() / fixture);
  ASSERT_GT(tests, 10);
  RunResult r = RunDynworker({"DYNWORKER_EXTRA_CA_FILE=" + ShellQuote(ca_file_.string())},
                             {"test", "--config", config.string(), fixture});
  {
    std::lock_guard<std::mutex> lock(source.mu);
    source.stopping = true;
  }
  source.cv.notify_all();
  EXPECT_EQ(r.exit_code, 0) << r.output;
  DW_EXPECT_LACKS(r.output, "[ FAIL ]");
  DW_EXPECT_LACKS(r.output, "Uncaught");
  EXPECT_EQ(LastLine(r.output), std::to_string(tests) + " passed, 0 failed") << r.output;
  std::lock_guard<std::mutex> lock(half_mu);
  EXPECT_EQ(half_received, "late data");
}

// Without the extra CA the test CA's certificates are refused; an unreadable CA file is named in
// the error.
TEST_F(SocketsTest, TrustComesFromTheExtraCaFile) {
  const net::TestPki& pki = net::TestPki::Get();
  net::TestServer tls_echo(Echo, pki.localhost_ctx());
  fs::path config = Config({{"TLS_PORT", tls_echo.port()}});
  fs::path test = dir_ / "trust.test.js";
  WriteFile(test,
            "import assert from 'node:assert';\n"
            "import { connect } from 'cloudflare:sockets';\n"
            "export const refused = { async test(ctrl, env) {\n"
            "  const s = connect(`localhost:${env.TLS_PORT}`, { secureTransport: 'on' });\n"
            "  await assert.rejects(s.opened, (e) => {\n"
            "    console.log('ERROR', e.message);\n"
            "    return true;\n"
            "  });\n"
            "} };\n");
  RunResult untrusted = RunDynworker({"SSL_CERT_FILE=/dev/null", "SSL_CERT_DIR=/nonexistent"},
                                     {"test", "--config", config.string(), test.string()});
  EXPECT_EQ(untrusted.exit_code, 0) << untrusted.output;
  DW_EXPECT_CONTAINS(untrusted.output,
                     "ERROR TLS handshake with localhost failed: certificate verify failed");

  RunResult missing = RunDynworker({"DYNWORKER_EXTRA_CA_FILE=/nonexistent/ca.pem"},
                                   {"test", "--config", config.string(), test.string()});
  EXPECT_EQ(missing.exit_code, 0) << missing.output;
  DW_EXPECT_CONTAINS(missing.output,
                     "ERROR TLS setup for localhost failed: cannot read the CA certificates in "
                     "/nonexistent/ca.pem (named by DYNWORKER_EXTRA_CA_FILE): ");

  fs::path garbage = dir_ / "garbage.pem";
  WriteFile(garbage, "not a certificate\n");
  RunResult unusable = RunDynworker({"DYNWORKER_EXTRA_CA_FILE=" + ShellQuote(garbage.string())},
                                    {"test", "--config", config.string(), test.string()});
  EXPECT_EQ(unusable.exit_code, 0) << unusable.output;
  DW_EXPECT_CONTAINS(unusable.output,
                     "ERROR TLS setup for localhost failed: the CA certificates in " +
                         garbage.string() + " (named by DYNWORKER_EXTRA_CA_FILE) are unusable: ");
}

// A socket dropped without close() is closed once it is garbage collected, not held until the
// worker ends: a status server answers whether the first server has seen EOF yet, while the
// test file still runs.
TEST_F(SocketsTest, DroppedSocketIsClosedWhenCollected) {
  std::atomic<bool> saw_eof{false};
  net::TestServer waiter([&](net::ServerConn& c) {
    char buf[256];
    while (c.RecvSome(buf, sizeof buf) > 0) {
    }
    saw_eof = true;
  });
  net::TestServer status([&](net::ServerConn& c) { c.SendAll(saw_eof ? "eof" : "open"); });
  fs::path config = Config({{"PORT", waiter.port()}, {"STATUS_PORT", status.port()}});
  fs::path test = dir_ / "dropped.test.js";
  WriteFile(test,
            "import assert from 'node:assert';\n"
            "import { connect } from 'cloudflare:sockets';\n"
            "const sleep = (ms) => new Promise((r) => setTimeout(r, ms));\n"
            "async function open(port) { await connect(`127.0.0.1:${port}`).opened; }\n"
            "async function status(port) {\n"
            "  const s = connect(`127.0.0.1:${port}`);\n"
            "  const text = await new Response(s.readable).text();\n"
            "  await s.close();\n"
            "  return text;\n"
            "}\n"
            "export const dropped = { async test(ctrl, env) {\n"
            "  await open(env.PORT);\n"
            "  await sleep(50);\n"
            "  assert.strictEqual(await status(env.STATUS_PORT), 'open');\n"
            "  let answer;\n"
            "  for (let i = 0; i < 20 && answer !== 'eof'; i++) {\n"
            "    gc(); await sleep(50);\n"
            "    answer = await status(env.STATUS_PORT);\n"
            "  }\n"
            "  assert.strictEqual(answer, 'eof');\n"
            "} };\n");
  RunResult r = RunDynworker({"DYNWORKER_V8_FLAGS=--expose-gc"},
                             {"test", "--config", config.string(), test.string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(LastLine(r.output), "1 passed, 0 failed") << r.output;
}

}  // namespace
}  // namespace dw

