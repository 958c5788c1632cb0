// io::HttpServer against a real loopback client: a small blocking socket client runs on a
// std::thread while the test thread runs the server's event loop.
#include "io/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace dw::io {
namespace {

using Clock = std::chrono::steady_clock;

int64_t MsSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

// Deterministic bytes for bodies that must arrive byte-exact.
std::string Pattern(size_t n, uint64_t seed) {
  std::string s(n, '\0');
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    s[i] = static_cast<char>(x);
  }
  return s;
}

uint64_t Fnv(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s)
    h = (h ^ c) * 1099511628211ull;
  return h;
}

struct Response {
  bool ok = false;
  std::string error;
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string Header(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return "";
  }
  bool HasHeader(std::string_view name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return true;
    }
    return false;
  }
};

// Blocking HTTP/1.1 client over one socket; every read gives up after 5 s.
class Client {
 public:
  explicit Client(int port, int rcvbuf = 0) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (rcvbuf > 0) setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    timeval tv{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connect_errno_ =
        connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 ? 0 : errno;
  }
  ~Client() { Close(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connect_errno_ == 0; }
  int connect_errno() const { return connect_errno_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads one response. `head` = it answers a HEAD request (no body).
  Response Read(bool head = false) {
    Response r;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) {
        r.error = "eof or timeout before the head ended; got: " + buf_;
        return r;
      }
    }
    std::string head_text = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    size_t line_end = head_text.find("\r\n");
    std::string status_line = head_text.substr(0, line_end);
    if (!absl::StartsWith(status_line, "HTTP/1.1 ") || status_line.size() < 12 ||
        !absl::SimpleAtoi(status_line.substr(9, 3), &r.status)) {
      r.error = "bad status line: " + status_line;
      return r;
    }
    size_t pos = line_end == std::string::npos ? head_text.size() : line_end + 2;
    while (pos < head_text.size()) {
      size_t e = head_text.find("\r\n", pos);
      if (e == std::string::npos) e = head_text.size();
      std::string line = head_text.substr(pos, e - pos);
      size_t colon = line.find(':');
      r.headers.emplace_back(absl::AsciiStrToLower(line.substr(0, colon)),
                             std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
      pos = e + 2;
    }
    if (head || r.status < 200 || r.status == 204 || r.status == 304) {
      r.ok = true;
      return r;
    }
    if (absl::EqualsIgnoreCase(r.Header("transfer-encoding"), "chunked")) {
      for (;;) {
        std::string line;
        if (!ReadLine(&line)) {
          r.error = "eof in chunk size";
          return r;
        }
        size_t size = std::stoul(line.substr(0, line.find(';')), nullptr, 16);
        if (size == 0) {
          std::string trailer;
          do {
            if (!ReadLine(&trailer)) {
              r.error = "eof in trailers";
              return r;
            }
          } while (!trailer.empty());
          break;
        }
        if (!ReadN(size + 2, &line)) {
          r.error = "eof in chunk";
          return r;
        }
        r.body.append(line, 0, size);
      }
    } else if (r.HasHeader("content-length")) {
      size_t n = std::stoul(r.Header("content-length"));
      if (!ReadN(n, &r.body)) {
        r.error = "eof in body";
        return r;
      }
    } else {
      while (Fill()) {
      }
      r.body = std::move(buf_);
      buf_.clear();
    }
    r.ok = true;
    return r;
  }

  // True once the server closed the connection (EOF or reset), false on timeout or if
  // bytes arrive instead.
  bool WaitEof(int timeout_ms = 3000) {
    if (!buf_.empty()) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return false;
    char c;
    ssize_t n = recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  std::string& buffered() { return buf_; }
  bool Fill() {
    char tmp[65536];
    ssize_t n = recv(fd_, tmp, sizeof(tmp), 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

 private:
  bool ReadLine(std::string* line) {
    size_t e;
    while ((e = buf_.find("\r\n")) == std::string::npos) {
      if (!Fill()) return false;
    }
    *line = buf_.substr(0, e);
    buf_.erase(0, e + 2);
    return true;
  }
  bool ReadN(size_t n, std::string* out) {
    while (buf_.size() < n) {
      if (!Fill()) return false;
    }
    *out = buf_.substr(0, n);
    buf_.erase(0, n);
    return true;
  }

  int fd_ = -1;
  int connect_errno_ = 0;
  std::string buf_;
};

std::string Get(std::string_view target, std::string_view extra = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra) + "\r\n";
}

// Pulls a whole request body on the loop thread, one ReadBody at a time.
struct BodyReader : std::enable_shared_from_this<BodyReader> {
  std::shared_ptr<HttpExchange> ex;
  std::string body;
  int chunks = 0;
  std::atomic<uint64_t>* progress = nullptr;
  std::function<void(BodyReader&, std::string_view error)> done;

  void Pull() {
    auto self = shared_from_this();
    ex->ReadBody([self](std::string_view chunk, bool end, std::string_view error) {
      if (!error.empty() || end) {
        self->done(*self, error);
        return;
      }
      self->body.append(chunk);
      self->chunks++;
      if (self->progress) self->progress->store(self->body.size());
      self->Pull();
    });
  }
};

void ReadAll(std::shared_ptr<HttpExchange> ex,
             std::function<void(BodyReader&, std::string_view error)> done,
             std::atomic<uint64_t>* progress = nullptr) {
  auto reader = std::make_shared<BodyReader>();
  reader->ex = std::move(ex);
  reader->done = std::move(done);
  reader->progress = progress;
  reader->Pull();
}

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() {
    options_.ip = "127.0.0.1";
    options_.port = 0;
  }
  ~HttpServerTest() override {
    server_.reset();
    timers_.clear();
    loop_.Run();  // lets the closed handles call back
  }

  void Start() {
    server_ =
        std::make_unique<HttpServer>(loop_, options_, [this](std::shared_ptr<HttpExchange> ex) {
          requests_++;
          handler_(std::move(ex));
        });
    absl::Status s = server_->Listen();
    ASSERT_TRUE(s.ok()) << s;
    port_ = server_->port();
    ASSERT_GT(port_, 0);
  }

  // Runs `client` on a thread and the loop here until it returns and `until` holds.
  void Run(std::function<void()> client, std::function<bool()> until = nullptr) {
    std::atomic<bool> finished{false};
    std::thread t([&] {
      client();
      finished = true;
    });
    Timer tick(loop_, [] {});
    tick.Start(10, 10);
    auto start = Clock::now();
    while (!finished || (until && !until())) {
      loop_.RunOnce();
      if (MsSince(start) > 9000) {
        ADD_FAILURE() << "test timed out";
        break;
      }
    }
    t.join();
  }

  // A one-shot timer on the loop, owned by the test.
  void After(uint64_t ms, std::function<void()> fn) {
    timers_.push_back(std::make_unique<Timer>(loop_, std::move(fn)));
    timers_.back()->Start(ms);
  }

  EventLoop loop_;
  HttpServerOptions options_;
  std::function<void(std::shared_ptr<HttpExchange>)> handler_;
  std::unique_ptr<HttpServer> server_;
  std::vector<std::unique_ptr<Timer>> timers_;
  int port_ = 0;
  std::atomic<int> requests_{0};
};

// ---------------------------------------------------------------------------------------------

TEST_F(HttpServerTest, SimpleGet) {
  HeaderList seen;
  handler_ = [&](std::shared_ptr<HttpExchange> ex) {
    seen = ex->headers();
    EXPECT_FALSE(ex->has_body());
    ex->Respond(200, {{"Content-Type", "text/plain"}, {"X-Method", ex->method()}},
                "hello " + ex->target() + " from " + ex->host());
  };
  Start();
  Run([&] {
    Client c(port_);
    ASSERT_TRUE(c.Send("GET /path?q=1 HTTP/1.1\r\nHost: example.com\r\nX-Foo:  bar \t\r\n\r\n"));
    Response r = c.Read();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "hello /path?q=1 from example.com");
    EXPECT_EQ(r.Header("content-length"), "32");
    EXPECT_EQ(r.Header("content-type"), "text/plain");
    EXPECT_EQ(r.Header("x-method"), "GET");
    EXPECT_FALSE(r.HasHeader("connection"));
    EXPECT_FALSE(r.HasHeader("transfer-encoding"));
  });
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], (std::pair<std::string, std::string>("Host", "example.com")));
  EXPECT_EQ(seen[1], (std::pair<std::string, std::string>("X-Foo", "bar")));
}

