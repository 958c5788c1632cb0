// Outbound TCP/TLS connections for `connect()` from `cloudflare:sockets` (js/internal/sockets.js):
// ops over io::TcpStream. JS holds connections by number; every asynchronous step is a promise
// settled from the libuv callback inside a jsg::Realm::CallbackScope. Connections still open
// when the realm goes away are closed with it, their callbacks dropped.
#pragma once

#include <span>

#include "jsg/ops.h"

namespace dw::api {

std::span<const jsg::OpDef> SocketOps();

// Whether JS waits on any socket operation of the realm (hang detection).
bool SocketOpsInFlight(jsg::Realm& realm);

}  // namespace dw::api
