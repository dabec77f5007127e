#include "csbridge/ndjson_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace csbridge {
namespace {

Result<UniqueFd> open_output(const std::filesystem::path& path, mode_t mode) {
  UniqueFd fd{::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, mode)};
  if (!fd) return io_error("open output", path);
  return fd;
}

}  // namespace

Result<NdjsonWriter> NdjsonWriter::open(std::filesystem::path path, mode_t mode,
                                        DataSync data_sync) {
  auto fd = open_output(path, mode);
  if (!fd) return std::move(fd).error();
  // A new file must be durable in its directory before state can refer to it.
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path{"."};
  if (Status st = fsync_directory(dir); !st) return std::move(st).error();
  return NdjsonWriter{std::move(path), std::move(fd).value(), mode, std::move(data_sync)};
}

Status NdjsonWriter::append(std::string_view lines) {
  if (lines.empty()) return ok();
  struct stat before {};
  if (::fstat(fd_.get(), &before) != 0) return io_error("stat output", path_);
  Status st = write_all(fd_.get(), lines, path_);
  if (!st) {
    // Only this process appends, so the file's end before the call is where our bytes began.
    if (::ftruncate(fd_.get(), before.st_size) != 0) {
      Error e = std::move(st).error();
      e.message += "; and cutting the partial write off failed too";
      return e;
    }
  }
  return st;
}

Status NdjsonWriter::sync() {
  if (data_sync_(fd_.get()) != 0) return io_error("fdatasync output", path_);
  return ok();
}

Result<OutputPosition> NdjsonWriter::position() const {
  struct stat sb {};
  if (::fstat(fd_.get(), &sb) != 0) return io_error("stat output", path_);
  return OutputPosition{static_cast<std::uint64_t>(sb.st_dev),
                        static_cast<std::uint64_t>(sb.st_ino),
                        static_cast<std::uint64_t>(sb.st_size)};
}

Result<bool> NdjsonWriter::reopen_if_moved() {
  struct stat open_file {
  }, at_path{};
  if (::fstat(fd_.get(), &open_file) != 0) return io_error("stat output", path_);
  if (::stat(path_.c_str(), &at_path) == 0) {
    if (at_path.st_dev == open_file.st_dev && at_path.st_ino == open_file.st_ino) return false;
  } else if (errno != ENOENT) {
    return io_error("stat", path_);
  }
  if (Status st = reopen(); !st) return std::move(st).error();
  return true;
}

Status NdjsonWriter::reopen() {
  auto fd = open_output(path_, mode_);
  if (!fd) return std::move(fd).error();
  fd_ = std::move(fd).value();
  const auto dir = path_.has_parent_path() ? path_.parent_path() : std::filesystem::path{"."};
  return fsync_directory(dir);
}

Result<std::size_t> NdjsonWriter::cut_torn_tail() {
  struct stat sb {};
  if (::fstat(fd_.get(), &sb) != 0) return io_error("stat output", path_);
  const auto size = static_cast<std::uint64_t>(sb.st_size);
  if (size == 0) return std::size_t{0};
  // Look back in blocks for the last '\n'; a torn line is at most one record long.
  constexpr std::size_t kBlock = 64 * 1024;
  std::string buf;
  std::uint64_t end = size;
  while (end > 0) {
    const std::uint64_t start = end > kBlock ? end - kBlock : 0;
    buf.resize(static_cast<std::size_t>(end - start));
    const ssize_t n = ::pread(fd_.get(), buf.data(), buf.size(), static_cast<off_t>(start));
    if (n != static_cast<ssize_t>(buf.size())) return io_error("read output", path_);
    const auto nl = buf.rfind('\n');
    if (nl != std::string::npos) {
      const std::uint64_t keep = start + nl + 1;
      if (keep == size) return std::size_t{0};
      if (::ftruncate(fd_.get(), static_cast<off_t>(keep)) != 0) return io_error("truncate", path_);
      if (Status st = sync(); !st) return std::move(st).error();
      return static_cast<std::size_t>(size - keep);
    }
    end = start;
  }
  if (::ftruncate(fd_.get(), 0) != 0) return io_error("truncate", path_);
  if (Status st = sync(); !st) return std::move(st).error();
  return static_cast<std::size_t>(size);
}

Result<std::string> NdjsonWriter::read_from(std::uint64_t offset, std::size_t max_bytes) const {
  auto pos = position();
  if (!pos) return std::move(pos).error();
  if (offset >= pos.value().offset) return std::string{};
  const std::uint64_t length = pos.value().offset - offset;
  if (length > max_bytes) {
    return Error{ErrorCode::kTooLarge, "'" + path_.string() + "' grew by " +
                                           std::to_string(length) +
                                           " bytes since the last state save"};
  }
  std::string out(static_cast<std::size_t>(length), '\0');
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t n =
        ::pread(fd_.get(), out.data() + got, out.size() - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_error("read output", path_);
    got += static_cast<std::size_t>(n);
  }
  return out;
}

}  // namespace csbridge
