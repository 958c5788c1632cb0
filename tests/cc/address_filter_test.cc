// io::CidrBlock and io::AddressFilter (IPv4, IPv6, IPv4-mapped, the edges of the prefix range,
// malformed blocks), and the filter on real connections: io::TcpStream and io::HttpClient
// against loopback servers, where a denied address must not even be connected to (the server
// accepts nothing) and the keep-alive pool must not hand a filtered request a connection made
// without that filter.
#include "io/address_filter.h"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "io/http_client.h"
#include "io/tcp.h"
#include "net_fixture.h"
#include "test_util.h"

namespace dw {
namespace {

using io::AddressDenial;
using io::AddressFilter;
using io::CidrBlock;
using io::SocketAddress;
using io::TcpStream;
using io::TcpStreamOptions;
using io::TlsMode;
using testing::net::RunFor;
using testing::net::RunUntil;
using testing::net::ServerConn;
using testing::net::TestRequest;
using testing::net::TestServer;

SocketAddress Addr(const std::string& ip, int port = 80) {
  sockaddr_storage ss{};
  if (ip.find(':') != std::string::npos) {
    EXPECT_EQ(uv_ip6_addr(ip.c_str(), port, reinterpret_cast<sockaddr_in6*>(&ss)), 0) << ip;
  } else {
    EXPECT_EQ(uv_ip4_addr(ip.c_str(), port, reinterpret_cast<sockaddr_in*>(&ss)), 0) << ip;
  }
  return *SocketAddress::FromSockaddr(reinterpret_cast<sockaddr*>(&ss));
}

CidrBlock Block(const std::string& text) {
  auto block = CidrBlock::Parse(text);
  EXPECT_TRUE(block.ok()) << block.status();
  return *block;
}

bool In(const std::string& cidr, const std::string& ip) { return Block(cidr).Contains(Addr(ip)); }

std::shared_ptr<const AddressFilter> Filter(std::vector<std::string> cidrs) {
  auto filter = AddressFilter::Create(cidrs);
  EXPECT_TRUE(filter.ok()) << filter.status();
  return filter.ok() ? *filter : nullptr;
}

// The CIDR text of the block that denies `ip`, or "" when none does.
std::string DeniedBy(const std::shared_ptr<const AddressFilter>& filter, const std::string& ip) {
  const CidrBlock* block = filter->Denies(Addr(ip));
  return block ? block->text() : "";
}

std::string ParseError(const std::string& text) {
  auto block = CidrBlock::Parse(text);
  EXPECT_FALSE(block.ok()) << text << " parsed";
  EXPECT_EQ(block.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(block.status().message());
}

// ---------------------------------------------------------------------------------------------
// Blocks

TEST(CidrBlockTest, Ipv4) {
  EXPECT_TRUE(In("10.0.0.0/8", "10.0.0.0"));
  EXPECT_TRUE(In("10.0.0.0/8", "10.0.0.1"));
  EXPECT_TRUE(In("10.0.0.0/8", "10.255.255.255"));
  EXPECT_FALSE(In("10.0.0.0/8", "11.0.0.0"));
  EXPECT_FALSE(In("10.0.0.0/8", "9.255.255.255"));
  // A prefix that is not a whole number of bytes.
  EXPECT_TRUE(In("172.16.0.0/12", "172.31.255.255"));
  EXPECT_FALSE(In("172.16.0.0/12", "172.32.0.0"));
  EXPECT_FALSE(In("172.16.0.0/12", "172.15.255.255"));
  EXPECT_TRUE(In("10.128.0.0/9", "10.200.0.1"));
  EXPECT_FALSE(In("10.128.0.0/9", "10.1.0.0"));
  // Address bits past the prefix are ignored.
  EXPECT_TRUE(In("10.1.2.3/8", "10.9.9.9"));
}

TEST(CidrBlockTest, Ipv4Edges) {
  EXPECT_TRUE(In("127.0.0.1/32", "127.0.0.1"));
  EXPECT_FALSE(In("127.0.0.1/32", "127.0.0.2"));
  EXPECT_FALSE(In("127.0.0.1/32", "127.0.0.0"));
  EXPECT_TRUE(In("255.255.255.255/32", "255.255.255.255"));
  for (const char* ip : {"0.0.0.0", "1.2.3.4", "255.255.255.255", "::ffff:8.8.8.8"}) {
    EXPECT_TRUE(In("0.0.0.0/0", ip)) << ip;
  }
  // IPv4 /0 is all of IPv4, not all of IPv6.
  EXPECT_FALSE(In("0.0.0.0/0", "::1"));
  EXPECT_FALSE(In("0.0.0.0/0", "2001:db8::1"));
  EXPECT_FALSE(In("0.0.0.0/0", "::"));
}

TEST(CidrBlockTest, Ipv6) {
  EXPECT_TRUE(In("fd00::/8", "fd00::1"));
  EXPECT_TRUE(In("fd00::/8", "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
  EXPECT_FALSE(In("fd00::/8", "fc00::1"));
  EXPECT_FALSE(In("fd00::/8", "fe00::"));
  EXPECT_TRUE(In("fe80::/10", "febf::1"));
  EXPECT_FALSE(In("fe80::/10", "fec0::1"));
  EXPECT_TRUE(In("2001:db8::/65", "2001:db8::7fff:ffff:ffff:ffff"));
  EXPECT_FALSE(In("2001:db8::/65", "2001:db8::8000:0:0:0"));
  EXPECT_TRUE(In("[fd00::]/8", "fd12::1"));  // brackets are accepted around IPv6
  // IPv6 blocks hold no plain IPv4 address outside the mapped range.
  EXPECT_FALSE(In("fd00::/8", "10.0.0.1"));
}

TEST(CidrBlockTest, Ipv6Edges) {
  EXPECT_TRUE(In("::1/128", "::1"));
  EXPECT_FALSE(In("::1/128", "::2"));
  EXPECT_FALSE(In("::1/128", "::"));
  EXPECT_TRUE(In("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
  EXPECT_TRUE(In("::/0", "::"));
  EXPECT_TRUE(In("::/0", "2001:db8::1"));
  EXPECT_TRUE(In("::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
  // Every IPv4 address is an IPv6 address in mapped form, so ::/0 holds it too (denying more,
  // never less: a socket reaches 10.0.0.1 through ::ffff:10.0.0.1 as well).
  EXPECT_TRUE(In("::/0", "10.0.0.1"));
}

TEST(CidrBlockTest, Ipv4MappedIpv6) {
  EXPECT_TRUE(In("10.0.0.0/8", "::ffff:10.0.0.1"));
  EXPECT_TRUE(In("10.0.0.0/8", "::ffff:a00:1"));  // the same address, written in hex
  EXPECT_FALSE(In("10.0.0.0/8", "::ffff:11.0.0.1"));
  EXPECT_TRUE(In("127.0.0.1/32", "::ffff:127.0.0.1"));
  EXPECT_TRUE(In("::ffff:10.0.0.0/104", "10.1.2.3"));
  EXPECT_TRUE(In("::ffff:10.0.0.0/104", "::ffff:10.1.2.3"));
  EXPECT_FALSE(In("::ffff:10.0.0.0/104", "11.0.0.1"));
  EXPECT_TRUE(In("::ffff:0:0/96", "192.168.1.1"));
  // Only the mapped form: IPv4-compatible and NAT64 addresses are plain IPv6.
  EXPECT_FALSE(In("10.0.0.0/8", "::10.0.0.1"));
  EXPECT_FALSE(In("10.0.0.0/8", "64:ff9b::10.0.0.1"));
}

TEST(CidrBlockTest, TextAndCanonicalForm) {
  EXPECT_EQ(Block("10.1.2.3/8").text(), "10.1.2.3/8");
  EXPECT_EQ(Block("10.1.2.3/8").Canonical(), "::ffff:10.0.0.0/104");
  EXPECT_EQ(Block("FD00::/8").Canonical(), "fd00::/8");
  EXPECT_EQ(Block("[fd00::]/8").Canonical(), "fd00::/8");
  EXPECT_EQ(Block("0.0.0.0/0").Canonical(), "::ffff:0.0.0.0/96");
  EXPECT_EQ(Block("::/0").Canonical(), "::/0");
}

TEST(CidrBlockTest, MalformedBlocksAreRefusedWithAReason) {
  EXPECT_EQ(ParseError("10.0.0.0"),
            "Invalid CIDR block \"10.0.0.0\": it has no prefix length (write 10.0.0.0/8, or "
            "10.0.0.1/32 for one address)");
  EXPECT_EQ(ParseError(""),
            "Invalid CIDR block \"\": it has no prefix length (write 10.0.0.0/8, or 10.0.0.1/32 "
            "for one address)");
  EXPECT_EQ(ParseError("10.0.0.0/33"),
            "Invalid CIDR block \"10.0.0.0/33\": the prefix length 33 is out of range (0 to 32 for "
            "IPv4)");
  EXPECT_EQ(ParseError("fd00::/129"),
            "Invalid CIDR block \"fd00::/129\": the prefix length 129 is out of range (0 to 128 "
            "for IPv6)");
  EXPECT_EQ(ParseError("::ffff:10.0.0.0/1000"),
            "Invalid CIDR block \"::ffff:10.0.0.0/1000\": the prefix length 1000 is out of range "
            "(0 to 128 for IPv6)");
  EXPECT_EQ(ParseError("10.0.0.0/"),
            "Invalid CIDR block \"10.0.0.0/\": the prefix length \"\" is not a number from 0 to 32 "
            "for IPv4");
  EXPECT_EQ(ParseError("10.0.0.0/08"),
            "Invalid CIDR block \"10.0.0.0/08\": the prefix length \"08\" is not a number from 0 "
            "to 32 for IPv4");
  for (const char* length : {"-1", "+8", "8x", " 8", "8/8", "0x8"}) {
    DW_EXPECT_CONTAINS(ParseError(std::string("10.0.0.0/") + length),
                       std::string("the prefix length \"") + length + "\" is not a number");
  }
  EXPECT_EQ(ParseError("10.0.0/8"),
            "Invalid CIDR block \"10.0.0/8\": \"10.0.0\" is not an IPv4 or IPv6 address");
  EXPECT_EQ(ParseError("[10.0.0.0]/8"),
            "Invalid CIDR block \"[10.0.0.0]/8\": brackets are for IPv6 addresses only");
  for (const char* address : {"example.com", "010.0.0.0", "10.0.0.256", " 10.0.0.0", "10.0.0.0 ",
                              "0x0a.0.0.0", "fe80::1%eth0", "fd00:::1", "[fd00::", "::ffff:10.0.0",
                              "1.2.3.4.5", ""}) {
    DW_EXPECT_CONTAINS(ParseError(std::string(address) + "/8"), "is not an IPv4 or IPv6 address");
  }
  // A NUL must not end the address early (inet_pton would stop there).
  DW_EXPECT_CONTAINS(ParseError(std::string("10.0.0.0\0/8", 11)), "is not an IPv4 or IPv6 address");
}

// ---------------------------------------------------------------------------------------------
// Filters

TEST(AddressFilterTest, TheFirstMatchingBlockIsNamed) {
  auto filter = Filter({"10.0.0.0/8", "127.0.0.0/8", "::1/128", "10.1.0.0/16"});
  EXPECT_EQ(DeniedBy(filter, "10.1.2.3"), "10.0.0.0/8");
  EXPECT_EQ(DeniedBy(filter, "::ffff:127.0.0.5"), "127.0.0.0/8");
  EXPECT_EQ(DeniedBy(filter, "::1"), "::1/128");
  EXPECT_EQ(DeniedBy(filter, "8.8.8.8"), "");
  EXPECT_EQ(DeniedBy(filter, "2001:db8::1"), "");
}

TEST(AddressFilterTest, TheUnspecifiedAddressIsDeniedWhenLoopbackIs) {
  // Linux connects 0.0.0.0 and :: to this host: a deny of loopback must cover them.
  auto v4 = Filter({"127.0.0.0/8"});
  EXPECT_EQ(DeniedBy(v4, "0.0.0.0"), "127.0.0.0/8");
  EXPECT_EQ(DeniedBy(v4, "::ffff:0.0.0.0"), "127.0.0.0/8");
  EXPECT_EQ(DeniedBy(v4, "::"), "");
  auto v6 = Filter({"::1/128"});
  EXPECT_EQ(DeniedBy(v6, "::"), "::1/128");
  EXPECT_EQ(DeniedBy(v6, "0.0.0.0"), "");
  EXPECT_EQ(DeniedBy(Filter({"10.0.0.0/8"}), "0.0.0.0"), "");
  EXPECT_EQ(DeniedBy(Filter({"0.0.0.0/32"}), "0.0.0.0"), "0.0.0.0/32");
}

TEST(AddressFilterTest, OneDeniedAddressDeniesTheWholeAnswer) {
  auto filter = Filter({"10.0.0.0/8", "fd00::/8"});
  std::vector<SocketAddress> mixed = {Addr("93.184.216.34"), Addr("2606:2800:220:1::1"),
                                      Addr("10.0.0.7"), Addr("fd00::7")};
  auto match = filter->FirstDenied(mixed);
  ASSERT_TRUE(match.has_value());
  EXPECT_EQ(match->address.Ip(), "10.0.0.7");
  EXPECT_EQ(match->block->text(), "10.0.0.0/8");
  std::vector<SocketAddress> public_only = {Addr("93.184.216.34"), Addr("2606:2800:220:1::1")};
  EXPECT_FALSE(filter->FirstDenied(public_only).has_value());
  EXPECT_FALSE(filter->FirstDenied({}).has_value());
}

TEST(AddressFilterTest, KeyIsTheSameForFiltersThatDecideAlike) {
  EXPECT_EQ(Filter({"10.0.0.0/8", "fd00::/8"})->key(),
            Filter({"FD00::/8", "10.1.0.0/8", "10.0.0.0/8", "[fd00::]/8"})->key());
  EXPECT_EQ(Filter({"10.0.0.0/8"})->key(), Filter({"::ffff:10.0.0.0/104"})->key());
  EXPECT_NE(Filter({"10.0.0.0/8"})->key(), Filter({"10.0.0.0/9"})->key());
  EXPECT_NE(Filter({"10.0.0.0/8"})->key(), Filter({"10.0.0.0/8", "::1/128"})->key());
}

TEST(AddressFilterTest, CreateReportsTheFirstMalformedBlock) {
  std::vector<std::string> cidrs = {"10.0.0.0/8", "fd00::/200", "nonsense"};
  auto filter = AddressFilter::Create(cidrs);
  ASSERT_FALSE(filter.ok());
  EXPECT_EQ(filter.status().message(),
            "Invalid CIDR block \"fd00::/200\": the prefix length 200 is out of range (0 to 128 "
            "for IPv6)");
}

TEST(AddressFilterTest, TheDenialTravelsWithTheStatus) {
  absl::Status status = io::AddressDeniedError({"10.0.0.1", "10.0.0.0/8", "example.com:443"});
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(status.message(),
            "connecting to example.com:443 is not permitted: 10.0.0.1 is in the denied block "
            "10.0.0.0/8");
  auto denial = io::GetAddressDenial(status);
  ASSERT_TRUE(denial.has_value());
  EXPECT_EQ(denial->address, "10.0.0.1");
  EXPECT_EQ(denial->cidr, "10.0.0.0/8");
  EXPECT_EQ(denial->host_port, "example.com:443");
  EXPECT_FALSE(io::GetAddressDenial(absl::PermissionDeniedError(status.message())).has_value());
  EXPECT_FALSE(io::GetAddressDenial(absl::UnavailableError("connection refused")).has_value());
  EXPECT_FALSE(io::GetAddressDenial(absl::OkStatus()).has_value());
}

// ---------------------------------------------------------------------------------------------
// TcpStream

void Echo(ServerConn& c) {
  char buf[4096];
  for (;;) {
    size_t n = c.RecvSome(buf, sizeof buf);
    if (n == 0 || !c.SendAll(std::string_view(buf, n))) return;
  }
}

class FilteredTcpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { testing::net::IgnoreSigpipe(); }

  // Connects and runs the loop until the outcome.
  absl::Status Connect(const std::shared_ptr<TcpStream>& s, const std::string& host, int port) {
    bool done = false;
    absl::Status result;
    s->Connect(host, port, TlsMode::kOff, [&](absl::Status st) {
      done = true;
      result = st;
    });
    EXPECT_TRUE(RunUntil(loop_, [&] { return done; })) << "no connect outcome";
    return result;
  }

  std::shared_ptr<TcpStream> Stream(std::vector<std::string> cidrs) {
    TcpStreamOptions options;
    options.address_filter = Filter(std::move(cidrs));
    return TcpStream::Create(loop_, std::move(options));
  }

  // The server saw no connection: its acceptor polls every 10 ms, so a connect would show.
  static void ExpectNothingAccepted(io::EventLoop& loop, const TestServer& server) {
    RunFor(loop, 100);
    EXPECT_EQ(server.accepts(), 0);
  }

  io::EventLoop loop_;
};

TEST_F(FilteredTcpTest, ADeniedAddressIsNeverConnectedTo) {
  TestServer server(Echo);
  std::string port = std::to_string(server.port());
  auto s = Stream({"10.0.0.0/8", "127.0.0.0/8"});
  bool done = false;
  absl::Status st;
  s->Connect("127.0.0.1", server.port(), TlsMode::kOff, [&](absl::Status result) {
    done = true;
    st = result;
  });
  // Written while resolving: held for the connection, then failed with its error.
  std::string written_error;
  s->Write("x", [&](absl::Status result) { written_error = std::string(result.message()); });
  ASSERT_TRUE(RunUntil(loop_, [&] { return done; }));
  EXPECT_EQ(st.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(st.message(), "connecting to 127.0.0.1:" + port +
                              " is not permitted: 127.0.0.1 is in the denied block 127.0.0.0/8");
  auto denial = io::GetAddressDenial(st);
  ASSERT_TRUE(denial.has_value());
  EXPECT_EQ(denial->address, "127.0.0.1");
  EXPECT_EQ(denial->cidr, "127.0.0.0/8");
  EXPECT_EQ(denial->host_port, "127.0.0.1:" + port);
  EXPECT_EQ(written_error, st.message());  // a write held for the connection fails with it
  EXPECT_FALSE(s->is_open());
  ExpectNothingAccepted(loop_, server);
}

TEST_F(FilteredTcpTest, AnAllowedAddressConnects) {
  TestServer server(Echo);
  auto s = Stream({"10.0.0.0/8", "::1/128", "fd00::/8"});
  ASSERT_TRUE(Connect(s, "127.0.0.1", server.port()).ok());
  bool got = false;
  s->Write("ping", nullptr);
  std::string data;
  s->Read([&](std::string_view chunk, bool, std::string_view) {
    data = std::string(chunk);
    got = true;
  });
  ASSERT_TRUE(RunUntil(loop_, [&] { return got; }));
  EXPECT_EQ(data, "ping");
  EXPECT_EQ(server.accepts(), 1);
  s->Close();
}

TEST_F(FilteredTcpTest, LocalhostIsCheckedByTheAddressItResolvesTo) {
  TestServer server(Echo);
  std::string port = std::to_string(server.port());
  // localhost is 127.0.0.1 (and on some machines also ::1): both denied.
  auto denied = Stream({"127.0.0.0/8", "::1/128"});
  absl::Status st = Connect(denied, "localhost", server.port());
  EXPECT_EQ(st.code(), absl::StatusCode::kPermissionDenied) << st;
  auto denial = io::GetAddressDenial(st);
  ASSERT_TRUE(denial.has_value());
  EXPECT_EQ(denial->host_port, "localhost:" + port);
  EXPECT_TRUE(denial->address == "127.0.0.1" || denial->address == "::1") << denial->address;
  ExpectNothingAccepted(loop_, server);

  auto allowed = Stream({"10.0.0.0/8"});
  EXPECT_TRUE(Connect(allowed, "localhost", server.port()).ok());
  EXPECT_TRUE(RunUntil(loop_, [&] { return server.accepts() == 1; }));
  allowed->Close();
}

TEST_F(FilteredTcpTest, IpLiteralsAreCheckedInEveryForm) {
  TestServer v4(Echo);
  TestServer v6(Echo, nullptr, /*ipv6=*/true);
  auto mapped = Stream({"127.0.0.0/8"});
  absl::Status st = Connect(mapped, "::ffff:127.0.0.1", v4.port());
  EXPECT_EQ(st.message(), "connecting to [::ffff:127.0.0.1]:" + std::to_string(v4.port()) +
                              " is not permitted: ::ffff:127.0.0.1 is in the denied block 127.0.0.0/8");
  auto unspecified = Stream({"127.0.0.0/8"});
  st = Connect(unspecified, "0.0.0.0", v4.port());
  EXPECT_EQ(st.message(), "connecting to 0.0.0.0:" + std::to_string(v4.port()) +
                              " is not permitted: 0.0.0.0 is in the denied block 127.0.0.0/8");
  auto bracketed = Stream({"::1/128"});
  st = Connect(bracketed, "[::1]", v6.port());
  EXPECT_EQ(st.message(), "connecting to [::1]:" + std::to_string(v6.port()) +
                              " is not permitted: ::1 is in the denied block ::1/128");
  RunFor(loop_, 100);
  EXPECT_EQ(v4.accepts(), 0);
  EXPECT_EQ(v6.accepts(), 0);

  // The IPv6 server is reachable when only IPv4 loopback is denied.
  auto other_family = Stream({"127.0.0.0/8"});
  EXPECT_TRUE(Connect(other_family, "::1", v6.port()).ok());
  other_family->Close();
}

TEST_F(FilteredTcpTest, AStreamWithoutAFilterIsUnchanged) {
  TestServer server(Echo);
  auto s = TcpStream::Create(loop_);
  EXPECT_TRUE(Connect(s, "127.0.0.1", server.port()).ok());
  ASSERT_TRUE(s->peer().has_value());
  EXPECT_EQ(s->peer()->ToString(), "127.0.0.1:" + std::to_string(server.port()));
  s->Close();
}

// ---------------------------------------------------------------------------------------------
// HttpClient

// Answers every request on a keep-alive connection with "ok", counting requests.
TestServer::Handler CountingOk(std::atomic<int>* requests) {
  return [requests](ServerConn& c) {
    TestRequest req;
    while (c.ReadRequest(&req)) {
      (*requests)++;
      if (!c.SendAll("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")) return;
    }
  };
}

class FilteredHttpClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { testing::net::IgnoreSigpipe(); }

  struct Result {
    absl::Status status;  // of the head
    std::string body;
  };

  // GET url with `cidrs` denied (none when null), the body read to its end.
  Result Get(const std::string& url, const std::vector<std::string>* cidrs) {
    io::HttpClientRequest request;
    request.url = url;
    if (cidrs != nullptr) request.address_filter = Filter(*cidrs);
    auto ex = client_.Start(std::move(request));
    auto result = std::make_shared<Result>();
    auto done = std::make_shared<bool>(false);
    ex->OnHead([ex, result, done](absl::StatusOr<io::HttpClientResponseHead> head) {
      if (!head.ok()) {
        result->status = head.status();
        *done = true;
        return;
      }
      auto read = std::make_shared<std::function<void()>>();
      *read = [ex, result, done, read] {
        ex->ReadBody([ex, result, done, read](std::string_view chunk, bool end, std::string_view error) {
          if (!error.empty()) result->status = absl::UnavailableError(std::string(error));
          result->body.append(chunk);
          if (end) {
            *done = true;
            *read = nullptr;
          } else {
            (*read)();
          }
        });
      };
      (*read)();
    });
    EXPECT_TRUE(RunUntil(loop_, [&] { return *done; })) << "no outcome for " << url;
    return *result;
  }

  io::EventLoop loop_;
  io::HttpClient client_{loop_};
};

TEST_F(FilteredHttpClientTest, ADeniedHostIsNotConnectedTo) {
  std::atomic<int> requests{0};
  TestServer server(CountingOk(&requests));
  std::string port = std::to_string(server.port());
  std::vector<std::string> deny = {"127.0.0.0/8", "::1/128"};
  Result r = Get("http://127.0.0.1:" + port + "/", &deny);
  EXPECT_EQ(r.status.code(), absl::StatusCode::kPermissionDenied);
  auto denial = io::GetAddressDenial(r.status);
  ASSERT_TRUE(denial.has_value()) << r.status;
  EXPECT_EQ(denial->host_port, "127.0.0.1:" + port);
  EXPECT_EQ(denial->address, "127.0.0.1");
  EXPECT_EQ(denial->cidr, "127.0.0.0/8");

  r = Get("http://localhost:" + port + "/", &deny);
  ASSERT_TRUE(io::GetAddressDenial(r.status).has_value()) << r.status;
  EXPECT_EQ(io::GetAddressDenial(r.status)->host_port, "localhost:" + port);
  RunFor(loop_, 100);
  EXPECT_EQ(server.accepts(), 0);
  EXPECT_EQ(requests.load(), 0);
}

TEST_F(FilteredHttpClientTest, AnAllowedHostWorks) {
  std::atomic<int> requests{0};
  TestServer server(CountingOk(&requests));
  std::vector<std::string> deny = {"10.0.0.0/8"};
  Result r = Get("http://localhost:" + std::to_string(server.port()) + "/", &deny);
  EXPECT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.body, "ok");
  EXPECT_EQ(requests.load(), 1);
}

TEST_F(FilteredHttpClientTest, APooledConnectionIsNotReusedForARequestThatDeniesItsPeer) {
  std::atomic<int> requests{0};
  TestServer server(CountingOk(&requests));
  std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  // Allowed: an unfiltered request leaves a keep-alive connection to 127.0.0.1 in the pool.
  ASSERT_EQ(Get(url, nullptr).body, "ok");
  ASSERT_EQ(client_.idle_connections(), 1u);
  // Then denied: the pooled connection must not carry the request.
  std::vector<std::string> deny = {"127.0.0.0/8"};
  Result denied = Get(url, &deny);
  EXPECT_TRUE(io::GetAddressDenial(denied.status).has_value()) << denied.status;
  EXPECT_EQ(requests.load(), 1);
  EXPECT_EQ(server.accepts(), 1);
  EXPECT_EQ(client_.stats().connections_reused, 0u);
  // The idle connection is still there for requests it suits.
  EXPECT_EQ(client_.idle_connections(), 1u);
  EXPECT_EQ(Get(url, nullptr).body, "ok");
  EXPECT_EQ(client_.stats().connections_reused, 1u);
  EXPECT_EQ(server.accepts(), 1);
}

TEST_F(FilteredHttpClientTest, FilteredRequestsShareConnectionsOnlyUnderAnEqualFilter) {
  std::atomic<int> requests{0};
  TestServer server(CountingOk(&requests));
  std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  ASSERT_EQ(Get(url, nullptr).body, "ok");
  // A filter that allows 127.0.0.1 still gets a connection made under it, not the unfiltered one.
  std::vector<std::string> allow_loopback = {"10.0.0.0/8", "fd00::/8"};
  EXPECT_EQ(Get(url, &allow_loopback).body, "ok");
  EXPECT_EQ(server.accepts(), 2);
  // The same blocks written differently decide alike, so they share it.
  std::vector<std::string> same = {"fd00::/8", "10.0.0.0/8"};
  EXPECT_EQ(Get(url, &same).body, "ok");
  EXPECT_EQ(server.accepts(), 2);
  EXPECT_EQ(client_.stats().connections_reused, 1u);
  // A filter that denies the peer reuses neither.
  std::vector<std::string> deny = {"10.0.0.0/8", "fd00::/8", "127.0.0.1/32"};
  EXPECT_TRUE(io::GetAddressDenial(Get(url, &deny).status).has_value());
  EXPECT_EQ(requests.load(), 3);
  EXPECT_EQ(server.accepts(), 2);
}

}  // namespace
}  // namespace dw
