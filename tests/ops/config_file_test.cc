// samepaged's configuration file: every flag is a setting, errors name the
// setting and the line, the command line overrides, and the checks run
// before start.
#include "server/config_file.h"

#include <fstream>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/options_check.h"
#include "tests/testing/temp_dir.h"

// Flags like the server's: the loader finds them through Abseil's registry,
// which is why a flag added anywhere needs no work in the loader.
ABSL_FLAG(std::string, conf_test_listen, "127.0.0.1:50051", "listen");
ABSL_FLAG(absl::Duration, conf_test_grace, absl::Seconds(10), "grace");
ABSL_FLAG(bool, conf_test_dev, false, "dev");
ABSL_FLAG(std::string, conf_test_config, "", "the config flag itself");

namespace samepage::server {
namespace {

using ::testing::HasSubstr;

const std::vector<std::string> kNotSettings = {"conf_test_config"};

std::string Describe(absl::string_view name) { return std::string("--") + std::string(name); }

TEST(ConfigTextTest, ParsesNameValueLinesCommentsAndQuotes) {
  auto settings = ParseConfigText(
      "# a comment\n\n  listen = 0.0.0.0:50051  \nkeys = \"/etc/a b.pem\"\n--dev=true\n"
      "issuer = https://idp.example/#frag\n",
      "s.conf");
  ASSERT_TRUE(settings.ok()) << settings.status();
  ASSERT_EQ(settings->size(), 4u);
  EXPECT_EQ((*settings)[0].name, "listen");
  EXPECT_EQ((*settings)[0].value, "0.0.0.0:50051");
  EXPECT_EQ((*settings)[0].line, 3);
  EXPECT_EQ((*settings)[1].value, "/etc/a b.pem");
  EXPECT_EQ((*settings)[2].name, "dev");
  EXPECT_EQ((*settings)[3].value, "https://idp.example/#frag");
}

TEST(ConfigTextTest, ErrorsNameTheFileAndLine) {
  EXPECT_THAT(std::string(ParseConfigText("a = 1\nlisten\n", "s.conf").status().message()),
              HasSubstr("s.conf:2: \"listen\" is not `name = value`"));
  EXPECT_THAT(std::string(ParseConfigText("a = 1\n\na = 2\n", "s.conf").status().message()),
              HasSubstr("s.conf:3: a: already set on line 1"));
  EXPECT_THAT(std::string(ParseConfigText("bad name = 1\n", "s.conf").status().message()),
              HasSubstr("s.conf:1: \"bad name\" is not a setting name"));
  EXPECT_THAT(std::string(ParseConfigText("a = \"x\n", "s.conf").status().message()),
              HasSubstr("s.conf:1: a: unbalanced quote"));
}

TEST(ConfigFileTest, MissingFileIsNamed) {
  auto settings = ReadConfigFile("/nonexistent/samepaged.conf");
  EXPECT_EQ(settings.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(settings.status().message()),
              HasSubstr("--config: cannot read /nonexistent/samepaged.conf"));
}

TEST(ConfigSourcesTest, EveryFlagIsASettingAndTheCommandLineOverrides) {
  ConfigSources sources;
  auto settings = ParseConfigText(
      "conf_test_listen = 0.0.0.0:6000\nconf_test_grace = 3s\nconf_test_dev = true\n", "s.conf");
  ASSERT_TRUE(settings.ok());
  ASSERT_TRUE(sources.Apply(*settings, "s.conf", kNotSettings).ok());
  EXPECT_EQ(absl::GetFlag(FLAGS_conf_test_listen), "0.0.0.0:6000");
  EXPECT_EQ(absl::GetFlag(FLAGS_conf_test_grace), absl::Seconds(3));
  EXPECT_TRUE(absl::GetFlag(FLAGS_conf_test_dev));
  EXPECT_EQ(sources.Describe("conf_test_listen"), "--conf_test_listen (s.conf:1)");
  // A flag given on the command line afterwards wins, and messages stop
  // pointing at the file.
  absl::SetFlag(&FLAGS_conf_test_listen, "127.0.0.1:7000");
  EXPECT_EQ(sources.Describe("conf_test_listen"), "--conf_test_listen");
  EXPECT_EQ(sources.Describe("conf_test_grace"), "--conf_test_grace (s.conf:2)");
}

TEST(ConfigSourcesTest, UnknownAndBadSettingsNameTheLine) {
  ConfigSources sources;
  auto unknown = ParseConfigText("# x\nconf_test_lisen = 1\n", "s.conf");
  ASSERT_TRUE(unknown.ok());
  EXPECT_THAT(std::string(sources.Apply(*unknown, "s.conf", kNotSettings).message()),
              HasSubstr("s.conf:2: unknown setting \"conf_test_lisen\""));
  // Abseil's own flags and the excluded ones are not settings.
  auto builtin = ParseConfigText("flagfile = /x\n", "s.conf");
  EXPECT_THAT(std::string(sources.Apply(*builtin, "s.conf", kNotSettings).message()),
              HasSubstr("unknown setting \"flagfile\""));
  auto itself = ParseConfigText("conf_test_config = /x\n", "s.conf");
  EXPECT_THAT(std::string(sources.Apply(*itself, "s.conf", kNotSettings).message()),
              HasSubstr("unknown setting \"conf_test_config\""));
  auto duration = ParseConfigText("\n\nconf_test_grace = ten seconds\n", "s.conf");
  absl::Status bad = sources.Apply(*duration, "s.conf", kNotSettings);
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.message()),
              HasSubstr("s.conf:3: conf_test_grace: bad value \"ten seconds\""));
  auto boolean = ParseConfigText("conf_test_dev = maybe\n", "s.conf");
  EXPECT_THAT(std::string(sources.Apply(*boolean, "s.conf", kNotSettings).message()),
              HasSubstr("s.conf:1: conf_test_dev: bad value"));
}

