#include "Commands.h"

#include "ConsoleReporter.h"
#include "io/Isolate.h"
#include "launch/ClusterProfile.h"
#include "launch/LocalLauncher.h"
#include "launch/SlurmLauncher.h"
#include "registry/Registry.h"
#include "exec/RunStore.h"
#include "track/MlflowRest.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>

namespace fs = std::filesystem;

namespace tf {

int listComponents(const Registry& reg) {
  std::map<std::string, std::vector<const ComponentInfo*>> byPlugin;
  for (const auto* c : reg.all()) byPlugin[c->plugin].push_back(c);
  for (const auto& [plugin, list] : byPlugin) {
    std::printf("%s:\n", plugin.c_str());
    for (const auto* c : list) {
      std::string ports;
      if (c->kind == ComponentInfo::Kind::Step) {
        for (const auto& p : c->inputs) ports += (ports.empty() ? "" : ", ") + p.type + (p.optional ? "?" : "");
        ports = "(" + ports + ") -> (";
        std::string outs;
        for (const auto& p : c->outputs) outs += (outs.empty() ? "" : ", ") + p.type;
        ports += outs + ")";
      } else {
        ports = "[" + c->objectKind + "]";
      }
      std::printf("  %-26s %-34s %s\n", c->classPath.c_str(), ports.c_str(), c->doc.c_str());
    }
  }
  std::printf("\n%zu components. Details: twinforge-run --describe CLASS\n", reg.all().size());
  return kOk;
}

int describeComponent(const Registry& reg, const std::string& classPath) {
  const ComponentInfo* c = reg.find(classPath);
  if (!c) {
    std::fprintf(stderr, "error: unknown component '%s'", classPath.c_str());
    auto near = reg.closest(classPath);
    for (std::size_t i = 0; i < near.size(); ++i)
      std::fprintf(stderr, "%s%s", i ? ", " : "; closest known: ", near[i].c_str());
    std::fprintf(stderr, "\n");
    return kUsage;
  }
  std::fputs(c->describe().c_str(), stdout);
  return kOk;
}

int inspectFiles(const Registry& reg, const std::vector<std::string>& files) {
  int rc = kOk;
  for (const auto& f : files) {
    if (files.size() > 1) std::printf("== %s\n", f.c_str());
    std::error_code ec;
    if (!fs::exists(f, ec)) {
      std::fprintf(stderr, "error: '%s': no such file\n", f.c_str());
      rc = kDataError;
      continue;
    }
    // A damaged file can crash HDF5 itself: the same reading runs in a child first.
    const std::string crash = io::runIsolated([&] {
      std::ostringstream sink;
      reg.inspect(f, sink);
    });
    if (!crash.empty()) {
      std::fprintf(stderr, "error: '%s': reading it (tried in a separate process) %s: the file is damaged\n",
                   f.c_str(), crash.c_str());
      rc = kDataError;
      continue;
    }
    bool recognised = false;
    for (const auto& insp : reg.fileInspectors()) {
      std::ostringstream out;
      try {
        if (!insp.inspect(f, out)) continue;
      } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s (while reading it as %s)\n", e.what(), insp.name.c_str());
        rc = kDataError;
        recognised = true;
        break;
      }
      std::printf("File: %s (%lld bytes)\n%s", f.c_str(), static_cast<long long>(fs::file_size(f, ec)),
                  out.str().c_str());
      recognised = true;
      break;
    }
    if (!recognised) {
      std::fprintf(stderr, "error: '%s': not a format TwinForge recognises (known:", f.c_str());
      for (const auto& insp : reg.fileInspectors()) std::fprintf(stderr, " %s;", insp.name.c_str());
      std::fprintf(stderr, ")\n");
      rc = kDataError;
    }
  }
  return rc;
}

int validatePipeline(const Registry& reg, const RunRequest& req) { return RunSession(reg, req).validate(); }

namespace {

RunSession session(const Registry& reg, const RunRequest& req) {
  RunSession s(reg, req);
  const bool quiet = req.quiet;
  s.setReporter([quiet](bool leader) -> std::unique_ptr<EventObserver> {
    if (leader) return std::make_unique<ConsoleReporter>(stdout, isatty(fileno(stdout)) != 0, quiet);
    return std::make_unique<ConsoleReporter>(stderr, false, true);  // followers: errors only
  });
  return s;
}

}  // namespace

