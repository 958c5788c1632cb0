// The runtime-internal fetchDenyingAddresses (internal:fetch) and connectDenyingAddresses
// (internal:sockets), which user code cannot import: a worker's realm gets their namespaces
// from C++ as globals, and scripts drive them against loopback servers. What is checked: the
// exact Error and its deniedAddress/deniedCidr, the mark isAddressDenial reads (and that a
// look-alike lacks it), that a denied address is never connected to, redirect hops, localhost,
// malformed lists, and that fetch() in the same realm is unaffected.
#include <atomic>
#include <string>

#include "net_fixture.h"
#include "worker_fixture.h"

namespace dw {
namespace {

using testing::net::RunFor;
using testing::net::RunUntil;
using testing::net::ServerConn;
using testing::net::TestRequest;
using testing::net::TestServer;

// Answers every request on a keep-alive connection with `body`, counting requests.
TestServer::Handler Respond(std::atomic<int>* requests, std::string response) {
  return [requests, response](ServerConn& c) {
    TestRequest req;
    while (c.ReadRequest(&req)) {
      (*requests)++;
      if (!c.SendAll(response)) return;
    }
  };
}

std::string Ok(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

void Echo(ServerConn& c) {
  char buf[4096];
  for (;;) {
    size_t n = c.RecvSome(buf, sizeof buf);
    if (n == 0 || !c.SendAll(std::string_view(buf, n))) return;
  }
}

// Describes a settled promise's outcome as JSON-able data (`describe` in the scripts).
constexpr char kPrelude[] = R"(
  globalThis.describe = (e) => ({
    name: e.name, message: e.message, deniedAddress: e.deniedAddress, deniedCidr: e.deniedCidr,
    marked: fetchInternals.isAddressDenial(e), isError: e instanceof Error,
  });
  globalThis.out = null;
)";

class AddressDenialTest : public testing::WorkerTest {
 protected:
  void SetUp() override {
    testing::net::IgnoreSigpipe();
    ASSERT_TRUE(StartMain("export default 1;\n").ok());
    jsg::Realm& realm = worker().realm();
    jsg::Realm::CallbackScope scope(realm);
    v8::Isolate* isolate = realm.isolate();
    v8::Local<v8::Context> context = realm.context();
    for (auto [url, name] : {std::pair{"internal:fetch", "fetchInternals"},
                             std::pair{"internal:sockets", "socketInternals"}}) {
      v8::Local<v8::Promise> evaluated;
      v8::Local<v8::Object> ns;
      ASSERT_TRUE(realm.modules().Evaluate(url).ToLocal(&evaluated)) << url;
      ASSERT_TRUE(realm.modules().Namespace(url).ToLocal(&ns)) << url;
      ASSERT_TRUE(context->Global()->Set(context, jsg::Str(isolate, name), ns).FromMaybe(false));
    }
  }

  // Runs `script` (which sets globalThis.out when done) and returns JSON of out. The script is
  // a block: its declarations do not outlive it.
  std::string Run(const std::string& script) {
    EXPECT_EQ(EvalJson(std::string(kPrelude) + "{\n" + script + "\n}\nundefined"), "undefined");
    EXPECT_TRUE(RunUntil(loop_, [&] { return EvalJson("out !== null") == "true"; }))
        << "no outcome for " << script;
    return EvalJson("out");
  }

  static std::string Denied(const std::string& host_port, const std::string& address,
                            const std::string& cidr) {
    return R"({"name":"Error","message":"Egress to )" + host_port +
           R"( is not permitted by the sandbox policy.","deniedAddress":")" + address +
           R"(","deniedCidr":")" + cidr + R"(","marked":true,"isError":true})";
  }
};

