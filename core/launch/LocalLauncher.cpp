#include "launch/LocalLauncher.h"

#include "exec/ExitCodes.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace tf::launch {

int waitFor(Job& job, const OutputSink& sink, const std::function<bool()>& interrupted) {
  bool asked = false;
  while (!job.finished()) {
    job.poll(100, sink);
    if (!asked && interrupted && interrupted()) {
      job.cancel();
      asked = true;
    }
  }
  return job.exitCode();
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

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPeerFailureWait = std::chrono::seconds(2);

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
int codeOf(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

struct Stream {
  int fd = -1;
  std::string partial;
};

struct Proc {
  pid_t pid = -1;
  Stream out, err;
  std::string lastError;
  bool done = false;
  int status = 0;
  std::chrono::steady_clock::time_point endedAt{};
};

// The environment of one rank: this process's, the spec's additions, and the rank's own.
std::vector<std::string> rankEnvironment(const LaunchSpec& spec, int rank, int port) {
  std::map<std::string, std::string> vars = spec.env;
  if (spec.ranks > 1) {
    vars["RANK"] = vars["LOCAL_RANK"] = std::to_string(rank);
    vars["WORLD_SIZE"] = vars["LOCAL_WORLD_SIZE"] = std::to_string(spec.ranks);
    vars["MASTER_ADDR"] = "127.0.0.1";
    vars["MASTER_PORT"] = std::to_string(port);
    // c10d's socket warnings; our own error says what failed.
    if (!std::getenv("GLOG_minloglevel") && !vars.count("GLOG_minloglevel")) vars["GLOG_minloglevel"] = "2";
  }
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    const std::string kv = *e;
    if (!vars.count(kv.substr(0, kv.find('=')))) out.push_back(kv);
  }
  for (const auto& [k, v] : vars) out.push_back(k + "=" + v);
  return out;
}

class LocalJob : public Job {
 public:
  explicit LocalJob(const LaunchSpec& spec) : spec_(spec) {
    const int port = spec.ranks > 1 ? (spec.masterPort > 0 ? spec.masterPort : freePort()) : 0;
    port_ = port;
    procs_.resize(static_cast<std::size_t>(std::max(1, spec.ranks)));
    for (std::size_t r = 0; r < procs_.size(); ++r) start(static_cast<int>(r), port);
  }

  ~LocalJob() override {
    // A job dropped while running takes its processes along.
    for (auto& p : procs_)
      if (!p.done && p.pid > 0) {
        ::kill(-p.pid, SIGKILL);
        ::waitpid(p.pid, nullptr, 0);
      }
    for (auto& p : procs_)
      for (Stream* s : {&p.out, &p.err})
        if (s->fd >= 0) ::close(s->fd);
  }

  std::string id() const override { return std::to_string(procs_.front().pid); }
  std::string describe() const override {
    if (procs_.size() == 1) return "process " + id() + " on this machine";
    return std::to_string(procs_.size()) + " ranks on this machine, rendezvous on 127.0.0.1:" + std::to_string(port_);
  }

  void poll(int timeoutMs, const OutputSink& sink) override {
    readOutput(timeoutMs, sink);
    reap();
    // After a rank failed, the others usually fail on their own at the next collective (and
    // record the run as failed); those still running after a short wait are stopped.
    if (peerFailed_ && !stopping_ && Clock::now() > stopAt_) stopAll();
    if (stopping_ && Clock::now() > killAt_)
      for (auto& p : procs_)
        if (!p.done) ::kill(-p.pid, SIGKILL);
    // A process that ended may have left children holding its output open: stop waiting
    // for their end of file shortly after it ended.
    for (auto& p : procs_)
      if (p.done && Clock::now() - p.endedAt > std::chrono::milliseconds(500))
        for (Stream* st : {&p.out, &p.err})
          if (st->fd >= 0) {
            ::close(st->fd);
            st->fd = -1;
          }
  }

  JobState state() const override {
    if (!allEnded()) return JobState::Running;
    if (cancelled_) return JobState::Cancelled;
    return firstFailed_ >= 0 ? JobState::Failed : JobState::Completed;
  }

  int exitCode() const override {
    if (cancelled_) return kCancelled;
    if (firstFailed_ < 0) return kOk;
    const int st = procs_[static_cast<std::size_t>(firstFailed_)].status;
    return WIFEXITED(st) ? WEXITSTATUS(st) : procs_.size() > 1 ? kRunFailed : codeOf(st);
  }

  std::string failure() const override {
    if (firstFailed_ < 0 || cancelled_) return {};
    const auto& bad = procs_[static_cast<std::size_t>(firstFailed_)];
    const int n = static_cast<int>(procs_.size());
    std::string who = n > 1 ? "rank " + std::to_string(firstFailed_) + " " : std::string();
    std::string msg = who + describeStatus(bad.status) + (bad.lastError.empty() ? "" : ": " + bad.lastError);
    if (n == 1) return msg;
    msg += "; the other " + std::to_string(n - 1) + " rank(s) were stopped";
    for (int r = 0; r < n; ++r) {
      const auto& p = procs_[static_cast<std::size_t>(r)];
      const bool stoppedHere = WIFSIGNALED(p.status) && (WTERMSIG(p.status) == SIGTERM || WTERMSIG(p.status) == SIGKILL);
      if (r != firstFailed_ && failed(p.status) && !stoppedHere)
        msg += "\n  rank " + std::to_string(r) + " then " + describeStatus(p.status) +
               (p.lastError.empty() ? "" : ": " + p.lastError);
    }
    return msg;
  }

  void cancel() override {
    if (allEnded()) return;
    cancelled_ = true;
    stopAll();
  }

 private:
  void start(int rank, int port) {
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
      throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    // Everything the child needs is made before fork: between fork and exec only
    // async-signal-safe calls (the GUI that launches runs many threads).
    const std::vector<std::string> envs = rankEnvironment(spec_, rank, port);
    std::vector<char*> envp, argv;
    for (const auto& e : envs) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    argv.push_back(const_cast<char*>(spec_.program.c_str()));
    for (const auto& a : spec_.args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const std::string cannot = "error: cannot start " + spec_.program + "\n";
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
      ::setpgid(0, 0);  // its own process group: a cancel reaches whatever it starts too
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // a killed launcher takes its ranks along
      if (::getppid() != parent) ::_exit(1);
      ::dup2(out[1], STDOUT_FILENO);
      ::dup2(err[1], STDERR_FILENO);
      ::execve(spec_.program.c_str(), argv.data(), envp.data());
      ssize_t ignored = ::write(STDERR_FILENO, cannot.data(), cannot.size());
      (void)ignored;
      ::_exit(127);
    }
    ::setpgid(pid, pid);  // as the child does: whichever runs first
    ::close(out[1]);
    ::close(err[1]);
    auto& p = procs_[static_cast<std::size_t>(rank)];
    p.pid = pid;
    p.out.fd = out[0];
    p.err.fd = err[0];
  }

  bool allEnded() const {
    for (const auto& p : procs_)
      if (!p.done || p.out.fd >= 0 || p.err.fd >= 0) return false;
    return true;
  }

  void stopAll() {
    if (stopping_) return;
    stopping_ = true;
    for (auto& p : procs_)
      if (!p.done) ::kill(-p.pid, SIGTERM);
    killAt_ = Clock::now() + std::chrono::milliseconds(static_cast<long long>(spec_.graceSeconds * 1000));
  }

  void emit(int rank, bool isError, const std::string& text, const OutputSink& sink) {
    auto& p = procs_[static_cast<std::size_t>(rank)];
    if (text.rfind("error", 0) == 0 || text.find(" failed: ") != std::string::npos) p.lastError = text;
    if (sink) sink({procs_.size() > 1 ? rank : -1, isError, text});
  }

  void readOutput(int timeoutMs, const OutputSink& sink) {
    std::vector<pollfd> fds;
    std::vector<std::pair<int, bool>> who;  // rank, stderr
    for (std::size_t r = 0; r < procs_.size(); ++r)
      for (bool e : {false, true})
        if (int fd = (e ? procs_[r].err : procs_[r].out).fd; fd >= 0) {
          fds.push_back({fd, POLLIN, 0});
          who.emplace_back(static_cast<int>(r), e);
        }
    if (fds.empty()) {
      if (timeoutMs > 0) ::usleep(static_cast<useconds_t>(std::min(timeoutMs, 50)) * 1000);
      return;
    }
    if (::poll(fds.data(), fds.size(), timeoutMs) <= 0) return;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const auto [rank, isErr] = who[i];
      Stream& s = isErr ? procs_[static_cast<std::size_t>(rank)].err : procs_[static_cast<std::size_t>(rank)].out;
      char buf[8192];
      const ssize_t got = ::read(s.fd, buf, sizeof buf);
      if (got > 0) {
        s.partial.append(buf, static_cast<std::size_t>(got));
        std::size_t nl;
        while ((nl = s.partial.find_first_of("\n\r")) != std::string::npos) {
          const std::string line = s.partial.substr(0, nl);
          s.partial.erase(0, nl + 1);
          if (!line.empty()) emit(rank, isErr, line, sink);
        }
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        if (!s.partial.empty()) emit(rank, isErr, s.partial, sink);
        s.partial.clear();
        ::close(s.fd);
        s.fd = -1;
      }
    }
  }

  // Waits for each of our own processes only (never waitpid(-1): the GUI has other children).
  void reap() {
    for (std::size_t r = 0; r < procs_.size(); ++r) {
      auto& p = procs_[r];
      if (p.done) continue;
      int status = 0;
      if (::waitpid(p.pid, &status, WNOHANG) != p.pid) continue;
      p.done = true;
      p.status = status;
      p.endedAt = Clock::now();
      if (failed(status) && firstFailed_ < 0 && !cancelled_) {
        firstFailed_ = static_cast<int>(r);
        if (procs_.size() > 1 && !peerFailed_) {
          peerFailed_ = true;
          stopAt_ = Clock::now() + kPeerFailureWait;
        }
      }
    }
  }

  LaunchSpec spec_;
  std::vector<Proc> procs_;
  int port_ = 0;
  bool stopping_ = false, cancelled_ = false, peerFailed_ = false;
  Clock::time_point stopAt_{};
  int firstFailed_ = -1;
  Clock::time_point killAt_{};
};

}  // namespace

std::unique_ptr<Job> LocalLauncher::submit(const LaunchSpec& spec) {
  if (spec.program.empty()) throw std::runtime_error("no program to launch");
  if (::access(spec.program.c_str(), X_OK) != 0)
    throw std::runtime_error("'" + spec.program + "' is not an executable file");
  return std::make_unique<LocalJob>(spec);
}

}  // namespace tf::launch