TEST_F(HttpServerTest, KeepAliveHundredRequestsOnOneConnection) {
  size_t max_connections = 0;
  handler_ = [&](std::shared_ptr<HttpExchange> ex) {
    max_connections = std::max(max_connections, server_->active_connections());
    ex->Respond(200, {}, ex->target().substr(1));
  };
  Start();
  Run([&] {
    Client c(port_);
    for (int i = 0; i < 100; i++) {
      ASSERT_TRUE(c.Send(Get("/" + std::to_string(i))));
      Response r = c.Read();
      ASSERT_TRUE(r.ok) << i << ": " << r.error;
      ASSERT_EQ(r.body, std::to_string(i));
    }
  });
  EXPECT_EQ(requests_, 100);
  EXPECT_EQ(max_connections, 1u);
}

TEST_F(HttpServerTest, PipelinedRequestsAnsweredInOrderOneAtATime) {
  int in_flight = 0, max_in_flight = 0;
  bool inside_respond = false;
  std::vector<std::string> order;
  handler_ = [&](std::shared_ptr<HttpExchange> ex) {
    // The next request is not dispatched from inside the previous one's Respond.
    EXPECT_FALSE(inside_respond);
    order.push_back(ex->target());
    max_in_flight = std::max(max_in_flight, ++in_flight);
    auto answer = [&, ex] {
      in_flight--;
      inside_respond = true;
      ex->Respond(200, {}, "body of " + ex->target());
      inside_respond = false;
    };
    if (ex->target() == "/slow") {
      After(50, answer);  // later requests must wait for this one
    } else {
      answer();
    }
  };
  Start();
  Run([&] {
    Client c(port_);
    ASSERT_TRUE(c.Send(Get("/slow") +
                       "POST /post HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nhello" +
                       Get("/last")));
    for (const char* want : {"body of /slow", "body of /post", "body of /last"}) {
      Response r = c.Read();
      ASSERT_TRUE(r.ok) << r.error;
      EXPECT_EQ(r.body, want);
    }
  });
  EXPECT_EQ(order, (std::vector<std::string>{"/slow", "/post", "/last"}));
  EXPECT_EQ(max_in_flight, 1);
}

