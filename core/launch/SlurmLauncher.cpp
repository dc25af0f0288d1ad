#include "launch/SlurmLauncher.h"

#include "exec/ExitCodes.h"
#include "exec/RunStore.h"
#include "io/AtomicFile.h"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace tf::launch {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  std::size_t b = 0;
  while (b < s.size() && (s[b] == ' ' || s[b] == '\n')) ++b;
  return s.substr(b);
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error(p.string() + ": cannot read it");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// "key=value" fields of `scontrol show job -o`.
std::string field(const std::string& line, const std::string& key) {
  const std::string k = " " + key + "=";
  auto p = (" " + line).find(k);
  if (p == std::string::npos) return {};
  const std::size_t start = p + k.size() - 1;
  return line.substr(start, line.find(' ', start) - start);
}

std::string jobsDir(const std::string& runId) { return ".twinforge/jobs/" + runId; }

// Where a local file goes in the remote workspace: one folder per local folder, so two inputs
// with one name do not collide and an unchanged file is found again.
std::string uploadPath(const std::string& localFile) {
  return ".twinforge/files/" + fnv1a(fs::absolute(localFile).parent_path().string()) + "/" +
         fs::path(localFile).filename().string();
}

// The args as the cluster sees them: the workspace, and each uploaded file whether it stands
// alone (the pipeline) or is an override's value (--set data=FILE).
void mapArgs(std::vector<std::string>& args, const LaunchSpec& spec, const std::string& remoteWs,
             const std::function<std::string(const std::string&)>& remoteFile) {
  auto isFile = [&](const std::string& a) { return std::find(spec.files.begin(), spec.files.end(), a) != spec.files.end(); };
  for (auto& a : args) {
    if (a == spec.workspace) a = remoteWs;
    else if (isFile(a)) a = remoteFile(a);
    else if (const auto eq = a.find('='); eq != std::string::npos && isFile(a.substr(eq + 1)))
      a = a.substr(0, eq + 1) + remoteFile(a.substr(eq + 1));
  }
}

}  // namespace

std::string batchScript(const ClusterProfile& p, const LaunchSpec& spec, const std::string& jobDir) {
  std::ostringstream s;
  s << "#!/bin/bash\n"
    << "# Written by TwinForge for run " << spec.runId << " with the cluster profile '" << p.name << "'.\n"
    << "# One twinforge-run per task (srun); rank 0 is the first node of the job's node list.\n"
    << "#SBATCH --job-name=tf-" << spec.runId.substr(0, 8) << "\n"
    << "#SBATCH --nodes=" << p.nodes << "\n"
    << "#SBATCH --ntasks-per-node=" << p.tasksPerNode << "\n";
  if (p.gpusPerNode > 0) s << "#SBATCH --gpus-per-node=" << p.gpusPerNode << "\n";
  if (p.cpusPerTask > 0) s << "#SBATCH --cpus-per-task=" << p.cpusPerTask << "\n";
  if (!p.memory.empty()) s << "#SBATCH --mem=" << p.memory << "\n";
  if (!p.time.empty()) s << "#SBATCH --time=" << p.time << "\n";
  if (!p.partition.empty()) s << "#SBATCH --partition=" << p.partition << "\n";
  if (!p.account.empty()) s << "#SBATCH --account=" << p.account << "\n";
  if (!p.qos.empty()) s << "#SBATCH --qos=" << p.qos << "\n";
  s << "#SBATCH --output=slurm-%j.out\n";  // relative to the submit folder, the job's folder
  for (const auto& l : p.extraSbatch) s << (l.rfind("#SBATCH", 0) == 0 ? l : "#SBATCH " + l) << "\n";
  s << "\nset -eu\ncd " << shellQuote(jobDir) << "\n";
  if (!p.setup.empty()) s << "\n# the profile's setup\n" << join(p.setup, "\n") << "\n";
  s << "\nexport MASTER_ADDR=\"$(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | head -n 1)\"\n"
    << "export MASTER_PORT=$((20000 + SLURM_JOB_ID % 20000))\n";
  for (const auto& [k, v] : spec.env) s << "export " << k << "=" << shellQuote(v) << "\n";
  s << "\nsrun --kill-on-bad-exit=1 --output=rank-%t.log \\\n    ";
  if (!p.container.empty()) s << p.container << " ";
  s << shellQuote(spec.program);
  for (const auto& a : spec.args) s << " \\\n    " << shellQuote(a);
  s << "\n";
  return s.str();
}

