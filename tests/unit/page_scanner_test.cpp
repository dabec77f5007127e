#include "csbridge/page_scanner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace csbridge {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

const ScanSpec kIdSpec{{"id", "composite_id", "created_timestamp"}};

std::vector<json> load_alert_fixtures() {
  std::vector<std::filesystem::path> paths;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(CSBRIDGE_TEST_DATA_DIR) + "/alerts")) {
    if (entry.path().extension() == ".json") paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<json> out;
  for (const auto& p : paths) {
    std::ifstream in(p);
    out.push_back(json::parse(in));
  }
  return out;
}

ScannedPage scan_ok(std::string_view body, const ScanSpec& spec = kIdSpec) {
  auto r = scan_page(body, spec);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message) << "\nbody: " << body;
  return r ? std::move(r).value() : ScannedPage{};
}

void expect_parse_error(std::string_view body, const ScanSpec& spec = kIdSpec) {
  const auto r = scan_page(body, spec);
  ASSERT_FALSE(r.has_value()) << "accepted: " << body;
  EXPECT_EQ(r.error().code, ErrorCode::kParse);
  EXPECT_THAT(r.error().message, MatchesRegex(".+ at byte [0-9]+")) << body;
}

/// Scans one record holding `value_json` (raw bytes, not validated here) under key "s".
ScannedPage scan_one(const std::string& value_json) {
  return scan_ok(R"({"resources":[{"s":)" + value_json + "}]}", ScanSpec{{"s"}});
}

/// Checks the page's line structure: records back to back, each followed by '\n'.
void expect_line_layout(const ScannedPage& page) {
  std::size_t next = 0;
  for (const auto& rec : page.records) {
    EXPECT_EQ(rec.offset, next);
    ASSERT_LT(rec.offset + rec.length, page.lines.size());
    EXPECT_EQ(page.lines[rec.offset + rec.length], '\n');
    EXPECT_EQ(page.line(rec).find('\n'), std::string_view::npos);
    next = rec.offset + rec.length + 1;
  }
  EXPECT_EQ(next, page.lines.size());
}

TEST(PageScanner, FixturePageRoundTripsEveryRecord) {
  const auto fixtures = load_alert_fixtures();
  ASSERT_GE(fixtures.size(), 6u);
  json resources = json::array();
  for (int copy = 0; copy < 3; ++copy) {
    for (json alert : fixtures) {
      alert["id"] = alert["id"].get<std::string>() + "-" + std::to_string(copy);
      alert["composite_id"] = alert["composite_id"].get<std::string>() + "-" + std::to_string(copy);
      resources.push_back(std::move(alert));
    }
  }
  const json envelope = {{"meta", {{"query_time", 0.01}, {"trace_id", "t-1"}}},
                         {"errors", json::array()},
                         {"resources", resources}};
  const std::string body = envelope.dump(2);
  ASSERT_NE(body.find("\n    "), std::string::npos);  // really pretty-printed

  const ScannedPage page = scan_ok(body);
  ASSERT_EQ(page.records.size(), resources.size());
  expect_line_layout(page);
  EXPECT_TRUE(page.has_resources);
  for (std::size_t i = 0; i < resources.size(); ++i) {
    const auto& rec = page.records[i];
    const std::string line(page.line(rec));
    EXPECT_EQ(json::parse(line), resources[i]);
    EXPECT_EQ(line, resources[i].dump());  // compacted exactly like a compact dump
    ASSERT_EQ(rec.fields.size(), 3u);
    EXPECT_EQ(rec.fields[0], resources[i]["id"].get<std::string>());
    EXPECT_EQ(rec.fields[1], resources[i]["composite_id"].get<std::string>());
    EXPECT_EQ(rec.fields[2], resources[i]["created_timestamp"].get<std::string>());
  }
}

