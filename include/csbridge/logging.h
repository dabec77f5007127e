#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace csbridge {

struct LogOptions {
  std::filesystem::path file{};  ///< per-service log file (rotated by size)
  std::string level{"info"};
  std::size_t max_bytes{10U * 1024U * 1024U};
  std::size_t max_files{5};
  /// "file": the rotated file only; "journal": stderr only (the journal under systemd);
  /// "both".
  std::string target{"both"};
};

/// Installs the default logger: the seed's file format ("2026-01-02 03:04:05 INFO: msg")
/// in a size-rotated file, plus stderr (with <N> priority prefixes when stderr is the journal),
/// or only one of them as `target` says.
/// Throws spdlog::spdlog_ex if the log file cannot be opened.
void setup_logging(const LogOptions& options);

/// Stderr-only logging, for before the work dir is known.
void setup_stderr_logging();

}  // namespace csbridge