class BodyTest : public HttpServerTest {
 protected:
  // Echoes size and hash of the body; `received_` follows the consumer's progress.
  void StartEcho() {
    handler_ = [this](std::shared_ptr<HttpExchange> ex) {
      EXPECT_TRUE(ex->has_body());
      ReadAll(
          ex,
          [this, ex](BodyReader& r, std::string_view error) {
            EXPECT_EQ(error, "");
            chunks_ = r.chunks;
            ex->Respond(200, {}, absl::StrCat(r.body.size(), " ", Fnv(r.body)));
          },
          &received_);
    };
    Start();
  }
  std::atomic<uint64_t> received_{0};
  int chunks_ = 0;
};

// The client sends half, waits until the consumer has read a good part of it, then sends
// the rest: the body is streamed, not buffered whole.
TEST_F(BodyTest, ContentLengthBodyStreamedByteExact) {
  StartEcho();
  const std::string body = Pattern(4 << 20, 1);
  bool streamed = false;
  Run([&] {
    Client c(port_);
    ASSERT_TRUE(c.Send(absl::StrCat(
        "POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: ", body.size(), "\r\n\r\n")));
    ASSERT_TRUE(c.Send(std::string_view(body).substr(0, body.size() / 2)));
    auto start = Clock::now();
    while (received_ < (1u << 20) && MsSince(start) < 3000)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    streamed = received_ >= (1u << 20) && received_ < body.size();
    ASSERT_TRUE(c.Send(std::string_view(body).substr(body.size() / 2)));
    Response r = c.Read();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, absl::StrCat(body.size(), " ", Fnv(body)));
  });
  EXPECT_TRUE(streamed);
  EXPECT_GT(chunks_, 2);
}

TEST_F(BodyTest, ChunkedBodyStreamedByteExact) {
  StartEcho();
  const std::string body = Pattern(3 << 20, 2);
  bool streamed = false;
  Run([&] {
    Client c(port_);
    ASSERT_TRUE(
        c.Send("POST /upload HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"));
    size_t pos = 0, i = 0;
    auto send_chunks = [&](size_t until) {
      while (pos < until) {
        size_t n = std::min<size_t>(until - pos, 1 + (i++ * 7919) % 100000);
        std::string frame = absl::StrCat(absl::Hex(n), i % 3 == 0 ? ";ext=1" : "", "\r\n");
        frame.append(body, pos, n);
        frame += "\r\n";
        if (!c.Send(frame)) return false;
        pos += n;
      }
      return true;
    };
    ASSERT_TRUE(send_chunks(body.size() / 2));
    auto start = Clock::now();
    while (received_ < (1u << 20) && MsSince(start) < 3000)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    streamed = received_ >= (1u << 20) && received_ < body.size();
    ASSERT_TRUE(send_chunks(body.size()));
    ASSERT_TRUE(c.Send("0\r\nX-Trailer: yes\r\n\r\n"));
    Response r = c.Read();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.body, absl::StrCat(body.size(), " ", Fnv(body)));
    // The connection is still usable after trailers.
    ASSERT_TRUE(c.Send("POST /2 HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n\r\nabc"));
    r = c.Read();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.body, absl::StrCat(3, " ", Fnv("abc")));
  });
  EXPECT_TRUE(streamed);
}

