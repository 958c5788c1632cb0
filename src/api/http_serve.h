// Delivers requests of an io::HttpServer into a realm's JS (`internal:serve`), and the ops
// through which that JS reads request bodies and writes responses.
#pragma once

#include <memory>
#include <span>

#include "io/http_server.h"
#include "jsg/ops.h"
#include "jsg/realm.h"

namespace dw::api {

std::span<const jsg::OpDef> HttpServeOps();

struct ServeOptions {
  bool log_requests = true;  // one line per request: method, path, status, time
};

// Hands `exchange` to the realm's `serveRequest` hook with `server_id` (0: the worker's own
// fetch handler under `dynworker serve`; others: servers JS started with the httpListen op,
// e.g. dynworker:test's serve()). Runs on the loop thread, outside any CallbackScope.
void DispatchHttpRequest(jsg::Realm& realm, std::shared_ptr<io::HttpExchange> exchange,
                         const ServeOptions& options, double server_id = 0);

// Requests whose response has not ended (for graceful shutdown reporting).
size_t InFlightRequests(jsg::Realm& realm);

}  // namespace dw::api
