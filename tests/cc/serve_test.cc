// `dynworker serve` end to end: starts the real binary (built next to this test binary) as a
// child process on an ephemeral port (`--port 0`; the port is read from the Ready line), with
// a worker written into a temporary directory, and talks HTTP/1.1 to it over plain blocking
// sockets. Every test kills and reaps its child in TearDown.
#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "net_fixture.h"
#include "worker_fixture.h"

namespace dw {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using testing::net::Pattern;

using testing::ExeDir;

int64_t MsSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

// ---------------------------------------------------------------------------------------------
// The child process

class Child {
 public:
  Child() = default;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() { Kill(); }

  // fork + exec `argv` in `cwd`, stdout and stderr on pipes drained by two threads.
  bool Start(const std::vector<std::string>& args, const fs::path& cwd) {
    int out_pipe[2], err_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0) return false;
    if (pipe2(err_pipe, O_CLOEXEC) != 0) return false;
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const std::string dir = cwd.string();
    pid_ = fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {
      // Only async-signal-safe calls from here on. Die with the test binary; start with the
      // signal state a shell would give (this process ignores SIGPIPE, which exec inherits).
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      signal(SIGPIPE, SIG_DFL);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      dup2(out_pipe[1], 1);
      dup2(err_pipe[1], 2);
      if (chdir(dir.c_str()) != 0) _exit(126);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    out_reader_ = std::thread([this, fd = out_pipe[0]] { Drain(fd, &out_, &out_eof_); });
    err_reader_ = std::thread([this, fd = err_pipe[0]] { Drain(fd, &err_, &err_eof_); });
    return true;
  }

  pid_t pid() const { return pid_; }

  std::string out() {
    std::lock_guard<std::mutex> lock(mu_);
    return out_;
  }
  std::string err() {
    std::lock_guard<std::mutex> lock(mu_);
    return err_;
  }
  std::string all() {
    std::lock_guard<std::mutex> lock(mu_);
    return "--- stdout ---\n" + out_ + "--- stderr ---\n" + err_;
  }

  // Waits until stdout (or stderr, or either) contains `needle`.
  enum Stream { kOut, kErr, kEither };
  bool WaitFor(std::string_view needle, int timeout_ms, Stream which = kEither) {
    std::unique_lock<std::mutex> lock(mu_);
    auto found = [&] {
      bool in_out = which != kErr && out_.find(needle) != std::string::npos;
      bool in_err = which != kOut && err_.find(needle) != std::string::npos;
      return in_out || in_err;
    };
    // Stop early once the child has closed both pipes: it will never come then.
    cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                 [&] { return found() || (out_eof_ && err_eof_); });
    return found();
  }

  // The port of `[dynworker] Ready on http://127.0.0.1:PORT (...)`, or 0.
  int WaitReady(int timeout_ms) {
    const std::string prefix = "[dynworker] Ready on http://127.0.0.1:";
    if (!WaitFor(prefix, timeout_ms, kOut)) return 0;
    std::string o = out();
    return atoi(o.c_str() + o.find(prefix) + prefix.size());
  }

  // The exit code once the child has exited (128 + signal when killed by one), or -1 if it
  // still runs after `timeout_ms`.
  int WaitExit(int timeout_ms) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!reaped_) {
      int status = 0;
      pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        reaped_ = true;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        break;
      }
      if (r < 0 || Clock::now() >= deadline) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    JoinReaders();
    return exit_code_;
  }

  void Signal(int sig) {
    if (pid_ > 0 && !reaped_) kill(pid_, sig);
  }
  // The processes this one started (the supervisor's serving process), from /proc.
  std::vector<pid_t> Children() const {
    std::vector<pid_t> out;
    std::ifstream f("/proc/" + std::to_string(pid_) + "/task/" + std::to_string(pid_) + "/children");
    pid_t p;
    while (f >> p) out.push_back(p);
    return out;
  }

  // SIGKILL (if still running), reap, join the output readers. Idempotent.
  void Kill() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
      reaped_ = true;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    JoinReaders();
  }

  // VmRSS in KiB from /proc/PID/status, or -1.
  long RssKb() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("VmRSS:", 0) == 0) return atol(line.c_str() + 6);
    }
    return -1;
  }

 private:
  void Drain(int fd, std::string* into, bool* eof) {
    char buf[4096];
    for (;;) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      std::lock_guard<std::mutex> lock(mu_);
      if (n <= 0) {
        *eof = true;
        cv_.notify_all();
        break;
      }
      into->append(buf, n);
      cv_.notify_all();
    }
    close(fd);
  }

  void JoinReaders() {
    if (out_reader_.joinable()) out_reader_.join();
    if (err_reader_.joinable()) err_reader_.join();
  }

  pid_t pid_ = -1;
  bool reaped_ = false;
  int exit_code_ = -1;
  std::thread out_reader_, err_reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string out_, err_;
  bool out_eof_ = false, err_eof_ = false;
};

// ---------------------------------------------------------------------------------------------
// A blocking HTTP/1.1 client

struct Response {
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;         // empty when a sink took the body
  uint64_t body_bytes = 0;  // counted either way
  bool chunked = false;

  std::string Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (strcasecmp(k.c_str(), std::string(name).c_str()) == 0) return v;
    }
    return "";
  }
  int HeaderCount(std::string_view name) const {
    int n = 0;
    for (const auto& [k, v] : headers) n += strcasecmp(k.c_str(), std::string(name).c_str()) == 0;
    return n;
  }
};

// Takes the body piece by piece; returning false stops reading (Read then returns false).
using Sink = std::function<bool(std::string_view)>;

