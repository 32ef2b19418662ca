#include "tests/testing/samepaged_process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace samepage::testing {

absl::StatusOr<std::unique_ptr<SamepagedProcess>> SamepagedProcess::Start(
    const std::string& binary, const std::vector<std::string>& args, const std::string& log_path,
    absl::Duration timeout) {
  int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (log < 0) return absl::InternalError(absl::StrCat("cannot open ", log_path));
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(binary.c_str()));
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  close(log);
  auto process = std::unique_ptr<SamepagedProcess>(new SamepagedProcess(pid, 0));
  // Wait for "samepaged: serving ... on HOST:PORT (...".
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    std::ifstream in(log_path);
    std::stringstream text;
    text << in.rdbuf();
    std::string out = text.str();
    size_t on = out.find(" on 127.0.0.1:");
    if (on != std::string::npos) {
      size_t start = on + std::string(" on 127.0.0.1:").size();
      size_t end = out.find_first_not_of("0123456789", start);
      int port = 0;
      if (end != std::string::npos && absl::SimpleAtoi(out.substr(start, end - start), &port)) {
        process->port_ = port;
        return process;
      }
    }
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      process->pid_ = -1;
      return absl::InternalError(absl::StrCat("samepaged exited early: ", out));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return absl::DeadlineExceededError(absl::StrCat("samepaged did not start; see ", log_path));
}

SamepagedProcess::~SamepagedProcess() { Stop(); }

void SamepagedProcess::Reap(absl::Duration wait) {
  absl::Time deadline = absl::Now() + wait;
  while (pid_ > 0) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    if (absl::Now() >= deadline) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void SamepagedProcess::Stop(absl::Duration grace) {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  Reap(grace);
  Kill();
}

void SamepagedProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  Reap(absl::Seconds(10));
}

absl::StatusOr<int> PickFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return absl::InternalError("bind failed");
  }
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

}  // namespace samepage::testing
