#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "csbridge/file_util.h"
#include "csbridge/result.h"
#include "csbridge/state_store.h"

namespace csbridge {

/// Appends NDJSON lines to one output file (O_APPEND, never truncated in place except to cut
/// off a torn line this process or a crashed predecessor left unfinished).
class NdjsonWriter {
 public:
  /// How sync() flushes the file: fdatasync(2), or a stand-in that fails (tests).
  using DataSync = std::function<int(int fd)>;

  /// Opens (creating with `mode` if needed, so Wazuh sees the file from the start) the output.
  [[nodiscard]] static Result<NdjsonWriter> open(std::filesystem::path path, mode_t mode = 0640,
                                                 DataSync data_sync = ::fdatasync);

  /// Appends complete lines (each ending in '\n'). If the write fails part-way (ENOSPC, EIO),
  /// the part this call wrote is cut off again so no torn line stays behind.
  [[nodiscard]] Status append(std::string_view lines);

  /// Makes everything appended so far durable (fdatasync).
  [[nodiscard]] Status sync();

  /// Where the file ends now (device, inode, size).
  [[nodiscard]] Result<OutputPosition> position() const;

  /// If the path no longer names the open file (renamed or deleted by logrotate or an
  /// operator), opens a new file at the path and returns true. Never truncates anything.
  [[nodiscard]] Result<bool> reopen_if_moved();

  /// Reopens the path unconditionally (SIGHUP).
  [[nodiscard]] Status reopen();

  /// Cuts a final line that lacks its '\n' (a write torn by a crash): Wazuh never sent it and
  /// would glue it to the next line. Returns the number of bytes removed.
  [[nodiscard]] Result<std::size_t> cut_torn_tail();

  /// Reads [offset, end) of the open file, at most `max_bytes`.
  [[nodiscard]] Result<std::string> read_from(std::uint64_t offset, std::size_t max_bytes) const;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  NdjsonWriter(std::filesystem::path path, UniqueFd fd, mode_t mode, DataSync data_sync)
      : path_(std::move(path)), fd_(std::move(fd)), mode_(mode), data_sync_(std::move(data_sync)) {}

  std::filesystem::path path_;
  UniqueFd fd_;
  mode_t mode_;
  DataSync data_sync_;
};

}  // namespace csbridge
