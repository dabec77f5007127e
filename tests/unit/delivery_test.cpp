#include "csbridge/delivery.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace csbridge {
namespace {

/// The ids a saved v2 state file holds, sorted (the "seen" object's keys).
inline std::vector<std::string> saved_ids(const std::filesystem::path& p) {
  std::ifstream in(p);
  const auto doc = nlohmann::json::parse(in, nullptr, false);
  std::vector<std::string> out;
  if (!doc.is_object() || !doc.contains("seen")) return {"<not v2 state>"};
  for (const auto& [k, v] : doc["seen"].items()) out.push_back(k);
  return out;
}

namespace fs = std::filesystem;
using ::testing::HasSubstr;

Timestamp ts(std::string_view s) {
  const auto t = parse_rfc3339(s);
  EXPECT_TRUE(t.has_value()) << s;
  return t.value_or(Timestamp{});
}

const Timestamp kNow = ts("2026-05-26T13:00:00Z");

class DeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "csbridge-delivery-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir = tmpl;
    files = StateFiles{dir / "last_alert_timestamp.txt", dir / "last_alert_ids.json"};
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  static std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static void write(const fs::path& p, const std::string& content) {
    std::ofstream o(p, std::ios::binary | std::ios::trunc);
    o << content;
  }

  /// fdatasync(2) that fails with EIO while `failing_syncs` > 0, noting the inode of every file
  /// it is asked to sync in `synced_inodes`.
  NdjsonWriter::DataSync flaky_sync() {
    return [this](int fd) {
      struct stat sb {};
      ::fstat(fd, &sb);
      synced_inodes.push_back(sb.st_ino);
      if (failing_syncs > 0) {
        --failing_syncs;
        errno = EIO;
        return -1;
      }
      return ::fdatasync(fd);
    };
  }

  /// A Delivery (flaky_delivery) over a fresh output whose next sync fails once.
  void start_with_a_failing_sync() {
    failing_syncs = 1;
    auto out = NdjsonWriter::open(dir / "detections.json", 0640, flaky_sync());
    ASSERT_TRUE(out);
    auto state = StateStore::load(files, kNow);
    ASSERT_TRUE(state);
    flaky_output.emplace(std::move(out).value());
    flaky_state.emplace(std::move(state).value());
    flaky_delivery.emplace(*flaky_output, *flaky_state, "alerts");
  }

  fs::path dir;
  StateFiles files;
  int failing_syncs = 0;
  std::vector<ino_t> synced_inodes;
  std::optional<NdjsonWriter> flaky_output;
  std::optional<StateStore> flaky_state;
  std::optional<Delivery> flaky_delivery;
};