class Client {
 public:
  explicit Client(int port, int timeout_s = 20) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{timeout_s, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      connect_errno_ = errno;
      close(fd_);
      fd_ = -1;
    }
  }
  ~Client() { Close(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return fd_ >= 0; }
  int connect_errno() const { return connect_errno_; }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  // Closes with a TCP RST instead of a FIN.
  void Reset() {
    linger l{1, 0};
    if (fd_ >= 0) setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    Close();
  }

  bool Send(std::string_view data) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      off += n;
    }
    return true;
  }

  // One response (1xx interim responses are skipped). The body goes to `sink` when given.
  bool Read(Response* r, const Sink& sink = nullptr) {
    *r = Response{};
    for (;;) {
      std::string line;
      if (!ReadLine(&line)) return false;
      if (line.rfind("HTTP/1.", 0) != 0 || line.size() < 12) return false;
      r->status = atoi(line.c_str() + 9);
      r->reason = line.size() > 13 ? line.substr(13) : "";
      r->headers.clear();
      for (;;) {
        if (!ReadLine(&line)) return false;
        if (line.empty()) break;
        size_t colon = line.find(':');
        if (colon == std::string::npos) return false;
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        r->headers.emplace_back(line.substr(0, colon), value);
      }
      if (r->status >= 200) break;
    }
    auto deliver = [&](std::string_view piece) {
      r->body_bytes += piece.size();
      if (sink) return sink(piece);
      r->body.append(piece);
      return true;
    };
    if (r->status == 204 || r->status == 304) return true;
    if (strcasecmp(r->Header("transfer-encoding").c_str(), "chunked") == 0) {
      r->chunked = true;
      for (;;) {
        std::string size_line;
        if (!ReadLine(&size_line)) return false;
        uint64_t size = strtoull(size_line.c_str(), nullptr, 16);
        if (size == 0) {
          for (;;) {  // trailers
            if (!ReadLine(&size_line)) return false;
            if (size_line.empty()) return true;
          }
        }
        if (!ReadBytes(size, deliver)) return false;
        std::string crlf;
        if (!ReadLine(&crlf) || !crlf.empty()) return false;
      }
    }
    std::string cl = r->Header("content-length");
    if (!cl.empty()) return ReadBytes(strtoull(cl.c_str(), nullptr, 10), deliver);
    // Delimited by the end of the connection.
    for (;;) {
      if (!buf_.empty() && !deliver(buf_)) return false;
      buf_.clear();
      if (!Fill()) return eof_;
    }
  }

  // True when the server closes the connection (EOF or reset) within `timeout_ms` without
  // sending anything more.
  bool ClosedByPeer(int timeout_ms = 3000) {
    if (!buf_.empty()) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return false;
    char c;
    ssize_t n = recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

 private:
  bool Fill() {
    char tmp[65536];
    for (;;) {
      ssize_t n = recv(fd_, tmp, sizeof tmp, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) eof_ = true;
      if (n <= 0) return false;
      buf_.append(tmp, n);
      return true;
    }
  }

  bool ReadLine(std::string* line) {
    for (;;) {
      size_t eol = buf_.find("\r\n");
      if (eol != std::string::npos) {
        *line = buf_.substr(0, eol);
        buf_.erase(0, eol + 2);
        return true;
      }
      if (buf_.size() > (1 << 20) || !Fill()) return false;
    }
  }

  bool ReadBytes(uint64_t n, const Sink& deliver) {
    while (n > 0) {
      if (buf_.empty() && !Fill()) return false;
      size_t k = static_cast<size_t>(std::min<uint64_t>(n, buf_.size()));
      bool more = deliver(std::string_view(buf_).substr(0, k));
      buf_.erase(0, k);
      if (!more) return false;
      n -= k;
    }
    return true;
  }

  int fd_ = -1;
  int connect_errno_ = 0;
  bool eof_ = false;
  std::string buf_;
};

// A request with Host and, for a body, Content-Length.
std::string Req(const std::string& method, const std::string& target,
                const std::string& body = "", const std::string& extra_headers = "") {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers;
  if (!body.empty() || method == "POST" || method == "PUT") {
    r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return r + "\r\n" + body;
}

// `body` in chunked framing, cut into pieces of the given sizes (cycled).
std::string Chunked(std::string_view body, const std::vector<size_t>& sizes) {
  std::string out;
  size_t off = 0;
  for (size_t i = 0; off < body.size(); ++i) {
    size_t n = std::min(sizes[i % sizes.size()], body.size() - off);
    char head[32];
    snprintf(head, sizeof head, "%zx\r\n", n);
    out += head;
    out.append(body.substr(off, n));
    out += "\r\n";
    off += n;
  }
  return out + "0\r\n\r\n";
}

// ---------------------------------------------------------------------------------------------
// The worker used by most tests: one route per behaviour.

constexpr char kWorker[] = R"JS(
let hits = 0;
const CHUNK = 65536;

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case '/hello': {
        const headers = new Headers({
          'content-type': 'application/json',
          'x-greeting': env.GREETING,
          'x-echo': request.headers.get('x-in') ?? 'none',
        });
        headers.append('set-cookie', 'a=1');
        headers.append('set-cookie', 'b=2');
        const body = JSON.stringify({
          greeting: env.GREETING, count: env.COUNT, secret: env.SECRET,
          overridden: env.OVERRIDDEN, method: request.method, url: request.url,
        });
        return new Response(body, { status: 201, statusText: 'Made It', headers });
      }
      case '/echo':
        return new Response(request.body);
      case '/text': {
        const text = await request.text();
        return new Response(text, { headers: { 'x-chars': String(text.length) } });
      }
      case '/ab': {
        const ab = await request.arrayBuffer();
        return new Response(ab, { headers: { 'x-bytes': String(ab.byteLength) } });
      }
      case '/stream': {
        // `bytes` bytes in CHUNK-sized pieces; chunk i is filled with i & 255.
        const total = Number(url.searchParams.get('bytes'));
        let sent = 0;
        let index = 0;
        const stream = new ReadableStream({
          pull(controller) {
            if (sent >= total) {
              controller.close();
              return;
            }
            const n = Math.min(CHUNK, total - sent);
            controller.enqueue(new Uint8Array(n).fill(index++ & 255));
            sent += n;
          },
        });
        return new Response(stream, { headers: { 'content-type': 'application/octet-stream' } });
      }
      case '/count': {
        // Counts the body; checks every 4096th byte against the client's pattern (byte k is
        // (k >> 16) & 255).
        const reader = request.body.getReader();
        let bytes = 0;
        let wrong = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          for (let i = (4096 - (bytes % 4096)) % 4096; i < value.length; i += 4096) {
            if (value[i] !== (Math.floor((bytes + i) / 65536) & 255)) wrong++;
          }
          bytes += value.byteLength;
        }
        return new Response(`${bytes} bytes, ${wrong} wrong`);
      }
      case '/throw-sync':
        throw new Error('sync failure marker-1');
      case '/throw-async':
        await new Promise((resolve) => setTimeout(resolve, 1));
        throw new RangeError('async failure marker-2');
      case '/not-response':
        return { hello: 'world' };
      case '/slow':
        console.log('slow request started');
        await new Promise((resolve) => setTimeout(resolve, 500));
        return new Response('slow done');
      case '/n':
        return new Response(String(++hits));
      default:
        return new Response('not found', { status: 404 });
    }
  },
};
)JS";