TEST_F(HttpServerTest, DeclaredBodyOverLimitGets413WithoutReachingTheConsumer) {
  options_.max_body_bytes = 1000;
  handler_ = [&](std::shared_ptr<HttpExchange> ex) { ex->Respond(200, {}, "ok"); };
  Start();
  Run([&] {
    Client c(port_);
    ASSERT_TRUE(c.Send("POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 1001\r\n\r\n" +
                       std::string(1001, 'x')));
    Response r = c.Read();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.status, 413);
    EXPECT_EQ(r.Header("connection"), "close");
    EXPECT_TRUE(c.WaitEof());
    // At the limit is fine.
    Client ok(port_);
    ASSERT_TRUE(ok.Send("POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 1000\r\n\r\n" +
                        std::string(1000, 'x')));
    EXPECT_EQ(ok.Read().status, 200);
  });
  EXPECT_EQ(requests_, 1);
}

TEST_F(HttpServerTest, StreamedBodyOverLimitGets413AndTheReaderAnError) {
  options_.max_body_bytes = 1000;
  std::string error;
  bool aborted = false;
  handler_ = [&](std::shared_ptr<HttpExchange> ex) {
    ex->OnAbort([&] { aborted = true; });
    ReadAll(ex, [&](BodyReader&, std::string_view e) { error = e; });
  };
  Start();
  Run(
      [&] {
        Client c(port_);
        ASSERT_TRUE(
            c.Send("POST / HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "200\r\n" +
                   std::string(0x200, 'a') + "\r\n"));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        c.Send("300\r\n" + std::string(0x300, 'b') + "\r\n");
        Response r = c.Read();
        ASSERT_TRUE(r.ok) << r.error;
        EXPECT_EQ(r.status, 413);
        EXPECT_TRUE(c.WaitEof());
      },
      [&] { return !error.empty(); });
  EXPECT_EQ(error, "request body too large");
  EXPECT_TRUE(aborted);
}

TEST_F(HttpServerTest, HeadersOverLimitGet431) {
  options_.max_header_bytes = 1024;
  handler_ = [&](std::shared_ptr<HttpExchange> ex) { ex->Respond(200, {}, "ok"); };
  Start();
  Run([&] {
    Client big(port_);
    ASSERT_TRUE(big.Send(Get("/", "X-Big: " + std::string(2000, 'a') + "\r\n")));
    Response r = big.Read();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.status, 431);
    EXPECT_TRUE(big.WaitEof());
    Client url(port_);
    ASSERT_TRUE(url.Send(Get("/" + std::string(2000, 'u'))));
    EXPECT_EQ(url.Read().status, 431);
    Client fine(port_);
    ASSERT_TRUE(fine.Send(Get("/", "X-Big: " + std::string(800, 'a') + "\r\n")));
    EXPECT_EQ(fine.Read().status, 200);
  });
  EXPECT_EQ(requests_, 1);
}

TEST_F(HttpServerTest, MalformedRequestGets400AndOtherConnectionsGoOn) {
  handler_ = [&](std::shared_ptr<HttpExchange> ex) {
    ex->Respond(200, {}, "fine " + ex->target());
  };
  Start();
  Run([&] {
    Client other(port_);
    ASSERT_TRUE(other.Send("GET /other HTTP/1.1\r\nHost: test\r\n"));  // head not finished yet
    for (const char* bad :
         {"GARBAGE\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n",
          "GET / HTTP/1.1\r\n\r\n" /* no Host */,
          "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
          "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
          "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
      Client c(port_);
      ASSERT_TRUE(c.Send(bad));
      Response r = c.Read();
      ASSERT_TRUE(r.ok) << bad << ": " << r.error;
      EXPECT_EQ(r.status, 400) << bad;
      EXPECT_EQ(r.Header("connection"), "close");
      EXPECT_TRUE(c.WaitEof()) << bad;
    }
    Client v2(port_);
    ASSERT_TRUE(v2.Send("GET / HTTP/2.0\r\nHost: a\r\n\r\n"));
    Response r = v2.Read();
    EXPECT_TRUE(r.status == 400 || r.status == 505) << r.status;
    ASSERT_TRUE(other.Send("\r\n"));
    r = other.Read();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.body, "fine /other");
  });
}

TEST_F(HttpServerTest, SlowHeadGets408AndClose) {
  options_.header_timeout_ms = 200;
  handler_ = [&](std::shared_ptr<HttpExchange> ex) { ex->Respond(200, {}, "ok"); };
  Start();
  Run([&] {
    Client c(port_);
    auto start = Clock::now();
    ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\nHost: te"));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_TRUE(c.Send("st\r\n"));  // still trickling: does not reset the head deadline
    Response r = c.Read();
    int64_t elapsed = MsSince(start);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.status, 408);
    EXPECT_EQ(r.Header("connection"), "close");
    EXPECT_TRUE(c.WaitEof());
    EXPECT_GE(elapsed, 180);
    EXPECT_LT(elapsed, 1500);
  });
  EXPECT_EQ(requests_, 0);
}

