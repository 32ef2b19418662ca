// `samepage updates` as a person uses it, run as a real subprocess against a
// real server hosting every service: the feed listed, resumed after a
// sequence, followed until interrupted, and refused for someone else's feed.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/identity/caller.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "samepage/sharing/v1/sharing_service.grpc.pb.h"
#include "samepage/updates/v1/updates_service.grpc.pb.h"
#include "tests/testing/run_binary.h"
#include "tests/testing/seed.h"
#include "tests/testing/server_fixture.h"

namespace samepage {
namespace {

using ::samepage::testing::RunBinary;
using ::samepage::testing::RunResult;
using ::samepage::testing::ServerFixture;
using ::testing::HasSubstr;
using ::testing::Not;
namespace dir = ::samepage::directory::v1;
namespace sh = ::samepage::sharing::v1;
namespace up = ::samepage::updates::v1;

class UpdatesCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    testing::Seed seed(server_.channel(), server_.channel(), server_.AdminToken());
    ASSERT_TRUE(seed.Organization("sunrise", dir::Organization::KIND_CHILD_WELFARE_AGENCY).ok());
    ASSERT_TRUE(seed.Organization("harbor", dir::Organization::KIND_BEHAVIORAL_HEALTH_PROVIDER).ok());
    ASSERT_TRUE(seed.Person("dana", "Dana Cruz", "sunrise", {"dependency-case-manager"}).ok());
    ASSERT_TRUE(seed.Person("theo", "Theo Grant", "harbor", {"therapist"}).ok());
    ASSERT_TRUE(seed.Case("rivera", "2026-0042", "sunrise").ok());
    ASSERT_TRUE(seed.Assign("rivera", "dependency-case-manager", "dana").ok());
    ASSERT_TRUE(seed.Assign("rivera", "therapist", "theo").ok());
    Ask("Progress summary for court");
    WaitForFeed("theo", 2);
  }

  void Ask(const std::string& summary) {
    sh::CreateInformationRequestRequest req;
    sh::InformationRequest* r = req.mutable_information_request();
    r->set_case_("cases/rivera");
    r->mutable_recipient()->set_person("people/theo");
    r->set_summary(summary);
    r->set_purpose(sh::PURPOSE_COURT_PROCEEDINGS);
    r->add_categories("court-report");
    r->mutable_due_time()->set_seconds(absl::ToUnixSeconds(absl::Now() + absl::Hours(24 * 5)));
    sh::InformationRequest out;
    grpc::Status s = sh::Sharing::NewStub(server_.channel())
                         ->CreateInformationRequest(
                             ServerFixture::Context(server_.Token("people/dana")).get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  void WaitForFeed(const std::string& person, int count) {
    auto stub = up::Updates::NewStub(server_.channel());
    for (int i = 0; i < 400; ++i) {
      up::ListUpdatesRequest req;
      req.set_parent("people/" + person);
      up::ListUpdatesResponse resp;
      if (stub->ListUpdates(ServerFixture::Context(server_.Token("people/" + person)).get(), req,
                            &resp)
              .ok() &&
          resp.updates_size() >= count) {
        return;
      }
      absl::SleepFor(absl::Milliseconds(25));
    }
    FAIL() << person << "'s feed never reached " << count << " updates";
  }

  // The sequence of theo's first update.
  std::string FirstSequence() {
    up::ListUpdatesRequest req;
    req.set_parent("people/theo");
    up::ListUpdatesResponse resp;
    grpc::Status s = up::Updates::NewStub(server_.channel())
                         ->ListUpdates(ServerFixture::Context(server_.Token("people/theo")).get(),
                                       req, &resp);
    EXPECT_TRUE(s.ok() && resp.updates_size() > 0) << s.error_message();
    return resp.updates_size() > 0 ? absl::StrCat(resp.updates(0).sequence()) : "0";
  }

  RunResult Run(std::vector<std::string> args, absl::Duration limit = absl::Seconds(30)) {
    std::vector<std::string> all = {"--server", server_.address(), "--data_dir",
                                    server_.data_dir(), "--as", "people/theo"};
    all.insert(all.end(), args.begin(), args.end());
    return RunBinary(SAMEPAGE_CLI, all, limit);
  }

  ServerFixture server_;
};

TEST_F(UpdatesCliTest, ListsResumesAndFollowsTheCallersFeed) {
  RunResult listed = Run({"updates"});
  ASSERT_EQ(listed.exit_code, 0) << listed;
  EXPECT_THAT(listed.out, HasSubstr("assigned  You were assigned as therapist on case 2026-0042"));
  EXPECT_THAT(listed.out, HasSubstr("request waiting  Dana Cruz asks you for \"Progress summary"));
  // Sequences are positions in the whole service's log, not per person.
  const std::string first = FirstSequence();
  EXPECT_THAT(listed.out, HasSubstr("resume with --after"));
  EXPECT_THAT(listed.out, HasSubstr("#" + first + "  "));

  RunResult after = Run({"updates", "--after", first});
  ASSERT_EQ(after.exit_code, 0) << after;
  EXPECT_THAT(after.out, Not(HasSubstr("You were assigned")));
  EXPECT_THAT(after.out, HasSubstr("Progress summary"));

  RunResult json = Run({"--json", "updates"});
  ASSERT_EQ(json.exit_code, 0) << json;
  EXPECT_THAT(json.out, HasSubstr("KIND_REQUEST_WAITING"));

  // Following prints what is there and then what arrives, until Ctrl-C.
  Ask("School records");
  RunResult followed = Run({"updates", "--follow", "--after", first}, absl::Seconds(3));
  EXPECT_TRUE(followed.timed_out) << followed;
  EXPECT_THAT(followed.out, HasSubstr("Progress summary"));
  EXPECT_THAT(followed.out, HasSubstr("School records"));
  EXPECT_THAT(followed.out, Not(HasSubstr("You were assigned")));
}

TEST_F(UpdatesCliTest, SomeoneElsesFeedIsRefused) {
  RunResult refused = Run({"updates", "--person", "dana"});
  EXPECT_NE(refused.exit_code, 0) << refused;
  EXPECT_THAT(refused.err, HasSubstr("parent"));
  EXPECT_THAT(refused.err, HasSubstr("people read their own updates"));
}

}  // namespace
}  // namespace samepage