// "worker.js:LINE:COLUMN" of `needle` in kWorker (1-based, as V8 prints stack frames).
std::string WorkerPos(std::string_view needle) {
  std::string_view src = kWorker;
  size_t at = src.find(needle);
  EXPECT_NE(at, std::string_view::npos) << needle;
  size_t line = 1 + std::count(src.begin(), src.begin() + at, '\n');
  size_t bol = src.rfind('\n', at) + 1;
  return "worker.js:" + std::to_string(line) + ":" + std::to_string(at - bol + 1);
}

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::net::IgnoreSigpipe();
    binary_ = ExeDir() / "dynworker";
    ASSERT_TRUE(fs::exists(binary_)) << binary_ << " is missing; build it with tools/build.sh";
    std::string tmpl = (fs::path(::testing::TempDir()) / "dw_serve_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = fs::canonical(tmpl);
  }

  void TearDown() override {
    if (child_) {
      child_->Kill();
      if (HasFailure()) fprintf(stderr, "dynworker output:\n%s\n", child_->all().c_str());
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  fs::path Write(const std::string& relative, const std::string& contents) {
    fs::path p = dir_ / relative;
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << contents;
    out.close();
    EXPECT_TRUE(out.good()) << p;
    return p;
  }

  // Writes the project (wrangler.jsonc with vars, worker.js) into dir_.
  void WriteProject(const std::string& worker_js = kWorker) {
    Write("wrangler.jsonc",
          "// serve_test\n"
          "{\n"
          "  \"name\": \"serve-test\",\n"
          "  \"main\": \"worker.js\",\n"
          "  \"compatibility_date\": \"2025-01-01\",\n"
          "  \"vars\": { \"GREETING\": \"hi there\", \"COUNT\": 3, \"OVERRIDDEN\": \"from vars\" },\n"
          "}\n");
    Write("worker.js", worker_js);
  }

  // Retries GET / on port_ until it answers "ok" (a restarted serving process) or `limit_ms`
  // have passed.
  bool AnswersOkWithin(int64_t limit_ms) {
    auto t0 = Clock::now();
    while (MsSince(t0) < limit_ms) {
      Client c(port_, 2);
      Response r;
      if (c.connected() && c.Send(Req("GET", "/")) && c.Read(&r) && r.body == "ok") return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  // Runs `dynworker serve ARGS...` from dir_ in the background.
  void Spawn(const std::vector<std::string>& args) {
    child_ = std::make_unique<Child>();
    std::vector<std::string> argv = {binary_.string(), "serve"};
    argv.insert(argv.end(), args.begin(), args.end());
    ASSERT_TRUE(child_->Start(argv, dir_));
  }

  // Serves dir_ on an ephemeral port and waits for the Ready line.
  void StartServer(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {dir_.string(), "--port", "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    Spawn(args);
    port_ = child_->WaitReady(15000);
    ASSERT_GT(port_, 0) << "no Ready line\n" << child_->all();
  }

  // Runs `dynworker serve ARGS...` to its end: the exit code and all output.
  int RunToExit(const std::vector<std::string>& args, std::string* output) {
    Spawn(args);
    int code = child_->WaitExit(15000);
    *output = child_->all();
    return code;
  }

  // One request on a fresh connection.
  Response Fetch(const std::string& request, const Sink& sink = nullptr) {
    Client c(port_);
    Response r;
    EXPECT_TRUE(c.connected()) << strerror(c.connect_errno());
    EXPECT_TRUE(c.Send(request));
    EXPECT_TRUE(c.Read(&r, sink)) << "no complete response to " << request.substr(0, 60);
    return r;
  }

  fs::path binary_;
  fs::path dir_;
  std::unique_ptr<Child> child_;
  int port_ = 0;
};

// 1 -------------------------------------------------------------------------------------------

TEST_F(ServeTest, GetReturnsStatusHeadersBodyAndEnvAndLogsTheRequest) {
  WriteProject();
  Write(".dev.vars", "SECRET=s3cr3t value\nOVERRIDDEN=\"from dev vars\"\n");
  ASSERT_NO_FATAL_FAILURE(StartServer());

  Response r = Fetch(Req("GET", "/hello?x=1", "", "X-In: ping\r\n"));
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.reason, "Made It");
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.Header("x-greeting"), "hi there");
  EXPECT_EQ(r.Header("x-echo"), "ping");
  EXPECT_EQ(r.HeaderCount("set-cookie"), 2) << "each Set-Cookie is its own header line";
  EXPECT_EQ(r.Header("content-length"), std::to_string(r.body.size()));
  const std::string url = "http://127.0.0.1/hello?x=1";
  EXPECT_EQ(r.body, "{\"greeting\":\"hi there\",\"count\":3,\"secret\":\"s3cr3t value\","
                    "\"overridden\":\"from dev vars\",\"method\":\"GET\",\"url\":\"" + url + "\"}");

  Response missing = Fetch(Req("GET", "/nowhere"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, "not found");

  EXPECT_TRUE(child_->WaitFor("GET /hello?x=1 201", 5000)) << child_->all();
  EXPECT_TRUE(child_->WaitFor("GET /nowhere 404", 5000)) << child_->all();
  std::string out = child_->out() + child_->err();
  size_t at = out.find("GET /hello?x=1 201");
  ASSERT_NE(at, std::string::npos);
  size_t bol = out.rfind('\n', at) + 1;
  std::string line = out.substr(bol, out.find('\n', at) - bol);
  EXPECT_EQ(line.rfind("[dynworker:info] GET /hello?x=1 201 ", 0), 0u) << line;
  EXPECT_EQ(line.back(), ')') << line;
  EXPECT_NE(line.find("ms)"), std::string::npos) << line;
}

// 2 -------------------------------------------------------------------------------------------

TEST_F(ServeTest, LargeBodiesAreEchoedByteExact) {
  WriteProject();
  ASSERT_NO_FATAL_FAILURE(StartServer());
  const std::string body = Pattern(7, 5 << 20);

  // A request body with Content-Length, echoed as a stream. The client sends from its own
  // thread: the echo starts before the upload ends, and neither side may wait for the other.
  auto exchange = [&](const std::string& request) {
    Client c(port_);
    Response r;
    EXPECT_TRUE(c.connected());
    std::thread sender([&] { EXPECT_TRUE(c.Send(request)); });
    EXPECT_TRUE(c.Read(&r));
    sender.join();
    return r;
  };
  Response r = exchange(Req("POST", "/echo", body));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), body.size());
  EXPECT_TRUE(r.body == body) << "the echoed Content-Length body differs";

  // Chunked, in uneven pieces.
  const std::vector<size_t> sizes = {1, 7, 1000, 65536, 100003, 3, 262144};
  r = exchange("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n" +
               Chunked(body, sizes));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.size(), body.size());
  EXPECT_TRUE(r.body == body) << "the echoed chunked body differs";

  // arrayBuffer(): binary, complete, answered with Content-Length.
  r = exchange("POST /ab HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n" +
               Chunked(body, sizes));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("x-bytes"), std::to_string(body.size()));
  EXPECT_FALSE(r.chunked);
  EXPECT_TRUE(r.body == body) << "arrayBuffer() body differs";

  // text(): UTF-8 whose multi-byte characters straddle the chunk boundaries.
  std::string text;
  const std::string unit = "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 \xf0\x9f\x98\x80 ";  // é ö ✓ 😀
  while (text.size() < (5u << 20)) text += unit;
  size_t units = text.size() / unit.size();
  r = exchange(Req("POST", "/text", text, "Content-Type: text/plain; charset=utf-8\r\n"));
  EXPECT_EQ(r.status, 200);
  // JS length: 17 UTF-16 code units per unit (the emoji is a surrogate pair).
  EXPECT_EQ(r.Header("x-chars"), std::to_string(units * 17));
  EXPECT_TRUE(r.body == text) << "text() round trip differs";
  r = exchange("POST /text HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n" +
               Chunked(text, {1, 2, 3, 5, 8, 13, 4093, 65535}));
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body == text) << "text() round trip of a chunked body differs";
}

