// V8's megamorphic stub caches without their resident memory.
//
// Every isolate has two stub caches (load and store), each a 60 KB table of
// {key, value, map} entries allocated with `new` in Isolate::Init. V8 fills them with its
// "cleared" pattern (the empty string, the Illegal builtin, Smi zero) when the isolate starts
// and after every mark-compact, so all 120 KB are resident in every isolate, also in the many
// retained dynamic workers whose megamorphic property accesses never touch most of them.
//
// All-zero entries are an equally valid cleared cache in this V8 (10.2): StubCache's
// constructor itself zero-fills the tables before Initialize() clears them; a lookup (C++ Get
// and the builtins' probe) compares the entry's key with a Name, which is never zero, so it
// misses; and Set only retires an old entry to the secondary table when its map is not a Smi,
// and zero is Smi zero. So this file interposes StubCache::Clear (libnode calls it through the
// PLT, from Initialize, MarkCompactCollector::Finish and %ClearMegamorphicStubCache) with a
// version that zeroes the tables by giving their whole pages back to the kernel
// (MADV_DONTNEED: they read as zero and cost nothing until an entry is written there).
//
// The layout (2048 + 512 entries of 24 bytes from `this`, then the Isolate*) is that of the V8
// in Debian's libnode108. Another V8 gets the original Clear, found with dlsym(RTLD_NEXT).

#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

#include "jsg/v8.h"

namespace {

constexpr size_t kTablesBytes = (2048 + 512) * 3 * sizeof(void*);
constexpr char kLayoutVersion[] = "10.2.154.26";

bool LayoutKnown() {
#ifdef V8_COMPRESS_POINTERS
  return false;  // 4-byte tagged values: another layout
#endif
  static const bool known = strncmp(v8::V8::GetVersion(), kLayoutVersion, sizeof(kLayoutVersion) - 1) == 0;
  return known;
}

// Zeroes [p, p + n), releasing the whole pages inside it instead of writing them.
void ZeroReleasingPages(char* p, size_t n) {
  static const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  uintptr_t begin = reinterpret_cast<uintptr_t>(p);
  uintptr_t end = begin + n;
  uintptr_t inner_begin = (begin + page - 1) & ~(page - 1);
  uintptr_t inner_end = end & ~(page - 1);
  if (inner_end <= inner_begin ||
      madvise(reinterpret_cast<void*>(inner_begin), inner_end - inner_begin, MADV_DONTNEED) != 0) {
    memset(p, 0, n);
    return;
  }
  memset(p, 0, inner_begin - begin);
  memset(reinterpret_cast<void*>(inner_end), 0, end - inner_end);
}

}  // namespace

namespace v8::internal {

class StubCache {
 public:
  void Clear();
};

// Interposes libnode's v8::internal::StubCache::Clear() (the executable's definition comes
// first in symbol lookup).
void StubCache::Clear() {
  if (LayoutKnown()) {
    ZeroReleasingPages(reinterpret_cast<char*>(this), kTablesBytes);
    return;
  }
  using ClearFn = void (*)(StubCache*);
  static const auto original =
      reinterpret_cast<ClearFn>(dlsym(RTLD_NEXT, "_ZN2v88internal9StubCache5ClearEv"));
  original(this);
}

}  // namespace v8::internal