TEST_F(DeliveryTest, CommitWritesTheOutputThenTheState) {
  write(dir / "detections.json", "{\"id\":\"old\"}\n");
  auto out = NdjsonWriter::open(dir / "detections.json");
  ASSERT_TRUE(out);
  auto state = StateStore::load(files, kNow);
  ASSERT_TRUE(state);
  Delivery d{out.value(), state.value(), "alerts"};
  EXPECT_EQ(&d.state(), &state.value());

  const std::vector<std::string> ids = {"a", "b"};
  auto st = d.commit("{\"id\":\"a\"}\n{\"id\":\"b\"}\n", 2, ids, ts("2026-05-26T12:14:34.5Z"));
  ASSERT_TRUE(st) << st.error().message;

  EXPECT_EQ(slurp(dir / "detections.json"), "{\"id\":\"old\"}\n{\"id\":\"a\"}\n{\"id\":\"b\"}\n");
  EXPECT_EQ(saved_ids(files.seen_ids), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(slurp(files.watermark), "2026-05-26T12:14:34.5Z");
  EXPECT_TRUE(state.value().contains("a"));

  auto reloaded = StateStore::load(files, kNow);
  ASSERT_TRUE(reloaded);
  EXPECT_EQ(reloaded.value().watermark(), ts("2026-05-26T12:14:34.5Z"));
  EXPECT_EQ(reloaded.value().seen_count(), 2U);
}

TEST_F(DeliveryTest, AnEmptyCommitTouchesNothing) {
  auto out = NdjsonWriter::open(dir / "detections.json");
  ASSERT_TRUE(out);
  auto state = StateStore::load(files, kNow);
  ASSERT_TRUE(state);
  // The state already knows where the output ends: nothing new to record.
  state.value().set_output_position(out.value().position().value());
  Delivery d{out.value(), state.value(), "alerts"};
  ASSERT_TRUE(d.commit("", 0, {}, std::nullopt));
  EXPECT_FALSE(fs::exists(files.watermark));
  EXPECT_FALSE(fs::exists(files.seen_ids));
  EXPECT_EQ(slurp(dir / "detections.json"), "");
}

TEST_F(DeliveryTest, AWatermarkOnlyCommitSavesTheState) {
  // A page whose records were all seen before still moves the watermark forward.
  auto out = NdjsonWriter::open(dir / "detections.json");
  ASSERT_TRUE(out);
  auto state = StateStore::load(files, kNow);
  ASSERT_TRUE(state);
  Delivery d{out.value(), state.value(), "alerts"};
  ASSERT_TRUE(d.commit("", 0, {}, ts("2026-05-26T12:00:00Z")));
  EXPECT_EQ(slurp(files.watermark), "2026-05-26T12:00:00Z");
  EXPECT_EQ(slurp(dir / "detections.json"), "");
}

TEST_F(DeliveryTest, AnOutputFailureLeavesTheStateUntouched) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  write(files.watermark, "2026-05-26T12:00:00Z\n");
  write(files.seen_ids, R"(["old"])");
  // The output "file" is a symlink to /dev/full: every write fails with ENOSPC.
  fs::create_symlink("/dev/full", dir / "detections.json");
  auto out = NdjsonWriter::open(dir / "detections.json");
  ASSERT_TRUE(out) << out.error().message;
  auto state = StateStore::load(files, kNow);
  ASSERT_TRUE(state);
  Delivery d{out.value(), state.value(), "alerts"};

  const std::vector<std::string> ids = {"new-1", "new-2"};
  auto st =
      d.commit("{\"id\":\"new-1\"}\n{\"id\":\"new-2\"}\n", 2, ids, ts("2026-05-26T12:30:00Z"));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kIo);
  EXPECT_THAT(st.error().message, HasSubstr((dir / "detections.json").string()));

  // Neither in memory nor on disk did the state move.
  EXPECT_EQ(state.value().watermark(), ts("2026-05-26T12:00:00Z"));
  EXPECT_FALSE(state.value().contains("new-1"));
  EXPECT_FALSE(state.value().contains("new-2"));
  EXPECT_EQ(slurp(files.watermark), "2026-05-26T12:00:00Z\n");
  EXPECT_EQ(slurp(files.seen_ids), R"(["old"])");

  // A later commit that succeeds is not polluted by the failed one.
  fs::remove(dir / "detections.json");
  auto real = NdjsonWriter::open(dir / "detections.json");
  ASSERT_TRUE(real);
  Delivery d2{real.value(), state.value(), "alerts"};
  const std::vector<std::string> one = {"new-1"};
  ASSERT_TRUE(d2.commit("{\"id\":\"new-1\"}\n", 1, one, ts("2026-05-26T12:20:00Z")));
  EXPECT_EQ(saved_ids(files.seen_ids), (std::vector<std::string>{"new-1", "old"}));
  EXPECT_EQ(slurp(files.watermark), "2026-05-26T12:20:00Z");
}

TEST_F(DeliveryTest, AStateFailureIsReportedAfterTheOutputIsDurable) {
  auto out = NdjsonWriter::open(dir / "detections.json");
  ASSERT_TRUE(out);
  auto state = StateStore::load(files, kNow);
  ASSERT_TRUE(state);
  Delivery d{out.value(), state.value(), "alerts"};
  fs::create_directory(files.seen_ids);  // the ids file cannot be replaced
  fs::create_directory(files.seen_ids / "x");
  const std::vector<std::string> ids = {"a"};
  auto st = d.commit("{\"id\":\"a\"}\n", 1, ids, ts("2026-05-26T12:30:00Z"));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kIo);
  EXPECT_EQ(slurp(dir / "detections.json"), "{\"id\":\"a\"}\n");
  EXPECT_FALSE(fs::exists(files.watermark)) << "watermark saved although the ids were not";
}

TEST_F(DeliveryTest, ASyncFailureKeepsTheLinesOnceAndSavesTheStateOnlyWhenDurable) {
  ASSERT_NO_FATAL_FAILURE(start_with_a_failing_sync());
  Delivery& d = *flaky_delivery;
  const std::string ab = "{\"id\":\"a\"}\n{\"id\":\"b\"}\n";
  const std::vector<std::string> ids = {"a", "b"};
  auto st = d.commit(ab, 2, ids, ts("2026-05-26T12:30:00Z"));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kIo);
  // Wazuh may have read the lines: they stay, and count as written, but nothing is saved.
  EXPECT_EQ(slurp(dir / "detections.json"), ab);
  EXPECT_TRUE(flaky_state->contains("a"));
  EXPECT_FALSE(fs::exists(files.watermark));
  EXPECT_FALSE(fs::exists(files.seen_ids));

  // While the sync keeps failing nothing more is appended.
  failing_syncs = 1;
  const std::vector<std::string> c = {"c"};
  ASSERT_FALSE(d.commit("{\"id\":\"c\"}\n", 1, c, ts("2026-05-26T12:40:00Z")));
  EXPECT_EQ(slurp(dir / "detections.json"), ab);
  EXPECT_FALSE(flaky_state->contains("c"));

  ASSERT_TRUE(d.commit("{\"id\":\"c\"}\n", 1, c, ts("2026-05-26T12:40:00Z")));
  EXPECT_EQ(slurp(dir / "detections.json"), ab + "{\"id\":\"c\"}\n");
  EXPECT_EQ(saved_ids(files.seen_ids), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(slurp(files.watermark), "2026-05-26T12:40:00Z");
}

