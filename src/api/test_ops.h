// Ops only `dynworker test` offers (through `dynworker:test`): real `dynworker serve` child
// processes, for tests of what survives a restart and of several processes sharing a state
// directory.
#pragma once

#include <span>

#include "jsg/ops.h"

namespace dw::api {

// Turns the test ops on for this process (`dynworker test` does, before any worker runs).
void EnableTestOps();

// testServeStart, testServeStop, testServeOutput (js/README.md).
std::span<const jsg::OpDef> TestOps();

}  // namespace dw::api
