// io::HttpClient against real loopback servers (plain and TLS) running on threads: framing
// both ways, keep-alive reuse and its retry, error sentences, timeouts, Abort, backpressure.
#include "io/http_client.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "net_fixture.h"

namespace dw {
namespace {

using io::HttpClient;
using io::HttpClientExchange;
using io::HttpClientOptions;
using io::HttpClientRequest;
using io::HttpClientResponseHead;
using testing::net::Pattern;
using testing::net::RunFor;
using testing::net::RunUntil;
using testing::net::ServerConn;
using testing::net::TestPki;
using testing::net::TestRequest;
using testing::net::TestServer;
using testing::net::UnusedPort;

// What a test saw of one exchange.
struct Outcome {
  bool finished = false;
  bool head_ok = false;
  HttpClientResponseHead head;
  std::string body;
  std::string error;  // of the head or the body
  int chunks = 0;
  std::function<void()> on_finished;

  std::string Header(std::string_view name) const {
    for (const auto& [k, v] : head.headers) {
      if (strcasecmp(k.c_str(), std::string(name).c_str()) == 0) return v;
    }
    return "";
  }
  void Finish() {
    finished = true;
    if (on_finished) on_finished();
  }
};

void ReadAll(std::shared_ptr<HttpClientExchange> ex, std::shared_ptr<Outcome> out) {
  ex->ReadBody([ex, out](std::string_view chunk, bool done, std::string_view error) {
    if (!error.empty()) {
      out->error = std::string(error);
      out->Finish();
    } else if (done) {
      out->Finish();
    } else {
      out->body.append(chunk);
      out->chunks++;
      ReadAll(ex, out);
    }
  });
}

std::shared_ptr<Outcome> Collect(std::shared_ptr<HttpClientExchange> ex, bool read_body = true) {
  auto out = std::make_shared<Outcome>();
  ex->OnHead([ex, out, read_body](absl::StatusOr<HttpClientResponseHead> head) {
    if (!head.ok()) {
      out->error = std::string(head.status().message());
      out->Finish();
      return;
    }
    out->head_ok = true;
    out->head = std::move(*head);
    if (read_body) ReadAll(ex, out);
  });
  return out;
}

HttpClientRequest Get(std::string url) {
  HttpClientRequest r;
  r.method = "GET";
  r.url = std::move(url);
  return r;
}

std::string Local(int port, std::string_view path = "/") {
  return "http://127.0.0.1:" + std::to_string(port) + std::string(path);
}

// Serves requests on a connection until it closes, answering each with `respond`.
TestServer::Handler Serve(std::function<std::string(const TestRequest&)> respond) {
  return [respond](ServerConn& c) {
    TestRequest req;
    while (c.ReadRequest(&req)) {
      if (!c.SendAll(respond(req))) return;
    }
  };
}

std::string Ok(std::string_view body, std::string_view extra_headers = "") {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         std::string(extra_headers) + "\r\n" + std::string(body);
}

// Writes `total` pattern bytes in chunks of varying size, each after the previous one was
// written (the caller's backpressure), then End.
void StreamBody(std::shared_ptr<HttpClientExchange> ex, uint64_t total, bool* all_ok) {
  auto offset = std::make_shared<uint64_t>(0);
  auto step = std::make_shared<std::function<void()>>();
  *step = [ex, total, offset, step, all_ok] {
    if (*offset >= total) {
      ex->End();
      *step = nullptr;  // breaks the self-reference
      return;
    }
    size_t n = std::min<uint64_t>(total - *offset, 1 + (*offset * 7919) % 150000);
    std::string chunk = Pattern(*offset, n);
    *offset += n;
    ex->Write(std::move(chunk), [step, all_ok](bool ok) {
      if (!ok) {
        *all_ok = false;
        *step = nullptr;
        return;
      }
      if (*step) (*step)();
    });
  };
  (*step)();
}

class HttpClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { testing::net::IgnoreSigpipe(); }

  HttpClient& client(HttpClientOptions options = {}) {
    if (!client_) client_ = std::make_unique<HttpClient>(loop_, std::move(options));
    return *client_;
  }

  std::shared_ptr<Outcome> Fetch(HttpClientRequest request, int timeout_ms = 5000) {
    auto out = Collect(client().Start(std::move(request)));
    EXPECT_TRUE(RunUntil(loop_, [&] { return out->finished; }, timeout_ms)) << "no outcome";
    return out;
  }