int runPipeline(const Registry& reg, const RunRequest& req) { return session(reg, req).run(); }

int resumeRun(const Registry& reg, const RunRequest& req) { return session(reg, req).resume(); }

namespace {

// Ctrl-C and SIGTERM, while it lives, only raise a flag: the job being followed is stopped
// properly (SIGTERM to the ranks, scancel) instead of this process dying under it.
class InterruptFlag {
 public:
  InterruptFlag() {
    flag().store(false);
    struct sigaction sa {};
    sa.sa_handler = [](int) { flag().store(true); };
    ::sigaction(SIGINT, &sa, &oldInt_);
    ::sigaction(SIGTERM, &sa, &oldTerm_);
  }
  ~InterruptFlag() {
    ::sigaction(SIGINT, &oldInt_, nullptr);
    ::sigaction(SIGTERM, &oldTerm_, nullptr);
  }
  bool raised() const { return flag().load(); }

 private:
  static std::atomic<bool>& flag() {
    static std::atomic<bool> f{false};
    return f;
  }
  struct sigaction oldInt_ {}, oldTerm_{};
};

}  // namespace

int launchRanks(const Registry& reg, const RunRequest& req, int nproc, int masterPort,
                const std::vector<std::string>& args) {
  // A broken pipeline is reported once, not once per rank.
  if (!req.pipelineFile.empty())
    if (int rc = validatePipeline(reg, req)) return rc;
  launch::LaunchSpec spec;
  spec.ranks = nproc;
  spec.masterPort = masterPort;
  spec.program = "/proc/self/exe";
  char self[4096];
  if (ssize_t k = ::readlink("/proc/self/exe", self, sizeof self - 1); k > 0)
    spec.program.assign(self, static_cast<std::size_t>(k));
  spec.args = args;
  const InterruptFlag interrupted;
  int rc;
  try {
    auto job = launch::LocalLauncher().submit(spec);
    if (!req.quiet) std::printf("launching %s\n", job->describe().c_str());
    std::fflush(stdout);
    rc = launch::waitFor(
        *job,
        [](const launch::OutputLine& l) {
          std::printf("[rank %d] %s\n", l.rank, l.text.c_str());
          std::fflush(stdout);
        },
        [&] { return interrupted.raised(); });
    if (job->state() == launch::JobState::Cancelled)
      std::fprintf(stderr, "interrupted: stopped all %d ranks\n", nproc);
    else if (!job->failure().empty())
      std::fprintf(stderr, "error: %s\n", job->failure().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: --nproc %d: %s\n", nproc, e.what());
    rc = kRunFailed;
  }
  return rc;
}

namespace {

// The workspace's profile `name` made into a launcher; null after saying why not.
std::unique_ptr<launch::SlurmLauncher> clusterLauncher(const fs::path& ws, const std::string& name) {
  try {
    return launch::launcherFor(launch::findProfile(ws, name));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: --cluster %s: %s\n", name.c_str(), e.what());
    return nullptr;
  }
}

// The command line as the job runs it: the pipeline and every local file an override names
// (--set data=FILE) become uploads, the workspace and the run id are the launch's.
launch::LaunchSpec clusterSpec(const RunRequest& req, const fs::path& ws, const std::vector<std::string>& args) {
  launch::LaunchSpec spec;
  spec.workspace = ws.string();
  spec.runId = req.runId.empty() ? RunStore::newRunId() : req.runId;
  spec.files.push_back(fs::absolute(req.pipelineFile).string());
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "-w" || a == "--workspace") {
      ++i;
      continue;
    }
    if (a.rfind("--workspace=", 0) == 0) continue;
    if (a == req.pipelineFile) a = spec.files.front();
    const auto eq = a.find('=');
    std::error_code ec;
    if (i > 0 && (args[i - 1] == "--set" || args[i - 1] == "-s") && eq != std::string::npos &&
        fs::is_regular_file(a.substr(eq + 1), ec)) {
      spec.files.push_back(fs::absolute(a.substr(eq + 1)).string());
      a = a.substr(0, eq + 1) + spec.files.back();
    }
    spec.args.push_back(a);
  }
  spec.args.insert(spec.args.end(), {"--workspace", spec.workspace});
  if (req.runId.empty()) spec.args.insert(spec.args.end(), {"--run-id", spec.runId});
  return spec;
}

