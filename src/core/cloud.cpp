#include "csbridge/cloud.h"

#include <spdlog/spdlog.h>

#include <array>
#include <cctype>

#include "csbridge/api_error.h"

namespace csbridge {
namespace {

constexpr std::array<Cloud, 5> kClouds{{
    {"us-1", "api.crowdstrike.com", true},
    {"us-2", "api.us-2.crowdstrike.com", true},
    {"eu-1", "api.eu-1.crowdstrike.com", true},
    {"us-gov-1", "api.laggar.gcw.crowdstrike.com", false},
    {"us-gov-2", "api.us-gov-2.crowdstrike.mil", false},
}};

constexpr std::string_view kTokenPath = "/oauth2/token";

/// Lower case without dashes: "US-2" and "us2" compare equal.
std::string region_key(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (c != '-') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string base_url_of(const Cloud& c) { return "https://" + std::string{c.host}; }

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

}  // namespace

std::span<const Cloud> clouds() { return kClouds; }

std::vector<std::string> cloud_choices() {
  std::vector<std::string> names;
  for (const Cloud& c : kClouds) names.emplace_back(c.name);
  names.emplace_back("auto");
  return names;
}

const Cloud* find_cloud(std::string_view name) {
  const std::string key = region_key(name);
  for (const Cloud& c : kClouds) {
    if (region_key(c.name) == key) return &c;
  }
  return nullptr;
}

Result<std::string> cloud_base_url(std::string_view cloud) {
  if (cloud == "auto") return base_url_of(kClouds[0]);
  if (const Cloud* c = find_cloud(cloud)) return base_url_of(*c);
  std::string names;
  for (const auto& n : cloud_choices()) names += (names.empty() ? "" : ", ") + n;
  return Error{ErrorCode::kConfig,
               "--cloud '" + sanitize_for_log(cloud, 40) + "' is not one of " + names};
}

const Cloud* trusted_token_redirect(std::string_view location) {
  constexpr std::string_view kScheme = "https://";
  if (location.size() < kScheme.size() || !iequals(location.substr(0, kScheme.size()), kScheme)) {
    return nullptr;
  }
  const std::string_view rest = location.substr(kScheme.size());
  const auto slash = rest.find('/');
  const std::string_view host = rest.substr(0, slash);
  const std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (!path.empty() && path != kTokenPath) return nullptr;
  for (const Cloud& c : kClouds) {
    // Exact host: "api.us-2.crowdstrike.com.evil", "x@api...", ":443" and ports all fail here.
    if (c.commercial && iequals(host, c.host)) return &c;
  }
  return nullptr;
}

CloudDiscoveryTransport::CloudDiscoveryTransport(HttpTransport& inner, std::string start_base_url)
    : inner_(inner), start_(std::move(start_base_url)), current_(start_) {}

void CloudDiscoveryTransport::switch_to(const Cloud& cloud, std::string_view why) {
  const std::string url = base_url_of(cloud);
  if (url == current_) return;
  spdlog::info("cloud autodiscovery: the API client belongs to {} ({}); using {}", cloud.name, why,
               url);
  current_ = url;
}

Result<HttpResponse> CloudDiscoveryTransport::send(const HttpRequest& request) {
  HttpRequest req = request;
  if (current_ != start_ && req.url.starts_with(start_ + "/")) {
    req.url = current_ + req.url.substr(start_.size());
  }
  const bool token_request = req.method == "POST" && req.url == current_ + std::string{kTokenPath};
  auto sent = inner_.send(req);
  if (!sent || !token_request) return sent;

  // At most two hops; a third redirect is returned as is and OAuth2Client reports it.
  for (int hop = 0; hop < 2 && is_redirect(sent.value().status); ++hop) {
    const std::string location = sent.value().header("location");
    const Cloud* target = trusted_token_redirect(location);
    if (target == nullptr) {
      return Error{ErrorCode::kAuth,
                   "POST /oauth2/token was redirected (HTTP " +
                       std::to_string(sent.value().status) + ") to '" +
                       sanitize_for_log(location, 120) +
                       "', which is not a commercial CrowdStrike cloud's token endpoint; not "
                       "following it, so the client secret is not sent there (use --cloud or "
                       "--base-url)",
                   sent.value().status};
    }
    switch_to(*target, "token endpoint redirect");
    req.url = current_ + std::string{kTokenPath};
    sent = inner_.send(req);
    if (!sent) return sent;
  }
  const HttpResponse& resp = sent.value();
  if (resp.status >= 200 && resp.status < 300) {
    const std::string region = resp.header("x-cs-region");
    if (const Cloud* c = region.empty() ? nullptr : find_cloud(region)) {
      if (c->commercial) {
        switch_to(*c, "X-Cs-Region");
      } else if (!warned_gov_) {
        warned_gov_ = true;
        spdlog::warn(
            "cloud autodiscovery: X-Cs-Region is '{}', a GovCloud; autodiscovery never "
            "switches to GovCloud, set --cloud {}",
            c->name, c->name);
      }
    }
  }
  return sent;
}

}  // namespace csbridge
