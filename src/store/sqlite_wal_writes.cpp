#include "sqlite_wal_writes.h"

#include <sqlite3.h>

#include <cstdint>
#include <new>
#include <string>

namespace bridgebot::store::sqlite {
namespace {

// A WAL frame's header: the page number, then for a transaction's last frame the database's size
// in pages after it (else 0), then salts and checksums
// (https://sqlite.org/fileformat2.html#walformat).
constexpr int kFrameHeaderBytes = 24;

bool ends_transaction(const void* frame_header) {
  const auto* bytes = static_cast<const unsigned char*>(frame_header);
  return (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
}

// What SQLite allocates per open file (the VFS's szOsFile): this, then the wrapped VFS's file.
struct File {
  sqlite3_file base;  // first: SQLite sees a File as a sqlite3_file
  sqlite3_file* real;
  std::string* gathered;  // WAL files only: bytes not yet written, from `start` on
  sqlite3_int64 start;
  bool flush_after_write;  // the last write was the header of a transaction's last frame
};

constexpr int kRealOffset = static_cast<int>((sizeof(File) + 15) / 16 * 16);

File& file_of(sqlite3_file* file) {
  return *reinterpret_cast<File*>(file);
}
sqlite3_file* real_of(sqlite3_file* file) {
  return file_of(file).real;
}
const sqlite3_io_methods& real_methods(sqlite3_file* file) {
  return *real_of(file)->pMethods;
}

// SQLite's unix VFS writes at most 128 KiB - 1 per call (it masks the length with 0x1ffff, so a
// write of exactly 128 KiB would write nothing and report a full disk): larger runs go in pieces.
constexpr std::size_t kMaxWrite = 0x1f000;

int write_through(File& f, const char* data, std::size_t size, sqlite3_int64 offset) {
  while (size > 0) {
    const std::size_t piece = size < kMaxWrite ? size : kMaxWrite;
    const int rc = f.real->pMethods->xWrite(f.real, data, static_cast<int>(piece), offset);
    if (rc != SQLITE_OK) return rc;
    data += piece;
    size -= piece;
    offset += static_cast<sqlite3_int64>(piece);
  }
  return SQLITE_OK;
}

int flush(File& f) {
  if (f.gathered == nullptr || f.gathered->empty()) return SQLITE_OK;
  const int rc = write_through(f, f.gathered->data(), f.gathered->size(), f.start);
  // On failure SQLite fails the transaction these bytes belong to: none of them is committed.
  f.gathered->clear();
  return rc;
}

int file_close(sqlite3_file* file) {
  File& f = file_of(file);
  (void)flush(f);
  delete f.gathered;
  f.gathered = nullptr;
  return f.real->pMethods->xClose(f.real);
}

int file_read(sqlite3_file* file, void* data, int amount, sqlite3_int64 offset) {
  if (const int rc = flush(file_of(file)); rc != SQLITE_OK) return rc;
  return real_methods(file).xRead(real_of(file), data, amount, offset);
}

int file_write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  File& f = file_of(file);
  if (f.gathered == nullptr) return real_methods(file).xWrite(f.real, data, amount, offset);
  std::string& gathered = *f.gathered;
  const auto size = static_cast<std::size_t>(amount);
  if (!gathered.empty() && (offset != f.start + static_cast<sqlite3_int64>(gathered.size()) ||
                            gathered.size() + size > kMaxGathered)) {
    if (const int rc = flush(f); rc != SQLITE_OK) return rc;
  }
  if (size > kMaxGathered) {
    f.flush_after_write = false;
    return write_through(f, static_cast<const char*>(data), size, offset);
  }
  if (gathered.empty()) f.start = offset;
  gathered.append(static_cast<const char*>(data), size);
  if (f.flush_after_write) {  // the page of a transaction's last frame
    f.flush_after_write = false;
    return flush(f);
  }
  if (amount == kFrameHeaderBytes && ends_transaction(data)) {
    // The header of a transaction's last frame: its page follows, unless SQLite is rewriting
    // the transaction's checksums (walRewriteChecksums writes headers alone), so both go at once.
    f.flush_after_write = true;
    return flush(f);
  }
  return SQLITE_OK;
}

int file_truncate(sqlite3_file* file, sqlite3_int64 size) {
  if (const int rc = flush(file_of(file)); rc != SQLITE_OK) return rc;
  return real_methods(file).xTruncate(real_of(file), size);
}

int file_sync(sqlite3_file* file, int flags) {
  if (const int rc = flush(file_of(file)); rc != SQLITE_OK) return rc;
  return real_methods(file).xSync(real_of(file), flags);
}

int file_size(sqlite3_file* file, sqlite3_int64* size) {
  if (const int rc = flush(file_of(file)); rc != SQLITE_OK) return rc;
  return real_methods(file).xFileSize(real_of(file), size);
}

int file_lock(sqlite3_file* file, int lock) {
  return real_methods(file).xLock(real_of(file), lock);
}
int file_unlock(sqlite3_file* file, int lock) {
  return real_methods(file).xUnlock(real_of(file), lock);
}
int file_check_reserved_lock(sqlite3_file* file, int* out) {
  return real_methods(file).xCheckReservedLock(real_of(file), out);
}

int file_control(sqlite3_file* file, int op, void* arg) {
  if (const int rc = flush(file_of(file)); rc != SQLITE_OK) return rc;
  return real_methods(file).xFileControl(real_of(file), op, arg);
}

int file_sector_size(sqlite3_file* file) {
  return real_methods(file).xSectorSize(real_of(file));
}
int file_device_characteristics(sqlite3_file* file) {
  return real_methods(file).xDeviceCharacteristics(real_of(file));
}

int file_shm_map(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  if (real_methods(file).iVersion < 2) return SQLITE_IOERR;
  return real_methods(file).xShmMap(real_of(file), region, size, extend, out);
}
int file_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
  if (real_methods(file).iVersion < 2) return SQLITE_IOERR;
  return real_methods(file).xShmLock(real_of(file), offset, n, flags);
}
void file_shm_barrier(sqlite3_file* file) {
  if (real_methods(file).iVersion >= 2) real_methods(file).xShmBarrier(real_of(file));
}
int file_shm_unmap(sqlite3_file* file, int delete_flag) {
  if (real_methods(file).iVersion < 2) return SQLITE_OK;
  return real_methods(file).xShmUnmap(real_of(file), delete_flag);
}
int file_fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  *out = nullptr;  // no mapping: SQLite reads instead
  if (real_methods(file).iVersion < 3) return SQLITE_OK;
  return real_methods(file).xFetch(real_of(file), offset, amount, out);
}
int file_unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  if (real_methods(file).iVersion < 3) return SQLITE_OK;
  return real_methods(file).xUnfetch(real_of(file), offset, page);
}

