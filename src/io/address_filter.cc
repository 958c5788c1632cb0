#include "io/address_filter.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/cord.h"

namespace dw::io {
namespace {

constexpr char kDenialPayload[] = "type.dynworker/io.AddressDenial";

std::array<uint8_t, 16> FromIpv4(const uint8_t* v4) {
  std::array<uint8_t, 16> out{};
  out[10] = 0xff;
  out[11] = 0xff;
  memcpy(out.data() + 12, v4, 4);
  return out;
}

bool IsMapped(const std::array<uint8_t, 16>& a) {
  static constexpr uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return memcmp(a.data(), kPrefix, sizeof kPrefix) == 0;
}

bool IsZero(const uint8_t* p, size_t n) {
  return std::all_of(p, p + n, [](uint8_t b) { return b == 0; });
}

// The address connecting to `a` actually reaches when `a` is unspecified (0.0.0.0, :: and the
// mapped ::ffff:0.0.0.0 all mean "this host" to Linux's connect()), else nullopt.
std::optional<std::array<uint8_t, 16>> LoopbackEquivalent(const std::array<uint8_t, 16>& a) {
  if (IsMapped(a) && IsZero(a.data() + 12, 4)) {
    static constexpr uint8_t kLoopback4[4] = {127, 0, 0, 1};
    return FromIpv4(kLoopback4);
  }
  if (IsZero(a.data(), 16)) {
    std::array<uint8_t, 16> loopback6{};
    loopback6[15] = 1;
    return loopback6;
  }
  return std::nullopt;
}

}  // namespace

std::array<uint8_t, 16> MappedBytes(const SocketAddress& address) {
  if (address.family() == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&address.storage);
    return FromIpv4(reinterpret_cast<const uint8_t*>(&in->sin_addr));
  }
  std::array<uint8_t, 16> out{};
  if (address.family() == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address.storage);
    memcpy(out.data(), &in6->sin6_addr, 16);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// CidrBlock

absl::StatusOr<CidrBlock> CidrBlock::Parse(std::string_view text) {
  auto invalid = [&](std::string_view reason) {
    return absl::InvalidArgumentError("Invalid CIDR block \"" + std::string(text) + "\": " +
                                      std::string(reason));
  };
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return invalid("it has no prefix length (write 10.0.0.0/8, or 10.0.0.1/32 for one address)");
  }
  std::string_view address = text.substr(0, slash);
  std::string_view length = text.substr(slash + 1);
  bool bracketed = address.size() >= 2 && address.front() == '[' && address.back() == ']';
  std::string bare(bracketed ? address.substr(1, address.size() - 2) : address);
  // inet_pton takes dotted-decimal IPv4 only (no "10.1", no octal or hex parts, no leading
  // zeros) and IPv6 without a zone ("fe80::1%eth0" is refused: a zone is not part of a block).
  // A NUL would end the text early for inet_pton.
  uint8_t raw[16];
  bool v4 = false;
  std::string not_an_address = "\"" + std::string(address) + "\" is not an IPv4 or IPv6 address";
  if (bare.find('\0') != std::string::npos) return invalid(not_an_address);
  if (inet_pton(AF_INET, bare.c_str(), raw) == 1) {
    if (bracketed) return invalid("brackets are for IPv6 addresses only");
    v4 = true;
  } else if (inet_pton(AF_INET6, bare.c_str(), raw) != 1) {
    return invalid(not_an_address);
  }
  int max = v4 ? 32 : 128;
  std::string range = v4 ? "0 to 32 for IPv4" : "0 to 128 for IPv6";
  bool digits = !length.empty() &&
                std::all_of(length.begin(), length.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || (length.size() > 1 && length.front() == '0')) {
    return invalid("the prefix length \"" + std::string(length) + "\" is not a number from " + range);
  }
  if (length.size() > 3 || std::stoi(std::string(length)) > max) {
    return invalid("the prefix length " + std::string(length) + " is out of range (" + range + ")");
  }
  int prefix = std::stoi(std::string(length));