// ---- SlurmMonitor

void SlurmMonitor::refresh(bool force) {
  std::lock_guard lock(mutex_);  // a second caller waits, then finds the answer fresh
  const auto now = Clock::now();
  if (!force && now - last_ < std::chrono::duration<double>(interval_)) return;
  std::vector<std::string> ids(active_.begin(), active_.end());
  if (ids.empty()) return;
  CommandResult r = host_->run("squeue -h -o '%i|%T|%r|%M|%N' -j " + join(ids, ","));
  ++queries_;
  last_ = Clock::now();
  std::set<std::string> seen;
  if (!r.ok() && r.err.find("Invalid job id") == std::string::npos)
    throw ConnectionError("squeue on " + host_->describe() + " failed: " + trim(r.err.empty() ? r.out : r.err));
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> f;
    std::istringstream fs(line);
    for (std::string x; std::getline(fs, x, '|');) f.push_back(x);
    if (f.size() < 5 || !active_.count(f[0])) continue;
    Status& s = status_[f[0]];
    s.known = true;
    s.state = f[1];
    s.reason = f[2] == "None" ? "" : f[2];
    s.elapsed = f[3];
    s.nodes = f[4];
    seen.insert(f[0]);
  }
  for (const auto& id : ids) {
    const std::string st = status_[id].state;
    const bool live = seen.count(id) && (st == "PENDING" || st == "RUNNING" || st == "COMPLETING" ||
                                         st == "CONFIGURING" || st == "SUSPENDED" || st == "REQUEUED");
    if (!live) askFinished(id);
  }
}

void SlurmMonitor::askFinished(const std::string& id) {
  Status& s = status_[id];
  CommandResult r = host_->run("scontrol show job -o " + id);
  std::string state, exitCode, reason, source = "scontrol";
  if (r.ok()) {
    state = field(r.out, "JobState");
    exitCode = field(r.out, "ExitCode");
    reason = field(r.out, "Reason");
    // squeue may leave out a job scontrol still shows running (a transient answer on a busy
    // controller): where it runs and for how long come from here then.
    const std::string nodes = field(r.out, "NodeList");
    s.nodes = nodes == "(null)" ? "" : nodes;
    s.elapsed = field(r.out, "RunTime");
  } else {
    // scontrol forgets jobs after MinJobAge; accounting may still know them.
    CommandResult a = host_->run("sacct -n -P -X -o State,ExitCode -j " + id);
    const std::string line = trim(a.out);
    if (a.ok() && !line.empty()) {
      state = line.substr(0, line.find('|'));
      state = state.substr(0, state.find(' '));  // "CANCELLED by 0"
      exitCode = line.substr(line.find('|') + 1);
      source = "sacct";
    } else {
      // Without accounting: the job-completion file (JobCompType=jobcomp/filetxt), where the
      // login node can read it.
      CommandResult c = host_->run("f=$(scontrol show config | sed -n 's/^JobCompLoc *= *//p'); "
                                   "[ -n \"$f\" ] && [ -f \"$f\" ] && grep '^JobId=" + id + " ' \"$f\" | tail -n 1");
      const std::string line = trim(c.out);
      if (c.ok() && !line.empty()) {
        state = field(line, "JobState");
        exitCode = field(line, "ExitCode");
        source = "jobcomp";
      } else {
        state = "UNKNOWN";
        reason = "SLURM no longer knows job " + id + " (" + trim(r.err) + "; sacct: " + trim(a.err.empty() ? a.out : a.err) +
                 "; no job-completion file readable here)";
      }
    }
  }
  s.known = true;
  s.state = state;
  s.source = source;
  s.reason = reason == "None" ? "" : reason;
  s.exitCode = exitCode.empty() ? 0 : std::atoi(exitCode.c_str());
  if (const auto c = exitCode.find(':'); c != std::string::npos && s.exitCode == 0) {
    const int sig = std::atoi(exitCode.c_str() + c + 1);
    if (sig) s.exitCode = 128 + sig;
  }
  if (state != "PENDING" && state != "RUNNING" && state != "COMPLETING" && state != "CONFIGURING") active_.erase(id);
}

SlurmMonitor::Status SlurmMonitor::status(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = status_.find(id);
  return it == status_.end() ? Status{} : it->second;
}

// ---- the job

