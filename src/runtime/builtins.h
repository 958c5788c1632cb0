// The runtime's embedded JS modules (generated from js/ by tools/js2c.py at build time).
#pragma once

#include <span>

#include "jsg/modules.h"

namespace dw::runtime {

std::span<const jsg::BuiltinModule> BuiltinModules();

}  // namespace dw::runtime