TEST(PageScanner, ExtractsMetaPaginationAndErrors) {
  const ScannedPage page = scan_ok(R"({
    "errors": [{"code": 429, "message": "rate \"limited\""}, {"message": "no code"},
               {"code": "x", "message": 5, "id": "e"}, 7],
    "meta": {"query_time": 0.5, "powered_by": "x", "trace_id": "abc-123",
             "pagination": {"offset": 10, "limit": 500, "total": 12345678901,
                            "after": "eyJ2ZXJzaW9uIjoidjEifQ==", "extra": [1, {"a": null}]}},
    "resources": []
  })");
  EXPECT_EQ(page.trace_id, "abc-123");
  EXPECT_EQ(page.after, "eyJ2ZXJzaW9uIjoidjEifQ==");
  EXPECT_EQ(page.total, 12345678901);
  EXPECT_EQ(page.offset, 10);
  EXPECT_EQ(page.limit, 500);
  ASSERT_EQ(page.errors.size(), 3u);
  EXPECT_EQ(page.errors[0].code, 429);
  EXPECT_EQ(page.errors[0].message, "rate \"limited\"");
  EXPECT_EQ(page.errors[1].code, 0);
  EXPECT_EQ(page.errors[1].message, "no code");
  EXPECT_EQ(page.errors[2].code, 0);
  EXPECT_EQ(page.errors[2].message, "");
  EXPECT_TRUE(page.has_resources);
  EXPECT_TRUE(page.records.empty());
  EXPECT_TRUE(page.lines.empty());
}

TEST(PageScanner, AfterEmptyAbsentOrNotAString) {
  EXPECT_EQ(scan_ok(R"({"meta":{"pagination":{"after":""}}})").after,
            std::optional<std::string>(""));
  EXPECT_FALSE(scan_ok(R"({"meta":{"pagination":{"limit":1}}})").after.has_value());
  EXPECT_FALSE(scan_ok(R"({"meta":{"pagination":{"after":null}}})").after.has_value());
  EXPECT_FALSE(scan_ok(R"({"meta":{"pagination":{"after":1}}})").after.has_value());
  EXPECT_FALSE(scan_ok(R"({"meta":{"pagination":null}})").after.has_value());
  // Non-integer pagination numbers are left unset rather than truncated.
  const auto page = scan_ok(R"({"meta":{"pagination":{"total":1.5,"offset":"3","limit":1e2}}})");
  EXPECT_FALSE(page.total || page.offset || page.limit);
}

TEST(PageScanner, ResourcesMissingNullEmptyOrStrings) {
  const auto missing = scan_ok(R"({"meta":{},"errors":null})");
  EXPECT_FALSE(missing.has_resources);
  EXPECT_TRUE(missing.records.empty());
  const auto null = scan_ok(R"({"resources":null})");
  EXPECT_FALSE(null.has_resources);
  const auto empty = scan_ok(R"({"resources":[ ]})");
  EXPECT_TRUE(empty.has_resources);
  EXPECT_TRUE(empty.records.empty());

  const auto ids = scan_ok(R"({"resources":["ldt:a:1", "ind:\u0062:2", ""],"meta":{}})");
  EXPECT_TRUE(ids.has_resources);
  EXPECT_THAT(ids.string_resources, ::testing::ElementsAre("ldt:a:1", "ind:b:2", ""));
  EXPECT_TRUE(ids.records.empty());
  EXPECT_TRUE(ids.lines.empty());

  const auto mixed = scan_ok(R"({"resources":["x",{"id":"y"}]})");
  EXPECT_THAT(mixed.string_resources, ::testing::ElementsAre("x"));
  ASSERT_EQ(mixed.records.size(), 1u);
  EXPECT_EQ(mixed.lines, "{\"id\":\"y\"}\n");
}

TEST(PageScanner, RejectsResourcesEntriesThatAreNotObjectsOrStrings) {
  for (const char* bad : {"1", "[]", "null", "true", "[{}]", "-1.5"}) {
    expect_parse_error(std::string(R"({"resources":[{"id":"a"},)") + bad + "]}");
  }
  expect_parse_error(R"({"resources":{}})");
  expect_parse_error(R"({"resources":"x"})");
  expect_parse_error(R"({"resources":5})");
}

TEST(PageScanner, KeysInAnyOrderAndUnknownKeysAreValidated) {
  const auto page = scan_ok(
      R"({"resources":[{"id":"a"}],"x":{"y":[1,2,{"z":"\u00e9"}]},"meta":{"trace_id":"t"}})");
  EXPECT_EQ(page.trace_id, "t");
  ASSERT_EQ(page.records.size(), 1u);
  expect_parse_error(R"({"resources":[{"id":"a"}],"x":[1,{"a":tru}]})");
  expect_parse_error(R"({"x":"\q","resources":[]})");
  expect_parse_error(R"({"meta":{"trace_id":"t",},"resources":[]})");
}