namespace {

struct Followed {
  std::string remote;  // relative to the remote workspace
  int rank;            // -1: the batch script's own output; -2: events.jsonl
  std::uint64_t offset = 0;
  std::string partial;
};

class SlurmJob : public Job {
 public:
  SlurmJob(std::shared_ptr<SlurmMonitor> monitor, ClusterProfile profile, std::string id, LaunchSpec spec,
           std::string remoteWs, std::string runRel)
      : monitor_(std::move(monitor)), profile_(std::move(profile)), id_(std::move(id)), spec_(std::move(spec)),
        ws_(std::move(remoteWs)), runRel_(std::move(runRel)) {
    localRun_ = RunStore(spec_.workspace).runDir(spec_.runId);
    files_.push_back({runRel_ + "/events.jsonl", -2, 0, {}});
    files_.push_back({jobsDir(spec_.runId) + "/slurm-" + id_ + ".out", -1, 0, {}});
    for (int r = 0; r < profile_.ranks(); ++r) files_.push_back({jobsDir(spec_.runId) + "/rank-" + std::to_string(r) + ".log", r, 0, {}});
    monitor_->add(id_);
  }

  std::string id() const override { return id_; }
  std::string describe() const override {
    return "SLURM job " + id_ + " on " + monitor_->host().describe() + " (" + std::to_string(profile_.nodes) +
           " node(s) x " + std::to_string(profile_.tasksPerNode) + " task(s), profile '" + profile_.name + "')";
  }
  JobState state() const override { return state_; }
  int exitCode() const override { return exitCode_; }
  std::string failure() const override { return failure_; }
  std::string health() const override { return health_; }
  std::string detail() const override {
    const auto s = monitor_->status(id_);
    if (s.state == "PENDING") return "waiting: " + (s.reason.empty() ? std::string("in the queue") : s.reason);
    const std::string where = s.nodes.empty() ? "" : "on " + s.nodes + (s.elapsed.empty() ? "" : ", " + s.elapsed + " elapsed");
    if (s.state == "RUNNING") return where.empty() ? std::string("running") : where;
    if (s.state == "COMPLETING") return "finishing" + (s.nodes.empty() ? std::string() : " on " + s.nodes);
    return s.reason;  // an ended job: the state says it, failure() says why
  }

  void cancel() override {
    cancelAsked_ = true;
    try {
      CommandResult r = monitor_->host().run("scancel " + id_);
      if (!r.ok()) health_ = "scancel " + id_ + ": " + trim(r.err);
      monitor_->refresh(true);
      nextTry_ = {};  // the next poll looks at once
    } catch (const ConnectionError& e) {
      health_ = std::string("cannot cancel now: ") + e.what();
    }
  }

  void poll(int timeoutMs, const OutputSink& sink) override {
    const auto now = Clock::now();
    if (finished()) return;
    if (now < nextTry_) {
      std::this_thread::sleep_for(std::min<Clock::duration>(std::chrono::milliseconds(timeoutMs), nextTry_ - now));
      return;
    }
    try {
      monitor_->refresh();
      const auto s = monitor_->status(id_);
      if (s.known) {
        if (s.state == "PENDING" || s.state == "CONFIGURING") state_ = JobState::Pending;
        else if (s.state == "RUNNING" || s.state == "COMPLETING") state_ = JobState::Running;
      }
      follow(sink);
      if (s.known && !(s.state == "PENDING" || s.state == "CONFIGURING" || s.state == "RUNNING" ||
                       s.state == "COMPLETING" || s.state == "SUSPENDED")) {
        follow(sink);  // what the last moments wrote
        copyBack();
        finish(s);
      }
      health_.clear();
      failures_ = 0;
      // Each remote command starts a login shell on the cluster (about 0.1 s on the test machine,
      // more where modules load): the job's files are read once per interval, like squeue.
      nextTry_ = Clock::now() + std::chrono::milliseconds(static_cast<long>(profile_.pollSeconds * 1000));
    } catch (const ConnectionError& e) {
      ++failures_;
      const int wait = std::min(60, 1 << std::min(failures_, 6));
      health_ = "connection lost, retrying in " + std::to_string(wait) + " s: " + e.what();
      nextTry_ = Clock::now() + std::chrono::seconds(wait);
    }
  }

