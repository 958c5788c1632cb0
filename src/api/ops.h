// The op table of the Workers API: every native operation the runtime's JS can reach through
// `internal:ops` (see js/README.md for what each does).
#pragma once

#include <span>

#include "jsg/ops.h"

namespace dw::api {

std::span<const jsg::OpDef> AllOps();

// Starts `realm`'s clocks (performance.now(), performance.timeOrigin) again from now: for an
// isolate prepared ahead of demand, whose worker starts later than its realm was made.
void RestartClocks(jsg::Realm& realm);

// Timer state lives with the realm; the runtime creates it next to each realm.
class TimerTable;

}  // namespace dw::api
