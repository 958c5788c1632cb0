// Files under the state directory for the runtime's own JS: R2 object bodies (js/internal/r2.js).
//
// A body is written to a fresh temporary file (fileWriteOpen, fileWrite: its MD5, and one more
// digest if asked, are computed on the way), then fileWriteCommit fsyncs it, renames it into
// place and fsyncs the directory: a reader never sees half a file, and a crash leaves at most
// a stray temporary file. Reads are by offset (fileRead), so a body streams from disk. Open
// files are JS handle objects (one internal field): closed when JS closes them, when the
// handle is garbage collected, or when the realm goes away; an abandoned writer's temporary
// file is removed then too. Synchronous, on the loop thread, as the SQLite ops.
#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "api/storage.h"
#include "jsg/ops.h"
#include "jsg/realm.h"

namespace dw::api {
namespace {

using jsg::OpContext;

struct FileRegistry;

struct OpenFile {
  int fd = -1;
  bool writer = false;
  std::string relative;   // writer: its directory; reader: the file (for messages)
  std::string temp_path;  // writer: the temporary file until committed
  uint64_t size = 0;      // writer: bytes written
  EVP_MD_CTX* md5 = nullptr;
  EVP_MD_CTX* extra = nullptr;
  v8::Global<v8::Object> handle;
  FileRegistry* registry = nullptr;