 private:
  // New bytes of every followed file in one remote command: for each, a line with the count, then
  // that many bytes.
  void follow(const OutputSink& sink) {
    std::string script = "cd " + shellQuote(ws_) + " || exit 0\n"
                         "tf_part() { if [ -f \"$1\" ]; then s=$(wc -c < \"$1\"); else s=0; fi; n=$((s - $2)); "
                         "[ \"$n\" -lt 0 ] && n=0; printf '%s\\n' \"$n\"; "
                         "if [ \"$n\" -gt 0 ]; then tail -c +$(($2 + 1)) \"$1\" | head -c \"$n\"; fi; return 0; }\n";
    for (const auto& f : files_) script += "tf_part " + shellQuote(f.remote) + " " + std::to_string(f.offset) + "\n";
    CommandResult r = monitor_->host().run(script);
    if (!r.ok()) return;  // the workspace is not there yet
    std::size_t pos = 0;
    for (auto& f : files_) {
      const auto nl = r.out.find('\n', pos);
      if (nl == std::string::npos) break;
      const std::size_t n = std::stoull(r.out.substr(pos, nl - pos));
      const std::string bytes = r.out.substr(nl + 1, n);
      pos = nl + 1 + bytes.size();
      f.offset += bytes.size();
      take(f, bytes, sink);
    }
  }

  void take(Followed& f, const std::string& bytes, const OutputSink& sink) {
    f.partial += bytes;
    const auto lastNl = f.partial.rfind('\n');
    if (lastNl == std::string::npos) return;
    const std::string complete = f.partial.substr(0, lastNl + 1);
    f.partial.erase(0, lastNl + 1);
    if (f.rank == -2) {
      std::error_code ec;
      fs::create_directories(localRun_, ec);
      std::ofstream(RunStore::eventsFile(localRun_), std::ios::app | std::ios::binary) << complete;
      return;
    }
    std::istringstream lines(complete);
    for (std::string line; std::getline(lines, line);) {
      auto& tail = tails_[f.rank];
      tail.push_back(line);
      if (tail.size() > 12) tail.pop_front();
      if (sink) sink({f.rank, false, line});
    }
  }

  // The run folder and the job's folder (script, logs), into the local run store.
  void copyBack() {
    Host& h = monitor_->host();
    const fs::path localWs = spec_.workspace;
    CommandResult run = h.run("cd " + shellQuote(ws_) + " && if [ -d " + shellQuote(runRel_) + " ]; then tar -cf - " +
                              shellQuote(runRel_) + "; fi", {}, std::chrono::minutes(30));
    if (!run.ok()) throw ConnectionError("copying the run back failed: " + trim(run.err));
    if (!run.out.empty()) unpack(run.out, localWs);
    CommandResult job = h.run("cd " + shellQuote(ws_ + "/" + jobsDir(spec_.runId)) + " && tar -cf - .", {},
                              std::chrono::minutes(5));
    if (!job.ok()) throw ConnectionError("copying the job's logs back failed: " + trim(job.err));
    unpack(job.out, jobFilesDir(localRun_));
    RunStore::adoptCopiedRun(localRun_);
  }

  static void unpack(const std::string& tar, const fs::path& into) {
    std::error_code ec;
    fs::create_directories(into, ec);
    CommandResult x = runProcess({"tar", "-xf", "-", "-C", into.string()}, tar, std::chrono::minutes(10));
    if (!x.ok()) throw std::runtime_error("unpacking into " + into.string() + " failed: " + trim(x.err));
  }

  void finish(const SlurmMonitor::Status& s) {
    if (s.state == "COMPLETED" && s.exitCode == 0) {
      state_ = JobState::Completed;
      exitCode_ = kOk;
      return;
    }
    if (s.state == "CANCELLED") {
      state_ = JobState::Cancelled;
      exitCode_ = kCancelled;
      failure_ = "SLURM job " + id_ + " was cancelled" + (cancelAsked_ ? "" : " (not from TwinForge: scancel or an administrator)");
      return;
    }
    state_ = JobState::Failed;
    exitCode_ = s.exitCode ? s.exitCode : kRunFailed;
    failure_ = "SLURM job " + id_ + " ended " + s.state + (s.exitCode ? " with exit code " + std::to_string(s.exitCode) : "") +
               (s.reason.empty() ? "" : " (" + s.reason + ")");
    for (const auto& [rank, lines] : tails_) {
      if (lines.empty()) continue;
      failure_ += "\n-- last lines of " + (rank < 0 ? std::string("the batch script's output") : "rank " + std::to_string(rank) + "'s log") + ":";
      for (const auto& l : lines) failure_ += "\n   " + l;
    }
  }

