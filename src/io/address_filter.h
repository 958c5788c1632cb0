// Refusing connections by the address a host resolved to: IP blocks in CIDR notation and the
// filter a TcpStream (and so an HttpClientRequest) can carry. A sandbox's egress policy uses it
// for the CIDR entries of its deny list (the host name is allowed, but it must not lead into a
// private range). The check runs after DNS and before any connect, so a denied address never
// sees a SYN.
#pragma once

#include <netinet/in.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "io/dns.h"

namespace dw::io {

// One block of addresses, "10.0.0.0/8" or "fd00::/8".
//
// IPv4 lives inside IPv6 as IPv4-mapped addresses (::ffff:a.b.c.d): an IPv4 block a/n is
// ::ffff:a/(96+n), and an address is compared in that form. So 10.0.0.0/8 holds both 10.0.0.1
// and ::ffff:10.0.0.1 (a socket connected to the latter reaches the former), and an IPv6 block
// that covers ::ffff:0:0/96 (::/0 does) holds every IPv4 address. Only the mapped form is
// treated so: IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::/96) addresses are plain IPv6.
class CidrBlock {
 public:
  // "ADDRESS/PREFIX": an IPv4 address in dotted-decimal form with a prefix of 0 to 32, or an
  // IPv6 address (brackets allowed: "[fd00::]/8") with a prefix of 0 to 128; the prefix has no
  // sign and no leading zero. Address bits past the prefix are ignored ("10.1.2.3/8" is
  // 10.0.0.0/8). Otherwise InvalidArgument: "Invalid CIDR block "TEXT": REASON".
  static absl::StatusOr<CidrBlock> Parse(std::string_view text);

  bool Contains(const SocketAddress& address) const;
  // `address` in the mapped form above.
  bool Contains(const std::array<uint8_t, 16>& address) const;

  // As given to Parse.
  const std::string& text() const { return text_; }
  // "::ffff:10.0.0.0/104": the block as compared (the same for every spelling of it).
  std::string Canonical() const;

 private:
  CidrBlock() = default;

  std::array<uint8_t, 16> network_{};  // host bits zero
  int prefix_ = 0;                     // 0..128, in the mapped form
  std::string text_;
};

// The 16 bytes an address is compared as: IPv6 as it is, IPv4 as ::ffff:a.b.c.d.
std::array<uint8_t, 16> MappedBytes(const SocketAddress& address);

// Denies any address inside one of its blocks.
class AddressFilter {
 public:
  // An address found inside a block.
  struct Match {
    SocketAddress address;
    const CidrBlock* block;
  };

  // Fails with the first CIDR string that does not parse (CidrBlock::Parse's error).
  static absl::StatusOr<std::shared_ptr<const AddressFilter>> Create(
      std::span<const std::string> cidrs);

  // The block that denies `address`, or null. The unspecified address (0.0.0.0, ::,
  // ::ffff:0.0.0.0) is also denied when loopback is: connecting to it reaches this host
  // (Linux sends it to 127.0.0.1 or ::1), which would let it past a deny of 127.0.0.0/8.
  const CidrBlock* Denies(const SocketAddress& address) const;

  // The first address of a DNS answer that a block denies. One is enough to refuse the whole
  // answer: a name resolving to both a public and a private address must not reach the private
  // one when the public one fails to connect (or is listed second).
  std::optional<Match> FirstDenied(std::span<const SocketAddress> addresses) const;

  // The same string for filters that decide alike (their blocks canonical, sorted, unique); the
  // keep-alive pool keys connections by it.
  const std::string& key() const { return key_; }
  const std::vector<CidrBlock>& blocks() const { return blocks_; }

 private:
  AddressFilter() = default;

  std::vector<CidrBlock> blocks_;
  std::string key_;
};

// Why a connection was refused by an AddressFilter; travels with the error status (a payload),
// so every layer above can tell this refusal from a network failure.
struct AddressDenial {
  std::string address;    // the resolved address that matched: "10.0.0.1", "::1"
  std::string cidr;       // the block it matched, as given: "10.0.0.0/8"
  std::string host_port;  // the peer as the caller named it: "example.com:443", "[::1]:80"
};

// PermissionDenied: "connecting to HOST:PORT is not permitted: ADDRESS is in the denied block
// CIDR", carrying `denial`.
absl::Status AddressDeniedError(const AddressDenial& denial);
// The denial a status carries, if it is one made by AddressDeniedError.
std::optional<AddressDenial> GetAddressDenial(const absl::Status& status);

}  // namespace dw::io
