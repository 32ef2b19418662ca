#include "tests/testing/run_binary.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/testing/temp_dir.h"

extern char** environ;

namespace samepage::testing {
namespace {

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Waits for `pid` until `until`; true when it exited.
bool WaitUntil(pid_t pid, absl::Time until, int* status) {
  while (waitpid(pid, status, WNOHANG) != pid) {
    if (absl::Now() > until) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const RunResult& r) {
  return os << "exit " << r.exit_code << (r.timed_out ? " (stopped: ran too long)" : "")
            << "\n--- stdout\n"
            << r.out << "--- stderr\n"
            << r.err;
}

RunResult RunBinary(const std::string& binary, const std::vector<std::string>& args,
                    absl::Duration limit) {
  TempDir dir;
  const std::string out_path = dir.Sub("stdout");
  const std::string err_path = dir.Sub("stderr");
  std::vector<std::string> argv_store = {binary};
  argv_store.insert(argv_store.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_store) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e) {
    if (!absl::StartsWith(*e, "SAMEPAGE_")) envp.push_back(*e);
  }
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  pid_t pid = 0;
  RunResult result;
  const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    result.err = absl::StrCat("posix_spawn failed: ", spawned);
    return result;
  }
  int status = 0;
  if (!WaitUntil(pid, absl::Now() + limit, &status)) {
    result.timed_out = true;
    kill(pid, SIGINT);
    if (!WaitUntil(pid, absl::Now() + absl::Seconds(5), &status)) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
    }
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = ReadWhole(out_path);
  result.err = ReadWhole(err_path);
  return result;
}

}  // namespace samepage::testing
