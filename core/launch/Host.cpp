#include "launch/Host.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <stdexcept>

extern char** environ;

namespace tf::launch {

namespace fs = std::filesystem;

std::string shellQuote(const std::string& value) {
  std::string q = "'";
  for (char c : value) {
    if (c == '\'') q += "'\\''";
    else q += c;
  }
  return q + "'";
}

namespace {

void setNonBlocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Reads what is there without waiting; false at end of file.
bool drain(int fd, std::string& into) {
  char buf[65536];
  for (;;) {
    const ssize_t k = ::read(fd, buf, sizeof buf);
    if (k > 0) {
      into.append(buf, static_cast<std::size_t>(k));
      continue;
    }
    if (k == 0) return false;
    return errno == EAGAIN || errno == EINTR;
  }
}

}  // namespace

namespace {

struct Child {
  pid_t pid = -1;
  int in = -1, out = -1, err = -1;  // our ends of its standard streams, non-blocking
};

// Starts argv with its streams on pipes, in its own process group.
Child spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  if (argv.empty()) throw std::invalid_argument("runProcess: no command");
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC))
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // The environment is made before fork: a child of a threaded program may not allocate.
  std::vector<std::string> envStore;
  for (char** e = environ; e && *e; ++e) {
    const std::string kv = *e;
    const std::string name = kv.substr(0, kv.find('=') + 1);
    if (std::none_of(env.begin(), env.end(), [&](const std::string& x) { return x.rfind(name, 0) == 0; })) envStore.push_back(kv);
  }
  envStore.insert(envStore.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& kv : envStore) envp.push_back(kv.data());
  envp.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    ::signal(SIGPIPE, SIG_DFL);
    ::execvpe(args[0], args.data(), envp.data());
    const std::string m = std::string("cannot run ") + args[0] + ": " + std::strerror(errno) + "\n";
    (void)!::write(2, m.data(), m.size());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  for (int fd : {in[1], out[0], err[0]}) setNonBlocking(fd);
  return {pid, in[1], out[0], err[0]};
}

// write() to a pipe whose reader may be gone: EPIPE instead of a SIGPIPE that would end this
// process (the GUI, twinforge-run). The signal is blocked for this thread and a pending one
// taken back.
ssize_t writeNoSigpipe(int fd, const char* data, std::size_t n) {
  sigset_t pipe, old;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe, &old);
  const ssize_t k = ::write(fd, data, n);
  const int saved = errno;
  if (k < 0 && errno == EPIPE) {
    const timespec zero{};
    ::sigtimedwait(&pipe, nullptr, &zero);
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = saved;
  return k;
}

// Feeds `input`, collects both outputs until the child exits (or the deadline kills it). The
// child is done when it has exited, not when its pipes close: ssh's ControlPersist master
// inherits them and outlives the command by minutes.
CommandResult collect(Child c, const std::string& input, std::chrono::milliseconds timeout) {
  if (input.empty()) {
    ::close(c.in);
    c.in = -1;
  }
  CommandResult r;
  std::size_t written = 0;
  bool outOpen = true, errOpen = true, exited = false;
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!exited || outOpen || errOpen) {
    pollfd fds[3];
    int n = 0;
    if (outOpen) fds[n++] = {c.out, POLLIN, 0};
    if (errOpen) fds[n++] = {c.err, POLLIN, 0};
    if (c.in >= 0) fds[n++] = {c.in, POLLOUT, 0};
    ::poll(fds, static_cast<nfds_t>(n), exited ? 0 : 20);
    if (outOpen) outOpen = drain(c.out, r.out);
    if (errOpen) errOpen = drain(c.err, r.err);
    if (c.in >= 0) {
      const ssize_t k = writeNoSigpipe(c.in, input.data() + written, input.size() - written);
      if (k > 0) written += static_cast<std::size_t>(k);
      if ((k < 0 && errno != EAGAIN && errno != EINTR) || written == input.size()) {
        ::close(c.in);
        c.in = -1;
      }
    }
    if (exited) break;  // drained once after the exit
    if (::waitpid(c.pid, &status, WNOHANG) == c.pid) {
      exited = true;
    } else if (std::chrono::steady_clock::now() > deadline) {
      ::kill(-c.pid, SIGKILL);
      ::waitpid(c.pid, &status, 0);
      r.timedOut = exited = true;
    }
  }
  for (int fd : {c.in, c.out, c.err})
    if (fd >= 0) ::close(fd);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

}  // namespace

CommandResult runProcess(const std::vector<std::string>& argv, const std::string& input,
                         std::chrono::milliseconds timeout, const std::vector<std::string>& env) {
  return collect(spawn(argv, env), input, timeout);
}

CommandResult LocalHost::run(const std::string& script, const std::string& input, std::chrono::milliseconds timeout) {
  return runProcess({"/bin/sh", "-c", setup_.empty() ? script : setup_ + "\n" + script}, input, timeout);
}

SshHost::SshHost(SshOptions o) : o_(std::move(o)) {
  if (o_.host.empty()) throw std::invalid_argument("ssh: no host given");
  if (o_.knownHosts != "strict" && o_.knownHosts != "accept-new")
    throw std::invalid_argument("ssh: known_hosts policy '" + o_.knownHosts + "': expected strict or accept-new");
  // Unix socket paths are short (108 bytes): a private folder in /tmp, %C hashes host and user.
  char tmpl[] = "/tmp/tf-ssh-XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error(std::string("ssh: cannot make a control folder: ") + std::strerror(errno));
  controlDir_ = tmpl;
  if (!o_.passphrase.empty()) {
    // ssh asks this program for the passphrase; it answers from ssh's environment, which only
    // this user can read. Nothing secret is written to disk.
    const fs::path askpass = controlDir_ / "askpass";
    std::ofstream(askpass) << "#!/bin/sh\nprintf '%s\\n' \"$TWINFORGE_SSH_PASSPHRASE\"\n";
    fs::permissions(askpass, fs::perms::owner_all, fs::perm_options::replace);
  }
}