  std::shared_ptr<SlurmMonitor> monitor_;
  ClusterProfile profile_;
  std::string id_;
  LaunchSpec spec_;
  std::string ws_, runRel_;
  fs::path localRun_;
  std::vector<Followed> files_;
  std::map<int, std::deque<std::string>> tails_;
  JobState state_ = JobState::Pending;
  int exitCode_ = -1;
  std::string failure_, health_;
  bool cancelAsked_ = false;
  int failures_ = 0;
  Clock::time_point nextTry_{};
};

}  // namespace

// ---- the launcher

SlurmLauncher::SlurmLauncher(ClusterProfile profile, std::shared_ptr<Host> host)
    : profile_(std::move(profile)), monitor_(std::make_shared<SlurmMonitor>(std::move(host), profile_.pollSeconds)) {}

SlurmLauncher::SlurmLauncher(ClusterProfile profile, std::shared_ptr<SlurmMonitor> monitor)
    : profile_(std::move(profile)), monitor_(std::move(monitor)) {}

std::unique_ptr<SlurmLauncher> launcherFor(const ClusterProfile& p, const std::string& passphrase) {
  if (auto problems = p.problems(); !problems.empty())
    throw std::runtime_error("cluster profile '" + p.name + "': " + join(problems, "; "));
  const std::string setup = join(p.setup, "\n");
  const std::string key = p.kind + "\n" + p.user + "@" + p.host + ":" + std::to_string(p.port) + "\n" + p.identityFile +
                          "\n" + p.knownHosts + "\n" + p.knownHostsFile + "\n" + setup + "\n" + std::to_string(p.pollSeconds) + "\n" + passphrase;
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<SlurmMonitor>> shared;
  std::lock_guard lock(mutex);
  if (auto m = shared[key].lock()) return std::make_unique<SlurmLauncher>(p, m);
  std::shared_ptr<Host> host;
  if (p.kind == "slurm") {
    host = std::make_shared<LocalHost>(setup);
  } else {
    SshOptions o;
    o.host = p.host;
    o.user = p.user;
    o.port = p.port;
    o.identityFile = p.identityFile;
    o.knownHosts = p.knownHosts;
    o.knownHostsFile = p.knownHostsFile;
    o.setup = setup;
    o.passphrase = passphrase;
    host = std::make_shared<SshHost>(o);
  }
  auto m = std::make_shared<SlurmMonitor>(host, p.pollSeconds);
  shared[key] = m;
  return std::make_unique<SlurmLauncher>(p, m);
}

namespace {

// The spec as the cluster runs it: the profile's runner and ranks, args mapped by the caller.
LaunchSpec remoteSpec(const ClusterProfile& profile, const LaunchSpec& spec) {
  if (spec.workspace.empty() || spec.runId.empty())
    throw std::invalid_argument("a SLURM launch needs the run's workspace and id");
  LaunchSpec r = spec;
  r.program = profile.runner;
  r.ranks = profile.ranks();
  return r;
}

std::string runRelative(const LaunchSpec& spec) {
  return fs::relative(RunStore(spec.workspace).runDir(spec.runId), spec.workspace).string();
}

}  // namespace

std::string previewScript(const ClusterProfile& profile, const LaunchSpec& spec) {
  LaunchSpec r = remoteSpec(profile, spec);
  const std::string& ws = profile.remoteWorkspace;
  mapArgs(r.args, spec, ws, [&](const std::string& f) { return ws + "/" + uploadPath(f); });
  return batchScript(profile, r, ws + "/" + jobsDir(spec.runId));
}

ClusterProfile findProfile(const fs::path& workspace, const std::string& name) {
  const fs::path file = profilesFile(workspace);
  std::string known;
  for (auto& p : loadProfiles(file)) {
    if (p.name == name) return std::move(p);
    known += (known.empty() ? "" : ", ") + p.name;
  }
  throw std::runtime_error("no such profile '" + name + "' in " + file.string() + " (" +
                           (known.empty() ? "it has none; add one in the workbench, Run > Cluster Profiles" : "known: " + known) + ")");
}

fs::path jobFilesDir(const fs::path& localRunDir) { return RunStore::artifactsDir(localRunDir) / "slurm"; }

std::string SlurmLauncher::resolveWorkspace() {
  const std::string& w = profile_.remoteWorkspace;
  const std::string script = w.rfind("~/", 0) == 0 ? "cd && mkdir -p -- " + shellQuote(w.substr(2)) + " && cd -- " + shellQuote(w.substr(2)) + " && pwd -P"
                                                   : "mkdir -p -- " + shellQuote(w) + " && cd -- " + shellQuote(w) + " && pwd -P";
  CommandResult r = monitor_->host().run(script);
  if (!r.ok()) throw std::runtime_error("the remote workspace '" + w + "' on " + monitor_->host().describe() + " cannot be used: " + trim(r.err));
  return trim(r.out);
}