  io::EventLoop loop_;
  std::unique_ptr<HttpClient> client_;  // declared after loop_, so destroyed before it
};

// ---------------------------------------------------------------------------------------------
// Basics

TEST_F(HttpClientTest, GetSendsHostAndHeadersAndReadsTheResponse) {
  std::mutex mu;
  TestRequest seen;
  TestServer server(Serve([&](const TestRequest& r) {
    std::lock_guard<std::mutex> lock(mu);
    seen = r;
    return Ok("hello", "X-Multi: a\r\nX-Multi: b\r\nContent-Type: text/plain\r\n");
  }));
  HttpClientRequest r;
  r.method = "GET";
  r.scheme = "http";
  r.host = "127.0.0.1";
  r.port = server.port();
  r.path_and_query = "/path?q=1&r=%20";
  r.headers = {{"X-Custom", "v1"}, {"Accept", "*/*"}, {"host", "ignored.example"}};
  auto out = Fetch(r);
  ASSERT_TRUE(out->head_ok) << out->error;
  EXPECT_EQ(out->head.status, 200);
  EXPECT_EQ(out->head.status_text, "OK");
  ASSERT_EQ(out->head.headers.size(), 4u);
  EXPECT_EQ(out->head.headers[1], (std::pair<std::string, std::string>("X-Multi", "a")));
  EXPECT_EQ(out->head.headers[2], (std::pair<std::string, std::string>("X-Multi", "b")));
  EXPECT_EQ(out->body, "hello");
  EXPECT_EQ(out->error, "");

  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(seen.method, "GET");
  EXPECT_EQ(seen.target, "/path?q=1&r=%20");
  EXPECT_EQ(seen.Header("host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(seen.Header("x-custom"), "v1");
  EXPECT_EQ(seen.Header("accept"), "*/*");
  EXPECT_FALSE(seen.HasHeader("content-length"));
  EXPECT_FALSE(seen.HasHeader("transfer-encoding"));
  int hosts = 0;
  for (const auto& [k, v] : seen.headers) hosts += strcasecmp(k.c_str(), "host") == 0;
  EXPECT_EQ(hosts, 1);
}

TEST_F(HttpClientTest, PostWithKnownLengthSendsContentLengthAndTheExactBytes) {
  constexpr uint64_t kSize = 3 * 1024 * 1024 + 17;
  std::atomic<bool> matched{false};
  std::mutex mu;
  TestRequest seen;
  TestServer server(Serve([&](const TestRequest& r) {
    matched = r.body == Pattern(0, kSize);
    std::lock_guard<std::mutex> lock(mu);
    seen.headers = r.headers;
    return Ok(std::to_string(r.body.size()));
  }));
  HttpClientRequest r = Get(Local(server.port(), "/upload"));
  r.method = "POST";
  r.has_body = true;
  r.body_length = kSize;
  auto ex = client().Start(r);
  bool writes_ok = true;
  StreamBody(ex, kSize, &writes_ok);
  auto out = Collect(ex);
  ASSERT_TRUE(RunUntil(loop_, [&] { return out->finished; }));
  EXPECT_EQ(out->error, "");
  EXPECT_EQ(out->body, std::to_string(kSize));
  EXPECT_TRUE(matched);
  EXPECT_TRUE(writes_ok);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(seen.Header("content-length"), std::to_string(kSize));
  EXPECT_FALSE(seen.HasHeader("transfer-encoding"));
}

TEST_F(HttpClientTest, StreamedBodyGoesChunkedAndAChunkedEchoComesBackByteExact) {
  constexpr uint64_t kSize = 5 * 1024 * 1024 + 3;
  std::atomic<bool> was_chunked{false};
  TestServer server(Serve([&](const TestRequest& r) {
    was_chunked = r.chunked && !r.HasHeader("content-length");
    std::string resp = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (size_t off = 0; off < r.body.size(); off += 100000) {
      size_t n = std::min<size_t>(100000, r.body.size() - off);
      char size[32];
      snprintf(size, sizeof size, "%zx\r\n", n);
      resp.append(size).append(r.body, off, n).append("\r\n");
    }
    return resp + "0\r\n\r\n";
  }));
  HttpClientRequest r = Get(Local(server.port(), "/echo"));
  r.method = "PUT";
  r.has_body = true;
  auto ex = client().Start(r);
  bool writes_ok = true;
  // The first chunk is written before the connection exists: it must wait for it.
  StreamBody(ex, kSize, &writes_ok);
  auto out = Collect(ex);
  ASSERT_TRUE(RunUntil(loop_, [&] { return out->finished; }, 10000));
  EXPECT_EQ(out->error, "");
  EXPECT_TRUE(was_chunked);
  EXPECT_TRUE(writes_ok);
  ASSERT_EQ(out->body.size(), kSize);
  EXPECT_TRUE(out->body == Pattern(0, kSize));
}

TEST_F(HttpClientTest, PostWithoutBodySendsContentLengthZero) {
  std::mutex mu;
  TestRequest seen;
  TestServer server(Serve([&](const TestRequest& r) {
    std::lock_guard<std::mutex> lock(mu);
    seen = r;
    return Ok("");
  }));
  HttpClientRequest r = Get(Local(server.port()));
  r.method = "POST";
  auto out = Fetch(r);
  EXPECT_EQ(out->error, "");
  EXPECT_EQ(out->body, "");
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(seen.Header("content-length"), "0");
}

// ---------------------------------------------------------------------------------------------
// Keep-alive

TEST_F(HttpClientTest, KeepAliveReusesOneConnectionAcrossBodyFramings) {
  TestServer server(Serve([](const TestRequest& r) -> std::string {
    if (r.target == "/chunked") {
      return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
             "3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\nX-Trailer: t\r\n\r\n";
    }
    if (r.method == "HEAD") return "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
    if (r.target == "/204") return "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n";
    if (r.target == "/304") return "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n";
    return Ok("plain:" + r.target);
  }));
  auto a = Fetch(Get(Local(server.port(), "/a")));
  EXPECT_EQ(a->body, "plain:/a");
  auto b = Fetch(Get(Local(server.port(), "/chunked")));
  EXPECT_EQ(b->body, "abcdefg");
  HttpClientRequest head = Get(Local(server.port(), "/head"));
  head.method = "HEAD";
  auto c = Fetch(head);
  EXPECT_EQ(c->head.status, 200);
  EXPECT_EQ(c->Header("content-length"), "100");
  EXPECT_EQ(c->body, "");
  auto d = Fetch(Get(Local(server.port(), "/204")));
  EXPECT_EQ(d->head.status, 204);
  EXPECT_EQ(d->body, "");
  auto e = Fetch(Get(Local(server.port(), "/304")));
  EXPECT_EQ(e->head.status, 304);
  EXPECT_EQ(e->body, "");
  auto f = Fetch(Get(Local(server.port(), "/f")));
  EXPECT_EQ(f->body, "plain:/f");
  for (const auto& o : {a, b, c, d, e, f}) EXPECT_EQ(o->error, "");
  EXPECT_EQ(server.accepts(), 1);
  EXPECT_EQ(client().stats().connections_opened, 1u);
  EXPECT_EQ(client().stats().connections_reused, 5u);
  EXPECT_EQ(client().idle_connections(), 1u);
}

// Sixteen requests in flight to one host leave sixteen idle connections, which the next sixteen
// use: a server proxying concurrent requests to one upstream does not open and close
// connections per round (with 6 kept, 10 of every 16 were new, and 1541 sockets sat in
// TIME_WAIT after 4 s of bench/compare's direct path).
TEST_F(HttpClientTest, ConcurrentRequestsToOneHostReuseTheirConnectionsNextRound) {
  TestServer server(Serve([](const TestRequest& r) { return Ok("ok:" + r.target); }));
  for (int round = 0; round < 2; ++round) {
    std::vector<std::shared_ptr<Outcome>> outs;
    for (int i = 0; i < 16; ++i) outs.push_back(Collect(client().Start(Get(Local(server.port(), "/" + std::to_string(i))))));
    ASSERT_TRUE(RunUntil(loop_, [&] {
      for (auto& o : outs) if (!o->finished) return false;
      return true;
    }, 5000));
    for (int i = 0; i < 16; ++i) EXPECT_EQ(outs[i]->body, "ok:/" + std::to_string(i));
  }
  EXPECT_EQ(server.accepts(), 16);
  EXPECT_EQ(client().stats().connections_opened, 16u);
  EXPECT_EQ(client().stats().connections_reused, 16u);
  EXPECT_EQ(client().idle_connections(), 16u);
}

// Runs `n` concurrent GETs on `c` to `port` to the end.
void RunConcurrent(io::EventLoop& loop, HttpClient& c, int port, int n) {
  std::vector<std::shared_ptr<Outcome>> outs;
  for (int i = 0; i < n; ++i) outs.push_back(Collect(c.Start(Get(Local(port, "/" + std::to_string(i))))));
  ASSERT_TRUE(RunUntil(loop, [&] {
    for (auto& o : outs) if (!o->finished) return false;
    return true;
  }, 5000));
  for (auto& o : outs) EXPECT_EQ(o->error, "");
}

// Idle connections are file descriptors: one client keeps at most max_idle_total of them over
// all hosts, and the clients of a thread together at most max_idle_per_thread (before, only
// the per-host cap held: a worker fetching from many hosts, or many workers, could hold
// enough sockets for the process to run out of descriptors).
TEST_F(HttpClientTest, IdleConnectionsAreCappedPerClientAndPerThread) {
  TestServer server(Serve([](const TestRequest& r) { return Ok("ok:" + r.target); }));
  HttpClientOptions options;
  options.max_idle_total = 8;
  options.max_idle_per_thread = 12;
  HttpClient& a = client(options);
  RunConcurrent(loop_, a, server.port(), 16);
  EXPECT_EQ(a.idle_connections(), 8u);
  {
    // b's connections going back close the thread's oldest, a's (refusing b's instead let a
    // few clients take every other client's keep-alive).
    HttpClient b(loop_, options);
    RunConcurrent(loop_, b, server.port(), 16);
    EXPECT_EQ(b.idle_connections(), 8u);
    EXPECT_EQ(a.idle_connections(), 4u);  // 12 in the thread
    RunConcurrent(loop_, b, server.port(), 4);  // its own are reused
    EXPECT_EQ(b.stats().connections_reused, 4u);
  }
  // b's are gone with it: a may keep its 8 again.
  RunConcurrent(loop_, a, server.port(), 16);
  EXPECT_EQ(a.idle_connections(), 8u);
}

// What a worker with internet access can do: one client fetching from 130 hosts in turn, with
// the default caps (128 per client). The 129th connection put back closed the oldest through a
// reference into the pool's map that closing could free: the process crashed.
TEST_F(HttpClientTest, ManyHostsInTurnKeepTheNewestIdleConnections) {
  std::vector<std::unique_ptr<TestServer>> servers;
  for (int i = 0; i < 130; ++i) {
    servers.push_back(std::make_unique<TestServer>(Serve([](const TestRequest&) { return Ok("x"); })));
  }
  HttpClient& c = client();
  for (auto& server : servers) {
    auto o = Collect(c.Start(Get(Local(server->port(), "/"))));
    ASSERT_TRUE(RunUntil(loop_, [&] { return o->finished; }, 5000));
    EXPECT_EQ(o->error, "");
  }
  EXPECT_EQ(c.idle_connections(), 128u);
}

// At the per-client cap, a connection to a host with none idle is put back after the oldest
// (of another host) is closed; and when the oldest is the last of the very host being put
// back, its list goes and is made again (it was written through a dangling reference).
TEST_F(HttpClientTest, PuttingBackAtTheClientCapClosesTheOldest) {
  TestServer a(Serve([](const TestRequest& r) {
    if (r.target == "/slow") std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return Ok("a" + r.target);
  }));
  TestServer b(Serve([](const TestRequest& r) { return Ok("b" + r.target); }));
  TestServer d(Serve([](const TestRequest& r) { return Ok("d" + r.target); }));
  HttpClientOptions options;
  options.max_idle_total = 2;
  HttpClient& c = client(options);
  for (int port : {a.port(), b.port(), d.port(), a.port(), b.port(), d.port()}) {
    auto o = Collect(c.Start(Get(Local(port, "/"))));
    ASSERT_TRUE(RunUntil(loop_, [&] { return o->finished; }, 5000));
    EXPECT_EQ(o->error, "");
    EXPECT_LE(c.idle_connections(), 2u);
  }
  // Idle now: b's and d's. A slow and a fast request to a: the fast one's connection goes back
  // (closing b's, the oldest), one to b (closing d's), then the slow one's, when the oldest idle
  // connection is a's own: a's list is erased and made again.
  auto slow = Collect(c.Start(Get(Local(a.port(), "/slow"))));
  auto fast = Collect(c.Start(Get(Local(a.port(), "/fast"))));
  ASSERT_TRUE(RunUntil(loop_, [&] { return fast->finished; }, 5000));
  RunFor(loop_, 20);
  auto other = Collect(c.Start(Get(Local(b.port(), "/"))));
  ASSERT_TRUE(RunUntil(loop_, [&] { return other->finished; }, 5000));
  EXPECT_EQ(c.idle_connections(), 2u);
  ASSERT_TRUE(RunUntil(loop_, [&] { return slow->finished; }, 5000));
  EXPECT_EQ(slow->error, "");
  EXPECT_EQ(c.idle_connections(), 2u);
  auto again = Collect(c.Start(Get(Local(a.port(), "/x"))));
  ASSERT_TRUE(RunUntil(loop_, [&] { return again->finished; }, 5000));
  EXPECT_EQ(again->error, "");
  EXPECT_EQ(again->body, "a/x");
}

TEST_F(HttpClientTest, ConnectionCloseIsNotReused) {
  TestServer server([](ServerConn& c) {
    TestRequest req;
    if (c.ReadRequest(&req)) c.SendAll(Ok("bye", "Connection: close\r\n"));
  });
  EXPECT_EQ(Fetch(Get(Local(server.port())))->body, "bye");
  EXPECT_EQ(Fetch(Get(Local(server.port())))->body, "bye");
  EXPECT_EQ(server.accepts(), 2);
  EXPECT_EQ(client().stats().connections_reused, 0u);
}

TEST_F(HttpClientTest, IdleConnectionsDoNotKeepTheLoopAliveAndExpire) {
  TestServer server(Serve([](const TestRequest&) { return Ok("x"); }));
  HttpClientOptions options;
  options.idle_timeout_ms = 150;
  client(options);
  EXPECT_EQ(Fetch(Get(Local(server.port())))->body, "x");
  EXPECT_EQ(client().idle_connections(), 1u);
  // Only the unreferenced idle socket and sweep timer remain.
  for (int i = 0; i < 3; i++) loop_.RunOnce();
  EXPECT_FALSE(loop_.Alive());
  RunFor(loop_, 400);
  EXPECT_EQ(client().idle_connections(), 0u);
}

TEST_F(HttpClientTest, AnIdleConnectionTheServerClosesLeavesThePool) {
  TestServer server([](ServerConn& c) {
    TestRequest req;
    if (c.ReadRequest(&req)) c.SendAll(Ok("once"));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  });
  EXPECT_EQ(Fetch(Get(Local(server.port())))->body, "once");
  EXPECT_EQ(client().idle_connections(), 1u);
  EXPECT_TRUE(RunUntil(loop_, [&] { return client().idle_connections() == 0; }, 2000));
  EXPECT_EQ(Fetch(Get(Local(server.port())))->body, "once");
  EXPECT_EQ(server.accepts(), 2);
  EXPECT_EQ(client().stats().retries, 0u);
}

// The server drops the kept-alive connection right after its response; a request started from
// the "done" callback goes out on it before its EOF is seen, and is retried once.
TEST_F(HttpClientTest, ARequestOnAPooledConnectionThatDiedIsRetriedOnce) {
  std::atomic<int> conn_no{0};
  TestServer server([&](ServerConn& c) {
    int n = ++conn_no;
    TestRequest req;
    if (c.ReadRequest(&req)) c.SendAll(Ok(n == 1 ? "first" : "second"));
    if (n == 1) return;  // close without "Connection: close"
    while (c.ReadRequest(&req)) c.SendAll(Ok("more"));
  });
  auto first = Collect(client().Start(Get(Local(server.port()))));
  std::shared_ptr<Outcome> second;
  first->on_finished = [&] {
    second = Collect(client().Start(Get(Local(server.port(), "/2"))));
  };
  ASSERT_TRUE(RunUntil(loop_, [&] { return second && second->finished; }));
  EXPECT_EQ(first->body, "first");
  EXPECT_EQ(second->error, "");
  EXPECT_EQ(second->body, "second");
  EXPECT_EQ(client().stats().connections_reused, 1u);
  EXPECT_EQ(client().stats().retries, 1u);
  EXPECT_EQ(server.accepts(), 2);
}

TEST_F(HttpClientTest, AStreamedBodyIsNotRetriedOnADeadPooledConnection) {
  std::atomic<int> conn_no{0};
  TestServer server([&](ServerConn& c) {
    int n = ++conn_no;
    TestRequest req;
    if (c.ReadRequest(&req)) c.SendAll(Ok("first"));
    if (n == 1) return;
    while (c.ReadRequest(&req)) c.SendAll(Ok("more"));
  });
  auto first = Collect(client().Start(Get(Local(server.port()))));
  std::shared_ptr<Outcome> second;
  bool writes_ok = true;
  first->on_finished = [&] {
    HttpClientRequest r = Get(Local(server.port(), "/2"));
    r.method = "POST";
    r.has_body = true;
    auto ex = client().Start(r);
    StreamBody(ex, 1000, &writes_ok);
    second = Collect(ex);
  };
  ASSERT_TRUE(RunUntil(loop_, [&] { return second && second->finished; }));
  EXPECT_NE(second->error, "");
  EXPECT_EQ(client().stats().retries, 0u);
  EXPECT_EQ(server.accepts(), 1);
}

// ---------------------------------------------------------------------------------------------
// Response framing

TEST_F(HttpClientTest, ChunkedResponseArrivingInPieces) {
  TestServer server([](ServerConn& c) {
    TestRequest req;
    if (!c.ReadRequest(&req)) return;
    c.SendAll("HTTP/1.1 200 OK\r\nTransfer-");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    c.SendAll("Encoding: chunked\r\n\r\n5\r\nhel");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    c.SendAll("lo\r\n1");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    c.SendAll("0\r\n, chunked world!\r\n0\r\n\r\n");
    c.WaitForClose();
  });
  auto out = Fetch(Get(Local(server.port())));
  EXPECT_EQ(out->error, "");
  EXPECT_EQ(out->body, "hello, chunked world!");
  EXPECT_GE(out->chunks, 2);
  EXPECT_EQ(client().idle_connections(), 1u);
}

TEST_F(HttpClientTest, CloseDelimitedResponseEndsAtEofAndIsNotPooled) {
  TestServer server([](ServerConn& c) {
    TestRequest req;
    if (!c.ReadRequest(&req)) return;
    c.SendAll("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil ");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    c.SendAll("the end");
  });
  auto out = Fetch(Get(Local(server.port())));
  EXPECT_EQ(out->error, "");
  EXPECT_EQ(out->body, "until the end");
  EXPECT_EQ(client().idle_connections(), 0u);
}

TEST_F(HttpClientTest, InformationalResponsesAreSkipped) {
  TestServer server(Serve([](const TestRequest&) {
    return "HTTP/1.1 100 Continue\r\n\r\n"
           "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n" +
           Ok("final", "X-Final: 1\r\n");
  }));
  auto out = Fetch(Get(Local(server.port())));
  EXPECT_EQ(out->error, "");
  EXPECT_EQ(out->head.status, 200);
  EXPECT_EQ(out->Header("link"), "");
  EXPECT_EQ(out->Header("x-final"), "1");
  EXPECT_EQ(out->body, "final");
  EXPECT_EQ(client().idle_connections(), 1u);
}

TEST_F(HttpClientTest, Ipv6LiteralHost) {
  std::mutex mu;
  std::string host;
  TestServer server(Serve([&](const TestRequest& r) {
    std::lock_guard<std::mutex> lock(mu);
    host = r.Header("host");
    return Ok("v6");
  }), nullptr, /*ipv6=*/true);
  auto out = Fetch(Get("http://[::1]:" + std::to_string(server.port()) + "/"));
  EXPECT_EQ(out->error, "");
  EXPECT_EQ(out->body, "v6");
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(host, "[::1]:" + std::to_string(server.port()));
}

// ---------------------------------------------------------------------------------------------
// Errors

TEST_F(HttpClientTest, RefusedPort) {
  int port = UnusedPort();
  auto out = Fetch(Get(Local(port)));
  EXPECT_FALSE(out->head_ok);
  EXPECT_EQ(out->error, "connection refused: 127.0.0.1:" + std::to_string(port));
}

TEST_F(HttpClientTest, UnknownHost) {
  auto out = Fetch(Get("http://nohost.invalid/"));
  EXPECT_FALSE(out->head_ok);
  EXPECT_EQ(out->error.rfind("DNS lookup failed for nohost.invalid: ", 0), 0u) << out->error;
}

TEST_F(HttpClientTest, ServerResetMidResponse) {
  TestServer server([](ServerConn& c) {
    TestRequest req;
    if (!c.ReadRequest(&req)) return;
    c.SendAll("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n" + std::string(50000, 'x'));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    c.Reset();
  });
  auto out = Fetch(Get(Local(server.port())));
  EXPECT_TRUE(out->head_ok);
  EXPECT_EQ(out->error, "connection reset by 127.0.0.1:" + std::to_string(server.port()));
  EXPECT_LT(out->body.size(), 1000000u);
}

TEST_F(HttpClientTest, ServerClosingEarlyIsReported) {
  TestServer server([](ServerConn& c) {
    TestRequest req;
    if (!c.ReadRequest(&req)) return;
    if (req.target == "/truncated") c.SendAll("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort");
    if (req.target == "/garbage") c.SendAll("SMTP ready\r\n\r\n");
  });
  std::string where = "127.0.0.1:" + std::to_string(server.port());
  EXPECT_EQ(Fetch(Get(Local(server.port(), "/nothing")))->error,
            "connection closed by " + where + " before a response was received");
  auto truncated = Fetch(Get(Local(server.port(), "/truncated")));
  EXPECT_EQ(truncated->body, "short");
  EXPECT_EQ(truncated->error,
            "connection closed by " + where + " before the end of the response body");
  EXPECT_EQ(Fetch(Get(Local(server.port(), "/garbage")))->error.rfind(
                "invalid HTTP response from " + where + ": ", 0),
            0u);
}

TEST_F(HttpClientTest, TimeoutWaitingForTheHead) {
  std::atomic<bool> client_closed{false};
  TestServer server([&](ServerConn& c) {
    TestRequest req;
    if (c.ReadRequest(&req)) client_closed = c.WaitForClose();
  });
  HttpClientRequest r = Get(Local(server.port()));
  r.timeout_ms = 200;
  auto start = std::chrono::steady_clock::now();
  auto out = Fetch(r);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(out->error, "timed out after 200 ms waiting for 127.0.0.1");
  EXPECT_GE(took, std::chrono::milliseconds(190));
  server.Stop();
  EXPECT_TRUE(client_closed);
}

TEST_F(HttpClientTest, AbortBeforeTheHeadClosesTheConnection) {
  std::atomic<bool> client_closed{false};
  TestServer server([&](ServerConn& c) {
    TestRequest req;
    if (c.ReadRequest(&req)) client_closed = c.WaitForClose();
  });
  auto ex = client().Start(Get(Local(server.port())));
  auto out = Collect(ex);
  RunUntil(loop_, [&] { return server.accepts() == 1; });
  RunFor(loop_, 50);
  EXPECT_FALSE(out->finished);
  ex->Abort();
  EXPECT_TRUE(out->finished);  // the outstanding callback hears it at once
  EXPECT_EQ(out->error, "the request to 127.0.0.1 was aborted");
  RunFor(loop_, 20);
  server.Stop();
  EXPECT_TRUE(client_closed);
  EXPECT_EQ(client().idle_connections(), 0u);
}

TEST_F(HttpClientTest, AbortMidBody) {
  TestServer server([](ServerConn& c) {
    TestRequest req;
    if (!c.ReadRequest(&req)) return;
    c.SendAll("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\npartial");
    c.WaitForClose();
  });
  auto ex = client().Start(Get(Local(server.port())));
  auto out = Collect(ex);
  ASSERT_TRUE(RunUntil(loop_, [&] { return out->body == "partial"; }));
  ex->Abort();
  EXPECT_TRUE(out->finished);
  EXPECT_EQ(out->error, "the request to 127.0.0.1 was aborted");
  std::string late;
  ex->ReadBody([&](std::string_view, bool, std::string_view error) { late = error; });
  EXPECT_EQ(late, "the request to 127.0.0.1 was aborted");
}

TEST_F(HttpClientTest, DroppingAnExchangeWithNothingOutstandingCancelsIt) {
  std::atomic<bool> client_closed{false};
  TestServer server([&](ServerConn& c) {
    TestRequest req;
    if (c.ReadRequest(&req)) client_closed = c.WaitForClose();
  });
  auto ex = client().Start(Get(Local(server.port())));
  RunUntil(loop_, [&] { return server.accepts() == 1; });
  RunFor(loop_, 30);
  ex.reset();
  RunFor(loop_, 20);
  server.Stop();
  EXPECT_TRUE(client_closed);
}

// ---------------------------------------------------------------------------------------------
// TLS

TEST_F(HttpClientTest, HttpsGetWithATrustedTestCa) {
  TestServer server([](ServerConn& c) {
    TestRequest req;
    while (c.ReadRequest(&req)) c.SendAll(Ok("alpn=" + c.alpn() + " host=" + req.Header("host")));
  }, TestPki::Get().localhost_ctx());
  HttpClientOptions options;
  options.extra_ca_pem = TestPki::Get().ca_pem();
  client(options);
  std::string url = "https://localhost:" + std::to_string(server.port()) + "/secure";
  auto out = Fetch(Get(url));
  EXPECT_EQ(out->error, "");
  EXPECT_EQ(out->head.status, 200);
  EXPECT_EQ(out->body, "alpn=http/1.1 host=localhost:" + std::to_string(server.port()));
  EXPECT_EQ(Fetch(Get(url))->error, "");
  EXPECT_EQ(server.accepts(), 1);
  // An IP literal is verified against the certificate's IP addresses.
  EXPECT_EQ(Fetch(Get("https://127.0.0.1:" + std::to_string(server.port()) + "/"))->error, "");
}

TEST_F(HttpClientTest, HttpsWithoutTheTestCaFailsVerification) {
  TestServer server(Serve([](const TestRequest&) { return Ok("no"); }),
                    TestPki::Get().localhost_ctx());
  auto out = Fetch(Get("https://localhost:" + std::to_string(server.port()) + "/"));
  EXPECT_FALSE(out->head_ok);
  EXPECT_EQ(out->error,
            "TLS handshake with localhost failed: certificate verify failed (unable to get "
            "local issuer certificate)");
}

TEST_F(HttpClientTest, HttpsWithACertificateForAnotherHostFailsVerification) {
  TestServer server(Serve([](const TestRequest&) { return Ok("no"); }),
                    TestPki::Get().other_ctx());
  HttpClientOptions options;
  options.extra_ca_pem = TestPki::Get().ca_pem();
  client(options);
  auto out = Fetch(Get("https://localhost:" + std::to_string(server.port()) + "/"));
  EXPECT_FALSE(out->head_ok);
  EXPECT_EQ(out->error,
            "TLS handshake with localhost failed: certificate verify failed (hostname mismatch)");
}

// ---------------------------------------------------------------------------------------------
// Backpressure

TEST_F(HttpClientTest, AnUnreadBodyStopsTheSocketAndResumesByteExact) {
  constexpr uint64_t kSize = 32ull * 1024 * 1024;
  constexpr size_t kPiece = 256 * 1024;
  std::atomic<uint64_t> sent{0};
  TestServer server([&](ServerConn& c) {
    TestRequest req;
    if (!c.ReadRequest(&req)) return;
    if (!c.SendAll("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(kSize) + "\r\n\r\n")) {
      return;
    }
    for (uint64_t off = 0; off < kSize; off += kPiece) {
      if (!c.SendAll(Pattern(off, kPiece))) return;
      sent += kPiece;
    }
  });
  auto ex = client().Start(Get(Local(server.port())));
  auto out = Collect(ex, /*read_body=*/false);
  ASSERT_TRUE(RunUntil(loop_, [&] { return out->head_ok; }));
  // Nobody reads: the client must stop pulling from the socket, so the server stalls once
  // the kernel's buffers are full.
  ASSERT_TRUE(testing::net::RunUntilStalled(loop_, sent)) << "the server kept sending";
  EXPECT_LT(sent.load(), kSize / 2);
  EXPECT_LE(ex->buffered_body_bytes(), 256u * 1024 + 128 * 1024);
  EXPECT_GE(ex->buffered_body_bytes(), 200u * 1024);

  // Reading again drains everything, in order.
  uint64_t got = 0;
  bool intact = true;
  bool done = false;
  std::string error;
  std::function<void()> pull = [&] {
    ex->ReadBody([&](std::string_view chunk, bool d, std::string_view e) {
      if (!e.empty() || d) {
        error = std::string(e);
        done = true;
        return;
      }
      if (intact && chunk != Pattern(got, chunk.size())) intact = false;
      got += chunk.size();
      pull();
    });
  };
  pull();
  ASSERT_TRUE(RunUntil(loop_, [&] { return done; }, 10000));
  EXPECT_EQ(error, "");
  EXPECT_EQ(got, kSize);
  EXPECT_TRUE(intact);
}

}  // namespace
}  // namespace dw
