// What an operator sees: the metrics page, the structured logs, and a request
// id that follows a call from one server process to another.

#include <httplib.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "samepage/directory/v1/directory_service.grpc.pb.h"
#include "common/clock/clock.h"
#include "common/observe/json_log.h"
#include "server/server_host.h"
#include "tests/testing/deployment.h"
#include "tests/testing/server_fixture.h"
#include "tests/testing/temp_dir.h"

namespace samepage {
namespace {

using ::samepage::testing::Deployment;
using ::samepage::testing::ServerFixture;
using ::samepage::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

namespace dir = ::samepage::directory::v1;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The JSON log lines of `text` (other lines, e.g. the start-up banner, are
// skipped).
std::vector<nlohmann::json> LogLines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (!absl::StartsWith(line, "{")) continue;
    lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

std::vector<nlohmann::json> WithRequestId(const std::vector<nlohmann::json>& lines,
                                          const std::string& id) {
  std::vector<nlohmann::json> out;
  for (const auto& line : lines) {
    if (line.value("request_id", "") == id) out.push_back(line);
  }
  return out;
}

// A server in this process with a metrics page and its log in a file.
class ObservedServer : public ::testing::Test {
 protected:
  void SetUp() override {
    log_path_ = dir_.Sub("samepaged.log");
    log_ = std::fopen(log_path_.c_str(), "w");
    ASSERT_NE(log_, nullptr);
    server::ServerOptions options;
    options.listen_address = "127.0.0.1:0";
    options.data_dir = dir_.Sub("data");
    options.dev_mode = true;
    options.metrics_listen_address = "127.0.0.1:0";
    options.log = log_;
    auto host = server::ServerHost::Start(options);
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = *std::move(host);
    auto issuer = identity::DevTokenIssuer::Load(options.data_dir);
    ASSERT_TRUE(issuer.ok()) << issuer.status();
    admin_token_ = *(*issuer)->Issue("admin", {identity::kAdminScope}, absl::Hours(1), absl::Now());
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", host_->port()),
                                       grpc::InsecureChannelCredentials());
    directory_ = dir::Directory::NewStub(channel);
  }

  void TearDown() override {
    host_.reset();
    if (log_ != nullptr) std::fclose(log_);
  }

  std::string Scrape() {
    httplib::Client client("127.0.0.1", host_->metrics_port());
    client.set_connection_timeout(5);
    client.set_read_timeout(5);
    httplib::Result res = client.Get("/metrics");
    if (!res) return "";
    EXPECT_EQ(res->status, 200);
    EXPECT_THAT(res->get_header_value("Content-Type"), HasSubstr("text/plain"));
    return res->body;
  }

  // An organization created by the administrator (a write, audited).
  void CreateOrganization(const std::string& id) {
    dir::CreateOrganizationRequest req;
    req.set_organization_id(id);
    req.mutable_organization()->set_display_name("Sunrise Family Services");
    req.mutable_organization()->set_kind(dir::Organization::KIND_CHILD_WELFARE_AGENCY);
    dir::Organization org;
    grpc::Status created =
        directory_->CreateOrganization(ServerFixture::Context(admin_token_).get(), req, &org);
    ASSERT_TRUE(created.ok()) << created.error_message();
  }

  // The value of one sample line of the page (`name{labels}`); -1 when the
  // page has no such line.
  double Sample(const std::string& series) {
    std::string page = Scrape();
    std::string key = "\n" + series + " ";
    size_t at = page.find(key);
    if (at == std::string::npos) return -1.0;
    return std::stod(page.substr(at + key.size()));
  }

  TempDir dir_;
  std::string log_path_;
  std::FILE* log_ = nullptr;
  std::unique_ptr<server::ServerHost> host_;
  std::string admin_token_;
  std::unique_ptr<dir::Directory::Stub> directory_;
};

TEST_F(ObservedServer, MetricsPageCountsCallsByMethodAndStatus) {
  ASSERT_GT(host_->metrics_port(), 0);
  dir::ListRolesRequest list;
  dir::ListRolesResponse roles;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(
        directory_->ListRoles(ServerFixture::Context(admin_token_).get(), list, &roles).ok());
  }
  dir::GetPersonRequest get;
  get.set_name("people/nobody");
  dir::Person person;
  EXPECT_EQ(directory_->GetPerson(ServerFixture::Context("").get(), get, &person).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  dir::CreatePersonRequest bad;
  EXPECT_EQ(directory_->CreatePerson(ServerFixture::Context(admin_token_).get(), bad, &person)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  // An event stream is counted once accepted. (The registry hosted here
  // reads the directory's events from its store, not through WatchEvents.)
  auto watch_ctx = ServerFixture::Context(admin_token_);
  auto stream = directory_->WatchEvents(watch_ctx.get(), dir::WatchEventsRequest());
  const std::string watch =
      "samepage_rpc_requests_total{method=\"/samepage.directory.v1.Directory/"
      "WatchEvents\",code=\"OK\"}";
  std::string page = Scrape();
  for (int i = 0; i < 100 && !absl::StrContains(page, watch); ++i) {
    absl::SleepFor(absl::Milliseconds(50));
    page = Scrape();
  }
  EXPECT_THAT(page, HasSubstr(watch));
  watch_ctx->TryCancel();
  stream->Finish().IgnoreError();
  EXPECT_THAT(page, HasSubstr("# TYPE samepage_rpc_requests_total counter"));
  EXPECT_THAT(page, HasSubstr("samepage_rpc_requests_total{method=\"/samepage.directory.v1."
                              "Directory/ListRoles\",code=\"OK\"} 3\n"));
  EXPECT_THAT(page, HasSubstr("samepage_rpc_requests_total{method=\"/samepage.directory.v1."
                              "Directory/GetPerson\",code=\"UNAUTHENTICATED\"} 1\n"));
  EXPECT_THAT(page, HasSubstr("samepage_rpc_requests_total{method=\"/samepage.directory.v1."
                              "Directory/CreatePerson\",code=\"INVALID_ARGUMENT\"} 1\n"));
  // A caller's mistakes are not the server's errors.
  EXPECT_THAT(page, Not(HasSubstr("samepage_rpc_errors_total{")));
  EXPECT_THAT(page, HasSubstr("# TYPE samepage_rpc_latency_seconds histogram"));
  EXPECT_THAT(page, HasSubstr("samepage_rpc_latency_seconds_bucket{method=\"/samepage.directory."
                              "v1.Directory/ListRoles\",le=\"+Inf\"} 3\n"));
  EXPECT_THAT(page, HasSubstr("samepage_rpc_latency_seconds_count{method=\"/samepage.directory."
                              "v1.Directory/ListRoles\"} 3\n"));

  // Every store, and every event consumer.
  for (const char* service : {"directory", "registry", "caseplan", "sharing"}) {
    EXPECT_THAT(
        page, HasSubstr(absl::StrCat("samepage_store_wal_syncs_total{service=\"", service, "\"}")));
    EXPECT_THAT(
        page, HasSubstr(absl::StrCat("samepage_store_estimated_keys{service=\"", service, "\"}")));
  }
  EXPECT_THAT(page, HasSubstr("samepage_store_bytes_written_total{service=\"directory\"}"));
  EXPECT_THAT(page, HasSubstr("samepage_store_block_cache_hits_total{service=\"directory\"}"));
  EXPECT_THAT(page, HasSubstr("samepage_store_live_data_bytes{service=\"directory\"}"));
  for (const char* consumer :
       {"registry.directory-events", "sharing.registry-events", "caseplan.registry-events"}) {
    EXPECT_THAT(
        page, HasSubstr(absl::StrCat("samepage_event_consumer_lag{consumer=\"", consumer, "\"}")));
  }
  std::vector<std::string> names;
  for (const auto& c : host_->Consumers()) names.push_back(c.name);
  // Other consumers may follow other feeds.
  EXPECT_THAT(names,
              ::testing::IsSupersetOf({"registry.directory-events", "sharing.registry-events",
                                       "caseplan.registry-events"}));
}

TEST_F(ObservedServer, WritesShowInStoreMetrics) {
  auto wal_syncs = [this] {
    return Sample("samepage_store_wal_syncs_total{service=\"directory\"}");
  };
  double before = wal_syncs();
  ASSERT_GE(before, 0);
  ASSERT_NO_FATAL_FAILURE(CreateOrganization("sunrise"));
  EXPECT_GT(wal_syncs(), before);
}

// Every call's record shows in its service's audit trail metrics, with the
// time the call waited for it.
TEST_F(ObservedServer, CallsShowInAuditMetrics) {
  const std::string trail = "{service=\"directory\"}";
  double entries = Sample("samepage_audit_entries_total" + trail);
  double waits = Sample("samepage_audit_wait_seconds_count" + trail);
  ASSERT_GE(entries, 0);
  ASSERT_GE(waits, 0);
  EXPECT_GE(Sample("samepage_audit_unsynced_entries" + trail), 0);
  ASSERT_NO_FATAL_FAILURE(CreateOrganization("sunrise"));
  // A refused call is on record too.
  dir::GetOrganizationRequest get;
  get.set_name("organizations/sunrise");
  grpc::ClientContext anonymous;
  dir::Organization org;
  EXPECT_EQ(directory_->GetOrganization(&anonymous, get, &org).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Sample("samepage_audit_entries_total" + trail), entries + 2);
  EXPECT_EQ(Sample("samepage_audit_wait_seconds_count" + trail), waits + 2);
  EXPECT_GT(Sample("samepage_audit_wait_seconds_sum" + trail), 0);
  EXPECT_GE(Sample("samepage_audit_batches_total" + trail), 1);
}

TEST_F(ObservedServer, LogsEachCallAsJsonWithTheRequestIdItReturns) {
  dir::ListRolesRequest list;
  dir::ListRolesResponse roles;
  auto ctx = ServerFixture::Context(admin_token_);
  ctx->AddMetadata("x-request-id", "support-ticket-4711");
  ASSERT_TRUE(directory_->ListRoles(ctx.get(), list, &roles).ok());
  auto echoed = ctx->GetServerInitialMetadata().find("x-request-id");
  ASSERT_NE(echoed, ctx->GetServerInitialMetadata().end());
  EXPECT_EQ(std::string(echoed->second.data(), echoed->second.size()), "support-ticket-4711");

  // Without one, or with one that could forge a log line, the server makes one.
  for (std::string sent : {std::string(), std::string("two words"), std::string(200, 'a')}) {
    auto other = ServerFixture::Context(admin_token_);
    if (!sent.empty()) other->AddMetadata("x-request-id", sent);
    ASSERT_TRUE(directory_->ListRoles(other.get(), list, &roles).ok());
    auto made = other->GetServerInitialMetadata().find("x-request-id");
    ASSERT_NE(made, other->GetServerInitialMetadata().end());
    std::string id(made->second.data(), made->second.size());
    EXPECT_EQ(id.size(), 32u) << id;
    EXPECT_NE(id, sent);
  }

  // A refused call is logged too, and tells the client its request id.
  auto refused = ServerFixture::Context("not-a-token");
  refused->AddMetadata("x-request-id", "refused-1");
  EXPECT_EQ(directory_->ListRoles(refused.get(), list, &roles).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  host_.reset();  // logs "stopped"
  std::string text = ReadFile(log_path_);
  std::vector<nlohmann::json> lines = LogLines(text);
  std::vector<nlohmann::json> mine = WithRequestId(lines, "support-ticket-4711");
  ASSERT_EQ(mine.size(), 1u) << text;
  EXPECT_EQ(mine[0]["level"], "info");
  EXPECT_EQ(mine[0]["msg"], "rpc");
  EXPECT_EQ(mine[0]["method"], "/samepage.directory.v1.Directory/ListRoles");
  EXPECT_EQ(mine[0]["caller"], "admin");
  EXPECT_EQ(mine[0]["status"], "OK");
  EXPECT_TRUE(mine[0]["latency_ms"].is_number());
  EXPECT_TRUE(absl::EndsWith(mine[0]["time"].get<std::string>(), "Z"));

  std::vector<nlohmann::json> refusal = WithRequestId(lines, "refused-1");
  ASSERT_EQ(refusal.size(), 1u) << text;
  EXPECT_EQ(refusal[0]["status"], "UNAUTHENTICATED");
  EXPECT_EQ(refusal[0]["caller"], "");

  // Lifecycle, and never a credential.
  std::vector<std::string> messages;
  for (const auto& line : lines) messages.push_back(line["msg"].get<std::string>());
  EXPECT_THAT(messages, ::testing::Contains("serving"));
  EXPECT_THAT(messages, ::testing::Contains("shutting down"));
  EXPECT_EQ(messages.back(), "stopped");
  EXPECT_THAT(text, Not(HasSubstr(admin_token_)));
  EXPECT_THAT(text, Not(HasSubstr("not-a-token")));
}

// A log file in a temporary folder, and a clock for the lines' times.
class JsonLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.Sub("log.jsonl");
    out_ = std::fopen(path_.c_str(), "w");
    ASSERT_NE(out_, nullptr);
  }
  void TearDown() override {
    if (out_ != nullptr) std::fclose(out_);
  }

  TempDir dir_;
  std::string path_;
  std::FILE* out_ = nullptr;
  FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
};

// Whatever a client puts in a value (quotes, control characters, bytes that
// are not UTF-8), each line stays one parseable JSON object.
TEST_F(JsonLogTest, EscapesValuesAndReplacesInvalidUtf8) {
  observe::JsonLog log(out_, &clock_);
  const std::string odd = std::string("say \"hi\"\\\n\x01 caf\xc3\xa9 ") + "\xff\xfe";
  const observe::JsonLog::Field fields[] = {{"plain", "people/ana"}, {"odd", odd}, {"n", 2.5}};
  log.WriteFields("info", "rpc", fields);
  log.Write("warn", "other", {{"count", 3}, {"who", odd}});

  std::vector<nlohmann::json> lines = LogLines(ReadFile(path_));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["time"], "2027-01-15T08:00:00.000Z");
  EXPECT_EQ(lines[0]["level"], "info");
  EXPECT_EQ(lines[0]["msg"], "rpc");
  EXPECT_EQ(lines[0]["plain"], "people/ana");
  EXPECT_EQ(lines[0]["odd"], "say \"hi\"\\\n\x01 caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(lines[0]["n"], 2.5);
  EXPECT_EQ(lines[1]["level"], "warn");
  EXPECT_EQ(lines[1]["count"], 3);
  EXPECT_EQ(lines[1]["who"], lines[0]["odd"]);
  // The keys keep their order: time, level, msg, then the fields.
  std::string raw = ReadFile(path_);
  EXPECT_THAT(raw, ::testing::StartsWith("{\"time\":\"2027-01-15T08:00:00.000Z\",\"level\":\"info\","
                                       "\"msg\":\"rpc\",\"plain\":\"people/ana\",\"odd\":"));
}

// With a flush interval, info lines wait in memory; a warning is written at
// once and takes the lines held before it along, in order; destroying the
// log writes whatever is still held.
TEST_F(JsonLogTest, HoldsInfoLinesUntilAWarningOrTheEnd) {
  {
    observe::JsonLog log(out_, &clock_, absl::Hours(1));
    log.WriteFields("info", "first", {});
    EXPECT_EQ(ReadFile(path_), "");
    log.WriteFields("warn", "second", {});
    log.WriteFields("info", "third", {});
    std::vector<nlohmann::json> lines = LogLines(ReadFile(path_));
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0]["msg"], "first");
    EXPECT_EQ(lines[1]["msg"], "second");
  }
  std::vector<nlohmann::json> lines = LogLines(ReadFile(path_));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2]["msg"], "third");
}