constexpr sqlite3_io_methods kFileMethods = {
    3,
    file_close,
    file_read,
    file_write,
    file_truncate,
    file_sync,
    file_size,
    file_lock,
    file_unlock,
    file_check_reserved_lock,
    file_control,
    file_sector_size,
    file_device_characteristics,
    file_shm_map,
    file_shm_lock,
    file_shm_barrier,
    file_shm_unmap,
    file_fetch,
    file_unfetch,
};

sqlite3_vfs* real_vfs(sqlite3_vfs* vfs) {
  return static_cast<sqlite3_vfs*>(vfs->pAppData);
}

int vfs_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  File& f = *new (file) File{};
  f.real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kRealOffset);
  const int rc = real_vfs(vfs)->xOpen(real_vfs(vfs), name, f.real, flags, out_flags);
  if (rc != SQLITE_OK || f.real->pMethods == nullptr) {
    // SQLite closes a file whose open failed only when its methods are set.
    if (f.real->pMethods != nullptr) f.real->pMethods->xClose(f.real);
    f.base.pMethods = nullptr;
    return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
  }
  if ((flags & SQLITE_OPEN_WAL) != 0) {
    f.gathered = new (std::nothrow) std::string();
    if (f.gathered == nullptr) {
      f.real->pMethods->xClose(f.real);
      f.base.pMethods = nullptr;
      return SQLITE_NOMEM;
    }
  }
  f.base.pMethods = &kFileMethods;
  return SQLITE_OK;
}