TEST(PageScanner, ExtractionIsTopLevelOnlyAndFirstOccurrenceWins) {
  const ScanSpec spec{{"id", "name"}};
  auto page = scan_ok(R"({"resources":[
      {"device":{"id":"x"},"list":[{"id":"z"}]},
      {"device":{"id":"x"},"id":"y"},
      {"id":5,"name":"n"},
      {"id":"first","id":"second"},
      {"id":null,"id":"late"},
      {}]})",
                      spec);
  ASSERT_EQ(page.records.size(), 6u);
  EXPECT_EQ(page.records[0].fields,
            (std::vector<std::optional<std::string>>{std::nullopt, std::nullopt}));
  EXPECT_EQ(page.records[1].fields[0], "y");
  EXPECT_EQ(page.records[2].fields[0], std::nullopt);
  EXPECT_EQ(page.records[2].fields[1], "n");
  EXPECT_EQ(page.records[3].fields[0], "first");
  EXPECT_EQ(page.line(page.records[3]), R"({"id":"first","id":"second"})");  // duplicates copied
  EXPECT_EQ(page.records[4].fields[0], std::nullopt);
  EXPECT_EQ(page.line(page.records[5]), "{}");
  EXPECT_EQ(page.records[5].fields.size(), 2u);
}

TEST(PageScanner, RecordPrefixGoesFirstOnEveryLineAndTheRecordFollowsUnchanged) {
  ScanSpec spec{{"id"}};
  spec.record_prefix = R"("integration":"crowdstrike","cs_kind":"alert")";
  const std::string big(5000, 'x');  // grows the output past the input's size
  std::string body = R"({"resources":[ { "id" : "a", "n":{"k":[1, 2]} }, {}, { },)";
  for (int i = 0; i < 200; ++i) body += R"({"id":"b)" + std::to_string(i) + R"("},)";
  body += R"({"id":"c","v":")" + big + R"("}]})";
  const auto page = scan_ok(body, spec);
  ASSERT_EQ(page.records.size(), 204u);
  const std::string head = "{" + spec.record_prefix;
  EXPECT_EQ(page.line(page.records[0]), head + R"(,"id":"a","n":{"k":[1,2]}})");
  EXPECT_EQ(page.records[0].fields[0], "a");
  EXPECT_EQ(page.line(page.records[1]), head + "}");  // an empty record: no ','
  EXPECT_EQ(page.line(page.records[2]), head + "}");
  EXPECT_EQ(page.records[1].fields[0], std::nullopt);
  for (std::size_t i = 3; i < 203; ++i) {
    EXPECT_EQ(page.line(page.records[i]), head + R"(,"id":"b)" + std::to_string(i - 3) + "\"}");
    EXPECT_EQ(page.records[i].fields[0], "b" + std::to_string(i - 3));
  }
  EXPECT_EQ(page.line(page.records[203]), head + R"(,"id":"c","v":")" + big + "\"}");
  // Every line is valid JSON whose first members are the prefix's.
  for (const auto& rec : page.records) {
    EXPECT_EQ(page.lines[rec.offset + rec.length], '\n');
    const auto doc = nlohmann::ordered_json::parse(page.line(rec));
    EXPECT_EQ(doc.begin().key(), "integration");
    EXPECT_EQ(std::next(doc.begin()).key(), "cs_kind");
  }
}

TEST(PageScanner, UnicodeAndEscapedKeys) {
  const ScanSpec spec{{"ключ", "id", "😀"}};
  const auto page = scan_ok(
      R"({"resources":[{"ключ":"значение","\u0069\u0064":"esc","\ud83d\ude00":"smile"}]})", spec);
  ASSERT_EQ(page.records.size(), 1u);
  EXPECT_EQ(page.records[0].fields[0], "значение");
  EXPECT_EQ(page.records[0].fields[1], "esc");
  EXPECT_EQ(page.records[0].fields[2], "smile");
  EXPECT_EQ(page.line(page.records[0]),
            R"({"ключ":"значение","\u0069\u0064":"esc","\ud83d\ude00":"smile"})");
}

struct Utf8Case {
  const char* name;
  std::string in;
  std::string want;
};

