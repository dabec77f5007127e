// The data endpoints of FakeFalcon: alerts (cursor paging), incidents and cases (offset paging).
// Each handler validates its input the way the daemons must get right, then reads the live
// store under the lock: paging is evaluated on the data as it is at request time.

#include <algorithm>
#include <unordered_set>

#include "fakes/alert_factory.h"
#include "fakes/fake_falcon_internal.h"

namespace csbridge::testing {
namespace detail {

bool TimeFilter::matches(std::optional<std::int64_t> ns) const {
  if (bounds.empty()) return true;
  if (!ns) return false;
  return std::all_of(bounds.begin(), bounds.end(), [&ns](const TimeBound& b) {
    switch (b.op) {
      case TimeBound::Op::kGt:
        return *ns > b.ns;
      case TimeBound::Op::kGe:
        return *ns >= b.ns;
      case TimeBound::Op::kLt:
        return *ns < b.ns;
      case TimeBound::Op::kLe:
        return *ns <= b.ns;
    }
    return false;
  });
}

FilterParse parse_time_filter(std::string_view fql, std::string_view field) {
  FilterParse out;
  TimeFilter filter;
  const std::string quoted = "'" + std::string(fql) + "'";
  std::size_t pos = 0;
  while (pos < fql.size()) {
    const auto colon = fql.find(':', pos);
    const std::string_view name =
        fql.substr(pos, colon == std::string_view::npos ? 0 : colon - pos);
    if (colon == std::string_view::npos || name != field) {
      out.error = "Invalid filter " + quoted + ": fake-falcon only supports range filters on " +
                  std::string(field) + " (field:>='RFC3339' joined by '+')";
      return out;
    }
    pos = colon + 1;
    TimeBound bound;
    if (fql.substr(pos, 2) == ">=") {
      bound.op = TimeBound::Op::kGe;
      pos += 2;
    } else if (fql.substr(pos, 2) == "<=") {
      bound.op = TimeBound::Op::kLe;
      pos += 2;
    } else if (fql.substr(pos, 1) == ">") {
      bound.op = TimeBound::Op::kGt;
      pos += 1;
    } else if (fql.substr(pos, 1) == "<") {
      bound.op = TimeBound::Op::kLt;
      pos += 1;
    } else {
      out.error = "Invalid filter " + quoted + ": expected one of > >= < <= after '" +
                  std::string(field) + ":'";
      return out;
    }
    if (pos >= fql.size() || fql[pos] != '\'') {
      out.error =
          "Invalid filter " + quoted + ": timestamp values must be enclosed in single quotes (FQL)";
      return out;
    }
    const auto close = fql.find('\'', pos + 1);
    if (close == std::string_view::npos) {
      out.error = "Invalid filter " + quoted + ": unterminated quoted value";
      return out;
    }
    const std::string_view value = fql.substr(pos + 1, close - pos - 1);
    const auto ns = AlertFactory::parse_rfc3339(value);
    if (!ns) {
      out.error = "Invalid filter " + quoted + ": '" + std::string(value) +
                  "' is not an RFC 3339 timestamp";
      return out;
    }
    bound.ns = *ns;
    filter.bounds.push_back(bound);
    pos = close + 1;
    if (pos == fql.size()) break;
    if (fql[pos] != '+') {
      out.error = "Invalid filter " + quoted + ": unexpected '" + std::string(1, fql[pos]) +
                  "' after a value (terms are joined by '+', which must be sent as %2B in a "
                  "query string)";
      return out;
    }
    ++pos;
    if (pos == fql.size()) {
      out.error = "Invalid filter " + quoted + ": dangling '+'";
      return out;
    }
  }
  out.filter = std::move(filter);
  return out;
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string form_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::map<std::string, std::string> parse_form(std::string_view text) {
  std::map<std::string, std::string> out;
  while (!text.empty()) {
    const auto amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos) {
      out[form_decode(pair.substr(0, eq))] = form_decode(pair.substr(eq + 1));
    } else if (!pair.empty()) {
      out[form_decode(pair)] = "";
    }
    text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
  }
  return out;
}

std::map<std::string, std::string> query_params(const httplib::Request& req) {
  const auto q = req.target.find('?');
  return q == std::string::npos ? std::map<std::string, std::string>{}
                                : parse_form(std::string_view(req.target).substr(q + 1));
}

namespace {
constexpr std::string_view kB64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}  // namespace

std::string base64_encode(std::string_view data) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const unsigned v = static_cast<unsigned char>(data[i]) << 16 |
                       static_cast<unsigned char>(data[i + 1]) << 8 |
                       static_cast<unsigned char>(data[i + 2]);
    out += kB64[v >> 18 & 63];
    out += kB64[v >> 12 & 63];
    out += kB64[v >> 6 & 63];
    out += kB64[v & 63];
  }
  if (i + 1 == data.size()) {
    const unsigned v = static_cast<unsigned char>(data[i]) << 16;
    out += kB64[v >> 18 & 63];
    out += kB64[v >> 12 & 63];
    out += "==";
  } else if (i + 2 == data.size()) {
    const unsigned v =
        static_cast<unsigned char>(data[i]) << 16 | static_cast<unsigned char>(data[i + 1]) << 8;
    out += kB64[v >> 18 & 63];
    out += kB64[v >> 12 & 63];
    out += kB64[v >> 6 & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const auto idx = kB64.find(c);
    if (idx == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(idx);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

void OrderedStore::upsert(Key key, nlohmann::json doc) {
  const auto old = keys.find(key.second);
  if (old != keys.end()) items.erase(old->second);
  keys[key.second] = key;
  items[std::move(key)] = std::move(doc);
}

const nlohmann::json* OrderedStore::find(const std::string& id) const {
  const auto it = keys.find(id);
  return it == keys.end() ? nullptr : &items.at(it->second);
}

std::vector<nlohmann::json> OrderedStore::all() const {
  std::vector<nlohmann::json> out;
  out.reserve(items.size());
  for (const auto& [key, doc] : items) out.push_back(doc);
  return out;
}

}  // namespace detail

namespace {

using detail::Reply;
using detail::RequestContext;

constexpr std::string_view kAlertsApi = "detectsapi";
constexpr std::string_view kIncidentsApi = "incident-api";
constexpr std::size_t kMaxOffsetWindow = 10000;

// The position after the last record of a page, as the real opaque token encodes it.
struct Cursor {
  detail::OrderedStore::Key after;
  std::int64_t total_fetched = 0;
};

std::optional<Cursor> decode_cursor(const std::string& token) {
  const auto raw = detail::base64_decode(token);
  if (!raw) return std::nullopt;
  const auto j = nlohmann::json::parse(*raw, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("version", "") != "v1" ||
      !j.contains("after") || !j["after"].is_array() || j["after"].size() != 2 ||
      !j["after"][0].is_number_integer() || !j["after"][1].is_string()) {
    return std::nullopt;
  }
  Cursor c;
  c.after = {j["after"][0].get<std::int64_t>(), j["after"][1].get<std::string>()};
  if (j.contains("total_fetched") && j["total_fetched"].is_number_integer()) {
    c.total_fetched = j["total_fetched"].get<std::int64_t>();
  }
  return c;
}

std::string encode_cursor(const Cursor& c, std::size_t total) {
  const nlohmann::json j = {{"version", "v1"},
                            {"total_hits", total},
                            {"total_relation", "eq"},
                            {"cluster_id", "fake-falcon"},
                            {"after", {c.after.first, c.after.second}},
                            {"total_fetched", c.total_fetched}};
  return detail::base64_encode(j.dump());
}

std::string param(const std::map<std::string, std::string>& params, const char* name) {
  const auto it = params.find(name);
  return it == params.end() ? std::string{} : it->second;
}

// Strict non-negative decimal, as a query parameter must be.
std::optional<long long> parse_count(const std::string& s) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  long long v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// Reads a JSON request body that must be an object (an empty body counts as {}).
std::optional<nlohmann::json> body_object(const httplib::Request& req) {
  if (req.body.empty()) return nlohmann::json::object();
  auto j = nlohmann::json::parse(req.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

// A JSON array of strings from `body[key]`, or nullopt if absent / not such an array.
std::optional<std::vector<std::string>> string_array(const nlohmann::json& body, const char* key) {
  if (!body.contains(key) || !body[key].is_array()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& v : body[key]) {
    if (!v.is_string()) return std::nullopt;
    out.push_back(v.get<std::string>());
  }
  return out;
}

// Documents of `store` matching `filter`, as the ids of the page [offset, offset+limit).
struct OffsetPage {
  std::vector<std::string> ids;
  std::size_t total = 0;
};

OffsetPage offset_page(const detail::OrderedStore& store, const detail::TimeFilter& filter,
                       std::size_t offset, std::size_t limit) {
  OffsetPage page;
  for (const auto& [key, doc] : store.items) {
    const auto ns = key.first == INT64_MIN ? std::nullopt : std::optional<std::int64_t>(key.first);
    if (!filter.matches(ns)) continue;
    if (page.total >= offset && page.ids.size() < limit) page.ids.push_back(key.second);
    ++page.total;
  }
  return page;
}

}  // namespace

Reply FakeFalcon::Impl::alerts_combined(const httplib::Request& req, const RequestContext& ctx) {
  const auto body = body_object(req);
  if (!body) return error_reply(400, "Request body must be a JSON object", kAlertsApi, ctx);

  std::int64_t limit = 100;
  if (body->contains("limit")) {
    const auto& l = (*body)["limit"];
    if (!l.is_number_integer() || l.get<std::int64_t>() < 1 || l.get<std::int64_t>() > 1000) {
      return error_reply(400, "limit must be an integer between 1 and 1000", kAlertsApi, ctx);
    }
    limit = l.get<std::int64_t>();
  }
  const std::string sort = body->value("sort", std::string{});
  if (sort != "created_timestamp|asc" && sort != "created_timestamp.asc") {
    return error_reply(400,
                       "fake-falcon: sort must be 'created_timestamp|asc' or "
                       "'created_timestamp.asc' (got '" +
                           sort + "')",
                       kAlertsApi, ctx);
  }
  detail::TimeFilter filter;
  if (body->contains("filter")) {
    if (!(*body)["filter"].is_string()) {
      return error_reply(400, "filter must be a string", kAlertsApi, ctx);
    }
    auto parsed =
        detail::parse_time_filter((*body)["filter"].get<std::string>(), "created_timestamp");
    if (!parsed.filter) return error_reply(400, parsed.error, kAlertsApi, ctx);
    filter = std::move(*parsed.filter);
  }
  std::optional<Cursor> cursor;
  if (body->contains("after") && !(*body)["after"].is_null()) {
    const auto& a = (*body)["after"];
    if (!a.is_string()) return error_reply(400, "after must be a string", kAlertsApi, ctx);
    if (!a.get<std::string>().empty()) {
      cursor = decode_cursor(a.get<std::string>());
      if (!cursor) {
        return error_reply(400, "Invalid 'after' pagination token", kAlertsApi, ctx);
      }
    }
  }

  nlohmann::json resources = nlohmann::json::array();
  std::size_t total = 0;
  bool has_more = false;
  Cursor next{};
  {
    std::lock_guard lock(mu);
    for (const auto& [key, doc] : alerts.items) {
      if (!filter.matches(key.first)) continue;
      ++total;
      if (cursor && !(key > cursor->after)) continue;  // a cursor only ever moves forward
      if (static_cast<std::int64_t>(resources.size()) < limit) {
        resources.push_back(doc);
        next.after = key;
      } else {
        has_more = true;
      }
    }
  }
  next.total_fetched =
      (cursor ? cursor->total_fetched : 0) + static_cast<std::int64_t>(resources.size());

  nlohmann::json pagination = {{"total", total}, {"limit", limit}};
  if (has_more) {
    pagination["after"] = encode_cursor(next, total);
  } else if (options.empty_after_on_last_page) {
    pagination["after"] = "";
  }
  nlohmann::json m = meta(ctx, kAlertsApi);
  m["pagination"] = pagination;
  return json_reply(
      200, {{"meta", m}, {"errors", nlohmann::json::array()}, {"resources", std::move(resources)}});
}

Reply FakeFalcon::Impl::alerts_entities(const httplib::Request& req, const RequestContext& ctx) {
  const auto body = body_object(req);
  if (!body) return error_reply(400, "Request body must be a JSON object", kAlertsApi, ctx);
  const auto ids = string_array(*body, "composite_ids");
  if (ids && ids->size() > 1000) {
    return error_reply(413, "Request Entity Too Large: at most 1000 composite_ids per request",
                       kAlertsApi, ctx);
  }
  if (!ids || ids->empty()) {
    return error_reply(400, "composite_ids must be a non-empty array of strings", kAlertsApi, ctx);
  }
  nlohmann::json resources = nlohmann::json::array();
  {
    std::lock_guard lock(mu);
    std::unordered_set<std::string> seen;
    for (const auto& id : *ids) {
      const auto* doc = alerts.find(id);
      if (doc && seen.insert(id).second) resources.push_back(*doc);
    }
  }
  return json_reply(200, {{"meta", meta(ctx, kAlertsApi)},
                          {"errors", nlohmann::json::array()},
                          {"resources", std::move(resources)}});
}

Reply FakeFalcon::Impl::incidents_query(const httplib::Request& req, const RequestContext& ctx) {
  const auto params = detail::query_params(req);
  long long limit = 100;
  if (params.contains("limit")) {
    const auto v = parse_count(param(params, "limit"));
    if (!v || *v < 1 || *v > 500) {
      return error_reply(400, "limit must be an integer between 1 and 500", kIncidentsApi, ctx);
    }
    limit = *v;
  }
  long long offset = 0;
  if (params.contains("offset")) {
    const auto v = parse_count(param(params, "offset"));
    if (!v) return error_reply(400, "offset must be a non-negative integer", kIncidentsApi, ctx);
    offset = *v;
  }
  const std::string sort = param(params, "sort");
  if (sort != "modified_timestamp.asc") {
    return error_reply(400,
                       "fake-falcon: sort must be 'modified_timestamp.asc' (got '" + sort + "')",
                       kIncidentsApi, ctx);
  }
  detail::TimeFilter filter;
  if (params.contains("filter")) {
    auto parsed = detail::parse_time_filter(param(params, "filter"), "modified_timestamp");
    if (!parsed.filter) return error_reply(400, parsed.error, kIncidentsApi, ctx);
    filter = std::move(*parsed.filter);
  }
  OffsetPage page;
  {
    std::lock_guard lock(mu);
    page = offset_page(incidents, filter, static_cast<std::size_t>(offset),
                       static_cast<std::size_t>(limit));
  }
  nlohmann::json m = meta(ctx, kIncidentsApi);
  m["pagination"] = {{"offset", offset}, {"limit", limit}, {"total", page.total}};
  return json_reply(200,
                    {{"meta", m}, {"resources", page.ids}, {"errors", nlohmann::json::array()}});
}

Reply FakeFalcon::Impl::incidents_entities(const httplib::Request& req, const RequestContext& ctx) {
  const auto body = body_object(req);
  const auto ids = body ? string_array(*body, "ids") : std::nullopt;
  if (!ids || ids->empty() || ids->size() > 500) return fixture_reply(400, fx_incidents_400, ctx);
  nlohmann::json resources = nlohmann::json::array();
  {
    std::lock_guard lock(mu);
    std::unordered_set<std::string> seen;
    for (const auto& id : *ids) {
      const auto* doc = incidents.find(id);
      if (doc && seen.insert(id).second) resources.push_back(*doc);
    }
  }
  return json_reply(200, {{"meta", meta(ctx, kIncidentsApi)},
                          {"resources", std::move(resources)},
                          {"errors", nlohmann::json::array()}});
}

Reply FakeFalcon::Impl::cases_query(const httplib::Request& req, const RequestContext& ctx) {
  // powered_by is unknown for /cases, so it is omitted like in the fixtures.
  const auto params = detail::query_params(req);
  long long limit = 100;
  if (params.contains("limit")) {
    const auto v = parse_count(param(params, "limit"));
    if (!v || *v < 1 || *v > 10000) {
      return error_reply(400, "limit must be an integer between 1 and 10000", "", ctx);
    }
    limit = *v;
  }
  long long offset = 0;
  if (params.contains("offset")) {
    const auto v = parse_count(param(params, "offset"));
    if (!v) return error_reply(400, "offset must be a non-negative integer", "", ctx);
    offset = *v;
  }
  if (static_cast<std::size_t>(offset + limit) > kMaxOffsetWindow) {
    // Offset paging is backed by a 10k result window; past it the backend fails.
    if (options.cases_offset_ceiling_status == 400) {
      return error_reply(400,
                         "offset " + std::to_string(offset) + " and limit " +
                             std::to_string(limit) +
                             " are invalid; offset + limit must be less than or equal to 10000",
                         "", ctx);
    }
    return fixture_reply(options.cases_offset_ceiling_status, fx_500, ctx);
  }
  const std::string sort = param(params, "sort");
  if (sort != "updated_timestamp.asc" && sort != "updated_timestamp|asc") {
    return error_reply(400,
                       "fake-falcon: sort must be 'updated_timestamp.asc' or "
                       "'updated_timestamp|asc' (got '" +
                           sort + "')",
                       "", ctx);
  }
  detail::TimeFilter filter;
  if (params.contains("filter")) {
    auto parsed = detail::parse_time_filter(param(params, "filter"), "updated_timestamp");
    if (!parsed.filter) return error_reply(400, parsed.error, "", ctx);
    filter = std::move(*parsed.filter);
  }
  OffsetPage page;
  {
    std::lock_guard lock(mu);
    page = offset_page(cases, filter, static_cast<std::size_t>(offset),
                       static_cast<std::size_t>(limit));
  }
  nlohmann::json m = meta(ctx, "");
  m["pagination"] = {{"offset", offset}, {"limit", limit}, {"total", page.total}};
  return json_reply(200,
                    {{"meta", m}, {"resources", page.ids}, {"errors", nlohmann::json::array()}});
}

Reply FakeFalcon::Impl::cases_entities(const httplib::Request& req, const RequestContext& ctx) {
  const auto body = body_object(req);
  const auto ids = body ? string_array(*body, "ids") : std::nullopt;
  if (!ids || ids->empty()) {
    return error_reply(400, "The 'ids' field must be a non-empty array of strings", "", ctx);
  }
  if (ids->size() > 100) {
    return error_reply(400, "At most 100 ids may be requested at once", "", ctx);
  }
  std::vector<nlohmann::json> found;
  {
    std::lock_guard lock(mu);
    std::unordered_set<std::string> seen;
    for (const auto& id : *ids) {
      const auto* doc = cases.find(id);
      if (doc && !hidden_cases.contains(id) && seen.insert(id).second) found.push_back(*doc);
    }
    // The real endpoint answers in arbitrary order; make sure it is never the requested one.
    if (found.size() >= 2) {
      const auto requested = found;
      std::shuffle(found.begin(), found.end(), rng);
      if (found == requested) std::rotate(found.begin(), found.begin() + 1, found.end());
    }
  }
  return json_reply(200, {{"meta", meta(ctx, "")},
                          {"resources", std::move(found)},
                          {"errors", nlohmann::json::array()}});
}

}  // namespace csbridge::testing
