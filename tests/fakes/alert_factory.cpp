#include "fakes/alert_factory.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <utility>

namespace csbridge::testing {
namespace {

constexpr std::int64_t kNsPerSecond = 1'000'000'000;
constexpr std::int64_t kNsPerMs = 1'000'000;
constexpr std::int64_t kSecondsPerDay = 86'400;

// Precision cycle for generated timestamps: covers 0..9 digits and favours 9 (what Falcon emits
// most) while making neighbouring alerts differ, so parsers meet every width early on.
constexpr std::array<int, 12> kDigitCycle{9, 3, 0, 8, 6, 1, 9, 2, 7, 4, 5, 9};

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian, any int64 year).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = floor_div(y, 400);
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = floor_div(z, 146097);
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr std::array<unsigned, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` ASCII digits at `pos`, advancing it.
std::optional<unsigned> read_digits(std::string_view s, std::size_t& pos, std::size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  unsigned value = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  pos += n;
  return value;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

nlohmann::json load_json(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("AlertFactory: cannot read " + path.string());
  return nlohmann::json::parse(in);
}

// All *.json files directly inside `dir`, in file-name order for determinism.
std::vector<nlohmann::json> load_fixture_dir(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      files.push_back(entry.path());
    }
  }
  if (files.empty()) {
    throw std::runtime_error("AlertFactory: no *.json fixtures in " + dir.string() +
                             " (is CSBRIDGE_TEST_DATA_DIR / --data-dir right?)");
  }
  std::sort(files.begin(), files.end());
  std::vector<nlohmann::json> out;
  out.reserve(files.size());
  for (const auto& f : files) out.push_back(load_json(f));
  return out;
}

bool is_hex(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t pos = s.find(sep); pos != std::string::npos; pos = s.find(sep, start)) {
    parts.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
  parts.push_back(s.substr(start));
  return parts;
}

}  // namespace

AlertFactory::AlertFactory(std::string data_dir, std::uint64_t seed) : rng_(seed) {
  const std::filesystem::path root(data_dir);
  alerts_ = load_fixture_dir(root / "alerts");
  incidents_ = load_fixture_dir(root / "incidents");
  cases_ = load_fixture_dir(root / "cases");
  // Incident fixtures hold the only full device objects; reuse them as host templates.
  for (const auto& inc : incidents_) {
    if (inc.contains("hosts") && inc["hosts"].is_array()) {
      for (const auto& h : inc["hosts"]) host_templates_.push_back(h);
    }
  }
  if (host_templates_.empty()) {
    host_templates_.push_back({{"device_id", ""}, {"hostname", "WIN-WS-0001"}});
  }
}

std::string AlertFactory::format_rfc3339(std::int64_t ns, int digits) {
  const std::int64_t floored = truncate_ns(ns, digits);
  const std::int64_t secs = floor_div(floored, kNsPerSecond);
  const std::int64_t frac = floored - secs * kNsPerSecond;
  const std::int64_t days = floor_div(secs, kSecondsPerDay);
  const std::int64_t sod = secs - days * kSecondsPerDay;
  const Civil c = civil_from_days(days);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld",
                static_cast<long long>(c.year), c.month, c.day, static_cast<long long>(sod / 3600),
                static_cast<long long>(sod / 60 % 60), static_cast<long long>(sod % 60));
  std::string out(buf);
  if (frac != 0) {
    char fbuf[16];
    std::snprintf(fbuf, sizeof fbuf, "%09lld", static_cast<long long>(frac));
    std::string f(fbuf);
    while (!f.empty() && f.back() == '0') f.pop_back();
    out += "." + f;
  }
  return out + "Z";
}

std::optional<std::int64_t> AlertFactory::parse_rfc3339(std::string_view s) {
  std::size_t pos = 0;
  const auto year = read_digits(s, pos, 4);
  if (!year || !expect(s, pos, '-')) return std::nullopt;
  const auto month = read_digits(s, pos, 2);
  if (!month || !expect(s, pos, '-')) return std::nullopt;
  const auto day = read_digits(s, pos, 2);
  if (!day || pos >= s.size() || (s[pos] != 'T' && s[pos] != 't')) return std::nullopt;
  ++pos;
  const auto hour = read_digits(s, pos, 2);
  if (!hour || !expect(s, pos, ':')) return std::nullopt;
  const auto minute = read_digits(s, pos, 2);
  if (!minute || !expect(s, pos, ':')) return std::nullopt;
  const auto second = read_digits(s, pos, 2);
  if (!second) return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *day > days_in_month(*year, *month) || *hour > 23 ||
      *minute > 59 || *second > 59) {
    return std::nullopt;
  }
  std::int64_t frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (++n > 9) return std::nullopt;
      frac = frac * 10 + (s[pos++] - '0');
    }
    if (n == 0) return std::nullopt;
    for (std::size_t i = n; i < 9; ++i) frac *= 10;
  }
  std::int64_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const bool negative = s[pos++] == '-';
    const auto oh = read_digits(s, pos, 2);
    if (!oh || !expect(s, pos, ':')) return std::nullopt;
    const auto om = read_digits(s, pos, 2);
    if (!om || *oh > 23 || *om > 59) return std::nullopt;
    offset = (static_cast<std::int64_t>(*oh) * 3600 + *om * 60) * (negative ? -1 : 1);
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const std::int64_t secs = days_from_civil(*year, *month, *day) * kSecondsPerDay + *hour * 3600 +
                            *minute * 60 + *second - offset;
  // int64 nanoseconds span 1677-09-21 .. 2262-04-11; refuse rather than overflow.
  constexpr std::int64_t kMaxSecs = INT64_MAX / kNsPerSecond - 1;
  if (secs > kMaxSecs || secs < -kMaxSecs) return std::nullopt;
  return secs * kNsPerSecond + frac;
}

void AlertFactory::set_fraction_digits(std::optional<int> digits) {
  fixed_digits_ = digits ? std::optional<int>(std::clamp(*digits, 0, 9)) : std::nullopt;
}

int AlertFactory::next_digits() {
  if (fixed_digits_) return *fixed_digits_;
  return kDigitCycle[digits_index_++ % kDigitCycle.size()];
}

std::int64_t AlertFactory::random_between(std::int64_t lo, std::int64_t hi) {
  return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
}

std::string AlertFactory::random_hex(std::size_t n) {
  static constexpr std::string_view kHex = "0123456789abcdef";
  std::string out(n, '0');
  for (auto& c : out) c = kHex[static_cast<std::size_t>(random_between(0, 15))];
  return out;
}

std::string AlertFactory::random_digits(std::size_t n) {
  std::string out(n, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = static_cast<char>('0' + random_between(i == 0 ? 1 : 0, 9));
  }
  return out;
}

std::string AlertFactory::random_uuid() {
  std::string h = random_hex(32);
  h[12] = '4';  // version 4, variant 10xx: look like the UUIDs the idp product emits
  h[16] = "89ab"[random_between(0, 3)];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

std::string AlertFactory::unique_alert_id(const std::string& fixture_id) {
  // Keep everything up to the last ':' (the product-specific vertex prefix such as
  // "ind:<aid>:" or "ngsiem:<cid>:") and regenerate only the tail in the same shape.
  const auto colon = fixture_id.rfind(':');
  const std::string prefix = colon == std::string::npos ? "" : fixture_id.substr(0, colon + 1);
  const std::string tail = colon == std::string::npos ? fixture_id : fixture_id.substr(colon + 1);
  const auto groups = split(tail, '-');
  for (;;) {
    std::string fresh;
    if (groups.size() == 5 && groups[0].size() == 8 && groups[4].size() == 12 &&
        std::all_of(groups.begin(), groups.end(), [](const auto& g) { return is_hex(g); })) {
      fresh = random_uuid();
    } else if (groups.size() == 3 && is_digits(groups[0]) && is_digits(groups[1]) &&
               is_digits(groups[2])) {
      // "<process id>-<pattern id>-<n>": the pattern id must keep matching pattern_id.
      fresh =
          random_digits(groups[0].size()) + "-" + groups[1] + "-" + random_digits(groups[2].size());
    } else if (is_hex(tail)) {
      fresh = random_hex(tail.size());
    } else {
      fresh = tail;
      for (auto& c : fresh) {
        if (c >= '0' && c <= '9') c = static_cast<char>('0' + random_between(0, 9));
      }
      fresh += "-" + random_hex(8);
    }
    std::string id = prefix + fresh;
    if (used_ids_.insert(id).second) return id;
  }
}

nlohmann::json AlertFactory::make_alert(std::int64_t created_ns) {
  return make_alert_with_digits(created_ns, fixed_digits_.value_or(9));
}

nlohmann::json AlertFactory::make_alert_with_digits(std::int64_t created_ns, int digits) {
  const std::size_t index = alert_counter_++;
  nlohmann::json a = alerts_[index % alerts_.size()];
  const std::string id = unique_alert_id(a.value("id", std::string("ind:0:0")));
  a["id"] = id;
  a["composite_id"] = a.value("cid", std::string("0")) + ":" + id;

  const std::string created = format_rfc3339(created_ns, digits);
  const std::int64_t created_at = *parse_rfc3339(created);
  a["created_timestamp"] = created;
  // One alert in three was never modified after creation: updated == created, byte for byte.
  std::string updated = created;
  if (random_between(0, 2) != 0) {
    updated = format_rfc3339(created_at + random_between(kNsPerMs, 90LL * 60 * kNsPerSecond), 9);
  }
  a["updated_timestamp"] = updated;
  if (a.contains("crawled_timestamp")) a["crawled_timestamp"] = updated;

  const std::int64_t event_at = created_at - random_between(kNsPerSecond, 120 * kNsPerSecond);
  const std::string event = format_rfc3339(event_at, 3);
  for (const char* key : {"timestamp", "context_timestamp", "start_time"}) {
    if (a.contains(key)) a[key] = event;
  }
  if (a.contains("end_time")) {
    a["end_time"] = format_rfc3339(event_at + random_between(0, 60 * kNsPerSecond), 3);
  }

  if (index % 5 == 2) {
    if (a.contains("user_name") && a["user_name"].is_string()) a["user_name"] = "jürgen.müller";
    if (a.contains("device") && a["device"].is_object() && a["device"].contains("hostname")) {
      a["device"]["hostname"] = "東京-WS-" + random_digits(4);
    }
    if (a.contains("description") && a["description"].is_string()) {
      a["description"] = a["description"].get<std::string>() + " — Überprüfung nötig 🔥";
    } else if (a.contains("display_name") && a["display_name"].is_string()) {
      a["display_name"] = a["display_name"].get<std::string>() + " (東京)";
    }
  }
  return a;
}

std::vector<nlohmann::json> AlertFactory::make_alerts(int n, std::int64_t start_ns,
                                                      std::int64_t step_ns, int group) {
  group = std::max(group, 1);
  std::vector<nlohmann::json> out;
  out.reserve(static_cast<std::size_t>(std::max(n, 0)));
  std::int64_t instant = 0;
  std::optional<std::int64_t> previous;
  for (int i = 0; i < n; ++i) {
    if (i % group == 0) {
      // One instant per group, truncated to this group's precision. Truncation floors, so a
      // coarse precision could fall back onto or before the previous group: add digits until
      // the groups stay strictly ordered (at 9 digits the instant is exact).
      const std::int64_t raw = start_ns + (i / group) * step_ns;
      int digits = next_digits();
      instant = truncate_ns(raw, digits);
      while (!fixed_digits_ && previous && instant <= *previous && raw > *previous && digits < 9) {
        instant = truncate_ns(raw, ++digits);
      }
      previous = instant;
    }
    out.push_back(make_alert_with_digits(instant, 9));
  }
  // Serving order: ties (a group) are ordered by composite_id, as the API does.
  std::stable_sort(out.begin(), out.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    const auto ta = parse_rfc3339(a["created_timestamp"].get<std::string>());
    const auto tb = parse_rfc3339(b["created_timestamp"].get<std::string>());
    return ta != tb ? ta < tb : a["composite_id"] < b["composite_id"];
  });
  return out;
}

std::int64_t AlertFactory::truncate_ns(std::int64_t ns, int digits) {
  std::int64_t unit = 1;
  for (int i = std::clamp(digits, 0, 9); i < 9; ++i) unit *= 10;
  return floor_div(ns, unit) * unit;
}

nlohmann::json AlertFactory::make_host(int index, const std::string& cid) {
  const std::size_t n = host_counter_++;
  nlohmann::json h = host_templates_[n % host_templates_.size()];
  h["device_id"] = random_hex(32);
  h["cid"] = cid;
  std::string name = h.value("hostname", std::string("WIN-WS-0000"));
  const auto dash = name.rfind('-');
  name = (dash == std::string::npos ? name + "-" : name.substr(0, dash + 1));
  char num[8];
  std::snprintf(num, sizeof num, "%04zu", 1000 + n % 9000);
  h["hostname"] = (n % 4 == 3 ? std::string("東京-WS-") : name) + num;
  const std::string octet = std::to_string(1 + (n + static_cast<std::size_t>(index)) % 254);
  h["local_ip"] = "192.0.2." + octet;
  h["external_ip"] = "203.0.113." + octet;
  char mac[8];
  std::snprintf(mac, sizeof mac, "%02zx", n % 256);
  h["mac_address"] = std::string("00-00-5e-00-53-") + mac;
  return h;
}

nlohmann::json AlertFactory::make_incident(std::int64_t modified_ns, int hosts) {
  const std::size_t index = incident_counter_++;
  nlohmann::json inc = incidents_[index % incidents_.size()];
  const std::string cid = inc.value("cid", std::string("0000000000000000000000000000c1d0"));
  nlohmann::json host_list = nlohmann::json::array();
  nlohmann::json host_ids = nlohmann::json::array();
  for (int i = 0; i < hosts; ++i) {
    host_list.push_back(make_host(i, cid));
    host_ids.push_back(host_list.back()["device_id"]);
  }
  inc["host_ids"] = host_ids;
  if (hosts > 0) {
    inc["hosts"] = host_list;
  } else {
    inc.erase("hosts");  // host-less incidents omit the key, like the edge-case fixture
  }
  if (inc.contains("lm_host_ids")) {
    if (hosts >= 2) {
      inc["lm_host_ids"] = nlohmann::json::array({host_ids[1]});
    } else {
      inc.erase("lm_host_ids");
    }
  }
  for (;;) {
    std::string id = "inc:" + (hosts > 0 ? host_ids[0].get<std::string>() : random_hex(32)) + ":" +
                     random_hex(32);
    if (used_ids_.insert(id).second) {
      inc["incident_id"] = id;
      break;
    }
  }
  inc["modified_timestamp"] = format_rfc3339(modified_ns, 9);
  const std::int64_t modified_s = floor_div(modified_ns, kNsPerSecond);
  const std::int64_t created_s = modified_s - random_between(60, 3600);
  const std::int64_t start_s = created_s - random_between(0, 900);
  const std::int64_t end_s = std::min(modified_s, created_s + random_between(0, 600));
  inc["created"] = format_rfc3339(created_s * kNsPerSecond, 0);
  inc["start"] = format_rfc3339(start_s * kNsPerSecond, 0);
  inc["end"] = format_rfc3339(end_s * kNsPerSecond, 0);
  inc["name"] = hosts > 0 ? "Incident on " + host_list[0]["hostname"].get<std::string>() + " at " +
                                inc["start"].get<std::string>()
                          : std::string("Incident with 0 Host(s)");
  return inc;
}

nlohmann::json AlertFactory::make_case(std::int64_t updated_ns, int hosts,
                                       const std::vector<std::string>& alert_composite_ids) {
  static constexpr std::string_view kB64Url =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const std::size_t index = case_counter_++;
  nlohmann::json c = cases_[index % cases_.size()];
  const std::string cid = c.value("cid", std::string("0000000000000000000000000000c1d7"));

  // Real case ids are opaque base64url strings of ~108-112 chars starting "AAAAAAAAAA".
  for (;;) {
    std::string id = "AAAAAAAAAA";
    const std::size_t len = 108 + index % 5;
    while (id.size() < len) id += kB64Url[static_cast<std::size_t>(random_between(0, 63))];
    if (used_ids_.insert(id).second) {
      c["id"] = id;
      break;
    }
  }
  c["reference_id"] = "CASE-" + std::to_string(5001 + index);

  const std::string updated = format_rfc3339(updated_ns, fixed_digits_.value_or(9));
  const std::int64_t updated_at = *parse_rfc3339(updated);
  const std::int64_t created_at = updated_at - random_between(0, 2 * kSecondsPerDay * kNsPerSecond);
  c["updated_timestamp"] = updated;
  c["created_timestamp"] = format_rfc3339(created_at, 9);
  if (alert_composite_ids.empty()) {
    c["start_timestamp"] = c["created_timestamp"];
    c["end_timestamp"] = c["created_timestamp"];
  } else {
    const std::int64_t end_at = created_at - random_between(0, 600 * kNsPerSecond);
    c["end_timestamp"] = format_rfc3339(end_at, 3);
    c["start_timestamp"] = format_rfc3339(end_at - random_between(0, 1800 * kNsPerSecond), 3);
  }
  const std::int64_t version = random_between(1, 12);
  c["version"] = version;
  c["consistency"] = {{"consistent", true}, {"version", version}};

  nlohmann::json host_records = nlohmann::json::array();
  for (int i = 0; i < hosts; ++i) {
    const nlohmann::json h = make_host(i, cid);
    host_records.push_back({{"aid", h["device_id"]},
                            {"hostname", h["hostname"]},
                            {"local_ip", h["local_ip"]},
                            {"agent_ip", h["external_ip"]},
                            {"cloud_instance_id", ""}});
  }
  c["analysis_results"]["hosts"]["records"] = host_records;

  nlohmann::json evidence = nlohmann::json::array();
  nlohmann::json analysed = nlohmann::json::array();
  for (const auto& alert_id : alert_composite_ids) {
    evidence.push_back({{"id", alert_id}, {"selector", {{"id", alert_id}}}});
    analysed.push_back({{"id", alert_id}});
  }
  c["evidence"]["alerts"]["records"] = evidence;
  c["analysis_results"]["alerts"]["records"] = analysed;
  c["analysis_results"]["data_domains"] = (hosts > 0 || !alert_composite_ids.empty())
                                              ? nlohmann::json::array({"Endpoint"})
                                              : nlohmann::json::array();
  if (index % 4 == 1 && c.contains("name") && c["name"].is_string()) {
    c["name"] = c["name"].get<std::string>() + " – Jürgen / 東京";
  }
  return c;
}

}  // namespace csbridge::testing