// 3 -------------------------------------------------------------------------------------------

constexpr uint64_t kHundredMiB = 100ull << 20;
constexpr long kMaxGrowthKb = 100 * 1024;

TEST_F(ServeTest, HundredMegabyteResponseStreamsInBoundedMemory) {
  WriteProject();
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_EQ(Fetch(Req("GET", "/stream?bytes=1000000")).body_bytes, 1000000u);  // warm up
  const long base = child_->RssKb();
  ASSERT_GT(base, 0);

  long peak = base;
  uint64_t offset = 0, next_sample = 0;
  bool content_ok = true;
  auto t0 = Clock::now();
  Response r = Fetch(Req("GET", "/stream?bytes=" + std::to_string(kHundredMiB)),
                     [&](std::string_view piece) {
                       for (size_t i = 0; i < piece.size() && content_ok; i += 4096) {
                         uint64_t at = offset + i;
                         content_ok = static_cast<unsigned char>(piece[i]) == ((at >> 16) & 255);
                       }
                       offset += piece.size();
                       if (offset >= next_sample) {
                         peak = std::max(peak, child_->RssKb());
                         next_sample += 4 << 20;
                       }
                       return true;
                     });
  int64_t ms = MsSince(t0);
  long after = child_->RssKb();
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.chunked);
  EXPECT_EQ(r.body_bytes, kHundredMiB);
  EXPECT_TRUE(content_ok) << "wrong byte near offset " << offset;
  printf("[   RSS    ] 100 MiB response in %lld ms: VmRSS before %ld KiB, peak %ld KiB, after %ld KiB\n",
         static_cast<long long>(ms), base, peak, after);
  EXPECT_LT(peak - base, kMaxGrowthKb) << "the response body was buffered";
  EXPECT_LT(after - base, kMaxGrowthKb);
  EXPECT_TRUE(child_->WaitFor("GET /stream?bytes=104857600 200", 5000)) << child_->all();
}

TEST_F(ServeTest, HundredMegabyteRequestBodyIsReadInBoundedMemory) {
  WriteProject();
  ASSERT_NO_FATAL_FAILURE(StartServer({"--max-body-size", std::to_string(2 * kHundredMiB)}));
  ASSERT_EQ(Fetch(Req("POST", "/count", std::string(1000, '\0'))).body, "1000 bytes, 0 wrong");
  const long base = child_->RssKb();
  ASSERT_GT(base, 0);

  Client c(port_);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send("POST /count HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"));
  // 1600 chunks of 64 KiB; chunk i is filled with i & 255.
  std::string chunk(65536, '\0');
  long peak = base;
  auto t0 = Clock::now();
  for (uint64_t i = 0; i < kHundredMiB / 65536; ++i) {
    memset(chunk.data(), static_cast<int>(i & 255), chunk.size());
    ASSERT_TRUE(c.Send("10000\r\n" + chunk + "\r\n")) << "upload stalled at chunk " << i;
    if (i % 64 == 0) peak = std::max(peak, child_->RssKb());
  }
  ASSERT_TRUE(c.Send("0\r\n\r\n"));
  Response r;
  ASSERT_TRUE(c.Read(&r));
  int64_t ms = MsSince(t0);
  long after = child_->RssKb();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, std::to_string(kHundredMiB) + " bytes, 0 wrong");
  printf("[   RSS    ] 100 MiB request body in %lld ms: VmRSS before %ld KiB, peak %ld KiB, after %ld KiB\n",
         static_cast<long long>(ms), base, peak, after);
  EXPECT_LT(peak - base, kMaxGrowthKb) << "the request body was buffered";
  EXPECT_LT(after - base, kMaxGrowthKb);
}