  CidrBlock block;
  block.text_ = std::string(text);
  if (v4) {
    block.network_ = FromIpv4(raw);
    block.prefix_ = 96 + prefix;
  } else {
    memcpy(block.network_.data(), raw, 16);
    block.prefix_ = prefix;
  }
  for (int bit = block.prefix_; bit < 128; bit++) {
    block.network_[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
  }
  return block;
}

bool CidrBlock::Contains(const std::array<uint8_t, 16>& address) const {
  int whole = prefix_ / 8;
  if (memcmp(address.data(), network_.data(), whole) != 0) return false;
  int rest = prefix_ % 8;
  if (rest == 0) return true;
  auto mask = static_cast<uint8_t>(0xff00u >> rest);
  return (address[whole] & mask) == network_[whole];
}

bool CidrBlock::Contains(const SocketAddress& address) const {
  if (address.family() != AF_INET && address.family() != AF_INET6) return false;
  return Contains(MappedBytes(address));
}

std::string CidrBlock::Canonical() const {
  char buf[INET6_ADDRSTRLEN] = {0};
  inet_ntop(AF_INET6, network_.data(), buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(prefix_);
}

// ---------------------------------------------------------------------------------------------
// AddressFilter

absl::StatusOr<std::shared_ptr<const AddressFilter>> AddressFilter::Create(
    std::span<const std::string> cidrs) {
  std::shared_ptr<AddressFilter> filter(new AddressFilter());
  std::vector<std::string> canonical;
  for (const std::string& text : cidrs) {
    absl::StatusOr<CidrBlock> block = CidrBlock::Parse(text);
    if (!block.ok()) return block.status();
    canonical.push_back(block->Canonical());
    filter->blocks_.push_back(std::move(*block));
  }
  std::sort(canonical.begin(), canonical.end());
  canonical.erase(std::unique(canonical.begin(), canonical.end()), canonical.end());
  for (const std::string& c : canonical) filter->key_ += (filter->key_.empty() ? "" : ",") + c;
  return std::shared_ptr<const AddressFilter>(std::move(filter));
}

const CidrBlock* AddressFilter::Denies(const SocketAddress& address) const {
  if (address.family() != AF_INET && address.family() != AF_INET6) return nullptr;
  std::array<uint8_t, 16> bytes = MappedBytes(address);
  std::optional<std::array<uint8_t, 16>> loopback = LoopbackEquivalent(bytes);
  for (const CidrBlock& block : blocks_) {
    if (block.Contains(bytes) || (loopback && block.Contains(*loopback))) return &block;
  }
  return nullptr;
}

std::optional<AddressFilter::Match> AddressFilter::FirstDenied(
    std::span<const SocketAddress> addresses) const {
  for (const SocketAddress& address : addresses) {
    if (const CidrBlock* block = Denies(address)) return Match{address, block};
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// The denial as a status

absl::Status AddressDeniedError(const AddressDenial& denial) {
  absl::Status status =
      absl::PermissionDeniedError("connecting to " + denial.host_port + " is not permitted: " +
                                  denial.address + " is in the denied block " + denial.cidr);
  // The address and the block cannot hold a newline (they parsed as IP text); the host, which
  // might, comes last and takes the rest.
  status.SetPayload(kDenialPayload,
                    absl::Cord(denial.address + "\n" + denial.cidr + "\n" + denial.host_port));
  return status;
}

std::optional<AddressDenial> GetAddressDenial(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kPermissionDenied) return std::nullopt;
  absl::optional<absl::Cord> payload = status.GetPayload(kDenialPayload);
  if (!payload) return std::nullopt;
  std::string flat(*payload);
  size_t first = flat.find('\n');
  size_t second = first == std::string::npos ? std::string::npos : flat.find('\n', first + 1);
  if (second == std::string::npos) return std::nullopt;
  return AddressDenial{flat.substr(0, first), flat.substr(first + 1, second - first - 1),
                       flat.substr(second + 1)};
}

}  // namespace dw::io
