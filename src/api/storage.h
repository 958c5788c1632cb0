// Where persisted data lives: the state directory (`--state-dir`), and the rules every op that
// touches it follows (api/sqlite_ops.cc, api/file_ops.cc).
//
// Paths given by JS are relative to the state directory: no absolute paths, no "." or ".."
// components, no empty components. The directory is created (mkdir -p) only when something is
// stored. Only trusted realms may use these ops: a dynamic worker's realm (one with a
// jsg::LimitEnforcer, set by runtime/loader.cc before any of its code runs) is refused, even
// though `internal:ops` is out of its reach, so a bug elsewhere cannot become file access.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "jsg/ops.h"

namespace dw::api {

// The state directory of this process: `path` made absolute against the working directory now.
// Set once, before any worker runs (dynworker serve / test).
void SetStateDir(std::string_view path);
// `dynworker test` without --state-dir: a fresh directory under $TMPDIR (or /tmp), made on first
// use and removed by RemoveTemporaryStateDir.
void UseTemporaryStateDir();
void RemoveTemporaryStateDir();
// Forgets the configuration (tests).
void ResetStateDirForTesting();

// The state directory, created first when `create`. An error when none is configured or it
// cannot be created.
absl::StatusOr<std::string> StateDir(bool create);

// OK when `relative` may name something under the state directory; else an InvalidArgument
// saying why, which starts with the path.
absl::Status CheckRelativePath(std::string_view relative);

// The absolute path of `relative` under the state directory, creating the state directory and
// `relative`'s parent directories first when `create_parents`.
absl::StatusOr<std::string> ResolveInStateDir(std::string_view relative, bool create_parents);

// mkdir -p.
absl::Status MakeDirectories(const std::string& path);

// The ops (js/README.md): sqliteOpen/Exec/Close (sqlite_ops.cc); stateDirPath, fileList,
// fileWriteOpen, fileWrite, fileWriteCommit, fileReadOpen, fileRead, fileClose, fileRemove,
// fileExists (file_ops.cc).
std::span<const jsg::OpDef> SqliteOps();
std::span<const jsg::OpDef> FileOps();

// True (and a thrown Error naming `op`) when the calling realm is a dynamic worker's.
bool RefusedInDynamicWorker(jsg::OpContext& cx, const char* op);

}  // namespace dw::api