TEST_F(HttpServerTest, StalledBodyTimesOut) {
  options_.body_timeout_ms = 200;
  std::string error;
  handler_ = [&](std::shared_ptr<HttpExchange> ex) {
    ReadAll(ex, [&](BodyReader&, std::string_view e) { error = e; });
  };
  Start();
  Run(
      [&] {
        Client c(port_);
        ASSERT_TRUE(
            c.Send("POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 100\r\n\r\n0123456789"));
        Response r = c.Read();
        ASSERT_TRUE(r.ok) << r.error;
        EXPECT_EQ(r.status, 408);
        EXPECT_TRUE(c.WaitEof());
      },
      [&] { return !error.empty(); });
  EXPECT_EQ(error, "request body timed out");
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionIsClosed) {
  options_.idle_timeout_ms = 200;
  handler_ = [&](std::shared_ptr<HttpExchange> ex) { ex->Respond(200, {}, "ok"); };
  Start();
  Run([&] {
    Client c(port_);
    ASSERT_TRUE(c.Send(Get("/")));
    ASSERT_EQ(c.Read().status, 200);
    auto start = Clock::now();
    EXPECT_TRUE(c.WaitEof());
    int64_t elapsed = MsSince(start);
    EXPECT_GE(elapsed, 150);
    EXPECT_LT(elapsed, 1500);
  });
}

