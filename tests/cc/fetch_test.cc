// fetch() end to end where JS alone cannot reach: the real `dynworker test` binary runs
// tests/js/fixtures/fetch_net.js and fetch_large.js against servers started here (TLS with the
// test CA from net_fixture.h, connection resets, a server that never answers, a connection
// counter), with their URLs in a generated config's vars and the environment chosen per run
// (DYNWORKER_EXTRA_CA_FILE, SSL_CERT_FILE, DYNWORKER_FETCH_TIMEOUT_MS); its peak RSS shows that
// 100 MB streamed each way keeps memory flat. In process: a realm destroyed while its
// fetches are in flight.
#include <fcntl.h>
#include <limits.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "net_fixture.h"
#include "worker_fixture.h"

extern char** environ;

namespace dw {
namespace {

namespace fs = std::filesystem;
using testing::net::ServerConn;
using testing::net::TestPki;
using testing::net::TestRequest;
using testing::net::TestServer;

using testing::ExeDir;
using testing::RepoRoot;

std::string Hex(std::string_view s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

struct ChildRun {
  int exit_code = -1;
  std::string output;
  long max_rss_kb = 0;
};

// Answers every request on the connection (keep-alive) with a line describing it.
void EchoHandler(ServerConn& conn, const std::string& prefix) {
  TestRequest req;
  while (conn.ReadRequest(&req)) {
    std::string body = prefix + " " + req.method + " " + req.target + " host=" + req.Header("host") +
                       " x=" + Hex(req.Header("x-latin1")) + " body=" + std::to_string(req.body.size());
    if (prefix == "plain") body = "plain " + req.target;
    std::string head = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                       "\r\nX-Latin1: \xe9t\xe9\r\n\r\n";
    if (!conn.SendAll(head + (req.method == "HEAD" ? "" : body))) return;
  }
}

class FetchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    binary_ = ExeDir() / "dynworker";
    ASSERT_TRUE(fs::exists(binary_)) << binary_ << " is missing; build it with tools/build.sh";
    root_ = RepoRoot();
    std::string tmpl = (fs::path(::testing::TempDir()) / "dw_fetch_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = fs::canonical(tmpl);
    ca_file_ = dir_ / "ca.pem";
    std::ofstream(ca_file_) << TestPki::Get().ca_pem();
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Runs `dynworker test --config <vars> --filter <filter> <fixture>` from the repository
  // root with the parent's environment minus anything about certificates or fetch, plus `env`.
  ChildRun RunFixture(const std::string& fixture, const std::string& filter,
                 const std::vector<std::pair<std::string, std::string>>& vars,
                 const std::vector<std::string>& env) {
    fs::path fixture_path = root_ / "tests/js/fixtures" / fixture;
    std::string config = "{ \"name\": \"fetch-test\", \"main\": \"" + fixture_path.string() +
                         "\", \"vars\": {";
    for (size_t i = 0; i < vars.size(); i++) {
      config += (i ? ", \"" : " \"") + vars[i].first + "\": \"" + vars[i].second + "\"";
    }
    config += " } }\n";
    fs::path config_path = dir_ / "wrangler.json";
    std::ofstream(config_path) << config;

    std::vector<std::string> args = {binary_.string(), "test", "--config", config_path.string(),
                                     "--filter", filter, fixture_path.string()};
    std::vector<std::string> envs;
    for (char** e = environ; *e; ++e) {
      std::string_view v(*e);
      if (v.rfind("SSL_CERT_", 0) == 0 || v.rfind("DYNWORKER_", 0) == 0) continue;
      envs.emplace_back(v);
    }
    for (const auto& e : env) envs.push_back(e);
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : envs) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string cwd = root_.string();

    ChildRun r;
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe failed";
      return r;
    }
    pid_t pid = fork();
    if (pid == 0) {
      dup2(pipefd[1], 1);
      dup2(pipefd[1], 2);
      if (chdir(cwd.c_str()) != 0) _exit(126);
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
    close(pipefd[1]);
    char buf[4096];
    ssize_t n;
    while ((n = read(pipefd[0], buf, sizeof buf)) > 0) r.output.append(buf, n);
    close(pipefd[0]);
    int status = 0;
    rusage usage{};
    wait4(pid, &status, 0, &usage);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.max_rss_kb = usage.ru_maxrss;
    return r;
  }

  static std::string Url(const char* scheme, const char* host, int port) {
    return std::string(scheme) + "://" + host + ":" + std::to_string(port) + "/";
  }

  fs::path binary_, root_, dir_, ca_file_;
};

#define EXPECT_PASSED(run, n)                                                  \
  do {                                                                         \
    EXPECT_EQ((run).exit_code, 0) << (run).output;                             \
    DW_EXPECT_CONTAINS((run).output, std::to_string(n) + " passed, 0 failed"); \
  } while (0)

TEST_F(FetchTest, HttpsWithTheTestCaFromDynworkerExtraCaFile) {
  TestServer server([](ServerConn& c) { EchoHandler(c, "tls"); }, TestPki::Get().localhost_ctx());
  ChildRun r = RunFixture("fetch_net.js", "tlsTrusted", {{"HTTPS_URL", Url("https", "localhost", server.port())}},
                     {"DYNWORKER_EXTRA_CA_FILE=" + ca_file_.string()});
  EXPECT_PASSED(r, 1);
}

TEST_F(FetchTest, HttpsWithTheTestCaAsSslCertFile) {
  TestServer server([](ServerConn& c) { EchoHandler(c, "tls"); }, TestPki::Get().localhost_ctx());
  ChildRun r = RunFixture("fetch_net.js", "tlsTrusted", {{"HTTPS_URL", Url("https", "localhost", server.port())}},
                     {"SSL_CERT_FILE=" + ca_file_.string()});
  EXPECT_PASSED(r, 1);
}

TEST_F(FetchTest, HttpsWithTheTestCaInSslCertDir) {
  // OpenSSL looks certificates up in a directory by subject-hash file names.
  fs::path certs = dir_ / "certs";
  fs::create_directories(certs);
  BIO* bio = BIO_new_mem_buf(TestPki::Get().ca_pem().data(), static_cast<int>(TestPki::Get().ca_pem().size()));
  X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  ASSERT_NE(ca, nullptr);
  char name[32];
  snprintf(name, sizeof name, "%08lx.0", X509_subject_name_hash(ca));
  X509_free(ca);
  std::ofstream(certs / name) << TestPki::Get().ca_pem();
  TestServer server([](ServerConn& c) { EchoHandler(c, "tls"); }, TestPki::Get().localhost_ctx());
  ChildRun r = RunFixture("fetch_net.js", "tlsTrusted", {{"HTTPS_URL", Url("https", "localhost", server.port())}},
                     {"SSL_CERT_FILE=" + (dir_ / "none.pem").string(), "SSL_CERT_DIR=" + certs.string()});
  EXPECT_PASSED(r, 1);
}

TEST_F(FetchTest, HttpsRejectsACertificateFromAnUntrustedCa) {
  TestServer server([](ServerConn& c) { EchoHandler(c, "tls"); }, TestPki::Get().localhost_ctx());
  ChildRun r = RunFixture("fetch_net.js", "tlsUntrusted",
                     {{"HTTPS_URL", Url("https", "localhost", server.port())}}, {});
  EXPECT_PASSED(r, 1);
}

TEST_F(FetchTest, HttpsRejectsACertificateForAnotherHost) {
  TestServer server([](ServerConn& c) { EchoHandler(c, "tls"); }, TestPki::Get().other_ctx());
  ChildRun r = RunFixture("fetch_net.js", "tlsWrongHost",
                     {{"WRONG_HOST_URL", Url("https", "localhost", server.port())}},
                     {"DYNWORKER_EXTRA_CA_FILE=" + ca_file_.string()});
  EXPECT_PASSED(r, 1);
}

TEST_F(FetchTest, UnreadableExtraCaFileIsATypeError) {
  ChildRun r = RunFixture("fetch_net.js", "badCaFile", {{"HTTPS_URL", "https://localhost:1/"}},
                     {"DYNWORKER_EXTRA_CA_FILE=" + (dir_ / "missing.pem").string()});
  EXPECT_PASSED(r, 1);
}

TEST_F(FetchTest, KeepAliveConnectionsAreReused) {
  TestServer server([](ServerConn& c) { EchoHandler(c, "plain"); });
  ChildRun r = RunFixture("fetch_net.js", "connectionReuse", {{"PLAIN_URL", Url("http", "127.0.0.1", server.port())}}, {});
  EXPECT_PASSED(r, 1);
  EXPECT_EQ(server.accepts(), 1) << "seven sequential fetches should share one connection";
}

TEST_F(FetchTest, ResetsAreTypeErrorsNamingThePeer) {
  TestServer mid_body([](ServerConn& c) {
    TestRequest req;
    if (!c.ReadRequest(&req)) return;
    c.SendAll("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n0123456789");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    c.Reset();
  });
  TestServer early([](ServerConn& c) {
    TestRequest req;
    if (!c.ReadRequest(&req)) return;
    c.Reset();
  });
  ChildRun r = RunFixture("fetch_net.js", "resets",
                     {{"RESET_URL", Url("http", "127.0.0.1", mid_body.port())},
                      {"RESET_EARLY_URL", Url("http", "127.0.0.1", early.port())}},
                     {});
  EXPECT_PASSED(r, 1);
}

TEST_F(FetchTest, HeadTimeoutFromTheEnvironment) {
  TestServer hang([](ServerConn& c) {
    TestRequest req;
    if (!c.ReadRequest(&req)) return;
    c.WaitForClose(5000);
  });
  ChildRun r = RunFixture("fetch_net.js", "headTimeout", {{"HANG_URL", Url("http", "127.0.0.1", hang.port())}},
                     {"DYNWORKER_FETCH_TIMEOUT_MS=200"});
  EXPECT_PASSED(r, 1);
}

TEST_F(FetchTest, HundredMegabytesEachWayKeepMemoryFlat) {
#if defined(__SANITIZE_ADDRESS__)
  // ASan keeps freed memory in quarantine (256 MB by default): peak RSS says nothing here.
  GTEST_SKIP() << "peak RSS is not meaningful under AddressSanitizer";
#endif
  ChildRun small = RunFixture("fetch_large.js", "largeBodies", {{"SIZE", "1048576"}}, {});
  EXPECT_PASSED(small, 1);
  ChildRun large = RunFixture("fetch_large.js", "largeBodies", {{"SIZE", "104857600"}}, {});
  EXPECT_PASSED(large, 1);
  long growth_mb = (large.max_rss_kb - small.max_rss_kb) / 1024;
  printf("[ INFO ] peak RSS: %ld MB for 1 MB each way, %ld MB for 100 MB each way\n",
         small.max_rss_kb / 1024, large.max_rss_kb / 1024);
  // Holding either body whole would add at least 100 MB.
  EXPECT_LT(growth_mb, 64) << "peak RSS grew by " << growth_mb << " MB";
}

// ---------------------------------------------------------------------------------------------
// In process: the realm goes away with requests in flight.

class FetchRealmTest : public testing::WorkerTest {};

TEST_F(FetchRealmTest, DestroyingTheWorkerWithFetchesInFlightIsSafe) {
  std::atomic<int> requests{0};
  // Answers /body with a head and part of a body, then stalls; anything else stalls before
  // answering. Each connection stays open until the client closes it.
  TestServer server([&](ServerConn& c) {
    TestRequest req;
    if (!c.ReadRequest(&req)) return;
    requests++;
    if (req.target == "/body") c.SendAll("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\npartial");
    c.WaitForClose(10000);
  });
  std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  ASSERT_TRUE(StartMain("globalThis.state = { heads: 0 };\n"
                        "const base = '" + base + "';\n"
                        "fetch(base + '/stall').catch(() => {});\n"
                        "fetch(base + '/body').then((r) => { state.heads++; state.reader = r.body.getReader();\n"
                        "  return state.reader.read().then(() => state.reader.read()); }).catch(() => {});\n"
                        "const body = new ReadableStream({ pull(c) { c.enqueue(new Uint8Array(65536)); } });\n"
                        "fetch(base + '/upload', { method: 'POST', body }).catch(() => {});\n"
                        "fetch('http://nohost.invalid/').catch(() => {});\n")
                  .ok());
  EXPECT_TRUE(testing::net::RunUntil(loop_, [&] { return requests.load() >= 2; }));
  EXPECT_TRUE(testing::net::RunUntil(loop_, [&] { return EvalJson("state.heads") == "1"; }));
  testing::net::RunFor(loop_, 50);
  main_.worker.reset();  // realm, its client and every exchange go away now
  testing::net::RunFor(loop_, 200);  // late callbacks (DNS, writes, closes) find nothing
  server.Stop();
}

TEST_F(FetchRealmTest, DestroyingTheWorkerWithAPooledConnectionIsSafe) {
  TestServer server([](ServerConn& c) { EchoHandler(c, "plain"); });
  std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/x";
  ASSERT_TRUE(StartMain("globalThis.done = false;\n"
                        "fetch('" + url + "').then((r) => r.text()).then((t) => { globalThis.done = t; });\n")
                  .ok());
  EXPECT_TRUE(testing::net::RunUntil(loop_, [&] { return EvalJson("done") == "\"plain /x\""; }));
  main_.worker.reset();
  testing::net::RunFor(loop_, 50);
  EXPECT_TRUE(server.accepts() == 1);
}

}  // namespace
}  // namespace dw
