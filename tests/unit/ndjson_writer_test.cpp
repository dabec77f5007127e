#include "csbridge/ndjson_writer.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace csbridge {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class NdjsonWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "csbridge-ndjson-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir = tmpl;
    out = dir / "detections.json";
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

  fs::path dir;
  fs::path out;
};

/// Sets the umask for one scope.
class UmaskGuard {
 public:
  explicit UmaskGuard(mode_t m) : old_(::umask(m)) {}
  ~UmaskGuard() { ::umask(old_); }
  UmaskGuard(const UmaskGuard&) = delete;
  UmaskGuard& operator=(const UmaskGuard&) = delete;

 private:
  mode_t old_;
};

mode_t mode_of(const fs::path& p) {
  struct stat sb {};
  EXPECT_EQ(::stat(p.c_str(), &sb), 0) << p;
  return sb.st_mode & 07777;
}

TEST_F(NdjsonWriterTest, CreatesTheFileWithMode0640) {
  UmaskGuard umask{022};
  auto w = NdjsonWriter::open(out);
  ASSERT_TRUE(w) << w.error().message;
  EXPECT_EQ(w.value().path(), out);
  ASSERT_TRUE(fs::exists(out));
  EXPECT_EQ(mode_of(out), 0640U);
  EXPECT_EQ(fs::file_size(out), 0U);
}

TEST_F(NdjsonWriterTest, KeepsTheModeOfAnExistingFile) {
  write(out, "{\"old\":1}\n");
  ::chmod(out.c_str(), 0600);
  auto w = NdjsonWriter::open(out);
  ASSERT_TRUE(w);
  EXPECT_EQ(mode_of(out), 0600U);
}

TEST_F(NdjsonWriterTest, AppendsAfterExistingContent) {
  write(out, "{\"old\":1}\n");
  auto w = NdjsonWriter::open(out);
  ASSERT_TRUE(w);
  ASSERT_TRUE(w.value().append("{\"a\":1}\n{\"b\":2}\n"));
  ASSERT_TRUE(w.value().append(""));  // nothing to do
  ASSERT_TRUE(w.value().append("{\"c\":3}\n"));
  ASSERT_TRUE(w.value().sync());
  EXPECT_EQ(slurp(out), "{\"old\":1}\n{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n");
}

TEST_F(NdjsonWriterTest, AppendsAtTheEndEvenIfTheFileGrewMeanwhile) {
  // O_APPEND: another writer (or logrotate's copytruncate) moving the end is respected.
  auto w = NdjsonWriter::open(out);
  ASSERT_TRUE(w);
  ASSERT_TRUE(w.value().append("1\n"));
  {
    std::ofstream other(out, std::ios::binary | std::ios::app);
    other << "other\n";
  }
  ASSERT_TRUE(w.value().append("2\n"));
  EXPECT_EQ(slurp(out), "1\nother\n2\n");

  // Truncated underneath (copytruncate): the next line goes to the start, no hole.
  ::truncate(out.c_str(), 0);
  ASSERT_TRUE(w.value().append("3\n"));
  EXPECT_EQ(slurp(out), "3\n");
}

TEST_F(NdjsonWriterTest, ReopeningNeverTruncates) {
  {
    auto w = NdjsonWriter::open(out);
    ASSERT_TRUE(w);
    ASSERT_TRUE(w.value().append("1\n"));
  }
  auto w = NdjsonWriter::open(out);
  ASSERT_TRUE(w);
  ASSERT_TRUE(w.value().append("2\n"));
  EXPECT_EQ(slurp(out), "1\n2\n");
}

TEST_F(NdjsonWriterTest, OpenInAMissingDirectoryIsKIoNamingThePath) {
  auto w = NdjsonWriter::open(dir / "missing" / "out.json");
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, ErrorCode::kIo);
  EXPECT_THAT(w.error().message, HasSubstr((dir / "missing" / "out.json").string()));
}

TEST_F(NdjsonWriterTest, AFailedAppendLeavesNoPartialBytes) {
  const std::string existing = "{\"old\":1}\n";
  write(out, existing);
  // In a child: the file may not grow past 100 bytes, so the 1000-byte append is written
  // part-way (the kernel writes up to the limit) and then fails with EFBIG.
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit lim{100, 100};
    if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) ::_exit(10);
    auto w = NdjsonWriter::open(out);
    if (!w) ::_exit(11);
    if (!w.value().append("{\"fits\":1}\n")) ::_exit(12);
    std::string big;
    while (big.size() < 1000)
      big += "{\"k\":\"vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv\"}\n";
    Status st = w.value().append(big);
    if (st) ::_exit(13);
    if (st.error().code != ErrorCode::kIo) ::_exit(14);
    if (st.error().message.find(out.string()) == std::string::npos) ::_exit(15);
    // The writer stays usable after the failure.
    if (!w.value().append("{\"after\":1}\n")) ::_exit(16);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "child killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "10 setrlimit, 11 open, 12 small append, 13 big append succeeded, 14 wrong code, "
         "15 message without path, 16 append after failure";
  EXPECT_EQ(slurp(out), existing + "{\"fits\":1}\n{\"after\":1}\n");
}

TEST_F(NdjsonWriterTest, AWriteErrorIsKIoNamingThePath) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  const fs::path link = dir / "detections.json";
  fs::create_symlink("/dev/full", link);
  auto w = NdjsonWriter::open(link);
  ASSERT_TRUE(w) << w.error().message;
  Status st = w.value().append("{\"a\":1}\n");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kIo);
  EXPECT_THAT(st.error().message, HasSubstr(link.string()));
  EXPECT_THAT(st.error().message, HasSubstr("No space left on device"));
}

}  // namespace
}  // namespace csbridge