// A held line is written within the interval, without another line to push it.
TEST_F(JsonLogTest, WritesHeldLinesWithinTheInterval) {
  observe::JsonLog log(out_, &clock_, absl::Milliseconds(20));
  log.WriteFields("info", "held", {});
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (ReadFile(path_).empty() && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(5));
  std::vector<nlohmann::json> lines = LogLines(ReadFile(path_));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["msg"], "held");
}

TEST(RequestIdAcrossProcesses, WhoIsWhoCarriesItsRequestIdToTheRegistry) {
  auto d = Deployment::Start(Deployment::Mode::kSplitProcesses, SAMEPAGED_BINARY);
  ASSERT_TRUE(d.ok()) << d.status();
  auto directory = dir::Directory::NewStub((*d)->directory());
  dir::WhoIsWhoRequest req;
  req.set_case_("cases/rivera");
  dir::WhoIsWhoResponse resp;
  auto ctx = ServerFixture::Context((*d)->AdminToken());
  ctx->AddMetadata("x-request-id", "whoiswho-across-1");
  // No such case: the registry says so to a platform administrator.
  EXPECT_EQ(directory->WhoIsWho(ctx.get(), req, &resp).error_code(), grpc::StatusCode::NOT_FOUND);

  // The directory logs its call and the registry the one made on its behalf,
  // both under the caller's request id (each within --log_flush_interval).
  std::vector<nlohmann::json> in_directory, in_registry;
  const absl::Time deadline = absl::Now() + absl::Seconds(15);
  do {
    absl::SleepFor(absl::Milliseconds(50));
    in_directory =
        WithRequestId(LogLines(ReadFile((*d)->data_dir() + "/directory.log")), "whoiswho-across-1");
    in_registry =
        WithRequestId(LogLines(ReadFile((*d)->data_dir() + "/registry.log")), "whoiswho-across-1");
  } while ((in_directory.empty() || in_registry.empty()) && absl::Now() < deadline);
  ASSERT_EQ(in_directory.size(), 1u);
  EXPECT_EQ(in_directory[0]["method"], "/samepage.directory.v1.Directory/WhoIsWho");
  EXPECT_EQ(in_directory[0]["status"], "NOT_FOUND");
  ASSERT_EQ(in_registry.size(), 1u);
  EXPECT_EQ(in_registry[0]["method"], "/samepage.registry.v1.CaseRegistry/GetCase");
  EXPECT_EQ(in_registry[0]["caller"], "admin");
  EXPECT_EQ(in_registry[0]["status"], "NOT_FOUND");
}

}  // namespace
}  // namespace samepage
