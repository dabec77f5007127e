#pragma once

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "csbridge/result.h"

namespace csbridge {

/// Move-only owner of a file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] int release() noexcept {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1) noexcept;
  explicit operator bool() const noexcept { return fd_ >= 0; }

 private:
  int fd_{-1};
};

/// An I/O Error for `op` on `path` from the current errno.
[[nodiscard]] Error io_error(std::string_view op, const std::filesystem::path& path);

/// write(2) until done, retrying EINTR and short writes.
[[nodiscard]] Status write_all(int fd, std::string_view bytes, const std::filesystem::path& path);

/// Replaces `path` so that readers and crashes see the old or the new content, never a mix:
/// temp file in the same directory, write, fsync, rename, fsync of the directory.
[[nodiscard]] Status write_file_atomically(const std::filesystem::path& path,
                                           std::string_view bytes, mode_t mode = 0600);

/// Reads a whole file of at most `max_bytes`; kIo if missing/unreadable, kTooLarge if bigger.
[[nodiscard]] Result<std::string> read_file(const std::filesystem::path& path,
                                            std::size_t max_bytes);

/// fsync of a directory, so a rename or a file creation in it is durable.
[[nodiscard]] Status fsync_directory(const std::filesystem::path& dir);

}  // namespace csbridge
