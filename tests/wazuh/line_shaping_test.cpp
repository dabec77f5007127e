// What Wazuh makes of the lines the daemons' one write path (Delivery::commit, line_shaper.h)
// writes for records over its limits: a 70 000-character cmdline, 300 quarantined files, 400
// leaf fields, invalid UTF-8, an embedded NUL, deep nesting. Each must come out as one valid JSON
// line within 60 000 bytes and 256 fields that the rules match at the record's own band. Also:
// the shaper's field count agrees with the decoder model, and every field the rules use is one
// that folding keeps.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <regex>
#include <sstream>

#include "alerts_source.h"
#include "csbridge/delivery.h"
#include "csbridge/line_shaper.h"
#include "csbridge/page_scanner.h"
#include "incident_rows.h"
#include "test_lines.h"
#include "wazuh/evaluator.h"
#include "wazuh/logcollector.h"

namespace wazuh {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

const Evaluator& rules() {
  static const Evaluator ev = Evaluator::load(testing::rules_file());
  return ev;
}

struct Band {
  int id;
  int level;
};

// The documented bands (README, rule table): Informational <20, Low 20-39, Medium 40-59,
// High 60-79, Critical >=80.
Band alert_band(int s) {
  return s >= 80   ? Band{222297, 15}
         : s >= 60 ? Band{222298, 11}
         : s >= 40 ? Band{222299, 9}
         : s >= 20 ? Band{222300, 5}
                   : Band{222301, 3};
}
Band incident_band(int s) {
  return s >= 80   ? Band{222304, 15}
         : s >= 60 ? Band{222305, 13}
         : s >= 40 ? Band{222306, 11}
         : s >= 20 ? Band{222307, 10}
                   : Band{222308, 5};
}
Band case_band(int s) {
  return s >= 80   ? Band{222314, 15}
         : s >= 60 ? Band{222315, 13}
         : s >= 40 ? Band{222316, 11}
         : s >= 20 ? Band{222317, 10}
                   : Band{222318, 5};
}

constexpr int kSeverities[] = {85, 65, 45, 25, 5};

/// The lines `lines` (`count` of them) become once written by Delivery::commit, the one write
/// path of both daemons (default limits: 60 000 bytes, 256 fields).
std::vector<std::string> write_through_delivery(const std::string& lines, std::size_t count) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "csbridge-shape-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  const std::filesystem::path dir = tmpl;
  std::vector<std::string> out;
  {
    auto writer = csbridge::NdjsonWriter::open(dir / "out.jsonl");
    auto state = csbridge::StateStore::load(
        csbridge::StateFiles{dir / "last_timestamp.txt", dir / "last_ids.json"},
        *csbridge::parse_rfc3339("2026-05-26T13:00:00Z"));
    if (!writer || !state) throw std::runtime_error("cannot open the output or the state");
    csbridge::Delivery delivery{writer.value(), state.value(), "records"};
    const auto st = delivery.commit(lines, count, {}, std::nullopt);
    EXPECT_TRUE(st) << st.error().message;
    std::istringstream in(testing::read_text((dir / "out.jsonl").string()));
    for (std::string line; std::getline(in, line);) out.push_back(line);
  }
  std::filesystem::remove_all(dir);
  EXPECT_EQ(out.size(), count);
  return out;
}

/// Alert lines as cs-detections makes them of the served alerts' JSON text: its page scan
/// (marker first, the alert as served), then the write path.
std::vector<std::string> detections_output(const std::vector<std::string>& served) {
  std::string body = R"({"resources":[)";
  for (std::size_t i = 0; i < served.size(); ++i) body += (i ? "," : "") + served[i];
  body += "]}";
  const auto page = csbridge::scan_page(body, csbridge::detections::alert_scan_spec());
  if (!page) throw std::runtime_error("scan: " + page.error().message);
  return write_through_delivery(page.value().lines, page.value().records.size());
}

/// Rows as cs-incidents makes them of a record (build_rows, to_line), then the write path.
std::vector<std::string> incidents_output(const ordered_json& record,
                                          csbridge::incidents::RecordKind kind) {
  std::string text;
  std::size_t n = 0;
  for (const auto& row : csbridge::incidents::build_rows(record, kind, {})) {
    text += csbridge::incidents::to_line(row);
    ++n;
  }
  return write_through_delivery(text, n);
}

