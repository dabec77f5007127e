#include "csbridge/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace csbridge {
namespace {

/// Python logging's level names, so the log files read like the seed's.
class PythonLevelFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*time*/,
              spdlog::memory_buf_t& dest) override {
    static constexpr std::array<std::string_view, 7> kNames{"DEBUG", "DEBUG",    "INFO", "WARNING",
                                                            "ERROR", "CRITICAL", ""};
    const auto n = kNames.at(static_cast<std::size_t>(msg.level));
    dest.append(n.data(), n.data() + n.size());
  }
  [[nodiscard]] std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<PythonLevelFlag>();
  }
};

/// sd-daemon(3) priority prefixes, so journald keeps the levels of stderr lines.
class SyslogPrefixFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*time*/,
              spdlog::memory_buf_t& dest) override {
    static constexpr std::array<std::string_view, 7> kPrefix{"<7>", "<7>", "<6>", "<4>",
                                                             "<3>", "<2>", "<6>"};
    const auto p = kPrefix.at(static_cast<std::size_t>(msg.level));
    dest.append(p.data(), p.data() + p.size());
  }
  [[nodiscard]] std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<SyslogPrefixFlag>();
  }
};

std::unique_ptr<spdlog::formatter> file_formatter() {
  auto f = std::make_unique<spdlog::pattern_formatter>();
  f->add_flag<PythonLevelFlag>('*').set_pattern("%Y-%m-%d %H:%M:%S %*: %v");
  return f;
}

std::shared_ptr<spdlog::sinks::sink> stderr_sink() {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  if (std::getenv("JOURNAL_STREAM") != nullptr) {
    auto f = std::make_unique<spdlog::pattern_formatter>();
    f->add_flag<SyslogPrefixFlag>('*').set_pattern("%*%v");
    sink->set_formatter(std::move(f));
  } else {
    sink->set_formatter(file_formatter());
  }
  return sink;
}

}  // namespace

void setup_stderr_logging() {
  auto logger = std::make_shared<spdlog::logger>("cs-bridge", stderr_sink());
  spdlog::set_default_logger(logger);
}

void setup_logging(const LogOptions& options) {
  std::vector<spdlog::sink_ptr> sinks;
  if (options.target != "journal") {
    auto file = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
        options.file.string(), options.max_bytes, options.max_files);
    file->set_formatter(file_formatter());
    sinks.push_back(std::move(file));
  }
  if (options.target != "file") sinks.push_back(stderr_sink());
  auto logger = std::make_shared<spdlog::logger>("cs-bridge", sinks.begin(), sinks.end());
  logger->set_level(spdlog::level::from_str(options.level == "warning" ? "warn" : options.level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace csbridge