SshHost::~SshHost() {
  disconnect();
  std::error_code ec;
  fs::remove_all(controlDir_, ec);
}

void SshHost::disconnect() {
  auto a = sshArgs("");
  a.pop_back();                              // no remote command
  a.insert(a.end() - 1, {"-O", "exit"});     // before the host
  try {
    runProcess(a, {}, std::chrono::seconds(5));
  } catch (...) {
  }
}

std::string SshHost::describe() const {
  return (o_.user.empty() ? "" : o_.user + "@") + o_.host + ":" + std::to_string(o_.port);
}

std::vector<std::string> SshHost::sshArgs(const std::string& remoteCommand) const {
  // With a passphrase ssh may ask (through SSH_ASKPASS) for it, and for nothing else.
  std::vector<std::string> a = {"ssh", "-p", std::to_string(o_.port),
                                "-o", o_.passphrase.empty() ? "BatchMode=yes" : "BatchMode=no",
                                "-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no",
                                "-o", "NumberOfPasswordPrompts=1",
                                "-o", "ConnectTimeout=" + std::to_string(o_.connectTimeout.count()),
                                "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3",
                                "-o", "ControlMaster=auto", "-o", "ControlPersist=300",
                                "-o", "ControlPath=" + (controlDir_ / "%C").string(),
                                "-o", std::string("StrictHostKeyChecking=") + (o_.knownHosts == "strict" ? "yes" : "accept-new"),
                                "-o", "LogLevel=ERROR"};
  if (!o_.knownHostsFile.empty()) a.insert(a.end(), {"-o", "UserKnownHostsFile=" + o_.knownHostsFile});
  if (!o_.identityFile.empty()) a.insert(a.end(), {"-i", o_.identityFile, "-o", "IdentitiesOnly=yes"});
  if (!o_.user.empty()) a.insert(a.end(), {"-l", o_.user});
  a.push_back(o_.host);
  a.push_back(remoteCommand);
  return a;
}

namespace {

// ssh's own complaint, made actionable; empty when the failure is the remote command's.
std::string connectionProblem(const CommandResult& r, const std::string& where, bool withPassphrase, bool* permanent) {
  *permanent = true;
  if (r.code != 255) return {};
  const std::string& e = r.err;
  auto has = [&](const char* s) { return e.find(s) != std::string::npos; };
  if (has("REMOTE HOST IDENTIFICATION HAS CHANGED") || has("Host key for")) {
    std::string fp;
    if (auto p = e.find("SHA256:"); p != std::string::npos) fp = e.substr(p, e.find_first_of(" .\r\n", p) - p);
    return "the host key of " + where + " has CHANGED (it now offers " + (fp.empty() ? "an unknown key" : fp) +
           "); refusing to connect. If the cluster's administrators changed it, remove the old key from your "
           "known_hosts file; otherwise someone may be intercepting the connection";
  }
  if (has("Host key verification failed") || has("No ED25519 host key is known") || has("host key is known"))
    return "the host key of " + where + " is not in your known_hosts file and the profile's known_hosts policy is "
           "'strict'; connect once with ssh to check and accept it, or choose 'accept-new'";
  if (has("Permission denied"))
    return "ssh to " + where + " was refused: the key was not accepted (" + e.substr(0, e.find('\n')) + "); " +
           (withPassphrase ? "check the passphrase stored for this profile"
                           : "if the key has a passphrase, add it to ssh-agent or store it with the profile (kept in the OS keyring)");
  *permanent = false;
  if (has("Connection refused")) return "nothing accepts ssh connections at " + where + " (connection refused)";
  if (has("timed out")) return "ssh to " + where + " timed out: the host is unreachable";
  if (has("Could not resolve hostname")) return "ssh: unknown host in " + where;
  std::string first = e.substr(0, e.find('\n'));
  return "ssh to " + where + " failed: " + (first.empty() ? "exit status 255" : first);
}

}  // namespace

CommandResult SshHost::run(const std::string& script, const std::string& input, std::chrono::milliseconds timeout) {
  const std::string full = o_.setup.empty() ? script : o_.setup + "\n" + script;
  std::vector<std::string> env;
  if (!o_.passphrase.empty())
    env = {"SSH_ASKPASS=" + (controlDir_ / "askpass").string(), "SSH_ASKPASS_REQUIRE=force",
           "TWINFORGE_SSH_PASSPHRASE=" + o_.passphrase};
  CommandResult r = runProcess(sshArgs("exec /bin/sh -c " + shellQuote(full)), input, timeout, env);
  if (r.timedOut) {
    const std::string m = "no answer from " + describe() + " within " + std::to_string(timeout.count() / 1000) + " s";
    setHealth(m);
    throw ConnectionError(m);
  }
  bool permanent = false;
  if (std::string problem = connectionProblem(r, describe(), !o_.passphrase.empty(), &permanent); !problem.empty()) {
    setHealth(problem);
    throw ConnectionError(problem, permanent);
  }
  setHealth({});
  return r;
}

}  // namespace tf::launch