/// Everything a shaped line must be, and the rule it must hit.
void expect_within_limits_and_matched(const std::string& line, Band want) {
  SCOPED_TRACE(line.substr(0, 160));
  EXPECT_LE(line.size(), csbridge::kDefaultMaxLineBytes);
  EXPECT_EQ(line.find('\0'), std::string::npos) << "a raw NUL: logcollector drops the line";
  const json doc = json::parse(line, nullptr, false);  // strict, UTF-8 checked
  ASSERT_FALSE(doc.is_discarded()) << "not valid JSON";
  ASSERT_TRUE(doc.is_object());
  const std::size_t fields = csbridge::count_wazuh_fields(line);
  EXPECT_LE(fields, csbridge::kWazuhFieldCap);
  const Verdict v = rules().evaluate_collected(line);
  ASSERT_TRUE(v.collected) << v.drop_reason;
  EXPECT_TRUE(v.decoded_ok);
  EXPECT_EQ(v.event.dropped_fields, 0U);
  EXPECT_EQ(v.event.fields.size(), fields) << "the shaper's count differs from the decoder's";
  EXPECT_EQ(v.rule_id, want.id);
  EXPECT_EQ(v.level, want.level);
}

// ---- payloads: the bulk goes before the rule fields, so a cut from the end would hit them ----

ordered_json leaves(int n, const std::string& prefix = "f") {
  ordered_json o = ordered_json::object();
  for (int i = 0; i < n; ++i) o[prefix + std::to_string(1000 + i)] = "value " + std::to_string(i);
  return o;
}

ordered_json quarantined_files(int n) {
  ordered_json files = ordered_json::array();
  for (int i = 0; i < n; ++i) {
    files.push_back({{"filename", "dropper" + std::to_string(i) + ".exe"},
                     {"filepath", "\\Device\\HarddiskVolume3\\Users\\jdoe\\AppData\\Local\\Temp\\" +
                                      std::string(120, 'a') + std::to_string(i)},
                     {"sha256", std::string(64, 'f')},
                     {"state", "quarantined"}});
  }
  return files;
}

ordered_json deep(int depth, int leaves_per_level) {
  ordered_json node = {{"bottom", "reached"}};
  for (int d = depth; d > 0; --d) {
    ordered_json level = leaves(leaves_per_level, "l" + std::to_string(d) + "_");
    level["next"] = std::move(node);
    node = std::move(level);
  }
  return node;
}

/// An endpoint alert with `key`: `value` before its severity, description and device.
ordered_json alert_with(int n, const std::string& key, ordered_json value,
                        std::optional<ordered_json> severity) {
  ordered_json a = ordered_json::object();
  const std::string tail = std::to_string(100000 + n);
  a["composite_id"] = "0000000000000000000000000000c1d1:ind:de0001:shape-" + tail;
  a["id"] = "ind:de0001:shape-" + tail;
  a[key] = std::move(value);
  const ordered_json rest = testing::synthetic_alert(std::move(severity));
  for (const auto& [k, v] : rest.items()) {
    if (k != "composite_id" && k != "id") a[k] = v;
  }
  return a;
}

struct Payload {
  const char* name;
  std::function<ordered_json()> make;
};

