// The ops behind fetch() (js/internal/fetch.js): HTTP/1.1 exchanges of the realm's
// io::HttpClient, referred to from JS by number. Redirects, decoding, data: URLs and aborts
// are decided in JS; these ops move a request out and a response back.
//
// One io::HttpClient per realm (its keep-alive pool lives as long as the realm). https: trusts
// the system store as OpenSSL finds it (SSL_CERT_FILE / SSL_CERT_DIR when set) plus, when the
// environment variable DYNWORKER_EXTRA_CA_FILE names a PEM file, the certificates in it (tests
// use it to trust a private CA). DYNWORKER_FETCH_TIMEOUT_MS, when set, limits how long
// connecting and waiting for a response head may take (no limit by default, as in Workers).
#pragma once

#include <span>

#include "jsg/ops.h"

namespace dw::api {

std::span<const jsg::OpDef> FetchOps();

// Whether the realm has fetch exchanges in flight (hang detection: loader.md section 5).
bool FetchesInFlight(jsg::Realm& realm);

}  // namespace dw::api