// Follows a submitted job to its end: the ranks' lines on stdout, state and connection changes
// on stderr (not every tick of the elapsed time); Ctrl-C cancels it.
int followClusterJob(launch::Job& job, bool quiet) {
  const InterruptFlag interrupted;
  static const char* names[] = {"pending", "running", "completed", "failed", "cancelled"};
  std::string last;
  const int rc = launch::waitFor(
      job,
      [](const launch::OutputLine& l) {
        if (l.rank >= 0) std::printf("[rank %d] %s\n", l.rank, l.text.c_str());
        else std::printf("[batch] %s\n", l.text.c_str());
        std::fflush(stdout);
      },
      [&] {
        const std::string state = names[static_cast<int>(job.state())], health = job.health();
        if (!quiet && state + health != last)
          std::fprintf(stderr, "job %s: %s %s%s\n", job.id().c_str(), state.c_str(), job.detail().c_str(),
                       health.empty() ? "" : (" — " + health).c_str());
        last = state + health;
        return interrupted.raised();
      });
  if (job.state() == launch::JobState::Cancelled) std::fprintf(stderr, "cancelled: %s\n", job.failure().c_str());
  else if (rc != kOk && !job.failure().empty()) std::fprintf(stderr, "error: %s\n", job.failure().c_str());
  return rc;
}

}  // namespace

int submitToCluster(const Registry& reg, const RunRequest& req, const std::string& profileName, bool detach,
                    const std::vector<std::string>& args) {
  if (req.pipelineFile.empty()) {
    std::fprintf(stderr, "error: --cluster: no pipeline file given\n");
    return kUsage;
  }
  if (int rc = validatePipeline(reg, req)) return rc;  // before anything is sent
  const fs::path ws = fs::absolute(req.workspace);
  auto launcher = clusterLauncher(ws, profileName);
  if (!launcher) return kUsage;
  const launch::LaunchSpec spec = clusterSpec(req, ws, args);
  try {
    auto job = launcher->submit(spec);
    const fs::path run = RunStore(ws).runDir(spec.runId);
    std::printf("submitted run %s as %s\nbatch script: %s\n", spec.runId.c_str(), job->describe().c_str(),
                (launch::jobFilesDir(run) / "job.sh").c_str());
    std::fflush(stdout);
    if (detach) return kOk;
    const int rc = followClusterJob(*job, req.quiet);
    if (rc == kOk) std::printf("run %s finished; copied back into %s\n", spec.runId.c_str(), run.c_str());
    return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: --cluster %s: %s\n", profileName.c_str(), e.what());
    return kRunFailed;
  }
}

int uploadRuns(const std::string& workspace, const std::vector<std::string>& runs, const std::string& uri,
               const std::string& experiment) {
  track::MlflowServer server = track::mlflowServer(nullptr);
  if (!uri.empty()) server.uri = uri;
  if (!experiment.empty()) server.experiment = experiment;
  if (!server.uri.empty() && server.uri.rfind("http://", 0) != 0 && server.uri.rfind("https://", 0) != 0) {
    std::fprintf(stderr, "error: --tracking-uri: expected an http:// or https:// address, got '%s'\n", server.uri.c_str());
    return kUsage;
  }
  const RunStore store(workspace);
  int failed = 0;
  for (const auto& r : runs) {
    std::error_code ec;
    const auto dir = fs::is_directory(r, ec) ? std::optional<fs::path>(r) : store.findRun(r);
    try {
      if (!dir) throw std::runtime_error("no run '" + r + "' in the workspace " + workspace);
      const std::string id = track::uploadRun(*dir, server, [](const std::string& m) { std::printf("%s\n", m.c_str()); });
      std::printf("uploaded %s as %s\n", r.c_str(), id.c_str());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "error: upload %s: %s\n", r.c_str(), e.what());
      ++failed;
    }
  }
  return failed ? kRunFailed : kOk;
}

}  // namespace tf
