#include "csbridge/delivery.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace csbridge {
namespace {

// What a crash can leave past the saved offset is one page; anything far bigger is not ours.
constexpr std::size_t kMaxRecoveryBytes = 1024U * 1024U * 1024U;

/// The file in `dir` with this device and inode (an output rotated away by rename), if any.
std::optional<std::filesystem::path> find_by_inode(const std::filesystem::path& dir,
                                                   const OutputPosition& pos) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    struct stat sb {};
    if (::stat(entry.path().c_str(), &sb) == 0 &&
        static_cast<std::uint64_t>(sb.st_dev) == pos.device &&
        static_cast<std::uint64_t>(sb.st_ino) == pos.inode) {
      return entry.path();
    }
  }
  return std::nullopt;
}

/// The complete lines of `path` past `offset` (a torn last line is left out).
Result<std::string> read_tail(const std::filesystem::path& path, std::uint64_t offset) {
  UniqueFd fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (!fd) return io_error("open", path);
  struct stat sb {};
  if (::fstat(fd.get(), &sb) != 0) return io_error("stat", path);
  const auto size = static_cast<std::uint64_t>(sb.st_size);
  if (size <= offset) return std::string{};
  if (size - offset > kMaxRecoveryBytes) {
    return Error{ErrorCode::kTooLarge, "'" + path.string() + "' grew by " +
                                           std::to_string(size - offset) +
                                           " bytes after the last state save"};
  }
  std::string out(static_cast<std::size_t>(size - offset), '\0');
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t n =
        ::pread(fd.get(), out.data() + got, out.size() - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_error("read", path);
    got += static_cast<std::size_t>(n);
  }
  out.resize(out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1);
  return out;
}

/// Cuts `path` (a file the output was rotated to while the daemon was down) back to `keep`
/// bytes, the end of its last complete line: what lies beyond is a line torn by the crash,
/// whose record is fetched again and written to the current file, so the fragment would only
/// stay behind as an invalid line. Returns the number of bytes removed.
Result<std::size_t> cut_rotated_torn_tail(const std::filesystem::path& path, std::uint64_t keep) {
  UniqueFd fd{::open(path.c_str(), O_WRONLY | O_CLOEXEC)};
  if (!fd) return io_error("open", path);
  struct stat sb {};
  if (::fstat(fd.get(), &sb) != 0) return io_error("stat", path);
  const auto size = static_cast<std::uint64_t>(sb.st_size);
  if (size <= keep) return std::size_t{0};
  if (::ftruncate(fd.get(), static_cast<off_t>(keep)) != 0) return io_error("truncate", path);
  if (::fdatasync(fd.get()) != 0) return io_error("fdatasync", path);
  return static_cast<std::size_t>(size - keep);
}

/// The keys of the records found in a recovered tail, multi-line records only once complete.
class RecoveredKeys {
 public:
  void add(RecordKeys rk) {
    if (rk.timestamp && (!newest_ || *rk.timestamp > *newest_)) newest_ = rk.timestamp;
    if (rk.parts <= 1 || rk.keys.empty()) {
      for (auto& k : rk.keys) keys_.push_back(std::move(k));
      return;
    }
    Partial& p = partial_[rk.keys.back() + '@' + std::to_string(rk.parts)];
    if (p.found.empty()) p.keys = std::move(rk.keys);
    p.parts = rk.parts;
    p.found.insert(rk.part);
  }

  /// Every complete record's keys, and the part keys of the lines of incomplete ones.
  std::vector<std::string> take() {
    for (auto& [group, p] : partial_) {
      if (p.found.size() >= p.parts) {
        for (auto& k : p.keys) keys_.push_back(std::move(k));
      } else {
        for (std::size_t part : p.found) keys_.push_back(part_key(p.keys.back(), part, p.parts));
      }
    }
    partial_.clear();
    return std::move(keys_);
  }

  [[nodiscard]] std::optional<Timestamp> newest() const { return newest_; }

 private:
  struct Partial {
    std::vector<std::string> keys{};
    std::set<std::size_t> found{};
    std::size_t parts{0};
  };
  std::vector<std::string> keys_{};
  std::map<std::string, Partial> partial_{};
  std::optional<Timestamp> newest_{};
};

}  // namespace

std::string part_key(std::string_view record_key, std::size_t part, std::size_t parts) {
  std::string key{record_key};
  key += '@';
  key += std::to_string(part);
  key += '/';
  key += std::to_string(parts);
  return key;
}