TEST_F(ServeTest, ClientLeavingMidStreamDoesNotHurtTheServer) {
  WriteProject();
  ASSERT_NO_FATAL_FAILURE(StartServer());
  {
    Client c(port_);
    ASSERT_TRUE(c.connected());
    ASSERT_TRUE(c.Send(Req("GET", "/stream?bytes=" + std::to_string(kHundredMiB))));
    Response r;
    uint64_t got = 0;
    // Read about 2 MiB, then hang up with a reset while the server is still writing.
    EXPECT_FALSE(c.Read(&r, [&](std::string_view piece) {
      got += piece.size();
      return got < (2 << 20);
    }));
    EXPECT_EQ(r.status, 200);
    EXPECT_GE(got, 2u << 20);
    c.Reset();
  }
  EXPECT_TRUE(child_->WaitFor("client disconnected", 5000)) << child_->all();
  Response r = Fetch(Req("GET", "/n"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "1");
  EXPECT_EQ(child_->WaitExit(0), -1) << "the server died: " << child_->all();
}

// 4 -------------------------------------------------------------------------------------------

TEST_F(ServeTest, HandlerErrorsAnswer500AndAreLogged) {
  WriteProject();
  ASSERT_NO_FATAL_FAILURE(StartServer());

  Response r = Fetch(Req("GET", "/throw-sync"));
  EXPECT_EQ(r.status, 500);
  EXPECT_TRUE(child_->WaitFor("sync failure marker-1", 5000, Child::kErr)) << child_->all();
  EXPECT_EQ(Fetch(Req("GET", "/n")).body, "1") << "the next request must still work";

  r = Fetch(Req("GET", "/throw-async"));
  EXPECT_EQ(r.status, 500);
  EXPECT_TRUE(child_->WaitFor("async failure marker-2", 5000, Child::kErr)) << child_->all();
  EXPECT_EQ(Fetch(Req("GET", "/n")).body, "2");

  r = Fetch(Req("GET", "/not-response"));
  EXPECT_EQ(r.status, 500);
  EXPECT_TRUE(child_->WaitFor("The fetch handler must return a Response", 5000, Child::kErr))
      << child_->all();
  EXPECT_EQ(Fetch(Req("GET", "/n")).body, "3");

  // The request log's lines come after the responses: wait for the last one checked below
  // (waiting for an earlier one let this test fail now and then on a loaded machine).
  EXPECT_TRUE(child_->WaitFor("GET /not-response 500", 5000)) << child_->all();
  std::string err = child_->err();
  // Stacks: the error's class and message, and frames pointing into the worker.
  DW_EXPECT_CONTAINS(err, "Error: sync failure marker-1");
  DW_EXPECT_CONTAINS(err, "RangeError: async failure marker-2");
  // Frames point at the `new Error(...)` in the worker.
  DW_EXPECT_CONTAINS(err, WorkerPos("new Error('sync failure marker-1')") + ")\n");
  DW_EXPECT_CONTAINS(err, WorkerPos("new RangeError('async failure marker-2')") + ")\n");
  DW_EXPECT_CONTAINS(err, "it returned { hello: 'world' }");
  std::string all = child_->out() + err;
  DW_EXPECT_CONTAINS(all, "GET /throw-sync 500");
  DW_EXPECT_CONTAINS(all, "GET /not-response 500");
}

// 5 -------------------------------------------------------------------------------------------

TEST_F(ServeTest, MalformedRequestAndOversizedHeadsAreRejected) {
  WriteProject();
  ASSERT_NO_FATAL_FAILURE(StartServer());

  Client keep(port_);
  ASSERT_TRUE(keep.connected());
  Response r;
  ASSERT_TRUE(keep.Send(Req("GET", "/n")));
  ASSERT_TRUE(keep.Read(&r));
  EXPECT_EQ(r.body, "1");

  {
    Client bad(port_);
    ASSERT_TRUE(bad.connected());
    ASSERT_TRUE(bad.Send("THIS IS NOT HTTP\r\n\r\n"));
    ASSERT_TRUE(bad.Read(&r));
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(bad.ClosedByPeer()) << "the connection must close after a 400";
  }
  {
    Client bad(port_);
    ASSERT_TRUE(bad.connected());
    ASSERT_TRUE(bad.Send("GET /no-host HTTP/1.1\r\n\r\n"));  // HTTP/1.1 requires Host
    ASSERT_TRUE(bad.Read(&r));
    EXPECT_EQ(r.status, 400);
  }

  // The other keep-alive connection is unaffected.
  ASSERT_TRUE(keep.Send(Req("GET", "/n")));
  ASSERT_TRUE(keep.Read(&r));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "2");

  {
    Client big(port_);
    ASSERT_TRUE(big.connected());
    ASSERT_TRUE(big.Send(Req("GET", "/n", "", "X-Big: " + std::string(70 * 1024, 'a') + "\r\n")));
    ASSERT_TRUE(big.Read(&r));
    EXPECT_EQ(r.status, 431);
    EXPECT_TRUE(big.ClosedByPeer());
  }
  {
    // Many small headers add up the same way.
    std::string many;
    for (int i = 0; i < 2000; ++i) many += "X-H" + std::to_string(i) + ": " + std::string(40, 'v') + "\r\n";
    Client big(port_);
    ASSERT_TRUE(big.connected());
    ASSERT_TRUE(big.Send(Req("GET", "/n", "", many)));
    ASSERT_TRUE(big.Read(&r));
    EXPECT_EQ(r.status, 431);
  }

  ASSERT_TRUE(keep.Send(Req("GET", "/n")));
  ASSERT_TRUE(keep.Read(&r));
  EXPECT_EQ(r.body, "3") << "no handler ran for the rejected requests";
}

TEST_F(ServeTest, BodyOverMaxBodySizeIs413) {
  WriteProject();
  ASSERT_NO_FATAL_FAILURE(StartServer({"--max-body-size", "1000"}));

  // At the limit: fine.
  Response r = Fetch(Req("POST", "/echo", std::string(1000, 'x')));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, std::string(1000, 'x'));

  // Declared too large: answered from the head, without waiting for the body.
  {
    Client c(port_);
    ASSERT_TRUE(c.connected());
    ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1001\r\n\r\n"));
    ASSERT_TRUE(c.Read(&r));
    EXPECT_EQ(r.status, 413);
  }
  // Chunked, found too large while the handler reads it.
  {
    Client c(port_);
    ASSERT_TRUE(c.connected());
    ASSERT_TRUE(c.Send("POST /text HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n" +
                       Chunked(std::string(3000, 'y'), {500})));
    ASSERT_TRUE(c.Read(&r));
    EXPECT_EQ(r.status, 413);
  }
  EXPECT_EQ(Fetch(Req("GET", "/n")).status, 200);
}

// 6 -------------------------------------------------------------------------------------------

TEST_F(ServeTest, TwoHundredRequestsOnOneKeepAliveConnection) {
  WriteProject();
  ASSERT_NO_FATAL_FAILURE(StartServer());
  Client c(port_);
  ASSERT_TRUE(c.connected());
  for (int i = 1; i <= 200; ++i) {
    Response r;
    ASSERT_TRUE(c.Send(Req("GET", "/n"))) << "request " << i;
    ASSERT_TRUE(c.Read(&r)) << "request " << i;
    ASSERT_EQ(r.status, 200);
    ASSERT_EQ(r.body, std::to_string(i));
    ASSERT_NE(strcasecmp(r.Header("connection").c_str(), "close"), 0) << "request " << i;
  }
  // And pipelined: ten requests in one write, answered in order.
  std::string ten;
  for (int i = 0; i < 10; ++i) ten += Req("GET", "/n");
  ASSERT_TRUE(c.Send(ten));
  for (int i = 201; i <= 210; ++i) {
    Response r;
    ASSERT_TRUE(c.Read(&r));
    EXPECT_EQ(r.body, std::to_string(i));
  }
}

// 7 -------------------------------------------------------------------------------------------

TEST_F(ServeTest, SigtermLetsTheInFlightRequestFinishThenExitsZero) {
  WriteProject();
  ASSERT_NO_FATAL_FAILURE(StartServer());

  Client idle(port_);  // an idle keep-alive connection: closed at once on shutdown
  ASSERT_TRUE(idle.connected());
  Response r;
  ASSERT_TRUE(idle.Send(Req("GET", "/n")));
  ASSERT_TRUE(idle.Read(&r));

  Client slow(port_);
  ASSERT_TRUE(slow.connected());
  ASSERT_TRUE(slow.Send(Req("GET", "/slow")));
  ASSERT_TRUE(child_->WaitFor("slow request started", 5000, Child::kOut)) << child_->all();
  auto t0 = Clock::now();
  child_->Signal(SIGTERM);
  ASSERT_TRUE(child_->WaitFor("shutting down", 5000, Child::kErr)) << child_->all();

  // The listener closes within the signal's loop turn.
  bool refused = false;
  while (!refused && MsSince(t0) < 1000) {
    Client late(port_, 2);
    refused = !late.connected() && late.connect_errno() == ECONNREFUSED;
    if (!refused) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(refused) << "new connections must be refused after SIGTERM";
  EXPECT_TRUE(idle.ClosedByPeer(2000)) << "idle keep-alive connections close on shutdown";

  ASSERT_TRUE(slow.Read(&r));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "slow done");
  // Its head went out after the signal: the server announces that the connection ends.
  EXPECT_EQ(strcasecmp(r.Header("connection").c_str(), "close"), 0) << r.Header("connection");
  auto responded = Clock::now();
  slow.Close();

  int code = child_->WaitExit(5000);
  EXPECT_EQ(code, 0) << child_->all();
  int64_t exit_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - responded).count();
  EXPECT_LT(exit_ms, 2000) << "exit took too long after the last response";
  DW_EXPECT_CONTAINS(child_->out() + child_->err(), "GET /slow 200");
  DW_EXPECT_CONTAINS(child_->err(), "[dynworker] stopped");
}

