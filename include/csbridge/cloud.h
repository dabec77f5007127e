#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "csbridge/http.h"
#include "csbridge/result.h"

namespace csbridge {

/// One Falcon cloud (the host table of the Falcon API documentation).
struct Cloud {
  std::string_view name;  ///< --cloud value and X-Cs-Region: "us-2"
  std::string_view host;  ///< "api.us-2.crowdstrike.com"
  bool commercial;        ///< autodiscovery may switch to it (GovCloud: never)
};

/// us-1, us-2, eu-1, us-gov-1, us-gov-2 (us-3 is gofalcon-only and left out).
[[nodiscard]] std::span<const Cloud> clouds();

/// The --cloud choices: every cloud name plus "auto".
[[nodiscard]] std::vector<std::string> cloud_choices();

/// The cloud named `name` ("us-2"; case-insensitive, dashes optional as in X-Cs-Region
/// "us2"), or nullptr.
[[nodiscard]] const Cloud* find_cloud(std::string_view name);

/// "https://api.us-2.crowdstrike.com" for --cloud us-2; "auto" starts at us-1.
[[nodiscard]] Result<std::string> cloud_base_url(std::string_view cloud);

/// The commercial cloud a token-endpoint redirect may be followed to: `location` must be
/// exactly https://<commercial host>[/oauth2/token] (no port, user info, query or other path).
/// Anything else, including GovCloud hosts, is nullptr: the client secret is never re-sent
/// to it.
[[nodiscard]] const Cloud* trusted_token_redirect(std::string_view location);

/// --cloud auto: wraps the transport every client uses. A token request (POST .../oauth2/token)
/// answered with a redirect (the API's 308 for a client of another commercial cloud) is sent
/// again, same body, to the Location if trusted_token_redirect() allows it, else it fails with
/// kAuth. After a redirect, or a 2xx token answer whose X-Cs-Region names another commercial
/// cloud (FalconPy's autodiscovery), every later request addressed to `start_base_url` goes
/// to that cloud instead. Not thread-safe (like the transport it wraps).
class CloudDiscoveryTransport final : public HttpTransport {
 public:
  CloudDiscoveryTransport(HttpTransport& inner, std::string start_base_url);
  [[nodiscard]] Result<HttpResponse> send(const HttpRequest& request) override;
  /// Where requests go now: start_base_url until a cloud was discovered.
  [[nodiscard]] const std::string& base_url() const { return current_; }

 private:
  void switch_to(const Cloud& cloud, std::string_view why);

  HttpTransport& inner_;
  std::string start_;
  std::string current_;
  bool warned_gov_{false};
};

}  // namespace csbridge