TEST_F(DeliveryTest, AfterAFailedSyncACommitWithNothingNewSavesTheStateOnceDurable) {
  ASSERT_NO_FATAL_FAILURE(start_with_a_failing_sync());
  Delivery& d = *flaky_delivery;
  const std::vector<std::string> ids = {"a"};
  ASSERT_FALSE(d.commit("{\"id\":\"a\"}\n", 1, ids, ts("2026-05-26T12:30:00Z")));
  ASSERT_TRUE(d.commit({}, 0, {}, std::nullopt));
  EXPECT_EQ(saved_ids(files.seen_ids), (std::vector<std::string>{"a"}));
  EXPECT_EQ(slurp(files.watermark), "2026-05-26T12:30:00Z");
}

TEST_F(DeliveryTest, AfterAFailedSyncARotationFirstSyncsTheFileThatHoldsTheLines) {
  ASSERT_NO_FATAL_FAILURE(start_with_a_failing_sync());
  Delivery& d = *flaky_delivery;
  const std::vector<std::string> ids = {"a"};
  ASSERT_FALSE(d.commit("{\"id\":\"a\"}\n", 1, ids, ts("2026-05-26T12:30:00Z")));
  fs::rename(dir / "detections.json", dir / "detections.json.1");  // logrotate
  ASSERT_TRUE(d.follow_rotation());
  ASSERT_EQ(synced_inodes.size(), 2U);
  EXPECT_EQ(synced_inodes[1], synced_inodes[0]);
  EXPECT_TRUE(fs::exists(dir / "detections.json"));
  ASSERT_TRUE(d.commit({}, 0, {}, std::nullopt));
  EXPECT_EQ(saved_ids(files.seen_ids), (std::vector<std::string>{"a"}));
  EXPECT_EQ(slurp(dir / "detections.json.1"), "{\"id\":\"a\"}\n");
}

TEST_F(DeliveryTest, RecoveryRecordsARecordCutShortByACrashOnlyByItsWrittenLines) {
  // Saved state covers nothing; then a crash left: all 2 lines of "c1", 2 of the 3 lines of
  // "c2", and a torn third line of "c2".
  auto out = NdjsonWriter::open(dir / "incidents.jsonl");
  ASSERT_TRUE(out);
  auto state = StateStore::load(files, kNow);
  ASSERT_TRUE(state);
  state.value().set_output_position(out.value().position().value());
  ASSERT_TRUE(state.value().save());
  write(dir / "incidents.jsonl",
        "{\"id\":\"c1\",\"n\":\"1/2\"}\n{\"id\":\"c1\",\"n\":\"2/2\"}\n"
        "{\"id\":\"c2\",\"n\":\"1/3\"}\n{\"id\":\"c2\",\"n\":\"3/3\"}\n{\"id\":\"c2\",\"n\":\"2");
  auto reopened = NdjsonWriter::open(dir / "incidents.jsonl");
  ASSERT_TRUE(reopened);
  auto extract = [](const nlohmann::json& line) {
    RecordKeys rk;
    rk.keys.push_back(line.at("id").get<std::string>());
    const std::string n = line.at("n").get<std::string>();
    rk.part = static_cast<std::size_t>(n[0] - '0');
    rk.parts = static_cast<std::size_t>(n[2] - '0');
    return rk;
  };
  Delivery d{reopened.value(), state.value(), "incidents", extract};
  ASSERT_TRUE(d.recover());

  EXPECT_TRUE(state.value().contains("c1"));
  EXPECT_FALSE(state.value().contains("c2")) << "c2 lacks a line: it must be fetched again";
  EXPECT_TRUE(state.value().contains(part_key("c2", 1, 3)));
  EXPECT_TRUE(state.value().contains(part_key("c2", 3, 3)));
  EXPECT_FALSE(state.value().contains(part_key("c2", 2, 3)));
  EXPECT_EQ(part_key("c2", 2, 3), "c2@2/3");
  EXPECT_EQ(saved_ids(files.seen_ids), (std::vector<std::string>{"c1", "c2@1/3", "c2@3/3"}));
}

}  // namespace
}  // namespace csbridge
