// V8's per-isolate lookup caches (megamorphic stub caches, inner-pointer cache) are cleared by
// giving their pages back to the kernel: see lookup_caches.cc.
#pragma once

#include <cstdint>

namespace dw::jsg {

// How many times this process has cleared a stub cache by releasing its pages (twice per new
// isolate, twice per mark-compact). Zero means V8's own Clear runs (another V8, or the
// interposition is not linked in).
uint64_t LookupCacheReleases();

}  // namespace dw::jsg