TEST(PageScanner, InvalidUtf8BecomesReplacementCharacter) {
  const std::string r = "\xEF\xBF\xBD";
  const std::vector<Utf8Case> cases = {
      {"stray continuation", "\x80", r},
      {"stray continuation bf", "\xBF", r},
      {"overlong slash C0", "\xC0\xAF", r + r},
      {"overlong C1", "\xC1\xBF", r + r},
      {"overlong 3-byte", "\xE0\x80\xAF", r + r + r},
      {"overlong 4-byte", "\xF0\x80\x80\xAF", r + r + r + r},
      {"utf8 surrogate D800", "\xED\xA0\x80", r + r + r},
      {"utf8 surrogate DFFF", "\xED\xBF\xBF", r + r + r},
      {"above U+10FFFF", "\xF4\x90\x80\x80", r + r + r + r},
      {"F5 lead", "\xF5\x80\x80\x80", r + r + r + r},
      {"FE", "\xFE", r},
      {"FF", "\xFF", r},
      {"truncated 2-byte", "\xC3x", r + "x"},
      {"truncated 3-byte", "\xE2\x82x", r + "x"},
      {"truncated 4-byte", "\xF0\x9F\x98x", r + "x"},
      {"truncated before quote", "\xE2\x82", r},
      {"lead then lead", "\xC3\xC3\xA9", r + "\xC3\xA9"},
      {"valid 2-byte", "\xC3\xA9", "\xC3\xA9"},
      {"valid 3-byte", "\xE2\x82\xAC", "\xE2\x82\xAC"},
      {"valid 4-byte", "\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80"},
      {"max scalar", "\xF4\x8F\xBF\xBF", "\xF4\x8F\xBF\xBF"},
      {"last before surrogates", "\xED\x9F\xBF", "\xED\x9F\xBF"},
      {"DEL", "\x7F", "\x7F"},
      {"replacement char itself", r, r},
  };
  for (const auto& c : cases) {
    // Different paddings put the sequence in the 16-byte block loop and in the scalar tail.
    for (std::size_t pad = 0; pad < 40; pad += 7) {
      SCOPED_TRACE(std::string(c.name) + " pad " + std::to_string(pad));
      const std::string prefix(pad, 'a');
      const std::string value = prefix + c.in + "z";
      const auto page = scan_one("\"" + value + "\",\"" + c.in + "\":1");
      ASSERT_EQ(page.records.size(), 1u);
      const std::string want = prefix + c.want + "z";
      EXPECT_EQ(page.records[0].fields[0], want);
      const std::string line(page.line(page.records[0]));
      const json parsed = json::parse(line);  // throws on invalid UTF-8
      EXPECT_EQ(parsed["s"], want);
      EXPECT_TRUE(parsed.contains(c.want));  // the key is sanitized the same way
    }
  }
}

TEST(PageScanner, RawControlCharactersAreReescaped) {
  std::string value = "\"a\nb\tc\x01\x1f\r\",\"k\":\"";
  value += '\0';
  value += '"';
  const auto page = scan_one(value);
  ASSERT_EQ(page.records.size(), 1u);
  EXPECT_EQ(page.line(page.records[0]),
            R"({"s":"a\u000ab\u0009c\u0001\u001f\u000d","k":"\u0000"})");
  EXPECT_EQ(page.records[0].fields[0], "a\nb\tc\x01\x1f\r");
  EXPECT_EQ(std::count(page.lines.begin(), page.lines.end(), '\n'), 1);
  const json parsed = json::parse(page.line(page.records[0]));
  EXPECT_EQ(parsed["k"], std::string(1, '\0'));
}

TEST(PageScanner, OutputGrowsWhenSanitizingExpandsTheBody) {
  // 6x expansion (raw control chars) and 3x (stray bytes) beyond the initial reservation.
  const std::string ctl(20000, '\x01');
  const std::string stray(20000, '\x80');
  const auto page = scan_one("\"" + ctl + "\",\"t\":\"" + stray + "\"");
  ASSERT_EQ(page.records.size(), 1u);
  EXPECT_EQ(page.records[0].fields[0], ctl);
  const json parsed = json::parse(page.line(page.records[0]));
  EXPECT_EQ(parsed["s"], ctl);
  EXPECT_EQ(parsed["t"].get<std::string>().size(), 3 * stray.size());
}