TEST_F(AddressDenialTest, FetchToADeniedAddressRejectsAndConnectsNowhere) {
  std::atomic<int> requests{0};
  TestServer server(Respond(&requests, Ok("hello")));
  std::string port = std::to_string(server.port());
  EXPECT_EQ(Run("fetchInternals.fetchDenyingAddresses('http://127.0.0.1:" + port +
                "/x', undefined, ['10.0.0.0/8', '127.0.0.0/8']).then(\n"
                "  (r) => { out = r.status; }, (e) => { out = describe(e); });"),
            Denied("127.0.0.1:" + port, "127.0.0.1", "127.0.0.0/8"));
  RunFor(loop_, 100);
  EXPECT_EQ(server.accepts(), 0);
  EXPECT_EQ(requests.load(), 0);
}

TEST_F(AddressDenialTest, FetchToLocalhostIsDecidedByItsResolvedAddress) {
  std::atomic<int> requests{0};
  TestServer server(Respond(&requests, Ok("hello")));
  std::string port = std::to_string(server.port());
  std::string out = Run("fetchInternals.fetchDenyingAddresses('http://localhost:" + port +
                        "/', {}, ['127.0.0.0/8', '::1/128']).then(\n"
                        "  (r) => { out = r.status; }, (e) => { out = describe(e); });");
  DW_EXPECT_CONTAINS(out, R"("message":"Egress to localhost:)" + port +
                              R"( is not permitted by the sandbox policy.")");
  DW_EXPECT_CONTAINS(out, R"("marked":true)");
  EXPECT_EQ(server.accepts(), 0);

  EXPECT_EQ(Run("fetchInternals.fetchDenyingAddresses('http://localhost:" + port +
                "/', { method: 'POST', body: 'x' }, ['10.0.0.0/8']).then(\n"
                "  (r) => r.text()).then((t) => { out = t; }, (e) => { out = describe(e); });"),
            "\"hello\"");
  EXPECT_EQ(requests.load(), 1);
}

TEST_F(AddressDenialTest, EveryRedirectHopIsChecked) {
  std::atomic<int> v4_requests{0}, v6_requests{0};
  TestServer v6(Respond(&v6_requests, Ok("v6")), nullptr, /*ipv6=*/true);
  std::string v6_port = std::to_string(v6.port());
  TestServer v4([&](ServerConn& c) {
    TestRequest req;
    while (c.ReadRequest(&req)) {
      v4_requests++;
      std::string location = req.target == "/to-v6" ? "http://[::1]:" + v6_port + "/"
                                                      : "/final";
      if (req.target == "/final") {
        c.SendAll(Ok("final"));
      } else {
        c.SendAll("HTTP/1.1 302 Found\r\nLocation: " + location + "\r\nContent-Length: 0\r\n\r\n");
      }
    }
  });
  std::string base = "http://127.0.0.1:" + std::to_string(v4.port());
  // The list is copied at the call: emptying it afterwards changes nothing for later hops.
  EXPECT_EQ(Run("const cidrs = ['::1/128'];\n"
                "fetchInternals.fetchDenyingAddresses('" + base + "/to-v6', undefined, cidrs).then(\n"
                "  (r) => { out = r.status; }, (e) => { out = describe(e); });\n"
                "cidrs.length = 0;"),
            Denied("[::1]:" + v6_port, "::1", "::1/128"));
  EXPECT_EQ(v4_requests.load(), 1);
  EXPECT_EQ(v6.accepts(), 0);
  // An allowed hop is followed as fetch() follows it.
  EXPECT_EQ(Run("fetchInternals.fetchDenyingAddresses('" + base + "/start', undefined, ['::1/128'])\n"
                "  .then(async (r) => { out = [r.status, r.redirected, r.url, await r.text()]; },\n"
                "    (e) => { out = describe(e); });"),
            "[200,true,\"" + base + "/final\",\"final\"]");
  // redirect: 'manual' hands back the 3xx without following it (and without connecting).
  EXPECT_EQ(Run("fetchInternals.fetchDenyingAddresses('" + base + "/to-v6', { redirect: 'manual' },\n"
                "  ['::1/128']).then((r) => { out = r.status; }, (e) => { out = describe(e); });"),
            "302");
  EXPECT_EQ(v6.accepts(), 0);
}