int vfs_delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return real_vfs(vfs)->xDelete(real_vfs(vfs), name, sync_dir);
}
int vfs_access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return real_vfs(vfs)->xAccess(real_vfs(vfs), name, flags, out);
}
int vfs_full_pathname(sqlite3_vfs* vfs, const char* name, int size, char* out) {
  return real_vfs(vfs)->xFullPathname(real_vfs(vfs), name, size, out);
}
void* vfs_dl_open(sqlite3_vfs* vfs, const char* name) {
  return real_vfs(vfs)->xDlOpen(real_vfs(vfs), name);
}
void vfs_dl_error(sqlite3_vfs* vfs, int size, char* out) {
  real_vfs(vfs)->xDlError(real_vfs(vfs), size, out);
}
void (*vfs_dl_sym(sqlite3_vfs* vfs, void* library, const char* symbol))(void) {
  return real_vfs(vfs)->xDlSym(real_vfs(vfs), library, symbol);
}
void vfs_dl_close(sqlite3_vfs* vfs, void* library) {
  real_vfs(vfs)->xDlClose(real_vfs(vfs), library);
}
int vfs_randomness(sqlite3_vfs* vfs, int size, char* out) {
  return real_vfs(vfs)->xRandomness(real_vfs(vfs), size, out);
}
int vfs_sleep(sqlite3_vfs* vfs, int microseconds) {
  return real_vfs(vfs)->xSleep(real_vfs(vfs), microseconds);
}
int vfs_current_time(sqlite3_vfs* vfs, double* out) {
  return real_vfs(vfs)->xCurrentTime(real_vfs(vfs), out);
}
int vfs_get_last_error(sqlite3_vfs* vfs, int size, char* out) {
  return real_vfs(vfs)->xGetLastError(real_vfs(vfs), size, out);
}
int vfs_current_time_int64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return real_vfs(vfs)->xCurrentTimeInt64(real_vfs(vfs), out);
}
int vfs_set_system_call(sqlite3_vfs* vfs, const char* name, sqlite3_syscall_ptr call) {
  return real_vfs(vfs)->xSetSystemCall(real_vfs(vfs), name, call);
}
sqlite3_syscall_ptr vfs_get_system_call(sqlite3_vfs* vfs, const char* name) {
  return real_vfs(vfs)->xGetSystemCall(real_vfs(vfs), name);
}
const char* vfs_next_system_call(sqlite3_vfs* vfs, const char* name) {
  return real_vfs(vfs)->xNextSystemCall(real_vfs(vfs), name);
}

sqlite3_vfs* registered() {
  sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
  // The forwarding below assumes the version-3 interface that SQLite's unix VFS has had since 3.7.
  if (real == nullptr || real->iVersion < 3) return nullptr;
  static sqlite3_vfs vfs = {
      3,
      kRealOffset + real->szOsFile,
      real->mxPathname,
      nullptr,
      "bridgebot-gathered-wal",
      real,
      vfs_open,
      vfs_delete,
      vfs_access,
      vfs_full_pathname,
      vfs_dl_open,
      vfs_dl_error,
      vfs_dl_sym,
      vfs_dl_close,
      vfs_randomness,
      vfs_sleep,
      vfs_current_time,
      vfs_get_last_error,
      vfs_current_time_int64,
      vfs_set_system_call,
      vfs_get_system_call,
      vfs_next_system_call,
  };
  if (sqlite3_vfs_register(&vfs, 0) != SQLITE_OK) return nullptr;
  return &vfs;
}

}  // namespace

const char* gathered_wal_vfs() {
  static sqlite3_vfs* const vfs = registered();
  return vfs != nullptr ? vfs->zName : nullptr;
}

}  // namespace bridgebot::store::sqlite