  // Closes the file; an uncommitted writer's temporary file is removed.
  void Close() {
    if (fd >= 0) close(fd);
    fd = -1;
    if (!temp_path.empty()) unlink(temp_path.c_str());
    temp_path.clear();
    if (md5) EVP_MD_CTX_free(md5);
    if (extra) EVP_MD_CTX_free(extra);
    md5 = extra = nullptr;
  }
  ~OpenFile() { Close(); }
};

struct FileRegistry {
  v8::Global<v8::FunctionTemplate> tmpl;
  std::unordered_set<OpenFile*> files;
  ~FileRegistry() {
    for (OpenFile* f : files) {
      f->handle.Reset();
      delete f;
    }
  }
};

FileRegistry& Registry(OpContext& cx) { return cx.realm().Slot<FileRegistry>(); }

void OnHandleCollected(const v8::WeakCallbackInfo<OpenFile>& info) {
  OpenFile* f = info.GetParameter();
  f->handle.Reset();
  f->registry->files.erase(f);
  delete f;  // closes it (plain C++: allowed in the first pass)
}

v8::Local<v8::FunctionTemplate> HandleTemplate(OpContext& cx) {
  FileRegistry& reg = Registry(cx);
  v8::Isolate* isolate = cx.isolate();
  if (reg.tmpl.IsEmpty()) {
    v8::Local<v8::FunctionTemplate> t = v8::FunctionTemplate::New(isolate);
    t->SetClassName(jsg::Str(isolate, "FileHandle"));
    t->InstanceTemplate()->SetInternalFieldCount(1);
    reg.tmpl.Reset(isolate, t);
  }
  return reg.tmpl.Get(isolate);
}

v8::Local<v8::Object> Wrap(OpContext& cx, std::unique_ptr<OpenFile> file) {
  v8::Local<v8::Object> obj;
  if (!HandleTemplate(cx)->InstanceTemplate()->NewInstance(cx.context()).ToLocal(&obj)) return {};
  FileRegistry& reg = Registry(cx);
  OpenFile* raw = file.release();
  raw->registry = &reg;
  reg.files.insert(raw);
  obj->SetAlignedPointerInInternalField(0, raw);
  raw->handle.Reset(cx.isolate(), obj);
  raw->handle.SetWeak(raw, OnHandleCollected, v8::WeakCallbackType::kParameter);
  return obj;
}

// The open file behind `value`, or null with a TypeError (not a handle, or closed).
OpenFile* Unwrap(OpContext& cx, v8::Local<v8::Value> value, const char* op, bool writer) {
  if (!value->IsObject() || !HandleTemplate(cx)->HasInstance(value)) {
    cx.ThrowTypeError(absl::StrCat("internal op ", op, ": argument 1 must be a file handle"));
    return nullptr;
  }
  auto* f = static_cast<OpenFile*>(value.As<v8::Object>()->GetAlignedPointerFromInternalField(0));
  if (f == nullptr || f->fd < 0) {
    cx.ThrowTypeError(absl::StrCat("internal op ", op, ": the file is closed"));
    return nullptr;
  }
  if (f->writer != writer) {
    cx.ThrowTypeError(absl::StrCat("internal op ", op, ": the file is open for ",
                                   f->writer ? "writing" : "reading"));
    return nullptr;
  }
  return f;
}

// Forgets the handle's file (after close or commit): the handle stays a dead handle.
void Forget(OpContext& cx, v8::Local<v8::Value> value, OpenFile* f) {
  value.As<v8::Object>()->SetAlignedPointerInInternalField(0, nullptr);
  f->handle.Reset();
  Registry(cx).files.erase(f);
  delete f;
}

void ThrowErrno(OpContext& cx, std::string_view what, std::string_view relative, int err) {
  cx.ThrowError(absl::StrCat(std::string(what), " ", std::string(relative),
                             " (state directory): ", strerror(err)));
}

const EVP_MD* DigestByName(const std::string& name) {
  if (name == "SHA-1") return EVP_sha1();
  if (name == "SHA-256") return EVP_sha256();
  if (name == "SHA-384") return EVP_sha384();
  if (name == "SHA-512") return EVP_sha512();
  return nullptr;
}

std::string FinishHex(EVP_MD_CTX* ctx) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx, md, &n);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < n; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

bool FsyncDirectory(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = fsync(fd) == 0;
  close(fd);
  return ok;
}

// fileWriteOpen(relativeDir, extraDigest) -> writer handle: a new temporary file in
// `relativeDir` (created if needed). `extraDigest` is '' or 'SHA-1', 'SHA-256', 'SHA-384',
// 'SHA-512', computed besides MD5.
v8::Local<v8::Value> FileWriteOpen(OpContext& cx, std::string relative_dir, std::string extra) {
  if (RefusedInDynamicWorker(cx, "fileWriteOpen")) return {};
  const EVP_MD* extra_md = nullptr;
  if (!extra.empty() && (extra_md = DigestByName(extra)) == nullptr) {
    cx.ThrowTypeError(absl::StrCat("internal op fileWriteOpen: unknown digest '", extra, "'"));
    return {};
  }
  absl::StatusOr<std::string> dir = ResolveInStateDir(relative_dir + "/x", true);
  if (!dir.ok()) {
    cx.ThrowError(absl::StrCat("cannot write in ", relative_dir, ": ", dir.status().message()));
    return {};
  }
  std::string path = dir->substr(0, dir->size() - 1) + ".tmp-XXXXXX";
  int fd = mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) {
    ThrowErrno(cx, "cannot create a file in", relative_dir, errno);
    return {};
  }
  auto f = std::make_unique<OpenFile>();
  f->fd = fd;
  f->writer = true;
  f->relative = relative_dir;
  f->temp_path = path;
  f->md5 = EVP_MD_CTX_new();
  EVP_DigestInit_ex(f->md5, EVP_md5(), nullptr);
  if (extra_md != nullptr) {
    f->extra = EVP_MD_CTX_new();
    EVP_DigestInit_ex(f->extra, extra_md, nullptr);
  }
  return Wrap(cx, std::move(f));
}

// fileWrite(writer, bytes) -> the number of bytes written so far. The bytes are written before
// the op returns (nothing of V8's is kept).
double FileWrite(OpContext& cx, v8::Local<v8::Value> handle, jsg::Bytes bytes) {
  if (RefusedInDynamicWorker(cx, "fileWrite")) return 0;
  OpenFile* f = Unwrap(cx, handle, "fileWrite", true);
  if (f == nullptr) return 0;
  size_t done = 0;
  while (done < bytes.size) {
    ssize_t n = write(f->fd, bytes.data + done, bytes.size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ThrowErrno(cx, "cannot write a file in", f->relative, errno);
      return 0;
    }
    done += static_cast<size_t>(n);
  }
  EVP_DigestUpdate(f->md5, bytes.data, bytes.size);
  if (f->extra) EVP_DigestUpdate(f->extra, bytes.data, bytes.size);
  f->size += bytes.size;
  return static_cast<double>(f->size);
}

