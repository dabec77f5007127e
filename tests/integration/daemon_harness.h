#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "fakes/fake_falcon.h"
#include "integration/process.h"

namespace csbridge::testing {

/// A fresh work dir per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "csbridge-it-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Every line of an NDJSON file, each checked to be complete and valid JSON.
inline std::vector<nlohmann::json> read_ndjson(const std::filesystem::path& p) {
  std::vector<nlohmann::json> out;
  const std::string text = slurp(p);
  if (text.empty()) return out;
  EXPECT_EQ(text.back(), '\n') << "last line of " << p << " is not terminated";
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto doc = nlohmann::json::parse(line, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << "invalid JSON line: " << line.substr(0, 200);
    if (!doc.is_discarded()) out.push_back(std::move(doc));
  }
  return out;
}

/// How every cs-detections line starts (the marker contract of rules/crowdstrike.xml): the
/// alert's own keys follow, after a ',' (or the line ends in '}' for an empty alert).
inline constexpr std::string_view kAlertMarker =
    R"({"integration":"crowdstrike","cs_kind":"alert")";

/// A written line starts with the marker of `kind` ("alert", "incident", "case").
inline bool marker_first(std::string_view line, std::string_view kind = "alert") {
  const std::string head = R"({"integration":"crowdstrike","cs_kind":")" + std::string{kind} + '"';
  return line.starts_with(head) && line.size() > head.size() &&
         (line[head.size()] == ',' || line[head.size()] == '}');
}

/// A cs-detections line without the two marker keys: equal to the served alert.
inline nlohmann::json without_marker(nlohmann::json line) {
  line.erase("integration");
  line.erase("cs_kind");
  return line;
}

/// The lines of a file, without their '\n'.
inline std::vector<std::string> read_lines(const std::filesystem::path& p) {
  std::vector<std::string> out;
  std::istringstream in(slurp(p));
  std::string line;
  while (std::getline(in, line)) out.push_back(std::move(line));
  return out;
}

inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr std::int64_t kSecond = 1'000'000'000;

/// Runs a daemon binary against a fake, with the fake's credentials in the environment.
struct DaemonRun {
  std::string binary;
  std::filesystem::path workdir;
  std::string base_url;
  std::vector<std::string> extra_args{};
  std::map<std::string, std::string> env{{"CROWDSTRIKE_CLIENT_ID", "demo-client-id"},
                                         {"CROWDSTRIKE_CLIENT_SECRET", "demo-client-secret"}};
  std::string max_attempts{"10"};  ///< --max-attempts (given once: CLI11 refuses a repeat)

  [[nodiscard]] std::vector<std::string> argv() const {
    std::vector<std::string> a{binary,      "--once",         "--base-url",     base_url,
                               "--workdir", workdir.string(), "--max-attempts", max_attempts};
    a.insert(a.end(), extra_args.begin(), extra_args.end());
    return a;
  }
  /// Runs to completion; returns {exit code, stdout+stderr}.
  [[nodiscard]] std::pair<int, std::string> run() const {
    return run_process(argv(), env, workdir / "daemon-output.txt");
  }
};

}  // namespace csbridge::testing
