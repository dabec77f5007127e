#include "csbridge/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace csbridge {

void UniqueFd::reset(int fd) noexcept {
  if (fd_ >= 0) (void)::close(fd_);
  fd_ = fd;
}

Error io_error(std::string_view op, const std::filesystem::path& path) {
  const int err = errno;  // read first: anything below may clobber it
  return Error{ErrorCode::kIo, std::string{op} + " '" + path.string() +
                                   "': " + std::error_code(err, std::generic_category()).message()};
}

Status write_all(int fd, std::string_view bytes, const std::filesystem::path& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("write", path);
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return ok();
}

Status fsync_directory(const std::filesystem::path& dir) {
  UniqueFd fd{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (!fd) return io_error("open directory", dir);
  if (::fsync(fd.get()) != 0) return io_error("fsync directory", dir);
  return ok();
}

Status write_file_atomically(const std::filesystem::path& path, std::string_view bytes,
                             mode_t mode) {
  const std::filesystem::path dir =
      path.has_parent_path() ? path.parent_path() : std::filesystem::path{"."};
  // Same directory as the target: rename(2) is only atomic within one filesystem.
  std::string tmp = (dir / ("." + path.filename().string() + ".XXXXXX")).string();
  UniqueFd fd{::mkostemp(tmp.data(), O_CLOEXEC)};
  if (!fd) return io_error("create temporary file", tmp);
  Status st = ok();
  if (::fchmod(fd.get(), mode) != 0) st = io_error("fchmod", tmp);
  if (st) st = write_all(fd.get(), bytes, tmp);
  if (st && ::fsync(fd.get()) != 0) st = io_error("fsync", tmp);
  if (st && ::close(fd.release()) != 0) st = io_error("close", tmp);
  if (st && ::rename(tmp.c_str(), path.c_str()) != 0) st = io_error("rename", path);
  if (!st) {
    (void)::unlink(tmp.c_str());
    return st;
  }
  return fsync_directory(dir);
}

Result<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes) {
  UniqueFd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (!fd) return io_error("open", path);
  struct stat sb {};
  if (::fstat(fd.get(), &sb) != 0) return io_error("stat", path);
  if (static_cast<std::size_t>(sb.st_size) > max_bytes) {
    return Error{ErrorCode::kTooLarge,
                 "'" + path.string() + "' is larger than " + std::to_string(max_bytes) + " bytes"};
  }
  std::string out;
  out.resize(static_cast<std::size_t>(sb.st_size));
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::read(fd.get(), out.data() + got, out.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("read", path);
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  out.resize(got);
  return out;
}

}  // namespace csbridge