// fileWriteCommit(writer, relativePath) -> [md5Hex, extraHex or '']: the file is made durable
// and renamed to `relativePath` (replacing any file there); the handle is closed.
v8::Local<v8::Value> FileWriteCommit(OpContext& cx, v8::Local<v8::Value> handle,
                                     std::string relative) {
  if (RefusedInDynamicWorker(cx, "fileWriteCommit")) return {};
  OpenFile* f = Unwrap(cx, handle, "fileWriteCommit", true);
  if (f == nullptr) return {};
  absl::StatusOr<std::string> path = ResolveInStateDir(relative, true);
  if (!path.ok()) {
    cx.ThrowError(absl::StrCat("cannot store ", relative, ": ", path.status().message()));
    return {};
  }
  if (fsync(f->fd) != 0) {
    ThrowErrno(cx, "cannot flush", relative, errno);
    return {};
  }
  if (rename(f->temp_path.c_str(), path->c_str()) != 0) {
    ThrowErrno(cx, "cannot store", relative, errno);
    return {};
  }
  f->temp_path.clear();  // it is the real file now: Close must not remove it
  std::string md5 = FinishHex(f->md5);
  std::string extra = f->extra ? FinishHex(f->extra) : "";
  std::string dir = path->substr(0, path->rfind('/'));
  if (!FsyncDirectory(dir)) {
    ThrowErrno(cx, "cannot flush the directory of", relative, errno);
    Forget(cx, handle, f);
    return {};
  }
  Forget(cx, handle, f);
  v8::Isolate* isolate = cx.isolate();
  v8::Local<v8::Value> pair[] = {jsg::Str(isolate, md5), jsg::Str(isolate, extra)};
  return v8::Array::New(isolate, pair, 2);
}

// fileReadOpen(relativePath) -> [reader handle, size], or null when there is no such file.
v8::Local<v8::Value> FileReadOpen(OpContext& cx, std::string relative) {
  if (RefusedInDynamicWorker(cx, "fileReadOpen")) return {};
  absl::StatusOr<std::string> path = ResolveInStateDir(relative, false);
  if (!path.ok()) {
    if (absl::IsNotFound(path.status())) return v8::Null(cx.isolate());  // no state dir yet
    cx.ThrowError(absl::StrCat("cannot read ", relative, ": ", path.status().message()));
    return {};
  }
  int fd = open(path->c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return v8::Null(cx.isolate());
    ThrowErrno(cx, "cannot open", relative, errno);
    return {};
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    ThrowErrno(cx, "cannot read", relative, err);
    return {};
  }
  auto f = std::make_unique<OpenFile>();
  f->fd = fd;
  f->relative = relative;
  v8::Local<v8::Object> obj = Wrap(cx, std::move(f));
  if (obj.IsEmpty()) return {};
  v8::Local<v8::Value> pair[] = {obj, v8::Number::New(cx.isolate(), static_cast<double>(st.st_size))};
  return v8::Array::New(cx.isolate(), pair, 2);
}