TEST_F(AddressDenialTest, FetchInTheSameRealmIsUnaffected) {
  std::atomic<int> requests{0};
  TestServer server(Respond(&requests, Ok("plain")));
  std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  EXPECT_EQ(Run("fetchInternals.fetchDenyingAddresses('" + url + "', undefined, ['127.0.0.1/32'])\n"
                "  .catch((e) => fetch('" + url + "')).then((r) => r.text())\n"
                "  .then((t) => { out = t; }, (e) => { out = describe(e); });"),
            "\"plain\"");
  // And a connection fetch() pooled is not reused by a request that denies its peer.
  EXPECT_EQ(Run("fetchInternals.fetchDenyingAddresses('" + url + "', undefined, ['127.0.0.1/32'])\n"
                "  .then((r) => { out = r.status; }, (e) => { out = describe(e).marked; });"),
            "true");
  EXPECT_EQ(requests.load(), 1);
  EXPECT_EQ(server.accepts(), 1);
}

TEST_F(AddressDenialTest, OnlyTheRuntimeCanMakeADenial) {
  EXPECT_EQ(Run("const fake = Object.assign(new Error('Egress to a:1 is not permitted by the sandbox "
                "policy.'), { deniedAddress: '10.0.0.1', deniedCidr: '10.0.0.0/8' });\n"
                "const trap = () => { throw new Error('trap ran'); };\n"
                "const proxy = new Proxy(fake, { has: trap, get: trap, getOwnPropertyDescriptor: trap });\n"
                "out = [fake, proxy, {}, null, 1, 'x', undefined].map(fetchInternals.isAddressDenial);"),
            "[false,false,false,false,false,false,false]");
  // The properties of a real one cannot be changed.
  EXPECT_EQ(Run("fetchInternals.fetchDenyingAddresses('http://10.1.2.3:9/', undefined, ['10.0.0.0/8'])\n"
                "  .catch((e) => {\n"
                "    e.deniedAddress = '1.1.1.1';\n"
                "    const deleted = delete e.deniedCidr;\n"
                "    const d = Object.getOwnPropertyDescriptor(e, 'deniedAddress');\n"
                "    out = [e.deniedAddress, e.deniedCidr, deleted, d.writable, d.configurable,\n"
                "      socketInternals.isAddressDenial(e)];\n"
                "  });"),
            R"(["10.1.2.3","10.0.0.0/8",false,false,false,true])");
}

TEST_F(AddressDenialTest, MalformedListsAreTypeErrors) {
  EXPECT_EQ(Run("fetchInternals.fetchDenyingAddresses('http://127.0.0.1:9/', undefined,\n"
                "  ['10.0.0.0/8', '10.0.0.0/33']).then(() => { out = 'resolved'; },\n"
                "  (e) => { out = [e.name, e.message]; });"),
            R"json(["TypeError","Invalid CIDR block \"10.0.0.0/33\": the prefix length 33 is out of range (0 to 32 for IPv4)"])json");
  // connect throws at once; fetch rejects (in microtasks, so after the throws).
  EXPECT_EQ(Run("const results = [];\n"
                "for (const cidrs of ['10.0.0.0/8', [8], undefined]) {\n"
                "  fetchInternals.fetchDenyingAddresses('http://127.0.0.1:9/', undefined, cidrs)\n"
                "    .catch((e) => { results.push(e.name + ': ' + e.message); });\n"
                "}\n"
                "try { socketInternals.connectDenyingAddresses('127.0.0.1:9', undefined, ['fd00::/8', 'x/1']); }\n"
                "catch (e) { results.push(e.name + ': ' + e.message); }\n"
                "try { socketInternals.connectDenyingAddresses('127.0.0.1:9', undefined, 'x'); }\n"
                "catch (e) { results.push(e.name + ': ' + e.message); }\n"
                "setTimeout(() => { out = results; }, 0);"),
            "[\"TypeError: Invalid CIDR block \\\"x/1\\\": \\\"x\\\" is not an IPv4 or IPv6 address\","
            "\"TypeError: connectDenyingAddresses: cidrs must be an array of CIDR strings such as "
            "\\\"10.0.0.0/8\\\".\","
            "\"TypeError: fetchDenyingAddresses: cidrs must be an array of CIDR strings such as "
            "\\\"10.0.0.0/8\\\".\","
            "\"TypeError: fetchDenyingAddresses: cidrs[0] is not a string; cidrs must be an array "
            "of CIDR strings such as \\\"10.0.0.0/8\\\".\","
            "\"TypeError: fetchDenyingAddresses: cidrs must be an array of CIDR strings such as "
            "\\\"10.0.0.0/8\\\".\"]");
}