// 8 -------------------------------------------------------------------------------------------

TEST_F(ServeTest, PortInUseIsExit1NamingTheAddress) {
  WriteProject();
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(listen(fd, 4), 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  const std::string port = std::to_string(ntohs(a.sin_port));

  std::string out;
  EXPECT_EQ(RunToExit({dir_.string(), "--port", port}, &out), 1) << out;
  close(fd);
  DW_EXPECT_CONTAINS(out, "127.0.0.1:" + port);
  DW_EXPECT_CONTAINS(out, "address already in use");
  DW_EXPECT_CONTAINS(out, "--port");
  DW_EXPECT_LACKS(out, "Ready on");
}

TEST_F(ServeTest, StartupErrorsAreExit1WithClearMessages) {
  std::string out;
  // A directory without a config.
  fs::create_directories(dir_ / "empty");
  EXPECT_EQ(RunToExit({(dir_ / "empty").string(), "--port", "0"}, &out), 1) << out;
  DW_EXPECT_CONTAINS(out, (dir_ / "empty").string());
  DW_EXPECT_CONTAINS(out, "no wrangler.json, wrangler.jsonc or wrangler.toml");
  DW_EXPECT_LACKS(out, "Ready on");

  // A syntax error: file:line:column.
  WriteProject(
      "export default {\n"
      "  fetch() { return new Response('x'); },\n"
      "};\n"
      "let y = );\n");
  EXPECT_EQ(RunToExit({dir_.string(), "--port", "0"}, &out), 1) << out;
  DW_EXPECT_CONTAINS(out, "worker.js:4:9");
  DW_EXPECT_CONTAINS(out, "SyntaxError");
  DW_EXPECT_LACKS(out, "Ready on");

  // An error thrown while the module evaluates.
  WriteProject("export default { fetch() {} };\nthrow new Error('top-level boom');\n");
  EXPECT_EQ(RunToExit({dir_.string(), "--port", "0"}, &out), 1) << out;
  DW_EXPECT_CONTAINS(out, "top-level boom");
  DW_EXPECT_CONTAINS(out, "worker.js:2:");
  DW_EXPECT_LACKS(out, "Ready on");

  // No default fetch handler, in three shapes.
  const char* kNoHandler = "The main module has no fetch handler: export default { async fetch(request, env, ctx) { ... } }";
  for (const char* src : {"export const notDefault = 1;\n", "export default {};\n",
                          "export default { fetch: 'not a function' };\n"}) {
    WriteProject(src);
    EXPECT_EQ(RunToExit({dir_.string(), "--port", "0"}, &out), 1) << src << out;
    DW_EXPECT_CONTAINS(out, kNoHandler);
    DW_EXPECT_LACKS(out, "Ready on");
  }
}

TEST_F(ServeTest, BadFlagsAreExit2) {
  WriteProject();
  std::string out;
  EXPECT_EQ(RunToExit({dir_.string(), "--port", "abc"}, &out), 2) << out;
  DW_EXPECT_CONTAINS(out, "--port must be a whole number from 0 to 65535, got 'abc'");
  EXPECT_EQ(RunToExit({dir_.string(), "--port=70000"}, &out), 2) << out;
  DW_EXPECT_CONTAINS(out, "got '70000'");
  EXPECT_EQ(RunToExit({dir_.string(), "--max-body-size", "-5"}, &out), 2) << out;
  DW_EXPECT_CONTAINS(out, "--max-body-size");
  EXPECT_EQ(RunToExit({dir_.string(), "--port"}, &out), 2) << out;
  DW_EXPECT_CONTAINS(out, "--port needs a value");
  EXPECT_EQ(RunToExit({dir_.string(), "--bogus"}, &out), 2) << out;
  DW_EXPECT_CONTAINS(out, "unknown option --bogus");
  DW_EXPECT_CONTAINS(out, "usage:");
  EXPECT_EQ(RunToExit({dir_.string(), dir_.string()}, &out), 2) << out;
  DW_EXPECT_CONTAINS(out, "only one config or directory");
}

// Regressions ---------------------------------------------------------------------------------

// A response body stream that fails after the head went out must not look complete: the
// connection is cut instead of ending the chunked body normally.
TEST_F(ServeTest, ResponseStreamErrorCutsTheConnection) {
  WriteProject(R"JS(
export default {
  async fetch() {
    let n = 0;
    const body = new ReadableStream({
      pull(c) {
        if (n++ < 3) c.enqueue(new TextEncoder().encode('part' + n + '\n'));
        else c.error(new Error('upstream broke (expected by the test)'));
      },
    });
    return new Response(body);
  },
};
)JS");
  ASSERT_NO_FATAL_FAILURE(StartServer());
  Client c(port_);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.Send(Req("GET", "/")));
  Response r;
  EXPECT_FALSE(c.Read(&r)) << "a failed body was delivered as a complete response: " << r.body;
  EXPECT_TRUE(child_->WaitFor("upstream broke", 5000)) << child_->all();
}

