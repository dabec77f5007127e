#pragma once

#include <functional>
#include <string>

#include "csbridge/result.h"

namespace csbridge {

/// API client credentials. Never logged, never put in argv or error messages.
struct Credentials {
  std::string client_id{};
  std::string client_secret{};
  std::string member_cid{};  ///< MSSP child CID, optional
};

/// Looks up an environment variable; returns nullptr if unset (injectable for tests).
using EnvLookup = std::function<const char*(const char*)>;

/// Loads credentials from `$CREDENTIALS_DIRECTORY/client_id` and `client_secret` (systemd
/// LoadCredential=) when present, else from CROWDSTRIKE_CLIENT_ID / CROWDSTRIKE_CLIENT_SECRET.
/// The optional MSSP member CID likewise: `member_cid` there, else CROWDSTRIKE_MEMBER_CID.
/// An empty credential file counts as absent (the units' SetCredential= fallbacks).
/// Missing → kConfig with a message naming both ways to provide them.
[[nodiscard]] Result<Credentials> load_credentials(const EnvLookup& env);

}  // namespace csbridge
