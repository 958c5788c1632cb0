// The egress audit log of sandboxes (egress-policy.md section 5): one JSON line per decision,
// written by the policy (js/internal/sandbox.js) through the `egressLog` op. The command line
// (`--egress-log FILE|-`) opens it before any worker runs; without it the policy builds no
// lines at all.
#pragma once

#include <span>
#include <string>

#include "absl/status/status.h"
#include "jsg/ops.h"

namespace dw::api {

// Opens `path` for appending ("-" is stderr). Lines are written whole and flushed at once, so
// a crash loses none and two processes appending to one file do not interleave within a line.
absl::Status OpenEgressLog(const std::string& path);

// Whether a log is open (tests).
bool EgressLogOpen();

// The ops: `egressLogEnabled()` and `egressLog(line)` (a newline is added).
std::span<const jsg::OpDef> EgressLogOps();

}  // namespace dw::api