TEST(ConfigSourcesTest, SettingsListTheProgramsFlagsOnly) {
  std::vector<SettingInfo> settings = ConfigurableSettings(kNotSettings);
  std::vector<std::string> names;
  for (const SettingInfo& s : settings) names.push_back(s.name);
  EXPECT_THAT(names, ::testing::Contains("conf_test_grace"));
  EXPECT_THAT(names, ::testing::Not(::testing::Contains("conf_test_config")));
  EXPECT_THAT(names, ::testing::Not(::testing::Contains("helpfull")));
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
}

TEST(FindArgumentTest, FindsBothSpellingsBeforeDoubleDash) {
  const char* argv[] = {"samepaged", "--dev", "--config", "/a.conf", "--", "--config=/b"};
  EXPECT_EQ(FindArgument(6, const_cast<char**>(argv), "config"), "/a.conf");
  const char* argv2[] = {"samepaged", "-config=/c.conf"};
  EXPECT_EQ(FindArgument(2, const_cast<char**>(argv2), "config"), "/c.conf");
  const char* argv3[] = {"samepaged", "--configure=x"};
  EXPECT_EQ(FindArgument(2, const_cast<char**>(argv3), "config"), "");
}

TEST(OptionsCheckTest, AddressesServicesAndPeers) {
  EXPECT_TRUE(IsHostPort("0.0.0.0:50051"));
  EXPECT_TRUE(IsHostPort("[::]:0"));
  EXPECT_TRUE(IsHostPort("registry:50051"));
  EXPECT_FALSE(IsHostPort("registry"));
  EXPECT_FALSE(IsHostPort("registry:65536"));
  EXPECT_FALSE(IsHostPort(":50051"));
  EXPECT_FALSE(IsHostPort("::1:5"));

  auto peers = ParsePeers("registry=r:1, directory=d:2", Describe);
  ASSERT_TRUE(peers.ok()) << peers.status();
  EXPECT_EQ(peers->at("directory"), "d:2");
  EXPECT_THAT(std::string(ParsePeers("billing=b:1", Describe).status().message()),
              HasSubstr("--peer: unknown service \"billing\""));
  EXPECT_THAT(std::string(ParsePeers("registry=r", Describe).status().message()),
              HasSubstr("registry=r: not a host:port"));
  EXPECT_THAT(std::string(ParsePeers("registry", Describe).status().message()),
              HasSubstr("is not service=host:port"));

  ServerOptions options;
  options.dev_mode = true;
  EXPECT_TRUE(CheckServerOptions(options, Describe).ok());
  options.services = {"registry", "billing"};
  EXPECT_THAT(std::string(CheckServerOptions(options, Describe).message()),
              HasSubstr("--services: unknown service \"billing\""));
  options.services = {"caseplan"};
  EXPECT_THAT(std::string(CheckServerOptions(options, Describe).message()),
              HasSubstr("--peer: the caseplan service calls the registry"));
  options.peers = {{"registry", "r:1"}, {"directory", "d:1"}, {"sharing", "s:1"}};
  EXPECT_TRUE(CheckServerOptions(options, Describe).ok());
  options.block_cache_mb = 0;
  EXPECT_THAT(std::string(CheckServerOptions(options, Describe).message()),
              HasSubstr("--block_cache_mb: 0 is not between 1 and 1048576 (MiB)"));
  options.block_cache_mb = int64_t{256} << 20;  // bytes, by mistake
  EXPECT_THAT(std::string(CheckServerOptions(options, Describe).message()),
              HasSubstr("--block_cache_mb: 268435456 is not between"));
  options.block_cache_mb = 256;
  options.listen_address = "0.0.0.0";
  EXPECT_THAT(std::string(CheckServerOptions(options, Describe).message()),
              HasSubstr("--listen: \"0.0.0.0\" is not host:port"));
  options.listen_address = "0.0.0.0:50051";
  EXPECT_THAT(std::string(CheckServerOptions(options, Describe).message()),
              HasSubstr("only on a loopback address"));
  options.dev_mode = false;
  EXPECT_THAT(std::string(CheckServerOptions(options, Describe).message()),
              HasSubstr("--listen: 0.0.0.0:50051 is not a loopback address; configure --tls_cert"));
  options.insecure_plaintext = true;
  EXPECT_THAT(std::string(CheckServerOptions(options, Describe).message()),
              HasSubstr("--jwt_issuer: must be set"));
  options.issuer = "https://idp";
  options.key_files = {"/nonexistent/idp.pem"};
  EXPECT_THAT(std::string(CheckServerOptions(options, Describe).message()),
              HasSubstr("--jwt_keys: "));
  options.key_files.clear();
  options.jwks_file = "/nonexistent/jwks.json";
  EXPECT_THAT(std::string(CheckServerOptions(options, Describe).message()),
              HasSubstr("--jwt_jwks: cannot read /nonexistent/jwks.json"));
  samepage::testing::TempDir dir;
  std::ofstream(dir.Sub("jwks.json")) << "{\"keys\": []}";
  options.jwks_file = dir.Sub("jwks.json");
  EXPECT_THAT(std::string(CheckServerOptions(options, Describe).message()),
              HasSubstr("--encryption_keys: records are stored encrypted"));
  options.tls_cert_file = dir.Sub("missing.crt");
  EXPECT_THAT(std::string(CheckServerOptions(options, Describe).message()),
              HasSubstr("--tls_cert, --tls_key, --tls_client_ca: "));
}

}  // namespace
}  // namespace samepage::server