std::vector<Payload> payloads() {
  return {
      {"cmdline",
       [] { return ordered_json("C:\\Windows\\cmd.exe /c " + std::string(70'000, 'x')); }},
      {"quarantined_files", [] { return quarantined_files(300); }},
      {"leaves", [] { return leaves(400); }},
      {"quarantined_by_name",  // 300 files as an object: 1 200 fields and 75 kB (fold + shrink)
       [] {
         ordered_json by_name = ordered_json::object();
         for (auto& f : quarantined_files(300)) by_name[f["filename"].get<std::string>()] = f;
         return by_name;
       }},
      {"nul",
       [] { return ordered_json(std::string("before\0after", 12) + std::string(70'000, 'n')); }},
      {"deep", [] { return deep(100, 3); }},
  };
}

TEST(LineShaping, OversizedAndWideAlertsLandWithinLimitsAtTheirBand) {
  int n = 0;
  for (const Payload& p : payloads()) {
    SCOPED_TRACE(p.name);
    std::vector<std::string> served;
    for (int s : kSeverities) served.push_back(alert_with(n++, p.name, p.make(), s).dump());
    const auto lines = detections_output(served);
    ASSERT_EQ(lines.size(), std::size(kSeverities));
    for (std::size_t i = 0; i < lines.size(); ++i) {
      EXPECT_TRUE(lines[i].starts_with(R"({"integration":"crowdstrike","cs_kind":"alert",)"));
      expect_within_limits_and_matched(lines[i], alert_band(kSeverities[i]));
      if (std::string_view(p.name) == "nul") {
        EXPECT_NE(lines[i].find("before\\u0000after"), std::string::npos) << "escape kept";
      }
    }
  }
}

TEST(LineShaping, InvalidUtf8FromTheApiLandsAsReplacementCharacters) {
  for (const std::size_t bulk : {std::size_t{10}, std::size_t{70'000}}) {
    std::vector<std::string> served;
    int n = 0;
    for (int s : kSeverities) {
      std::string text = alert_with(n++, "filename", "PLACEHOLDER", s).dump();
      text.replace(text.find("PLACEHOLDER"), 11,
                   "bad \xC3\x28 byte \xFF\xFE end " + std::string(bulk, 'u'));
      served.push_back(text);
    }
    const auto lines = detections_output(served);
    ASSERT_EQ(lines.size(), std::size(kSeverities));
    for (std::size_t i = 0; i < lines.size(); ++i) {
      expect_within_limits_and_matched(lines[i], alert_band(kSeverities[i]));
      EXPECT_NE(lines[i].find("bad \xEF\xBF\xBD( byte \xEF\xBF\xBD\xEF\xBF\xBD end"),
                std::string::npos);
    }
  }
}

TEST(LineShaping, TheWritePathRepairsInvalidUtf8InALineItMustShape) {
  // Not what a daemon writes (both produce valid UTF-8), but the shaper must not pass it on.
  std::string line = testing::alert_line(alert_with(0, "cmdline", "PLACEHOLDER", 85));
  line.replace(line.find("PLACEHOLDER"), 11, "\xFF" + std::string(70'000, 'z'));
  const auto lines = write_through_delivery(line + "\n", 1);
  ASSERT_EQ(lines.size(), 1U);
  expect_within_limits_and_matched(lines[0], alert_band(85));
}

TEST(LineShaping, UnshapedTheseLinesWouldMissTheirBand) {
  // The same records without the write path: what the shaping above is for.
  const std::string wide = testing::alert_line(alert_with(0, "leaves", leaves(400), 85));
  const Verdict cut = rules().evaluate_collected(wide);
  EXPECT_GT(cut.event.dropped_fields, 0U);
  EXPECT_NE(cut.rule_id, alert_band(85).id) << "severity, past the cap, is dropped by Wazuh";
  const std::string longer =
      testing::alert_line(alert_with(0, "cmdline", std::string(70'000, 'x'), 85));
  EXPECT_FALSE(rules().evaluate_collected(longer).collected) << "logcollector drops the line";
}

/// `doc` with the objects of `overflow` merged back in (deep).
void merge_into(json& doc, const json& overflow) {
  for (auto it = overflow.begin(); it != overflow.end(); ++it) {
    if (it->is_object() && doc.contains(it.key()) && doc[it.key()].is_object()) {
      merge_into(doc[it.key()], *it);
    } else {
      doc[it.key()] = *it;
    }
  }
}

TEST(LineShaping, AFoldLosesNothing) {
  for (const char* name : {"leaves", "deep"}) {
    SCOPED_TRACE(name);
    const ordered_json served =
        alert_with(1, name, std::string_view(name) == "leaves" ? leaves(400) : deep(100, 3), 85);
    const auto lines = detections_output({served.dump()});
    ASSERT_EQ(lines.size(), 1U);
    json back = json::parse(lines[0]);
    ASSERT_TRUE(back["cs_bridge"].contains("overflow"));
    EXPECT_FALSE(back["cs_bridge"].contains("truncated"));
    const json overflow = json::parse(back["cs_bridge"]["overflow"].get<std::string>());
    back.erase("cs_bridge");
    back.erase("integration");
    back.erase("cs_kind");
    merge_into(back, overflow);
    EXPECT_EQ(back, json::parse(served.dump()));
  }
}

ordered_json with_before(const ordered_json& record, const std::string& score_key,
                         const std::string& key, ordered_json value, int score) {
  ordered_json out = ordered_json::object();
  for (const auto& [k, v] : record.items()) {
    if (k != score_key) out[k] = v;
  }
  out[key] = std::move(value);
  out[score_key] = score;
  return out;
}

TEST(LineShaping, OversizedAndWideIncidentAndCaseRowsLandAtTheirBand) {
  using csbridge::incidents::RecordKind;
  const ordered_json incident =
      testing::read_json("incidents/incident_multi_host_SYNTHESIZED.json");
  const ordered_json case_record =
      testing::read_json("cases/case_multi_host_alerts_in_progress.json");
  for (const Payload& p : payloads()) {
    SCOPED_TRACE(p.name);
    for (int s : {90, 70, 50, 30, 10}) {
      for (const auto& line : incidents_output(
               with_before(incident, "fine_score", p.name, p.make(), s), RecordKind::kIncident)) {
        EXPECT_TRUE(line.starts_with(R"({"integration":"crowdstrike","cs_kind":"incident",)"));
        expect_within_limits_and_matched(line, incident_band(s));
      }
      for (const auto& line : incidents_output(
               with_before(case_record, "severity", p.name, p.make(), s), RecordKind::kCase)) {
        EXPECT_TRUE(line.starts_with(R"({"integration":"crowdstrike","cs_kind":"case",)"));
        expect_within_limits_and_matched(line, case_band(s));
      }
    }
  }
}

// ---- the count scan against the decoder model ----

/// A random JSON value: every kind the decoder treats differently.
ordered_json random_value(std::mt19937& rng, int depth) {
  static const std::vector<std::string> keys{
      "id",  "status",     "data",       "user",        "dstuser",  "srcip",  "action",
      "url", "extra_data", "systemname", "protocol",    "severity", "device", "a.b",
      "",    "ключ",       "q\"uote",    "back\\slash", "br{ace]",  "User",   "ID"};
  std::uniform_int_distribution<int> kind(0, depth > 4 ? 6 : 9);
  switch (kind(rng)) {
    case 0:
      return nullptr;
    case 1:
      return rng() % 2 == 0;
    case 2:
      return static_cast<int>(rng() % 200) - 50;
    case 3:
      return (rng() % 10000) / 7.0;
    case 4:
      return std::string("s\"}],{[\\") + std::to_string(rng() % 100) + "東";
    case 5:
      return "";
    case 6:
      return 3000000000LL;
    case 7: {
      ordered_json a = ordered_json::array();
      for (unsigned i = rng() % 4; i > 0; --i) a.push_back(random_value(rng, depth + 1));
      return a;
    }
    default: {
      ordered_json o = ordered_json::object();
      for (unsigned i = rng() % 6; i > 0; --i) {
        o[keys[rng() % keys.size()] + (rng() % 3 == 0 ? std::to_string(rng() % 5) : "")] =
            random_value(rng, depth + 1);
      }
      return o;
    }
  }
}

/// The fields analysisd decodes from `line` as logcollector forwards it (re-serialised), with
/// no cap.
std::size_t decoded_fields(std::string_view line) {
  const CollectedLine collected = collect_json_line(line);
  EXPECT_TRUE(collected.forwarded) << collected.reason << ": " << line.substr(0, 200);
  DecoderOptions unlimited;
  unlimited.decoder_order_size = 1'000'000;
  const DecodedEvent ev = decode(collected.line, unlimited);
  EXPECT_TRUE(ev.json_parsed || collected.line == "{}") << line.substr(0, 200);
  return ev.fields.size();
}

TEST(LineShaping, TheFieldCountAgreesWithTheDecoder) {
  std::vector<std::string> lines{
      "{}",
      R"({"\u0069d":"x","st\u0061tus":1,"\u0075ser":"u","user":"v","n":{}})",
      R"( { "a" : [ 1 , { "b" : "]" } ] , "c" : { "d" : null } } )",
      R"({"user":{"name":"x"},"user":"y","dstuser":"z","user":"w"})",
      R"({"data":{"x":1,"y":[1]},"id":{"a":{"b":2}}})",
  };
  for (const char* dir : {"alerts", "cases", "incidents"}) {
    for (const auto& e : std::filesystem::directory_iterator(testing::data_dir() + "/" + dir)) {
      if (e.path().extension() != ".json") continue;
      const ordered_json record = ordered_json::parse(testing::read_text(e.path().string()));
      if (std::string_view(dir) == "alerts") lines.push_back(testing::alert_line(record));
      if (std::string_view(dir) == "cases") {
        for (auto& l : testing::case_lines(record)) lines.push_back(l);
      }
      if (std::string_view(dir) == "incidents") {
        for (auto& l : testing::incident_lines(record)) lines.push_back(l);
      }
      lines.push_back(record.dump(2));  // spaced and on several lines: the scan skips blanks
    }
  }
  std::mt19937 rng(6);
  for (int i = 0; i < 2000; ++i) {
    ordered_json o = ordered_json::object();
    for (unsigned k = rng() % 12; k > 0; --k) {
      ordered_json v = random_value(rng, 0);
      o[std::vector<std::string>{"id", "user", "dstuser", "data", "x", "y", "status"}[rng() % 7] +
        std::to_string(rng() % 2 == 0 ? 0 : rng() % 3)] = v;
    }
    lines.push_back(o.dump());
  }
  for (const auto& line : lines) {
    EXPECT_EQ(csbridge::count_wazuh_fields(line), decoded_fields(line)) << line.substr(0, 300);
  }
}

TEST(LineShaping, EveryFieldTheRulesUseIsOneFoldingKeeps) {
  const std::string xml = testing::read_text(testing::rules_file());
  std::set<std::string> used;
  const std::regex field(R"(<field name="([^"]+)\")"), expansion(R"(\$\(([^)]+)\))");
  for (const std::regex& re : {field, expansion}) {
    for (auto it = std::sregex_iterator(xml.begin(), xml.end(), re); it != std::sregex_iterator();
         ++it) {
      used.insert((*it)[1]);
    }
  }
  EXPECT_GE(used.size(), 8U);
  const auto kept = csbridge::kept_fields();
  for (const std::string& name : used) {
    EXPECT_NE(std::find(kept.begin(), kept.end(), name), kept.end()) << name;
  }
}

}  // namespace
}  // namespace wazuh