TEST_F(HttpServerTest, BusyKeepAliveConnectionIsNotIdle) {
  options_.idle_timeout_ms = 150;
  handler_ = [&](std::shared_ptr<HttpExchange> ex) { ex->Respond(200, {}, "ok"); };
  Start();
  Run([&] {
    Client c(port_);
    for (int i = 0; i < 6; i++) {  // 6 x 100 ms: longer than the idle timeout in total
      ASSERT_TRUE(c.Send(Get("/")));
      ASSERT_EQ(c.Read().status, 200) << i;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  EXPECT_EQ(requests_, 6);
}

TEST_F(HttpServerTest, HeadResponsesHaveNoBody) {
  handler_ = [&](std::shared_ptr<HttpExchange> ex) {
    if (ex->target() == "/stream") {
      ex->Respond(200, {}, std::nullopt);
      ex->Write("streamed", [](bool ok) { EXPECT_TRUE(ok); });
      ex->End();
    } else if (ex->target() == "/empty") {
      ex->Respond(204, {}, "ignored");
    } else {
      ex->Respond(200, {{"Content-Type", "text/plain"}}, "hello world");
    }
  };
  Start();
  Run([&] {
    Client c(port_);
    ASSERT_TRUE(c.Send("HEAD /x HTTP/1.1\r\nHost: test\r\n\r\n"));
    Response r = c.Read(/*head=*/true);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.Header("content-length"), "11");
    ASSERT_TRUE(c.Send("HEAD /stream HTTP/1.1\r\nHost: test\r\n\r\n"));
    r = c.Read(/*head=*/true);
    EXPECT_FALSE(r.HasHeader("transfer-encoding"));
    ASSERT_TRUE(c.Send(Get("/empty")));
    r = c.Read();
    EXPECT_EQ(r.status, 204);
    EXPECT_FALSE(r.HasHeader("content-length"));
    // Any stray body bytes would show up in front of this response.
    ASSERT_TRUE(c.Send(Get("/x")));
    r = c.Read();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.body, "hello world");
    EXPECT_TRUE(c.buffered().empty());
  });
}

// 16 MiB in 64 KiB chunks, each written from the previous one's callback, to a client with a
// small receive buffer that waits before reading: the producer must be held back.
TEST_F(HttpServerTest, StreamedChunkedResponseWithBackpressure) {
  constexpr size_t kChunk = 64 * 1024, kTotal = 16 << 20;
  const std::string data = Pattern(kTotal, 3);
  std::atomic<size_t> acked{0};
  int in_flight = 0, max_in_flight = 0;
  bool ended = false;
  handler_ = [&](std::shared_ptr<HttpExchange> ex) {
    ex->Respond(200, {{"Content-Type", "application/octet-stream"}}, std::nullopt);
    auto pump = std::make_shared<std::function<void(size_t)>>();
    *pump = [&, ex, pump](size_t offset) {
      if (offset >= kTotal) {
        ex->End();
        ended = true;
        *pump = nullptr;  // breaks the self-reference
        return;
      }
      max_in_flight = std::max(max_in_flight, ++in_flight);
      ex->Write(data.substr(offset, kChunk), [&, pump, offset](bool ok) {
        in_flight--;
        EXPECT_TRUE(ok);
        acked = offset + kChunk;
        if (ok) (*pump)(offset + kChunk);
      });
    };
    (*pump)(0);
  };
  Start();
  size_t acked_while_stalled = 0;
  Run(
      [&] {
        Client c(port_, /*rcvbuf=*/64 * 1024);
        ASSERT_TRUE(c.Send(Get("/big")));
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        acked_while_stalled = acked;
        Response r = c.Read();
        ASSERT_TRUE(r.ok) << r.error;
        EXPECT_EQ(r.Header("transfer-encoding"), "chunked");
        EXPECT_EQ(r.body.size(), kTotal);
        EXPECT_TRUE(r.body == data);
      },
      [&] { return ended; });
  EXPECT_GT(acked_while_stalled, 0u);
  EXPECT_LT(acked_while_stalled, kTotal / 2);
  EXPECT_EQ(max_in_flight, 1);
}

TEST_F(HttpServerTest, ClientDisconnectMidResponseAbortsTheExchange) {
  bool aborted = false;
  bool later_write_ok = true;
  bool write_failed = false;
  std::shared_ptr<HttpExchange> kept;
  handler_ = [&](std::shared_ptr<HttpExchange> ex) {
    kept = ex;
    ex->OnAbort([&, ex] {
      aborted = true;
      EXPECT_TRUE(ex->aborted());
      ex->Write("more", [&](bool ok) { later_write_ok = ok; });
      ex->End();
    });
    ex->Respond(200, {}, std::nullopt);
    auto pump = std::make_shared<std::function<void()>>();
    *pump = [&, ex, pump] {
      ex->Write(std::string(64 * 1024, 'z'), [&, pump](bool ok) {
        if (ok) {
          (*pump)();
        } else {
          write_failed = true;
          *pump = nullptr;
        }
      });
    };
    (*pump)();
  };
  Start();
  Run(
      [&] {
        Client c(port_);
        ASSERT_TRUE(c.Send(Get("/endless")));
        size_t got = 0;
        while (got < 256 * 1024 && c.Fill())
          got = c.buffered().size();
        c.Close();
      },
      [&] { return aborted && write_failed; });
  EXPECT_TRUE(aborted);
  EXPECT_TRUE(write_failed);
  EXPECT_FALSE(later_write_ok);
  // The exchange outlives its connection; calls on it are harmless.
  loop_.RunOnce();
  EXPECT_EQ(server_->active_connections(), 0u);
  kept->Respond(200, {}, "late");
  bool ok = true;
  kept->Write("x", [&](bool o) { ok = o; });
  EXPECT_FALSE(ok);
  kept->End();
}

TEST_F(HttpServerTest, ExpectContinue) {
  handler_ = [&](std::shared_ptr<HttpExchange> ex) {
    if (ex->target() == "/reject") {
      ex->Respond(403, {}, "no");
      return;
    }
    ReadAll(ex,
            [ex](BodyReader& r, std::string_view error) { ex->Respond(200, {}, "got " + r.body); });
  };
  Start();
  Run([&] {
    Client c(port_);
    ASSERT_TRUE(c.Send(
        "POST /up HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
    Response r = c.Read();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.status, 100);
    ASSERT_TRUE(c.Send("hello"));
    r = c.Read();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "got hello");
    EXPECT_FALSE(r.HasHeader("connection"));
    // Answered without reading: no 100, and the unsent body ends the connection.
    ASSERT_TRUE(
        c.Send("POST /reject HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: "
               "5\r\n\r\n"));
    r = c.Read();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.Header("connection"), "close");
    EXPECT_TRUE(c.WaitEof());
  });
}

TEST_F(HttpServerTest, GracefulShutdownWaitsForTheInFlightExchange) {
  Clock::time_point responded, done_at;
  bool done = false;
  handler_ = [&](std::shared_ptr<HttpExchange> ex) {
    if (ex->target() != "/slow") {
      ex->Respond(200, {}, "quick");
      return;
    }
    server_->Shutdown([&] {
      done = true;
      done_at = Clock::now();
    });
    EXPECT_FALSE(done);
    After(200, [&, ex] {
      responded = Clock::now();
      ex->Respond(200, {}, "slow");
    });
  };
  Start();
  Run(
      [&] {
        Client idle(port_);
        ASSERT_TRUE(idle.Send(Get("/quick")));
        ASSERT_EQ(idle.Read().status, 200);
        Client busy(port_);
        ASSERT_TRUE(busy.Send(Get("/slow")));
        auto start = Clock::now();
        EXPECT_TRUE(idle.WaitEof());  // idle keep-alive connection closed at once
        EXPECT_LT(MsSince(start), 150);
        Response r = busy.Read();
        ASSERT_TRUE(r.ok) << r.error;
        EXPECT_EQ(r.body, "slow");
        EXPECT_EQ(r.Header("connection"), "close");
        EXPECT_TRUE(busy.WaitEof());
        Client late(port_);
        EXPECT_FALSE(late.connected());
        EXPECT_EQ(late.connect_errno(), ECONNREFUSED);
      },
      [&] { return done; });
  ASSERT_TRUE(done);
  EXPECT_GE(done_at, responded);
  EXPECT_EQ(server_->active_connections(), 0u);
}