TEST(PageScanner, LoneSurrogateEscapesAreReplacedAndPairsKept) {
  struct Case {
    const char* in;
    const char* line;
    std::string decoded;
  };
  const std::vector<Case> cases = {
      {R"(\ud800)", R"(\ufffd)", "\xEF\xBF\xBD"},
      {R"(\udc00)", R"(\ufffd)", "\xEF\xBF\xBD"},
      {R"(\uDBFFx)", R"(\ufffdx)", "\xEF\xBF\xBDx"},
      {R"(\ud800\u0041)", R"(\ufffd\u0041)",
       "\xEF\xBF\xBD"
       "A"},
      {R"(\ud800\ud800\udc00)", R"(\ufffd\ud800\udc00)", "\xEF\xBF\xBD\xF0\x90\x80\x80"},
      {R"(\udc00\ud800)", R"(\ufffd\ufffd)", "\xEF\xBF\xBD\xEF\xBF\xBD"},
      {R"(\ud83d\ude00)", R"(\ud83d\ude00)", "\xF0\x9F\x98\x80"},
      {R"(\uD83D\uDE00)", R"(\uD83D\uDE00)", "\xF0\x9F\x98\x80"},
      {R"(\udbff\udfff)", R"(\udbff\udfff)", "\xF4\x8F\xBF\xBF"},
      {R"(\ud800\n)", R"(\ufffd\n)", "\xEF\xBF\xBD\n"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.in);
    const auto page = scan_one(std::string("\"") + c.in + "\"");
    ASSERT_EQ(page.records.size(), 1u);
    EXPECT_EQ(page.line(page.records[0]), std::string(R"({"s":")") + c.line + "\"}");
    EXPECT_EQ(page.records[0].fields[0], c.decoded);
    EXPECT_EQ(json::parse(page.line(page.records[0]))["s"], c.decoded);
  }
}

TEST(PageScanner, ValidEscapesAreCopiedVerbatimAndDecoded) {
  const std::string value = R"("q\"b\\s\/b\bf\fn\nr\rt\t\u00e9\u20AC\u0000")";
  const auto page = scan_one(value);
  ASSERT_EQ(page.records.size(), 1u);
  EXPECT_EQ(page.line(page.records[0]), "{\"s\":" + value + "}");
  static constexpr char kDecoded[] = "q\"b\\s/b\bf\fn\nr\rt\t\xC3\xA9\xE2\x82\xAC\0";
  EXPECT_EQ(page.records[0].fields[0], std::string(kDecoded, sizeof kDecoded - 1));
}

TEST(PageScanner, RejectsInvalidEscapes) {
  for (const char* bad : {R"("\x")", R"("\'")", R"("\u12")", R"("\u12G4")", R"("\U0041")",
                          R"("\ud800\u12")", R"("\)", R"("\u)"}) {
    SCOPED_TRACE(bad);
    expect_parse_error(std::string(R"({"resources":[{"s":)") + bad + "}]}");
  }
}

TEST(PageScanner, Numbers) {
  for (const char* good :
       {"0", "-0", "1e10", "1.5E-3", "-12.5e+7", "123456789012345678901234567890", "0.0", "1E0"}) {
    const auto page = scan_one(good);
    ASSERT_EQ(page.records.size(), 1u) << good;
    EXPECT_EQ(page.line(page.records[0]), std::string(R"({"s":)") + good + "}");  // verbatim
    EXPECT_EQ(page.records[0].fields[0], std::nullopt);
  }
  for (const char* bad : {"01", "-01", "1.", "1.e5", ".5", "-", "+1", "1e", "1e+", "0x1", "NaN",
                          "Infinity", "-a", "1..2"}) {
    SCOPED_TRACE(bad);
    expect_parse_error(std::string(R"({"resources":[{"s":)") + bad + "}]}");
    expect_parse_error(std::string(R"({"other":)") + bad + "}");
  }
}

TEST(PageScanner, GarbageBodies) {
  for (const char* bad : {"<html>",
                          "",
                          "   ",
                          "{",
                          "}",
                          "[]",
                          "nul",
                          "null",
                          "\"s\"",
                          "42",
                          "{}}",
                          "{} x",
                          "{\"a\"}",
                          "{,}",
                          "{\"a\":1,}",
                          "{\"a\" 1}",
                          "{a:1}",
                          "\f{}",
                          "{\"resources\":[{\"a\":1}]",
                          "{\"resources\":[{\"a\":1},]}",
                          "{\"resources\":[{\"a\":1}}",
                          "{'a':1}",
                          "{\"a\":tru}",
                          "{\"a\":nulll}"}) {
    SCOPED_TRACE(bad);
    expect_parse_error(bad);
  }
  const auto page = scan_ok(" \t\r\n{ \t\r\n} \t\r\n");
  EXPECT_FALSE(page.has_resources);
}

