#include "io/dns.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <cstring>

namespace dw::io {

int SocketAddress::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
  return 0;
}

std::string SocketAddress::Ip() const {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (family() == AF_INET) {
    uv_ip4_name(reinterpret_cast<const sockaddr_in*>(&storage), buf, sizeof buf);
  } else if (family() == AF_INET6) {
    uv_ip6_name(reinterpret_cast<const sockaddr_in6*>(&storage), buf, sizeof buf);
  }
  return buf;
}

std::string SocketAddress::ToString() const { return FormatHostPort(Ip(), port()); }

std::optional<SocketAddress> SocketAddress::FromSockaddr(const sockaddr* addr) {
  SocketAddress out;
  if (addr->sa_family == AF_INET) {
    out.length = sizeof(sockaddr_in);
  } else if (addr->sa_family == AF_INET6) {
    out.length = sizeof(sockaddr_in6);
  } else {
    return std::nullopt;
  }
  memcpy(&out.storage, addr, out.length);
  return out;
}

std::string_view StripBrackets(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return host.substr(1, host.size() - 2);
  }
  return host;
}

bool IsIpLiteral(std::string_view host) {
  std::string h(StripBrackets(host));
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

std::string FormatHostPort(std::string_view host, int port) {
  std::string out;
  std::string_view bare = StripBrackets(host);
  if (bare.find(':') != std::string_view::npos) {
    out.append("[").append(bare).append("]");
  } else {
    out.append(host);
  }
  out.append(":").append(std::to_string(port));
  return out;
}

struct DnsLookup::Pending {
  uv_getaddrinfo_t req;
  DnsLookup* owner;  // null once cancelled: the callback then only frees this
  std::string host;
  int port;
  int early_error = 0;  // set when uv_getaddrinfo failed before queueing
  uv_timer_t* timer = nullptr;
};

void DnsLookup::Start(std::string host, int port, Callback callback) {
  Cancel();
  callback_ = std::move(callback);
  auto* p = new Pending{};
  p->owner = this;
  p->host = std::string(StripBrackets(host));
  p->port = port;
  pending_ = p;

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  // A literal must not be looked up as a name; for names, skip address families this host
  // has no configured address for (no AAAA answers on an IPv4-only machine).
  hints.ai_flags = IsIpLiteral(p->host) ? AI_NUMERICHOST : AI_ADDRCONFIG;
  p->req.data = p;
  int rc = uv_getaddrinfo(loop_.uv(), &p->req, &DnsLookup::OnResolved, p->host.c_str(), nullptr,
                          &hints);
  if (rc != 0) {
    // Report on a later turn so that the callback never runs inside Start.
    p->early_error = rc;
    p->timer = new uv_timer_t;
    uv_timer_init(loop_.uv(), p->timer);
    p->timer->data = p;
    uv_timer_start(p->timer, &DnsLookup::OnDeferred, 0, 0);
  }
}

void DnsLookup::Cancel() {
  callback_ = nullptr;
  if (pending_ == nullptr) return;
  Pending* p = pending_;
  pending_ = nullptr;
  p->owner = nullptr;
  // Only a lookup still queued can be cancelled; a running one reports normally and its
  // result is dropped because owner is null. Either way libuv calls OnResolved, which frees p.
  if (p->timer == nullptr) uv_cancel(reinterpret_cast<uv_req_t*>(&p->req));
}

void DnsLookup::OnDeferred(uv_timer_t* timer) {
  auto* p = static_cast<Pending*>(timer->data);
  uv_close(reinterpret_cast<uv_handle_t*>(timer),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
  p->timer = nullptr;
  OnResolved(&p->req, p->early_error, nullptr);
}

void DnsLookup::OnResolved(uv_getaddrinfo_t* req, int status, addrinfo* res) {
  auto* p = static_cast<Pending*>(req->data);
  DnsLookup* owner = p->owner;
  absl::StatusOr<std::vector<SocketAddress>> result;
  if (owner != nullptr) {
    if (status != 0) {
      result = absl::UnavailableError("DNS lookup failed for " + p->host + ": " +
                                      uv_strerror(status));
    } else {
      std::vector<SocketAddress> addrs;
      for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
        auto addr = SocketAddress::FromSockaddr(ai->ai_addr);
        if (!addr) continue;
        uint16_t port = htons(static_cast<uint16_t>(p->port));
        if (addr->family() == AF_INET) {
          reinterpret_cast<sockaddr_in*>(&addr->storage)->sin_port = port;
        } else {
          reinterpret_cast<sockaddr_in6*>(&addr->storage)->sin6_port = port;
        }
        addrs.push_back(*addr);
      }
      if (addrs.empty()) {
        result = absl::UnavailableError("DNS lookup failed for " + p->host +
                                        ": no IPv4 or IPv6 address");
      } else {
        result = std::move(addrs);
      }
    }
  }
  if (res != nullptr) uv_freeaddrinfo(res);
  delete p;
  if (owner == nullptr) return;
  owner->pending_ = nullptr;
  Callback cb = std::move(owner->callback_);
  owner->callback_ = nullptr;
  // The owner may be destroyed inside the callback; nothing touches it afterwards.
  if (cb) cb(std::move(result));
}

}  // namespace dw::io
