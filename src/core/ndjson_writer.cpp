#include "csbridge/ndjson_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace csbridge {

Result<NdjsonWriter> NdjsonWriter::open(std::filesystem::path path, mode_t mode) {
  UniqueFd fd{::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, mode)};
  if (!fd) return io_error("open output", path);
  return NdjsonWriter{std::move(path), std::move(fd)};
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
  if (::fdatasync(fd_.get()) != 0) return io_error("fdatasync output", path_);
  return ok();
}

}  // namespace csbridge