TEST(PageScanner, ErrorMessageNamesTheByteOffset) {
  const auto r = scan_page(R"({"a":01})", kIdSpec);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "leading zero in number at byte 6");
}

TEST(PageScanner, EveryTruncatedPrefixIsAnErrorNeverACrash) {
  const std::string body =
      "{\"meta\":{\"trace_id\":\"t\",\"pagination\":{\"after\":\"a\\u0041\",\"total\":-1.5e3}},"
      "\"errors\":[{\"code\":1,\"message\":\"m\"}],"
      "\"resources\":[\"s\",{\"id\":\"\\ud83d\\ude00\xC3\xA9 long enough for a block\","
      "\"n\":[true,false,null,0,{}],\"o\":{\"k\":[]}}]}";
  ASSERT_TRUE(scan_page(body, kIdSpec).has_value());
  for (std::size_t n = 0; n < body.size(); ++n) {
    // An exact-size heap copy so that ASan catches any read past the end.
    const auto buf = std::make_unique<char[]>(std::max<std::size_t>(n, 1));
    std::memcpy(buf.get(), body.data(), n);
    const auto r = scan_page(std::string_view(buf.get(), n), kIdSpec);
    ASSERT_FALSE(r.has_value()) << "prefix of " << n << " bytes accepted";
    EXPECT_EQ(r.error().code, ErrorCode::kParse);
  }
}

TEST(PageScanner, DepthLimitIsEnforcedWithoutRecursion) {
  expect_parse_error(std::string(100000, '['));
  expect_parse_error("{\"resources\":[{\"a\":" + std::string(100000, '[') + "}]}");
  expect_parse_error("{\"x\":" + std::string(100000, '[') + "}");
  std::string objects = "{\"resources\":[{\"a\":";
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  expect_parse_error(objects);

  // Envelope (1) > resources (2) > record (3) > 125 arrays = depth 128: allowed; 126 are not.
  const auto nested = [](int n) {
    return "{\"resources\":[{\"a\":" + std::string(n, '[') + std::string(n, ']') + "}]}";
  };
  EXPECT_TRUE(scan_page(nested(125), kIdSpec).has_value());
  expect_parse_error(nested(126));
  // A huge configured limit must still not recurse.
  const ScanSpec deep{{}, std::size_t{1} << 30};
  EXPECT_TRUE(scan_page(nested(200000), deep).has_value());
  const auto r = scan_page(nested(200000).substr(0, 200030), deep);
  EXPECT_FALSE(r.has_value());
}

TEST(PageScanner, CompactsAllWhitespaceOutsideStrings) {
  const auto page = scan_ok(
      " {\r\n\t\"resources\" :\n[ {\t\"a\" : [ 1 ,\n2 ] , \"b\" : { } ,"
      " \"c\" : \" x y \" } , { } ] } ");
  ASSERT_EQ(page.records.size(), 2u);
  EXPECT_EQ(page.lines, "{\"a\":[1,2],\"b\":{},\"c\":\" x y \"}\n{}\n");
}

// ---- randomized round trip ----

std::string random_string(std::mt19937& rng) {
  static const std::vector<std::string> pieces = {"a",
                                                  "Z",
                                                  "0",
                                                  " ",
                                                  "\"",
                                                  "\\",
                                                  "/",
                                                  "\n",
                                                  "\t",
                                                  std::string(1, '\0'),
                                                  "\x01",
                                                  "\x1f",
                                                  "\x7f",
                                                  "\xC3\xA9",
                                                  "\xE2\x82\xAC",
                                                  "\xF0\x9F\x98\x80",
                                                  "\xEF\xBF\xBD",
                                                  "\xED\x9F\xBF",
                                                  "plain-ascii-run-of-text-longer-than-a-block"};
  std::string s;
  const int n = std::uniform_int_distribution<int>(0, 12)(rng);
  for (int i = 0; i < n; ++i) {
    s += pieces[std::uniform_int_distribution<std::size_t>(0, pieces.size() - 1)(rng)];
  }
  return s;
}