// fileRead(reader, offset, length) -> Uint8Array of up to `length` bytes from `offset` (fewer
// at the end of the file).
v8::Local<v8::Value> FileRead(OpContext& cx, v8::Local<v8::Value> handle, double offset,
                              double length) {
  if (RefusedInDynamicWorker(cx, "fileRead")) return {};
  OpenFile* f = Unwrap(cx, handle, "fileRead", false);
  if (f == nullptr) return {};
  if (!(offset >= 0) || !(length >= 0) || length > (1 << 30)) {
    cx.ThrowRangeError("internal op fileRead: offset and length must be >= 0 (length at most 1 GiB)");
    return {};
  }
  size_t want = static_cast<size_t>(length);
  v8::Local<v8::ArrayBuffer> ab = v8::ArrayBuffer::New(cx.isolate(), want);
  auto* data = static_cast<uint8_t*>(ab->Data());
  size_t got = 0;
  while (got < want) {
    ssize_t n = pread(f->fd, data + got, want - got, static_cast<off_t>(offset) + got);
    if (n < 0) {
      if (errno == EINTR) continue;
      ThrowErrno(cx, "cannot read", f->relative, errno);
      return {};
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  return v8::Uint8Array::New(ab, 0, got);
}

// fileClose(handle): closes a reader, or abandons a writer (its temporary file is removed).
// Idempotent.
void FileClose(OpContext& cx, v8::Local<v8::Value> handle) {
  if (RefusedInDynamicWorker(cx, "fileClose")) return;
  if (!handle->IsObject() || !HandleTemplate(cx)->HasInstance(handle)) {
    cx.ThrowTypeError("internal op fileClose: argument 1 must be a file handle");
    return;
  }
  auto* f = static_cast<OpenFile*>(handle.As<v8::Object>()->GetAlignedPointerFromInternalField(0));
  if (f != nullptr) Forget(cx, handle, f);
}

// fileRemove(relativePath) -> whether a file was removed (none there: false).
bool FileRemove(OpContext& cx, std::string relative) {
  if (RefusedInDynamicWorker(cx, "fileRemove")) return false;
  absl::StatusOr<std::string> path = ResolveInStateDir(relative, false);
  if (!path.ok()) {
    if (absl::IsNotFound(path.status())) return false;
    cx.ThrowError(absl::StrCat("cannot remove ", relative, ": ", path.status().message()));
    return false;
  }
  if (unlink(path->c_str()) != 0) {
    if (errno == ENOENT) return false;
    ThrowErrno(cx, "cannot remove", relative, errno);
    return false;
  }
  return true;
}

// fileExists(relativePath) -> whether there is a file (or directory) there.
bool FileExists(OpContext& cx, std::string relative) {
  if (RefusedInDynamicWorker(cx, "fileExists")) return false;
  absl::StatusOr<std::string> path = ResolveInStateDir(relative, false);
  if (!path.ok()) {
    if (absl::IsNotFound(path.status())) return false;
    cx.ThrowError(absl::StrCat("cannot look for ", relative, ": ", path.status().message()));
    return false;
  }
  struct stat st;
  return stat(path->c_str(), &st) == 0;
}

// stateDirPath(relativePath) -> the absolute path of directory `relativePath` under the state
// directory ('' for the state directory itself), created if needed (for a child process's
// --state-dir).
std::string StateDirPath(OpContext& cx, std::string relative) {
  if (RefusedInDynamicWorker(cx, "stateDirPath")) return "";
  absl::StatusOr<std::string> path =
      relative.empty() ? StateDir(true) : ResolveInStateDir(relative + "/x", true);
  if (path.ok() && !relative.empty()) path = path->substr(0, path->size() - 2);
  if (!path.ok()) {
    cx.ThrowError(absl::StrCat("cannot use ", relative, ": ", path.status().message()));
    return "";
  }
  return *path;
}

// fileList(relativeDir) -> [[name, size, mtimeMs], ...] of the regular files in `relativeDir`
// (not recursive, any order), or null when there is no such directory.
v8::Local<v8::Value> FileList(OpContext& cx, std::string relative) {
  if (RefusedInDynamicWorker(cx, "fileList")) return {};
  v8::Isolate* isolate = cx.isolate();
  absl::StatusOr<std::string> path = ResolveInStateDir(relative, false);
  if (!path.ok()) {
    if (absl::IsNotFound(path.status())) return v8::Null(isolate);
    cx.ThrowError(absl::StrCat("cannot list ", relative, ": ", path.status().message()));
    return {};
  }
  DIR* dir = opendir(path->c_str());
  if (dir == nullptr) {
    if (errno == ENOENT) return v8::Null(isolate);
    ThrowErrno(cx, "cannot list", relative, errno);
    return {};
  }
  std::vector<v8::Local<v8::Value>> entries;
  while (struct dirent* e = readdir(dir)) {
    struct stat st;
    if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) continue;
    double mtime_ms = static_cast<double>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1e6;
    v8::Local<v8::Value> entry[] = {jsg::Str(isolate, e->d_name),
                                    v8::Number::New(isolate, static_cast<double>(st.st_size)),
                                    v8::Number::New(isolate, mtime_ms)};
    entries.push_back(v8::Array::New(isolate, entry, 3));
  }
  closedir(dir);
  return v8::Array::New(isolate, entries.data(), entries.size());
}

constexpr jsg::OpDef kOps[] = {
    DW_OP("stateDirPath", StateDirPath),
    DW_OP("fileList", FileList),
    DW_OP("fileWriteOpen", FileWriteOpen),
    DW_OP("fileWrite", FileWrite),
    DW_OP("fileWriteCommit", FileWriteCommit),
    DW_OP("fileReadOpen", FileReadOpen),
    DW_OP("fileRead", FileRead),
    DW_OP("fileClose", FileClose),
    DW_OP("fileRemove", FileRemove),
    DW_OP("fileExists", FileExists),
};

}  // namespace

std::span<const jsg::OpDef> FileOps() { return kOps; }

}  // namespace dw::api
