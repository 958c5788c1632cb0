// Name resolution on the loop without blocking it: uv_getaddrinfo runs getaddrinfo on libuv's
// thread pool and reports back on the loop thread. Also the small address helpers the TCP and
// HTTP layers share (IPv6 literals in brackets, "host:port" for error messages).
#pragma once

#include <sys/socket.h>
#include <uv.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "io/event_loop.h"

namespace dw::io {

// One IPv4 or IPv6 socket address, port included.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  int family() const { return storage.ss_family; }
  int port() const;
  // "127.0.0.1", "::1"
  std::string Ip() const;
  // "127.0.0.1:80", "[::1]:80"
  std::string ToString() const;
  static std::optional<SocketAddress> FromSockaddr(const sockaddr* addr);
};

// "[::1]" -> "::1"; anything else unchanged.
std::string_view StripBrackets(std::string_view host);
// True for an IPv4 or IPv6 literal (brackets allowed around the latter).
bool IsIpLiteral(std::string_view host);
// "example.com:80", "[::1]:80" (brackets added for an IPv6 literal given without them).
std::string FormatHostPort(std::string_view host, int port);

// One asynchronous lookup. The callback runs on the loop thread, never inside Start, and not
// at all once Cancel has been called or the DnsLookup destroyed (which cancels). The error is
// one sentence: "DNS lookup failed for HOST: REASON".
class DnsLookup {
 public:
  using Callback = std::function<void(absl::StatusOr<std::vector<SocketAddress>>)>;

  explicit DnsLookup(EventLoop& loop) : loop_(loop) {}
  ~DnsLookup() { Cancel(); }
  DnsLookup(const DnsLookup&) = delete;
  DnsLookup& operator=(const DnsLookup&) = delete;

  // `host` may be a name or an IP literal (IPv6 with or without brackets). Addresses come in
  // getaddrinfo's preference order, each with `port` set.
  void Start(std::string host, int port, Callback callback);
  void Cancel();
  bool pending() const { return pending_ != nullptr; }

 private:
  struct Pending;
  static void OnResolved(uv_getaddrinfo_t* req, int status, addrinfo* res);
  static void OnDeferred(uv_timer_t* timer);

  EventLoop& loop_;
  Pending* pending_ = nullptr;  // owned by libuv's callback, which frees it
  Callback callback_;
};

}  // namespace dw::io