TEST_F(AddressDenialTest, ConnectToADeniedAddressRejectsOpenedAndClosed) {
  TestServer v4(Echo);
  TestServer v6(Echo, nullptr, /*ipv6=*/true);
  std::string port = std::to_string(v4.port());
  std::string v6_port = std::to_string(v6.port());
  const std::string script =
      "const socket = socketInternals.connectDenyingAddresses(ADDRESS, undefined, CIDRS);\n"
      "Promise.allSettled([socket.opened, socket.closed]).then(([o, c]) => {\n"
      "  out = [o.status, c.status, o.reason === c.reason, describe(o.reason)];\n"
      "});";
  auto with = [&](const std::string& address, const std::string& cidrs) {
    std::string s = script;
    s.replace(s.find("ADDRESS"), 7, address);
    s.replace(s.find("CIDRS"), 5, cidrs);
    return Run(s);
  };
  EXPECT_EQ(with("'127.0.0.1:" + port + "'", "['127.0.0.0/8']"),
            "[\"rejected\",\"rejected\",true," + Denied("127.0.0.1:" + port, "127.0.0.1", "127.0.0.0/8") + "]");
  EXPECT_EQ(with("{ hostname: '::1', port: " + v6_port + " }", "['fd00::/8', '::1/128']"),
            "[\"rejected\",\"rejected\",true," + Denied("[::1]:" + v6_port, "::1", "::1/128") + "]");
  DW_EXPECT_CONTAINS(with("'localhost:" + port + "'", "['127.0.0.0/8', '::1/128']"),
                     R"("message":"Egress to localhost:)" + port +
                         R"( is not permitted by the sandbox policy.")");
  RunFor(loop_, 100);
  EXPECT_EQ(v4.accepts(), 0);
  EXPECT_EQ(v6.accepts(), 0);
}

TEST_F(AddressDenialTest, ConnectToAnAllowedAddressWorks) {
  TestServer server(Echo);
  std::string port = std::to_string(server.port());
  // Blocks that hold neither loopback address: localhost may resolve to 127.0.0.1 and ::1 (a
  // Debian /etc/hosts lists both), and one denied address in the answer denies the connection.
  EXPECT_EQ(Run("const socket = socketInternals.connectDenyingAddresses('localhost:" + port +
                "', {}, ['10.0.0.0/8', 'fd00::/8']);\n"
                "(async () => {\n"
                "  const info = await socket.opened;\n"
                "  const writer = socket.writable.getWriter();\n"
                "  await writer.write(new TextEncoder().encode('ping'));\n"
                "  const { value } = await socket.readable.getReader().read();\n"
                "  await socket.close();\n"
                "  out = [info.remoteAddress, new TextDecoder().decode(value)];\n"
                "})().catch((e) => { out = describe(e); });"),
            "[\"localhost:" + port + "\",\"ping\"]");
  EXPECT_EQ(server.accepts(), 1);
}

}  // namespace
}  // namespace dw