std::string SlurmLauncher::upload(const std::string& localFile, const std::string& ws) {
  const std::string bytes = readFile(localFile);
  const std::string path = ws + "/" + uploadPath(localFile);
  CommandResult local = runProcess({"sha256sum", "--", localFile});
  const std::string sum = local.out.substr(0, 64);
  CommandResult there = monitor_->host().run("sha256sum -- " + shellQuote(path) + " 2>/dev/null");
  if (local.ok() && there.ok() && there.out.rfind(sum, 0) == 0) {
    ++skipped_;
    return path;
  }
  CommandResult put = monitor_->host().run("mkdir -p -- " + shellQuote(fs::path(path).parent_path().string()) + " && cat > " +
                                               shellQuote(path + ".part") + " && mv -f -- " + shellQuote(path + ".part") + " " + shellQuote(path),
                                           bytes, std::chrono::minutes(10));
  if (!put.ok())
    throw std::runtime_error("uploading " + localFile + " to " + monitor_->host().describe() + ":" + path + " failed: " + trim(put.err));
  ++uploaded_;
  return path;
}

std::unique_ptr<Job> SlurmLauncher::submit(const LaunchSpec& spec) {
  const std::string ws = resolveWorkspace();
  LaunchSpec remote = remoteSpec(profile_, spec);
  mapArgs(remote.args, spec, ws, [&](const std::string& f) { return upload(f, ws); });
  const std::string jobDir = ws + "/" + jobsDir(spec.runId);
  const std::string script = batchScript(profile_, remote, jobDir);
  Host& h = monitor_->host();
  CommandResult put = h.run("mkdir -p -- " + shellQuote(jobDir) + " && cat > " + shellQuote(jobDir + "/job.sh"), script);
  if (!put.ok()) throw std::runtime_error("writing the batch script to " + h.describe() + ":" + jobDir + " failed: " + trim(put.err));
  CommandResult sub = h.run("cd -- " + shellQuote(jobDir) + " && sbatch --parsable job.sh");
  if (!sub.ok()) throw std::runtime_error("sbatch on " + h.describe() + " refused the job: " + trim(sub.err.empty() ? sub.out : sub.err));
  std::string id = trim(sub.out);
  id = id.substr(0, id.find(';'));
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
    throw std::runtime_error("sbatch on " + h.describe() + " answered '" + trim(sub.out) + "', not a job id");
  // The script, and how to find the job again after a restart, with the local run.
  const fs::path localDir = jobFilesDir(RunStore(spec.workspace).runDir(spec.runId));
  io::writeTextAtomic(localDir / "job.sh", script);
  io::writeTextAtomic(localDir / "job.txt", "job_id: " + id + "\nprofile: " + profile_.name + "\nhost: " + h.describe() +
                                                "\nremote_workspace: " + ws + "\n");  // read by readJobRecord
  return std::make_unique<SlurmJob>(monitor_, profile_, id, spec, ws, runRelative(spec));
}

std::optional<JobRecord> readJobRecord(const fs::path& localRunDir) {
  std::ifstream in(jobFilesDir(localRunDir) / "job.txt");
  if (!in) return std::nullopt;
  JobRecord r;
  for (std::string line; std::getline(in, line);) {
    const auto c = line.find(": ");
    if (c == std::string::npos) continue;
    const std::string k = line.substr(0, c), v = line.substr(c + 2);
    if (k == "job_id") r.jobId = v;
    else if (k == "profile") r.profile = v;
    else if (k == "host") r.host = v;
    else if (k == "remote_workspace") r.remoteWorkspace = v;
  }
  if (r.jobId.empty() || r.profile.empty()) return std::nullopt;
  return r;
}

std::unique_ptr<Job> SlurmLauncher::attach(const std::string& jobId, const LaunchSpec& spec) {
  const std::string ws = resolveWorkspace();
  remoteSpec(profile_, spec);  // checks the spec
  // Start from what is already here: events.jsonl is appended to, not written twice.
  std::error_code ec;
  fs::remove(RunStore::eventsFile(RunStore(spec.workspace).runDir(spec.runId)), ec);
  return std::make_unique<SlurmJob>(monitor_, profile_, jobId, spec, ws, runRelative(spec));
}

}  // namespace tf::launch