Status Delivery::recover() {
  auto cut = output_.cut_torn_tail();
  if (!cut) return std::move(cut).error();
  if (cut.value() > 0) {
    spdlog::warn(
        "Removed a torn last line ({} bytes) from {}: a crash interrupted its write; "
        "its record is fetched again",
        cut.value(), output_.path().string());
  }
  auto now_at = output_.position();
  if (!now_at) return std::move(now_at).error();
  const std::optional<OutputPosition> saved = state_.output_position();
  if (saved) {
    std::optional<std::filesystem::path> file;
    if (saved->device == now_at.value().device && saved->inode == now_at.value().inode) {
      file = output_.path();
    } else {
      const auto dir = output_.path().has_parent_path() ? output_.path().parent_path()
                                                        : std::filesystem::path{"."};
      file = find_by_inode(dir, *saved);
    }
    if (file) {
      auto tail = read_tail(*file, saved->offset);
      if (!tail) return std::move(tail).error();
      if (*file != output_.path()) {
        // The current file's torn line was cut above; a rotated file's is cut here.
        auto rotated_cut = cut_rotated_torn_tail(*file, saved->offset + tail.value().size());
        if (!rotated_cut) {
          spdlog::warn("Could not remove a torn last line from {}: {}", file->string(),
                       rotated_cut.error().message);
        } else if (rotated_cut.value() > 0) {
          spdlog::warn(
              "Removed a torn last line ({} bytes) from {}, where the output was rotated: a "
              "crash interrupted its write; its record is fetched again",
              rotated_cut.value(), file->string());
        }
      }
      RecoveredKeys recovered;
      std::size_t records = 0;
      std::string_view rest = tail.value();
      while (!rest.empty()) {
        const auto nl = rest.find('\n');
        const auto doc = nlohmann::json::parse(rest.substr(0, nl), nullptr, false);
        rest.remove_prefix(nl + 1);
        if (!doc.is_object()) continue;
        RecordKeys rk;
        if (extract_) {
          rk = extract_(doc);
        } else if (auto id = doc.find("id"); id != doc.end() && id->is_string()) {
          rk.keys.push_back(id->get<std::string>());
        }
        recovered.add(std::move(rk));
        ++records;
      }
      if (records > 0) {
        spdlog::warn(
            "Recovered {} {} written to {} after the last state save (the previous run "
            "stopped in between); they are not written again",
            records, noun_, file->string());
        state_.record(recovered.take(), recovered.newest());
      }
    } else if (saved->inode != now_at.value().inode) {
      spdlog::info("{} was replaced while the daemon was stopped; continuing in the new file",
                   output_.path().string());
    }
  }
  state_.set_output_position(now_at.value());
  return state_.save();
}

Status Delivery::sync_pending() {
  if (!unsynced_) return ok();
  if (Status st = output_.sync(); !st) return st;
  unsynced_ = false;
  return ok();
}

Status Delivery::reopen_output() {
  // A reopened descriptor would sync nothing of what the old one failed to.
  if (Status st = sync_pending(); !st) return st;
  return output_.reopen();
}

Status Delivery::follow_rotation() {
  if (Status st = sync_pending(); !st) return st;  // on the file that holds the lines
  auto moved = output_.reopen_if_moved();
  if (!moved) return std::move(moved).error();
  if (moved.value()) {
    spdlog::info("{} was moved or deleted (rotation); continuing in a new file at that path",
                 output_.path().string());
  }
  return ok();
}

Status Delivery::commit(std::string_view lines, std::size_t count, std::span<const std::string> ids,
                        std::optional<Timestamp> newest) {
  if (before_commit_) {
    if (Status st = before_commit_(); !st) return st;
  }
  // First syncs the lines of a commit whose sync failed: nothing more goes out before they are
  // durable, and then the state saved below covers them.
  if (Status st = follow_rotation(); !st) return st;
  Status synced = ok();
  if (count > 0) {
    spdlog::info("Writing {} {} to {}...", count, noun_, output_.path().string());
    // Wazuh drops a line over its length limit and the fields past its 256th: bring every
    // line within both (one count scan per line in the common case, see line_shaper.h).
    const std::optional<ShapedLines> shaped = shape_lines(lines, limits_);
    if (shaped) {
      if (shaped->folded > 0) {
        spdlog::warn(
            "{} of the {} had over {} fields; the fields past the first ones were folded into "
            "cs_bridge.overflow: Wazuh drops fields past its cap",
            shaped->folded, noun_, limits_.max_fields);
      }
      if (shaped->shrunk > 0) {
        spdlog::warn(
            "{} of the {} were over {} bytes and were shrunk (see cs_bridge.truncated): Wazuh "
            "drops longer lines",
            shaped->shrunk, noun_, limits_.max_bytes);
      }
      lines = shaped->text;
    }
    if (Status st = output_.append(lines); !st) return st;
    synced = output_.sync();
    if (synced) spdlog::info("Writing complete.");
  }
  auto end = output_.position();
  if (!end) return std::move(end).error();
  const auto before = state_.watermark();
  const bool output_moved = state_.output_position() != end.value();
  state_.record(ids, newest);
  state_.set_output_position(end.value());
  if (!synced) {
    // The lines are in the file, and Wazuh may have read them: cutting them off would make it
    // read the file again from the start (its size below Wazuh's offset). So they count as
    // written (in memory: not again), and the state is saved once a later sync succeeds; a
    // crash before that finds them in the file at start-up, or fetches them again.
    unsynced_ = true;
    unsaved_ = true;
    return synced;
  }
  if (ids.empty() && state_.watermark() == before && !output_moved && !unsaved_) return ok();
  if (Status st = state_.save(); !st) {
    // Recorded in memory, so nothing is written twice; the next commit saves it again, also
    // one with nothing new (once the disk has room again, without waiting for new records).
    unsaved_ = true;
    return st;
  }
  unsaved_ = false;
  if (state_.watermark()) {
    spdlog::info("Saved last timestamp: {}", format_rfc3339(*state_.watermark()));
  }
  spdlog::info("Saved processed {} IDs: {}", noun_, state_.seen_count());
  return ok();
}

}  // namespace csbridge
