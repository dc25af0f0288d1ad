#include "Launcher.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>

namespace tf {

namespace {

std::atomic<bool> gInterrupted{false};
void onInterrupt(int) { gInterrupted.store(true); }

struct Rank {
  pid_t pid = -1;
  int fd = -1;  // read end of its stdout+stderr
  std::string partial, lastError;
  bool done = false;
  int status = 0;
};

std::string describeStatus(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = sigabbrev_np(sig);
    return "was killed by signal " + std::to_string(sig) + (name ? std::string(" (SIG") + name + ")" : "");
  }
  return "ended with status " + std::to_string(status);
}

bool failed(int status) { return !WIFEXITED(status) || WEXITSTATUS(status) != 0; }

}  // namespace

std::vector<std::string> stripLauncherOptions(const std::vector<std::string>& argv) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--nproc" || a == "--master-port") {
      ++i;  // and its value
      continue;
    }
    if (a.rfind("--nproc=", 0) == 0 || a.rfind("--master-port=", 0) == 0) continue;
    out.push_back(a);
  }
  return out;
}

int freePort() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(s);
    throw std::runtime_error(std::string("no free port on 127.0.0.1: ") + std::strerror(errno));
  }
  ::close(s);
  return ntohs(a.sin_port);
}

int launchLocal(const LaunchRequest& req) {
  const int n = req.nproc;
  const int port = req.masterPort > 0 ? req.masterPort : freePort();
  if (!req.quiet) std::fprintf(stdout, "launching %d ranks on this machine, rendezvous on 127.0.0.1:%d\n", n, port);
  std::fflush(stdout);

  std::vector<Rank> ranks(static_cast<std::size_t>(n));
  std::vector<char*> cargv;
  cargv.push_back(const_cast<char*>(req.program.c_str()));
  for (const auto& a : req.args) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  const pid_t parent = ::getpid();

  for (int r = 0; r < n; ++r) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // a killed launcher takes its ranks along
      if (::getppid() != parent) ::_exit(1);
      ::dup2(p[1], STDOUT_FILENO);
      ::dup2(p[1], STDERR_FILENO);
      ::setenv("RANK", std::to_string(r).c_str(), 1);
      ::setenv("LOCAL_RANK", std::to_string(r).c_str(), 1);
      ::setenv("WORLD_SIZE", std::to_string(n).c_str(), 1);
      ::setenv("LOCAL_WORLD_SIZE", std::to_string(n).c_str(), 1);
      ::setenv("MASTER_ADDR", "127.0.0.1", 1);
      ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      ::setenv("GLOG_minloglevel", "2", 0);  // c10d's socket warnings; our own error says what failed
      ::execv(req.program.c_str(), cargv.data());
      std::fprintf(stderr, "error: cannot start %s: %s\n", req.program.c_str(), std::strerror(errno));
      ::_exit(127);
    }
    ::close(p[1]);
    ranks[static_cast<std::size_t>(r)].pid = pid;
    ranks[static_cast<std::size_t>(r)].fd = p[0];
  }

  struct sigaction sa {}, oldInt{}, oldTerm{};
  sa.sa_handler = onInterrupt;
  ::sigaction(SIGINT, &sa, &oldInt);
  ::sigaction(SIGTERM, &sa, &oldTerm);

  using Clock = std::chrono::steady_clock;
  int firstFailed = -1;
  bool stopping = false;
  Clock::time_point killAt{};
  auto stopAll = [&] {
    if (stopping) return;
    stopping = true;
    for (auto& rk : ranks)
      if (!rk.done) ::kill(rk.pid, SIGTERM);
    killAt = Clock::now() + std::chrono::milliseconds(static_cast<long long>(req.graceSeconds * 1000));
  };
  auto emit = [&](int r, const std::string& line) {
    auto& rk = ranks[static_cast<std::size_t>(r)];
    if (line.rfind("error", 0) == 0 || line.find(" failed: ") != std::string::npos) rk.lastError = line;
    std::fprintf(stdout, "[rank %d] %s\n", r, line.c_str());
  };

  int open = n;
  while (true) {
    std::vector<pollfd> fds;
    std::vector<int> who;
    for (int r = 0; r < n; ++r)
      if (ranks[static_cast<std::size_t>(r)].fd >= 0) {
        fds.push_back({ranks[static_cast<std::size_t>(r)].fd, POLLIN, 0});
        who.push_back(r);
      }
    if (!fds.empty())
      ::poll(fds.data(), fds.size(), 100);
    else
      ::usleep(50000);
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      auto& rk = ranks[static_cast<std::size_t>(who[i])];
      char buf[8192];
      ssize_t got = ::read(rk.fd, buf, sizeof buf);
      if (got > 0) {
        rk.partial.append(buf, static_cast<std::size_t>(got));
        std::size_t nl;
        while ((nl = rk.partial.find_first_of("\n\r")) != std::string::npos) {
          std::string line = rk.partial.substr(0, nl);
          rk.partial.erase(0, nl + 1);
          if (!line.empty()) emit(who[i], line);
        }
      } else if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) {
        if (!rk.partial.empty()) emit(who[i], rk.partial);
        rk.partial.clear();
        ::close(rk.fd);
        rk.fd = -1;
        --open;
      }
    }
    std::fflush(stdout);
    int status = 0;
    pid_t pid;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
      for (int r = 0; r < n; ++r) {
        auto& rk = ranks[static_cast<std::size_t>(r)];
        if (rk.pid != pid) continue;
        rk.done = true;
        rk.status = status;
        if (failed(status) && firstFailed < 0 && !gInterrupted.load()) {
          firstFailed = r;
          stopAll();
        }
      }
    }
    if (gInterrupted.load()) stopAll();
    bool allDone = true;
    for (const auto& rk : ranks) allDone = allDone && rk.done;
    if (allDone && open == 0) break;
    if (stopping && Clock::now() > killAt)
      for (auto& rk : ranks)
        if (!rk.done) ::kill(rk.pid, SIGKILL);
  }
  ::sigaction(SIGINT, &oldInt, nullptr);
  ::sigaction(SIGTERM, &oldTerm, nullptr);

  if (gInterrupted.load()) {
    std::fprintf(stderr, "interrupted: stopped all %d ranks\n", n);
    return 130;
  }
  if (firstFailed < 0) return 0;
  const auto& bad = ranks[static_cast<std::size_t>(firstFailed)];
  std::fprintf(stderr, "error: rank %d %s%s%s; the other %d rank(s) were stopped\n", firstFailed,
               describeStatus(bad.status).c_str(), bad.lastError.empty() ? "" : ": ", bad.lastError.c_str(), n - 1);
  for (int r = 0; r < n; ++r) {
    const auto& rk = ranks[static_cast<std::size_t>(r)];
    const bool stoppedHere =
        WIFSIGNALED(rk.status) && (WTERMSIG(rk.status) == SIGTERM || WTERMSIG(rk.status) == SIGKILL);
    if (r != firstFailed && failed(rk.status) && !stoppedHere)
      std::fprintf(stderr, "  rank %d then %s%s%s\n", r, describeStatus(rk.status).c_str(),
                   rk.lastError.empty() ? "" : ": ", rk.lastError.c_str());
  }
  if (WIFEXITED(bad.status)) return WEXITSTATUS(bad.status);
  return 1;
}

}  // namespace tf
