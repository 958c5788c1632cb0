// libFuzzer target: the HTTP/1.1 request path of io::HttpServer (llhttp parsing, header and
// body limits, chunked bodies, pipelining, keep-alive), end to end over a real loopback socket.
// Each input is sent as the bytes of one client connection, which then half-closes; the server
// answers every request it parses (reading its body first) until it closes the connection.
// Build and run: tools/fuzz http_request (docs/security.md).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "io/event_loop.h"
#include "io/http_server.h"

namespace {

struct Harness {
  dw::io::EventLoop loop;
  std::unique_ptr<dw::io::HttpServer> server;

  Harness() {
    dw::io::HttpServerOptions options;
    options.port = 0;
    options.max_header_bytes = 8 * 1024;
    options.max_body_bytes = 64 * 1024;
    options.header_timeout_ms = 2000;
    options.body_timeout_ms = 2000;
    server = std::make_unique<dw::io::HttpServer>(loop, options, [](std::shared_ptr<dw::io::HttpExchange> ex) {
      auto read = std::make_shared<std::function<void()>>();
      std::weak_ptr<std::function<void()>> weak = read;
      *read = [ex, weak]() {
        ex->ReadBody([ex, weak](std::string_view chunk, bool done, std::string_view error) {
          if (!error.empty()) return;
          if (done) {
            ex->Respond(200, {{"content-type", "text/plain"}}, std::string(ex->target()));
            return;
          }
          if (auto again = weak.lock()) (*again)();
        });
      };
      if (ex->has_body()) {
        (*read)();
        // Keep the reader alive as long as the exchange reads.
        ex->OnAbort([read]() {});
      } else {
        ex->Respond(204, {}, std::nullopt);
        ex->End();
      }
    });
    if (!server->Listen().ok()) abort();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Harness* h = new Harness();
  if (size > 256 * 1024) return 0;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(h->server->port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) abort();
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  size_t sent = 0;
  bool write_closed = false;
  char buf[65536];
  for (int turns = 0; turns < 100000; ++turns) {
    if (sent < size) {
      ssize_t n = send(fd, data + sent, size - sent, MSG_NOSIGNAL);
      if (n > 0) sent += static_cast<size_t>(n);
      else if (n < 0 && errno != EAGAIN) sent = size;  // the server closed on us
    }
    if (sent == size && !write_closed) {
      shutdown(fd, SHUT_WR);
      write_closed = true;
    }
    ssize_t r = recv(fd, buf, sizeof(buf), 0);
    if (r == 0 || (r < 0 && errno != EAGAIN)) break;  // the server closed the connection
    if (r > 0) continue;
    h->loop.RunOnce();
  }
  close(fd);
  // Let the server see the close and free the connection before the next input.
  while (h->server->active_connections() > 0) h->loop.RunOnce();
  return 0;
}