// Header values are byte strings: a byte above 0x7F arrives in JS as that code point and goes
// back out as the same single byte, not as UTF-8.
TEST_F(ServeTest, HeaderBytesAboveAsciiRoundTrip) {
  WriteProject(R"JS(
export default {
  async fetch(request) {
    const v = request.headers.get('x-latin');
    return new Response(String(v.length) + ':' + v.charCodeAt(3), { headers: { 'x-back': v } });
  },
};
)JS");
  ASSERT_NO_FATAL_FAILURE(StartServer());
  Response r = Fetch(Req("GET", "/", "", "X-Latin: caf\xe9\r\n"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "4:233");
  EXPECT_EQ(r.Header("x-back"), "caf\xe9");
}

// Service-worker syntax, which Workers still run: fetch listeners on the global scope, bindings
// as globals, respondWith and waitUntil; a request no listener answers is a 500 saying why.
TEST_F(ServeTest, ServiceWorkerSyntaxIsServed) {
  WriteProject(
      "addEventListener('fetch', (event) => {\n"
      "  const url = new URL(event.request.url);\n"
      "  if (url.pathname === '/ignored') return;\n"
      "  event.waitUntil(new Promise((r) => setTimeout(r, 1)));\n"
      "  event.respondWith((async () => new Response(\n"
      "    `${event.request.method} ${url.pathname} ${GREETING} ${COUNT} ${event instanceof FetchEvent}`))());\n"
      "});\n");
  ASSERT_NO_FATAL_FAILURE(StartServer());
  Response r = Fetch(Req("GET", "/sw"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "GET /sw hi there 3 true");
  r = Fetch(Req("GET", "/ignored"));
  EXPECT_EQ(r.status, 500);
  EXPECT_TRUE(child_->WaitFor("No fetch event listener called event.respondWith()", 5000, Child::kErr))
      << child_->all();
  EXPECT_EQ(Fetch(Req("GET", "/sw")).body, "GET /sw hi there 3 true");
}

// The supervisor (server/supervisor.h): V8 ends the process on a builtin that allocates past the
// heap limit; the supervisor logs why and starts a new serving process on the socket it holds,
// which answers again within a second. (The heap limit is lowered so the pattern hits it fast.)
TEST_F(ServeTest, SupervisorRestartsTheServerAfterV8EndsTheProcess) {
  WriteProject(
      "export default {\n"
      "  fetch(request) {\n"
      "    if (new URL(request.url).pathname === '/crash') new Array(5e7).fill(1.5);\n"
      "    return new Response('ok');\n"
      "  },\n"
      "};\n");
  setenv("DYNWORKER_V8_FLAGS", "--max-old-space-size=64", 1);
  StartServer();
  unsetenv("DYNWORKER_V8_FLAGS");
  ASSERT_GT(port_, 0);
  EXPECT_EQ(Fetch(Req("GET", "/")).body, "ok");

  Client crash(port_);
  ASSERT_TRUE(crash.connected());
  ASSERT_TRUE(crash.Send(Req("GET", "/crash")));
  Response r;
  EXPECT_FALSE(crash.Read(&r)) << "the process answered a request that exhausts its heap";
  auto t0 = Clock::now();  // the connection broke: the process is gone
  // Served again: the same port (a connection made meanwhile waits in the backlog), a new process.
  bool served = AnswersOkWithin(5000);
  int64_t ms = MsSince(t0);
  EXPECT_TRUE(served) << child_->all();
  EXPECT_LT(ms, 1000) << "the service took " << ms << " ms to answer again";
  printf("[ INFO ] answering again %lld ms after the crash\n", static_cast<long long>(ms));
  ASSERT_TRUE(child_->WaitFor("starting a new one (restart 1)", 5000, Child::kErr)) << child_->all();
  DW_EXPECT_CONTAINS(child_->err(), "the serving process was killed by signal");
  // Crashing it again and again does not make the supervisor give up.
  for (int i = 2; i <= 3; ++i) {
    Client again(port_);
    ASSERT_TRUE(again.connected());
    ASSERT_TRUE(again.Send(Req("GET", "/crash")));
    EXPECT_FALSE(again.Read(&r));
    EXPECT_EQ(Fetch(Req("GET", "/")).body, "ok") << "after crash " << i << "\n" << child_->all();
  }
  DW_EXPECT_CONTAINS(child_->err(), "(restart 3");
  // Still one supervisor, which stops cleanly.
  child_->Signal(SIGTERM);
  EXPECT_EQ(child_->WaitExit(5000), 0) << child_->all();
}

// A dynamic worker inside a builtin that never checks for interrupts cannot be stopped by its
// limits (docs/security.md): after 5 s without an interrupt serviced the serving process ends
// itself, saying why, and the supervisor brings the service back.
TEST_F(ServeTest, UnstoppableDynamicWorkerEndsTheProcessAndTheSupervisorRestartsIt) {
  Write("wrangler.jsonc",
        "{ \"main\": \"worker.js\", \"compatibility_date\": \"2025-01-01\",\n"
        "  \"worker_loaders\": [{ \"binding\": \"LOADER\" }] }\n");
  Write("worker.js",
        "const HOSTILE = 'export default { fetch() { new Array(5e7).fill(1.5); return new Response(\"x\"); } };';\n"
        "export default {\n"
        "  fetch(request, env) {\n"
        "    if (new URL(request.url).pathname !== '/hostile') return new Response('ok');\n"
        "    return env.LOADER.load({ compatibilityDate: '2025-01-01', mainModule: 'main.js',\n"
        "      modules: { 'main.js': HOSTILE } }).getEntrypoint().fetch(request);\n"
        "  },\n"
        "};\n");
  StartServer();
  ASSERT_GT(port_, 0);
  EXPECT_EQ(Fetch(Req("GET", "/")).body, "ok");
  auto t0 = Clock::now();
  Client hostile(port_, 30);
  ASSERT_TRUE(hostile.connected());
  ASSERT_TRUE(hostile.Send(Req("GET", "/hostile")));
  Response r;
  EXPECT_FALSE(hostile.Read(&r)) << "the hostile request was answered";
  int64_t ended = MsSince(t0);
  EXPECT_GE(ended, 4500) << "the process ended before the unresponsive time";
  EXPECT_LT(ended, 15000);
  ASSERT_TRUE(child_->WaitFor("starting a new one (restart 1)", 5000, Child::kErr)) << child_->all();
  DW_EXPECT_CONTAINS(child_->err(), "has not been interruptible for 5 s");
  auto t1 = Clock::now();
  EXPECT_TRUE(AnswersOkWithin(5000)) << child_->all();
  EXPECT_LT(MsSince(t1), 1000);
  child_->Signal(SIGTERM);
  EXPECT_EQ(child_->WaitExit(5000), 0) << child_->all();
}

// systemd (KillMode=control-group) and `kill 0` signal the supervisor and the serving process
// at once; the supervisor passes its copy on. That is one stop, not two: the in-flight request
// still finishes.
TEST_F(ServeTest, SigtermToSupervisorAndServerAtOnceStillDrains) {
  WriteProject();
  ASSERT_NO_FATAL_FAILURE(StartServer());
  std::vector<pid_t> servers = child_->Children();
  ASSERT_EQ(servers.size(), 1u) << "expected one serving process under the supervisor";
  Client slow(port_);
  ASSERT_TRUE(slow.connected());
  ASSERT_TRUE(slow.Send(Req("GET", "/slow")));
  ASSERT_TRUE(child_->WaitFor("slow request started", 5000, Child::kOut)) << child_->all();
  child_->Signal(SIGTERM);  // the supervisor, which passes it on
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  kill(servers[0], SIGTERM);  // and the serving process's own copy
  Response r;
  ASSERT_TRUE(slow.Read(&r)) << child_->all();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "slow done");
  EXPECT_EQ(child_->WaitExit(5000), 0) << child_->all();
  EXPECT_EQ(child_->all().find("second signal"), std::string::npos) << child_->all();
}

// Sandboxes (egress-policy.md sections 3 and 5): a run-time grant and ctx.storage are persisted
// in --state-dir and hold after the process is stopped and started again; --egress-log writes
// one JSON line per decision, from both processes, to the same file.
TEST_F(ServeTest, SandboxPolicyAndStorageSurviveARestartAndDecisionsAreLogged) {
  Write("wrangler.jsonc",
        "{ \"main\": \"worker.js\", \"compatibility_date\": \"2025-01-01\",\n"
        "  \"sandboxes\": [{ \"binding\": \"Sandbox\", \"class_name\": \"MySandbox\" }] }\n");
  Write("worker.js",
        "import { Sandbox, getSandbox } from '@cloudflare/sandbox';\n"
        "export class MySandbox extends Sandbox {\n"
        "  static enableInternet = false;\n"
        "  static outboundHandlers = { granted: (req, env, ctx) => new Response('granted ' + ctx.params.n) };\n"
        "  remember(v) { return this.ctx.storage.put('v', v); }\n"
        "  recall() { return this.ctx.storage.get('v'); }\n"
        "}\n"
        "const PROBE = 'export default { async fetch() { const r = await fetch(\"http://my.host/x\");"
        " return new Response(r.status + \" \" + await r.text()); } };';\n"
        "export default {\n"
        "  async fetch(request, env) {\n"
        "    const sandbox = getSandbox(env.Sandbox, 'tenant');\n"
        "    const path = new URL(request.url).pathname;\n"
        "    if (path === '/grant') {\n"
        "      await sandbox.setOutboundByHost('my.host', 'granted', { n: 7 });\n"
        "      await sandbox.remember({ kept: [1, 2] });\n"
        "      return new Response('done');\n"
        "    }\n"
        "    if (path === '/recall') return Response.json(await sandbox.recall());\n"
        "    return sandbox.load({ compatibilityDate: '2025-01-01', mainModule: 'm.js',\n"
        "      modules: { 'm.js': PROBE } }).getEntrypoint().fetch(request.url);\n"
        "  },\n"
        "};\n");
  const std::string state = (dir_ / "state").string();
  const std::string log = (dir_ / "egress.log").string();
  ASSERT_NO_FATAL_FAILURE(StartServer({"--state-dir", state, "--egress-log", log}));
  EXPECT_EQ(Fetch(Req("GET", "/probe")).body, "520 Origin is disallowed");
  EXPECT_EQ(Fetch(Req("GET", "/grant")).body, "done");
  EXPECT_EQ(Fetch(Req("GET", "/probe")).body, "200 granted 7");
  child_->Signal(SIGTERM);
  ASSERT_EQ(child_->WaitExit(5000), 0) << child_->all();

  ASSERT_NO_FATAL_FAILURE(StartServer({"--state-dir", state, "--egress-log", log}));
  EXPECT_EQ(Fetch(Req("GET", "/probe")).body, "200 granted 7") << "the grant survived the restart";
  EXPECT_EQ(Fetch(Req("GET", "/recall")).body, "{\"kept\":[1,2]}");
  child_->Signal(SIGTERM);
  ASSERT_EQ(child_->WaitExit(5000), 0) << child_->all();

  std::ifstream in(log);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 3u);
  DW_EXPECT_CONTAINS(lines[0], "\"host\":\"my.host\",\"port\":80,\"step\":9,\"pattern\":null,"
                               "\"handler\":null,\"status\":520");
  DW_EXPECT_CONTAINS(lines[1], "\"step\":3,\"pattern\":\"my.host\",\"handler\":\"granted\",\"status\":200");
  DW_EXPECT_CONTAINS(lines[2], "\"step\":3,\"pattern\":\"my.host\",\"handler\":\"granted\",\"status\":200");
  for (const auto& line : lines) DW_EXPECT_CONTAINS(line, "\"worker\":null,\"method\":\"GET\",\"scheme\":\"http\"");
}

