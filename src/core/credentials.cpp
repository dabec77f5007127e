#include "csbridge/credentials.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace csbridge {
namespace {

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

/// Reads a small credential file; empty string if it does not exist.
Result<std::string> read_credential(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::string{};
  if (std::filesystem::file_size(path, ec) > 4096) {
    return Error{ErrorCode::kConfig, "credential file '" + path.string() + "' is too large"};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorCode::kConfig, "cannot read credential file '" + path.string() + "'"};
  std::ostringstream ss;
  ss << in.rdbuf();
  return trim(ss.str());
}

std::string env_or_empty(const EnvLookup& env, const char* name) {
  const char* v = env(name);
  return v != nullptr ? trim(v) : std::string{};
}

}  // namespace

Result<Credentials> load_credentials(const EnvLookup& env) {
  Credentials c;
  if (const std::string dir = env_or_empty(env, "CREDENTIALS_DIRECTORY"); !dir.empty()) {
    auto id = read_credential(std::filesystem::path{dir} / "client_id");
    if (!id) return std::move(id).error();
    auto secret = read_credential(std::filesystem::path{dir} / "client_secret");
    if (!secret) return std::move(secret).error();
    auto member = read_credential(std::filesystem::path{dir} / "member_cid");
    if (!member) return std::move(member).error();
    c.client_id = std::move(id).value();
    c.client_secret = std::move(secret).value();
    c.member_cid = std::move(member).value();
  }
  if (c.client_id.empty()) c.client_id = env_or_empty(env, "CROWDSTRIKE_CLIENT_ID");
  if (c.client_secret.empty()) c.client_secret = env_or_empty(env, "CROWDSTRIKE_CLIENT_SECRET");
  if (c.member_cid.empty()) c.member_cid = env_or_empty(env, "CROWDSTRIKE_MEMBER_CID");
  if (c.client_id.empty() || c.client_secret.empty()) {
    return Error{ErrorCode::kConfig,
                 "Missing CROWDSTRIKE_CLIENT_ID or CROWDSTRIKE_CLIENT_SECRET environment variables "
                 "(or client_id/client_secret in $CREDENTIALS_DIRECTORY)."};
  }
  return c;
}

}  // namespace csbridge
