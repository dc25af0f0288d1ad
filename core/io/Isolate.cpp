#include "io/Isolate.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

namespace tf::io {

std::string runIsolated(const std::function<void()>& work, int timeoutMs) {
  const pid_t pid = ::fork();
  if (pid < 0) return {};  // cannot isolate: let the caller try (as it did before)
  if (pid == 0) {
    // The parent's crash handlers (Qt Test's, which start gdb; a sanitizer's report) are not
    // for this child: a crash here ends it at once and is reported by the parent.
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) ::signal(sig, SIG_DFL);
    try {
      work();
    } catch (...) {
    }
    ::_exit(0);  // no atexit handlers, no destructors of the parent's objects
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  int status = 0;
  for (auto wait = std::chrono::microseconds(200);; wait = std::min(wait * 2, std::chrono::microseconds(20000))) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0) return {};
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return "did not finish reading it in " + std::to_string(timeoutMs / 1000) + " s";
    }
    std::this_thread::sleep_for(wait);
  }
  if (WIFSIGNALED(status))
    return "crashed with signal " + std::to_string(WTERMSIG(status)) + " (" + ::strsignal(WTERMSIG(status)) + ")";
  return {};
}

}  // namespace tf::io
