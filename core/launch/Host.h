// Where SLURM commands run: this machine (a user on a login node) or a remote login node over
// SSH. Everything the SLURM launcher does there — sbatch, squeue, reading a log from an offset,
// uploading a file, packing a run folder — is one shell script run by Host::run with optional
// standard input, so the local and the remote case share every line of the launcher.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace tf::launch {

// 'it'\''s' — safe for any POSIX shell, whatever the value holds (spaces, quotes, $, ;, newlines).
std::string shellQuote(const std::string& value);

struct CommandResult {
  int code = -1;        // exit status; 128 + signal when killed; -1 when it could not start
  bool timedOut = false;
  std::string out, err;
  bool ok() const { return code == 0 && !timedOut; }
};

// Runs argv (no shell) with `input` on its standard input, collecting both outputs; kills it
// after `timeout`. `env`: NAME=VALUE added to this process's environment for it. Never throws
// for a failing command; only when it cannot be started at all.
CommandResult runProcess(const std::vector<std::string>& argv, const std::string& input = {},
                         std::chrono::milliseconds timeout = std::chrono::seconds(60),
                         const std::vector<std::string>& env = {});

// A host's commands could not be run at all (the connection, not the command, failed).
// `permanent`: retrying cannot help (a changed host key, a refused key), so a job stops trying.
struct ConnectionError : std::runtime_error {
  ConnectionError(const std::string& m, bool permanent = false) : std::runtime_error(m), permanent(permanent) {}
  bool permanent;
};

class Host {
 public:
  virtual ~Host() = default;
  virtual std::string describe() const = 0;  // "this machine", "alice@login.cluster.org:22"
  // Runs `script` with /bin/sh there (after the profile's setup lines, when it has some).
  // Throws ConnectionError when the host cannot be reached; a failing script is a result.
  virtual CommandResult run(const std::string& script, const std::string& input = {},
                            std::chrono::milliseconds timeout = std::chrono::seconds(60)) = 0;
  // Healthy, or why the last attempt to reach it failed (for the Jobs panel).
  virtual std::string health() const { return {}; }
  // Drops a shared connection; the next run() opens a new one (Reconnect in the Jobs panel).
  virtual void disconnect() {}
};

class LocalHost : public Host {
 public:
  explicit LocalHost(std::string setup = {}) : setup_(std::move(setup)) {}
  std::string describe() const override { return "this machine"; }
  CommandResult run(const std::string& script, const std::string& input,
                    std::chrono::milliseconds timeout) override;

 private:
  std::string setup_;
};

struct SshOptions {
  std::string host, user;
  int port = 22;
  std::string identityFile;  // empty: ssh's defaults and agent
  // strict: only keys already in knownHostsFile; accept-new: remember a new host's key but refuse
  // a changed one (OpenSSH's accept-new). A changed key is refused in both.
  std::string knownHosts = "strict";
  std::string knownHostsFile;  // empty: ~/.ssh/known_hosts
  std::string setup;           // shell lines run before every command (module load slurm, ...)
  // The identity file's passphrase, from the OS keyring; held in memory only and handed to ssh
  // through SSH_ASKPASS when the connection opens. Empty: the agent or an unencrypted key.
  std::string passphrase;
  std::chrono::seconds connectTimeout{10};
};

// The system `ssh` with one control socket per host, so every command after the first reuses
// the connection (ControlMaster/ControlPersist). BatchMode: it never prompts; keys come from the
// identity file or the agent. A changed host key is refused with its fingerprint in the message.
class SshHost : public Host {
 public:
  explicit SshHost(SshOptions o);
  ~SshHost() override;
  std::string describe() const override;
  CommandResult run(const std::string& script, const std::string& input,
                    std::chrono::milliseconds timeout) override;
  std::string health() const override {
    std::lock_guard lock(mutex_);
    return health_;
  }
  void disconnect() override;
  // The ssh command line for `remoteCommand` (tests and the "show command" action).
  std::vector<std::string> sshArgs(const std::string& remoteCommand) const;

 private:
  SshOptions o_;
  void setHealth(std::string h) {
    std::lock_guard lock(mutex_);
    health_ = std::move(h);
  }
  std::filesystem::path controlDir_;
  mutable std::mutex mutex_;
  std::string health_;
};

}  // namespace tf::launch
