// A full disk: samepaged's data folder on a small tmpfs. Writes fail with a
// clear status naming the disk, reads go on, nothing acknowledged is lost or
// corrupted, and writes work again once space returns. Needs root (mount);
// skipped where the container does not allow mounting.
#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "samepage/caseplan/v1/caseplan_service.grpc.pb.h"
#include "tests/testing/samepaged_process.h"
#include "tests/testing/temp_dir.h"
#include "tools/bench/crash_run.h"
#include "tools/bench/population.h"

namespace samepage::bench {
namespace {

namespace cp = ::samepage::caseplan::v1;

class Tmpfs {
 public:
  explicit Tmpfs(std::string path) : path_(std::move(path)) {
    std::filesystem::create_directories(path_);
    mounted_ = mount("tmpfs", path_.c_str(), "tmpfs", 0, "size=8m") == 0;
    if (!mounted_) error_ = std::strerror(errno);
  }
  ~Tmpfs() {
    if (mounted_) umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  bool Resize(const std::string& size) {
    return mount("tmpfs", path_.c_str(), "tmpfs", MS_REMOUNT, ("size=" + size).c_str()) == 0;
  }

 private:
  std::string path_;
  bool mounted_ = false;
  std::string error_;
};

grpc::Status CreateNote(cp::CasePlans::Stub& stub, const std::string& token, int n, cp::Note* out) {
  cp::CreateNoteRequest req;
  req.set_parent("cases/crash");
  req.set_note_id(absl::StrCat("full-", n));
  req.mutable_note()->set_kind(cp::Note::KIND_ASSESSMENT);
  req.mutable_note()->set_category("general");
  req.mutable_note()->set_title(absl::StrCat("Assessment ", n));
  req.mutable_note()->set_body(std::string(16000, static_cast<char>('a' + n % 26)));
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + token);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  return stub.CreateNote(&ctx, req, out);
}

grpc::Status GetNote(cp::CasePlans::Stub& stub, const std::string& token, const std::string& name,
                     cp::Note* out) {
  cp::GetNoteRequest req;
  req.set_name(name);
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + token);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  return stub.GetNote(&ctx, req, out);
}

TEST(DiskFullTest, WritesFailClearlyNothingIsLostAndWritesResumeWhenSpaceReturns) {
  testing::TempDir dir;
  Tmpfs disk(dir.path() + "/data");
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here: " << disk.error();
  const std::string data = dir.path() + "/data";
  const std::vector<std::string> args = {"--dev", "--data_dir", data, "--listen", "127.0.0.1:0",
                                         "--rate_limit_per_second=0"};
  auto server = testing::SamepagedProcess::Start(SAMEPAGED_BINARY, args, dir.path() + "/log1");
  ASSERT_TRUE(server.ok()) << server.status();
  auto tokens = Tokens::Load(data);
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                                     grpc::InsecureChannelCredentials());
  ASSERT_TRUE(SetupCrashCase(channel, **tokens).ok());
  auto stub = cp::CasePlans::NewStub(channel);
  const std::string token = (*tokens)->Person("crash-cw");

  // Fill the disk.
  std::vector<std::string> acknowledged;
  grpc::Status failure;
  int n = 0;
  for (; n < 2000; ++n) {
    cp::Note note;
    grpc::Status s = CreateNote(*stub, token, n, &note);
    if (!s.ok()) {
      failure = s;
      break;
    }
    acknowledged.push_back(note.name());
  }
  ASSERT_FALSE(failure.ok()) << "8 MiB never filled up";
  ASSERT_FALSE(acknowledged.empty());
  std::printf("full after %zu notes: %d %s\n", acknowledged.size(), failure.error_code(),
              failure.error_message().c_str());
  // The server is still there (the health service writes nothing): a
  // write that fails on a full disk must never take it down.
  grpc::health::v1::HealthCheckRequest health_req;
  grpc::health::v1::HealthCheckResponse health;
  grpc::ClientContext health_ctx;
  health_ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  ASSERT_TRUE(
      grpc::health::v1::Health::NewStub(channel)->Check(&health_ctx, health_req, &health).ok())
      << "the server died when the disk filled; its log: " << dir.path() << "/log1";
  // The write fails as the disk fills, or, when the data fits but its audit
  // entry does not, the call is refused because it cannot be put on record.
  // Reads are audited too, so they fail the same way until space returns.
  EXPECT_TRUE(failure.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED ||
              failure.error_code() == grpc::StatusCode::UNAVAILABLE)
      << failure.error_message();
  std::string message = absl::AsciiStrToLower(failure.error_message());
  EXPECT_TRUE(absl::StrContains(message, "disk") || absl::StrContains(message, "space") ||
              absl::StrContains(message, "audit trail cannot be written"))
      << failure.error_message();

  // Space returns: writes work again without a restart.
  ASSERT_TRUE(disk.Resize("256m"));
  grpc::Status again;
  for (int attempt = 0; attempt < 50; ++attempt) {
    cp::Note note;
    again = CreateNote(*stub, token, 5000 + attempt, &note);
    if (again.ok()) {
      acknowledged.push_back(note.name());
      break;
    }
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_TRUE(again.ok()) << again.error_message();

  // After a crash, every acknowledged note is there, intact.
  (*server)->Kill();
  server = testing::SamepagedProcess::Start(SAMEPAGED_BINARY, args, dir.path() + "/log2");
  ASSERT_TRUE(server.ok()) << server.status();
  channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                                grpc::InsecureChannelCredentials());
  stub = cp::CasePlans::NewStub(channel);
  int lost = 0;
  for (const std::string& name : acknowledged) {
    cp::Note note;
    grpc::Status s = GetNote(*stub, token, name, &note);
    if (!s.ok() || note.body().size() != 16000) {
      ++lost;
      ADD_FAILURE() << name << ": " << s.error_message();
    }
  }
  std::printf("acknowledged: %zu, lost: %d\n", acknowledged.size(), lost);
  (*server)->Stop();
}

}  // namespace
}  // namespace samepage::bench
