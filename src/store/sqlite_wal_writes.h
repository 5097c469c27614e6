// The WAL's writes gathered into one system call per commit, through a VFS wrapping SQLite's
// default one.
//
// SQLite writes each WAL frame with two calls, its 24-byte header and then the page, so a group
// commit of 70 pages made 140 pwrite calls before its fsync: the write calls were ~10% of the
// store writer's CPU in the burst bench, most of it the kernel's work per call (each one takes
// and dirties the file's pages again). Through this VFS a WAL file keeps a run of consecutive
// writes in memory and writes it with one call when the run ends:
// - after the page of a frame that ends a transaction (its header names the database's size),
//   so the whole transaction is in the file before SQLite publishes it to other connections
//   (the WAL index is written after the frames), also when the commit does not sync;
// - before a sync, a read, a size query, a truncation, a file control, a write elsewhere in the
//   file, or closing; and when the buffer would outgrow kMaxGathered.
// So every byte reaches the file before SQLite could rely on it: durability is still the sync's
// (synchronous=FULL), and readers see nothing they would not have seen before. Files other
// than WAL files (the database, its shared memory) pass straight through.
//
// Thread safety: as SQLite's own files (one connection uses a file at a time).
#pragma once

#include <cstddef>

namespace bridgebot::store::sqlite {

inline constexpr std::size_t kMaxGathered = std::size_t{1} << 20;

// The VFS's name for sqlite3_open_v2, registered (not as the default) at the first call; nullptr
// when SQLite has no default VFS to wrap.
const char* gathered_wal_vfs();

}  // namespace bridgebot::store::sqlite