json random_value(std::mt19937& rng, int depth) {
  const int kind = std::uniform_int_distribution<int>(0, depth < 5 ? 8 : 5)(rng);
  switch (kind) {
    case 0:
      return nullptr;
    case 1:
      return std::uniform_int_distribution<int>(0, 1)(rng) == 1;
    case 2:
      return std::uniform_int_distribution<std::int64_t>(
          std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max())(rng);
    case 3:
      return std::uniform_int_distribution<std::uint64_t>()(rng);
    case 4:
      return std::uniform_real_distribution<double>(-1, 1)(rng) *
             std::pow(10.0, std::uniform_int_distribution<int>(-300, 300)(rng));
    case 5:
      return random_string(rng);
    case 6: {
      json a = json::array();
      const int n = std::uniform_int_distribution<int>(0, 4)(rng);
      for (int i = 0; i < n; ++i) a.push_back(random_value(rng, depth + 1));
      return a;
    }
    default: {
      json o = json::object();
      const int n = std::uniform_int_distribution<int>(0, 5)(rng);
      for (int i = 0; i < n; ++i) o[random_string(rng)] = random_value(rng, depth + 1);
      return o;
    }
  }
}

TEST(PageScanner, RandomizedRoundTrip) {
  std::mt19937 rng(20240611);
  for (int iter = 0; iter < 300; ++iter) {
    json resources = json::array();
    const int n = std::uniform_int_distribution<int>(0, 6)(rng);
    for (int i = 0; i < n; ++i) {
      json rec = random_value(rng, 5);
      if (!rec.is_object()) rec = json{{"v", rec}};
      if (i % 2 == 0) rec["id"] = random_string(rng);
      resources.push_back(std::move(rec));
    }
    const json envelope = {{"meta", {{"pagination", {{"after", random_string(rng)}}}}},
                           {"resources", resources}};
    const bool ascii = iter % 2 == 1;  // \uXXXX escapes and surrogate pairs on odd iterations
    const int indent = iter % 3 == 0 ? -1 : 2;
    const std::string body = envelope.dump(indent, iter % 5 == 0 ? '\t' : ' ', ascii);
    SCOPED_TRACE(body);

    const auto page = scan_ok(body, ScanSpec{{"id"}});
    ASSERT_EQ(page.records.size(), resources.size());
    expect_line_layout(page);
    EXPECT_EQ(page.after, envelope["meta"]["pagination"]["after"].get<std::string>());
    for (std::size_t i = 0; i < resources.size(); ++i) {
      const auto line = page.line(page.records[i]);
      EXPECT_EQ(json::parse(line), resources[i]);
      EXPECT_EQ(line, resources[i].dump(-1, ' ', ascii));
      const json& rec = resources[i];
      EXPECT_EQ(page.records[i].fields[0],
                rec.contains("id") ? std::optional<std::string>(rec.at("id").get<std::string>())
                                   : std::nullopt);
    }
  }
}

TEST(PageScanner, MutatedBodiesNeverCrashAndAcceptedLinesAreStrictJson) {
  const std::string seed =
      "{\"meta\":{\"pagination\":{\"after\":\"x\"}},\"resources\":[{\"id\":"
      "\"a\\u00e9\\ud83d\\ude00\","
      "\"n\":[1,-2.5e3,true,null],\"s\":\"\xC3\xA9 plain text for the block loop\"},\"q\"]}";
  const std::string alphabet =
      "{}[]:,\"\\u0e.-+ \n\x01\x80\xC3\xED\xF4"
      "d8fa";
  std::mt19937 rng(7);
  int accepted = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    std::string body = seed;
    const int edits = std::uniform_int_distribution<int>(1, 3)(rng);
    for (int e = 0; e < edits; ++e) {
      const auto at = std::uniform_int_distribution<std::size_t>(0, body.size() - 1)(rng);
      const char c =
          alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(rng)];
      switch (std::uniform_int_distribution<int>(0, 2)(rng)) {
        case 0:
          body[at] = c;
          break;
        case 1:
          body.insert(body.begin() + static_cast<std::ptrdiff_t>(at), c);
          break;
        default:
          body.erase(at, 1);
          break;
      }
    }
    const auto r = scan_page(body, kIdSpec);
    if (!r) continue;
    ++accepted;
    for (const auto& rec : r.value().records) {
      EXPECT_TRUE(json::accept(r.value().line(rec))) << body;
    }
  }
  EXPECT_GT(accepted, 1000);  // the mutations exercised the success path too
}

}  // namespace
}  // namespace csbridge
