#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string_view>

#include "csbridge/file_util.h"
#include "csbridge/result.h"

namespace csbridge {

/// Appends NDJSON lines to one output file (O_APPEND, never truncated in place).
class NdjsonWriter {
 public:
  /// Opens (creating with `mode` if needed) the output file for appending.
  [[nodiscard]] static Result<NdjsonWriter> open(std::filesystem::path path, mode_t mode = 0640);

  /// Appends complete lines (each ending in '\n'). If the write fails part-way (ENOSPC, EIO),
  /// the part this call wrote is cut off again so no torn line stays behind.
  [[nodiscard]] Status append(std::string_view lines);

  /// Makes everything appended so far durable (fdatasync).
  [[nodiscard]] Status sync();

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  NdjsonWriter(std::filesystem::path path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}

  std::filesystem::path path_;
  UniqueFd fd_;
};

}  // namespace csbridge
