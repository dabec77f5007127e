// Throughput of scan_page against the nlohmann DOM path it replaces (parse the page, dump each
// record), on a ~1 MB Falcon alerts page built from the test fixtures with unique ids; and of
// what Delivery::commit adds per page in the common case (line_shaper.h): the Wazuh field-count
// scan of every line, and shape_lines() (newline scan + count, nothing to shape).
//
// Usage: page_scanner_bench [benchmark flags] [FIXTURE_DATA_DIR]
// The data dir (holding alerts/*.json) defaults to $CSBRIDGE_TEST_DATA_DIR, then to the
// compile-time CSBRIDGE_TEST_DATA_DIR, then to tests/data.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "csbridge/line_shaper.h"
#include "csbridge/page_scanner.h"

namespace {

using nlohmann::json;

struct Pages {
  std::string pretty;   // as Falcon serves it: 2-space indentation
  std::string compact;  // no insignificant whitespace
  std::size_t records{0};
};

Pages& pages() {
  static Pages p;
  return p;
}

Pages build_pages(const std::filesystem::path& data_dir, std::size_t target_bytes) {
  std::vector<std::filesystem::path> paths;
  for (const auto& e : std::filesystem::directory_iterator(data_dir / "alerts")) {
    if (e.path().extension() == ".json") paths.push_back(e.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<json> fixtures;
  for (const auto& p : paths) {
    std::ifstream in(p);
    fixtures.push_back(json::parse(in));
  }
  if (fixtures.empty())
    throw std::runtime_error("no fixtures in " + (data_dir / "alerts").string());

  json resources = json::array();
  std::size_t approx = 0;
  for (std::size_t n = 0; approx < target_bytes; ++n) {
    json alert = fixtures[n % fixtures.size()];
    const std::string suffix = "-" + std::to_string(n);
    for (const char* key : {"id", "composite_id"}) {
      if (alert.contains(key)) alert[key] = alert[key].get<std::string>() + suffix;
    }
    approx += alert.dump(2).size() + 4 * 2;  // records sit two levels deeper in the page
    resources.push_back(std::move(alert));
  }
  const json page = {{"meta",
                      {{"query_time", 0.123},
                       {"pagination",
                        {{"offset", 0},
                         {"limit", resources.size()},
                         {"total", 100000},
                         {"after", "eyJ2IjoxfQ=="}}},
                       {"powered_by", "detectsapi"},
                       {"trace_id", "00000000-0000-4000-8000-000000000000"}}},
                     {"errors", json::array()},
                     {"resources", resources}};
  return Pages{page.dump(2), page.dump(), resources.size()};
}

const csbridge::ScanSpec& spec() {
  static const csbridge::ScanSpec s{{"id", "composite_id", "created_timestamp"}};
  return s;
}

void BM_ScanPage(benchmark::State& state, const std::string* body) {
  for (auto _ : state) {
    auto page = csbridge::scan_page(*body, spec());
    if (!page || page.value().records.size() != pages().records) {
      state.SkipWithError("scan_page failed");
      break;
    }
    benchmark::DoNotOptimize(page.value().lines.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body->size()));
  state.counters["records"] = static_cast<double>(pages().records);
}

// The DOM equivalent: parse, then per record dump a line and pull the same three fields.
void BM_NlohmannParseDump(benchmark::State& state, const std::string* body) {
  for (auto _ : state) {
    const json page = json::parse(*body);
    std::string lines;
    lines.reserve(body->size());
    std::size_t ids = 0;
    for (const auto& rec : page.at("resources")) {
      lines += rec.dump();
      lines += '\n';
      for (const auto& key : spec().keys) {
        const auto it = rec.find(key);
        if (it != rec.end() && it->is_string()) ids += it->get_ref<const std::string&>().size();
      }
    }
    benchmark::DoNotOptimize(lines.data());
    benchmark::DoNotOptimize(ids);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body->size()));
}

const csbridge::ScanSpec& marker_spec() {
  static const csbridge::ScanSpec s{{"id", "composite_id", "created_timestamp"},
                                    128,
                                    R"("integration":"crowdstrike","cs_kind":"alert")"};
  return s;
}

/// The NDJSON lines cs-detections writes for the page (marker first).
const std::string& page_lines() {
  static const std::string lines = [] {
    auto page = csbridge::scan_page(pages().compact, marker_spec());
    return page ? page.value().lines : std::string{};
  }();
  return lines;
}

// scan_page with cs-detections' marker prefix on every record line.
void BM_ScanPageWithMarker(benchmark::State& state) {
  const std::string& body = pages().compact;
  for (auto _ : state) {
    auto page = csbridge::scan_page(body, marker_spec());
    if (!page || page.value().records.size() != pages().records) {
      state.SkipWithError("scan_page failed");
      break;
    }
    benchmark::DoNotOptimize(page.value().lines.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}

// count_wazuh_fields over every line of the page: the per-line cost of the 256-field check.
void BM_CountFields(benchmark::State& state) {
  const std::string& lines = page_lines();
  std::size_t fields = 0;
  for (auto _ : state) {
    std::size_t start = 0;
    while (start < lines.size()) {
      const std::size_t nl = lines.find('\n', start);
      fields += csbridge::count_wazuh_fields(std::string_view(lines).substr(start, nl - start));
      start = nl + 1;
    }
    benchmark::DoNotOptimize(fields);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * lines.size()));
  state.counters["lines"] = static_cast<double>(pages().records);
}

// shape_lines() on a page where no line needs shaping: what Delivery::commit adds per page.
void BM_ShapeLinesNothingToDo(benchmark::State& state) {
  const std::string& lines = page_lines();
  for (auto _ : state) {
    auto shaped = csbridge::shape_lines(lines, {});
    if (shaped) {
      state.SkipWithError("a fixture line was shaped");
      break;
    }
    benchmark::DoNotOptimize(shaped);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * lines.size()));
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);  // consumes --benchmark_* flags, leaves ours
  std::string dir;
  if (argc > 1) {
    dir = argv[1];
  } else if (const char* env = std::getenv("CSBRIDGE_TEST_DATA_DIR")) {
    dir = env;
  } else {
#ifdef CSBRIDGE_TEST_DATA_DIR
    dir = CSBRIDGE_TEST_DATA_DIR;
#else
    dir = "tests/data";
#endif
  }
  try {
    pages() = build_pages(dir, std::size_t{1} << 20);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "page_scanner_bench: %s\n", e.what());
    return 2;
  }
  std::fprintf(stderr, "page: %zu records, %zu bytes pretty, %zu bytes compact\n", pages().records,
               pages().pretty.size(), pages().compact.size());
  benchmark::RegisterBenchmark("scan_page/pretty", BM_ScanPage, &pages().pretty);
  benchmark::RegisterBenchmark("scan_page/compact", BM_ScanPage, &pages().compact);
  benchmark::RegisterBenchmark("scan_page/compact+marker", BM_ScanPageWithMarker);
  benchmark::RegisterBenchmark("count_wazuh_fields/page_lines", BM_CountFields);
  benchmark::RegisterBenchmark("shape_lines/nothing_to_do", BM_ShapeLinesNothingToDo);
  benchmark::RegisterBenchmark("nlohmann_parse_dump/pretty", BM_NlohmannParseDump, &pages().pretty);
  benchmark::RegisterBenchmark("nlohmann_parse_dump/compact", BM_NlohmannParseDump,
                               &pages().compact);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