TEST_F(ServeTest, UnwritableEgressLogIsExit2) {
  WriteProject();
  std::string out;
  EXPECT_EQ(RunToExit({dir_.string(), "--port", "0", "--egress-log", "/nonexistent/dir/log"}, &out), 2);
  DW_EXPECT_CONTAINS(out, "--egress-log: cannot open /nonexistent/dir/log: No such file or directory");
}

// Stored data goes to .dynworker/state in the working directory by default (through the
// supervisor, which passes the serving process its arguments), made only when something is
// stored; --state-dir puts it elsewhere (relative to the working directory).
TEST_F(ServeTest, StateDirDefaultsToDotDynworkerInTheWorkingDirectory) {
  Write("wrangler.jsonc", "{ \"main\": \"worker.js\", \"kv_namespaces\": [{ \"binding\": \"KV\", \"id\": \"ns\" }] }\n");
  Write("worker.js", R"JS(
export default {
  async fetch(request, env) {
    const key = new URL(request.url).pathname.slice(1);
    if (request.method === 'PUT') {
      await env.KV.put(key, await request.text());
      return new Response('stored');
    }
    return new Response(await env.KV.get(key) ?? 'missing');
  },
};
)JS");
  ASSERT_NO_FATAL_FAILURE(StartServer());
  EXPECT_EQ(Fetch(Req("GET", "/k")).body, "missing");
  EXPECT_FALSE(fs::exists(dir_ / ".dynworker")) << "made before anything was stored";
  EXPECT_EQ(Fetch(Req("PUT", "/k", "v1")).body, "stored");
  EXPECT_TRUE(fs::is_regular_file(dir_ / ".dynworker/state/kv/ns.sqlite"));
  child_->Signal(SIGTERM);
  ASSERT_EQ(child_->WaitExit(5000), 0) << child_->all();

  ASSERT_NO_FATAL_FAILURE(StartServer({"--state-dir", "elsewhere"}));
  EXPECT_EQ(Fetch(Req("GET", "/k")).body, "missing");
  EXPECT_EQ(Fetch(Req("PUT", "/k", "v2")).body, "stored");
  EXPECT_TRUE(fs::is_regular_file(dir_ / "elsewhere/kv/ns.sqlite"));
  child_->Signal(SIGTERM);
  ASSERT_EQ(child_->WaitExit(5000), 0) << child_->all();

  ASSERT_NO_FATAL_FAILURE(StartServer());
  EXPECT_EQ(Fetch(Req("GET", "/k")).body, "v1");
}

}  // namespace
}  // namespace dw