TEST_F(HttpServerTest, ListenOnAPortInUseSaysSo) {
  handler_ = [](std::shared_ptr<HttpExchange> ex) {};
  Start();
  HttpServerOptions opts = options_;
  opts.port = port_;
  HttpServer second(loop_, opts, [](std::shared_ptr<HttpExchange>) {});
  absl::Status s = second.Listen();
  EXPECT_EQ(s.message(),
            absl::StrCat("cannot listen on 127.0.0.1:", port_, ": address already in use"));
  opts.ip = "not-an-ip";
  HttpServer third(loop_, opts, [](std::shared_ptr<HttpExchange>) {});
  EXPECT_EQ(third.Listen().message(),
            absl::StrCat("cannot listen on not-an-ip:", port_, ": invalid IP address"));
}

// ---------------------------------------------------------------------------------------------
// Connection management details

TEST_F(HttpServerTest, ConnectionCloseAndHttp10) {
  handler_ = [&](std::shared_ptr<HttpExchange> ex) {
    if (ex->target() == "/stream") {
      ex->Respond(200, {}, std::nullopt);
      ex->Write("part1,");
      ex->Write("part2");
      ex->End();
    } else {
      ex->Respond(200, {}, "v1." + std::to_string(ex->http_minor()));
    }
  };
  Start();
  Run([&] {
    {
      Client c(port_);
      ASSERT_TRUE(c.Send(Get("/", "Connection: close\r\n")));
      Response r = c.Read();
      EXPECT_EQ(r.Header("connection"), "close");
      EXPECT_TRUE(c.WaitEof());
    }
    {
      Client c(port_);
      ASSERT_TRUE(c.Send("GET / HTTP/1.0\r\n\r\n"));
      Response r = c.Read();
      EXPECT_EQ(r.body, "v1.0");
      EXPECT_TRUE(c.WaitEof());
    }
    {
      Client c(port_);
      ASSERT_TRUE(c.Send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
      Response r = c.Read();
      EXPECT_EQ(r.Header("connection"), "keep-alive");
      // HTTP/1.0 has no chunked coding: the streamed body ends with the connection.
      ASSERT_TRUE(c.Send("GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
      r = c.Read();
      ASSERT_TRUE(r.ok) << r.error;
      EXPECT_EQ(r.body, "part1,part2");
      EXPECT_EQ(r.Header("connection"), "close");
    }
  });
}

TEST_F(HttpServerTest, DroppedExchangeGets500AndTheConnectionStaysUsable) {
  handler_ = [&](std::shared_ptr<HttpExchange> ex) {
    if (ex->target() == "/ok") ex->Respond(200, {}, "ok");
    if (ex->target() == "/partial") {
      ex->Respond(200, {}, std::nullopt);
      ex->Write("partial");
    }
  };
  Start();
  Run([&] {
    Client c(port_);
    ASSERT_TRUE(c.Send(Get("/dropped")));
    EXPECT_EQ(c.Read().status, 500);
    ASSERT_TRUE(c.Send(Get("/ok")));
    EXPECT_EQ(c.Read().body, "ok");
    // Dropped after the response started: only closing can tell the client.
    ASSERT_TRUE(c.Send(Get("/partial")));
    Response r = c.Read();
    EXPECT_FALSE(r.ok);
    EXPECT_TRUE(absl::StartsWith(r.error, "eof")) << r.error;
  });
}

TEST_F(HttpServerTest, UnreadBodyIsDiscardedAndKeepAliveKept) {
  handler_ = [&](std::shared_ptr<HttpExchange> ex) { ex->Respond(200, {}, "ignored the body"); };
  Start();
  Run([&] {
    Client c(port_);
    // The response goes out before most of the body has been sent.
    ASSERT_TRUE(c.Send("POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 100000\r\n\r\nabc"));
    Response r = c.Read();
    EXPECT_EQ(r.body, "ignored the body");
    EXPECT_FALSE(r.HasHeader("connection"));
    ASSERT_TRUE(c.Send(std::string(100000 - 3, 'x')));
    ASSERT_TRUE(c.Send(Get("/next")));
    EXPECT_EQ(c.Read().body, "ignored the body");
  });
  EXPECT_EQ(requests_, 2);
}

TEST_F(HttpServerTest, StreamedResponseWithContentLengthAndStatusText) {
  handler_ = [&](std::shared_ptr<HttpExchange> ex) {
    ex->Respond(201,
                {{"content-length", "10"}, {"Transfer-Encoding", "gzip"}, {"Bad\r\nName", "x"}},
                std::nullopt, "Made It");
    ex->Write("01234");
    ex->Write("56789");
    bool extra_ok = true;
    ex->Write("overflow", [&](bool ok) { extra_ok = ok; });
    EXPECT_FALSE(extra_ok);
    ex->End();
  };
  Start();
  Run([&] {
    Client c(port_);
    ASSERT_TRUE(c.Send(Get("/")));
    Response r = c.Read();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.body, "0123456789");
    EXPECT_FALSE(r.HasHeader("transfer-encoding"));
    EXPECT_FALSE(r.HasHeader("bad"));
    ASSERT_TRUE(c.Send(Get("/")));
    EXPECT_EQ(c.Read().body, "0123456789");
  });
}

// A response is one write: a client blocked in recv() gets all of it at once, both for a
// complete body and for a streamed one produced outside the server's callbacks (a timer).
TEST_F(HttpServerTest, ResponseGoesOutInOneWrite) {
  handler_ = [&](std::shared_ptr<HttpExchange> ex) {
    After(20, [ex] {
      if (ex->target() == "/whole") {
        ex->Respond(200, {{"Content-Type", "text/plain"}}, std::string(3000, 'w'));
        return;
      }
      ex->Respond(200, {}, std::nullopt);
      ex->Write("first,", nullptr);
      ex->Write("second", nullptr);
      ex->End();
    });
  };
  Start();
  Run([&] {
    Client c(port_);
    ASSERT_TRUE(c.Send(Get("/whole")));
    ASSERT_TRUE(c.Fill());
    EXPECT_TRUE(absl::EndsWith(c.buffered(), std::string(3000, 'w'))) << c.buffered().size();
    Response r = c.Read();
    ASSERT_TRUE(r.ok) << r.error;
    ASSERT_TRUE(c.Send(Get("/streamed")));
    ASSERT_TRUE(c.Fill());
    EXPECT_TRUE(absl::EndsWith(c.buffered(), "0\r\n\r\n")) << c.buffered();
    r = c.Read();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.body, "first,second");
  });
}

// A client that pipelines many requests and reads nothing: the server stops taking requests
// once its unsent output is large, and answers all of them once the client reads.
TEST_F(HttpServerTest, PipelinedFloodIsBoundedByUnsentOutput) {
  constexpr int kRequests = 100;
  constexpr size_t kSize = 100 * 1000;
  handler_ = [&](std::shared_ptr<HttpExchange> ex) {
    ex->Respond(200, {}, std::string(kSize, 'a' + requests_ % 26));
  };
  Start();
  int dispatched_while_stalled = 0;
  Run([&] {
    Client c(port_, /*rcvbuf=*/64 * 1024);
    std::string all;
    for (int i = 0; i < kRequests; i++)
      all += Get("/" + std::to_string(i));
    ASSERT_TRUE(c.Send(all));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    dispatched_while_stalled = requests_;
    for (int i = 0; i < kRequests; i++) {
      Response r = c.Read();
      ASSERT_TRUE(r.ok) << i << ": " << r.error;
      ASSERT_EQ(r.body, std::string(kSize, 'a' + (i + 1) % 26)) << i;
    }
  });
  EXPECT_LT(dispatched_while_stalled, kRequests);
  EXPECT_EQ(requests_, kRequests);
}

TEST_F(HttpServerTest, DestroyingTheServerLeavesExchangesHarmless) {
  std::shared_ptr<HttpExchange> kept;
  bool abort_ran = false;
  handler_ = [&](std::shared_ptr<HttpExchange> ex) {
    kept = ex;
    ex->OnAbort([&] { abort_ran = true; });
  };
  Start();
  // The client stays connected until the server is gone: a blocking connect completes from
  // the listen backlog without the loop running.
  Client c(port_);
  ASSERT_TRUE(c.Send(Get("/")));
  auto start = Clock::now();
  while (!kept && MsSince(start) < 3000)
    loop_.RunOnce();
  ASSERT_TRUE(kept);
  server_.reset();
  EXPECT_TRUE(kept->aborted());
  EXPECT_FALSE(abort_ran);  // destruction runs no consumer callbacks
  kept->Respond(200, {}, std::nullopt);
  bool ok = true;
  kept->Write("x", [&](bool o) { ok = o; });
  EXPECT_FALSE(ok);
  kept->End();
  loop_.Run();
  EXPECT_TRUE(c.WaitEof());
}

}  // namespace
}  // namespace dw::io
