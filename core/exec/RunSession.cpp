#include "exec/RunSession.h"

#include "dist/World.h"
#include "exec/Executor.h"
#include "exec/RunStore.h"
#include "io/AtomicFile.h"
#include "pipeline/PipelineLoader.h"
#include "registry/Registry.h"
#include "track/Loggers.h"
#include "track/MlflowRest.h"
#include "track/Provenance.h"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <filesystem>
#include <optional>
#include <thread>

namespace fs = std::filesystem;

namespace tf {

namespace {

std::atomic<bool> gCancel{false};
void onSignal(int) { gCancel.store(true); }

// SIGINT and SIGTERM cancel at the next cancellation point while an execution runs.
struct CancelOnSignals {
  CancelOnSignals() {
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
  }
  ~CancelOnSignals() {
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
  }
};

void printPlan(std::FILE* out, const LoadedPipeline& lp) {
  const Pipeline& p = lp.pipeline;
  std::fprintf(out, "pipeline %s (%s) from %s: %zu step(s)\n", p.key.c_str(), p.dag ? "graph" : "linear",
               p.file.c_str(), p.steps.size());
  if (lp.pipelineKeys.size() > 1) {
    std::string others;
    for (const auto& k : lp.pipelineKeys) others += (others.empty() ? "" : ", ") + k;
    std::fprintf(out, "  pipelines in the file: %s (choose with --pipeline)\n", others.c_str());
  }
  int i = 0;
  for (const auto& s : p.steps) {
    std::fprintf(out, "  %d. %s: %s%s\n", ++i, s.name.c_str(), s.classPath.c_str(), s.info ? "" : "  [unknown component]");
    for (const auto& b : s.inputs)
      std::fprintf(out, "       %s <- %s.%s\n", b.port.c_str(), b.fromStep.c_str(), b.fromPort.c_str());
  }
}

// Flattened step parameters as MLflow params ("trainer.lr" -> "0.001").
void flatten(const cfg::Node& n, const std::string& prefix, std::vector<std::pair<std::string, std::string>>& out) {
  if (n.isMap()) {
    for (const auto& [k, v] : n.entries()) flatten(v, prefix.empty() ? k : prefix + "." + k, out);
  } else if (n.isScalar()) {
    out.emplace_back(prefix, n.text());
  } else if (n.isSequence()) {
    std::string s = cfg::toYaml(n);
    while (!s.empty() && s.back() == '\n') s.pop_back();
    out.emplace_back(prefix, s);
  }
}

// What rank 0 tells the other ranks through the rendezvous store: the run to take part in.
struct SharedRun {
  std::string id, dir, key, error;
};

}  // namespace

// One execution: the data-parallel job this process belongs to and the options it runs with.
struct RunSession::Impl {
  RunSession& s;
  dist::Environment env;
  std::unique_ptr<dist::World> world;
  RunOptions opts;

  explicit Impl(RunSession& session) : s(session) {
    opts.threads = s.req_.threads;
    opts.cancel = &gCancel;
    opts.workspace = fs::absolute(s.req_.workspace);
  }

  bool leader() const { return !world || world->rank() == 0; }
  void error(const std::string& m) const { std::fprintf(s.err_, "error: %s\n", m.c_str()); }

  // Every rank waits here at the end, so none tears the group down under another's feet.
  void finishTogether() {
    if (!world) return;
    try {
      world->barrier();
    } catch (const std::exception&) {
      // a peer failed; its own error is what matters
    }
  }

  // kOk, or the exit code of a malformed launcher environment or a failed rendezvous.
  int joinWorld() {
    try {
      env = dist::detectEnvironment();
      if (!env.distributed()) return kOk;
      dist::World::Options o;
      o.timeout = dist::timeoutFromEnvironment(o.timeout);
      world = dist::World::connect(env, o);
    } catch (const std::exception& e) {
      error(std::string("data-parallel start-up: ") + e.what());
      return kUsage;
    }
    opts.world = world.get();
    // Ranks on one machine share its cores unless told otherwise.
    if (opts.threads == 0)
      opts.threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / env.localWorldSize);
    return kOk;
  }

  void publish(const SharedRun& r) {
    if (!world) return;
    world->set("run", nlohmann::json{{"id", r.id}, {"dir", r.dir}, {"key", r.key}, {"error", r.error}}.dump());
  }

  std::optional<SharedRun> awaitRun() {
    try {
      auto j = nlohmann::json::parse(world->get("run"));
      SharedRun r{j.at("id"), j.at("dir"), j.at("key"), j.at("error")};
      if (!r.error.empty()) {
        error("rank 0 could not start the run: " + r.error);
        return std::nullopt;
      }
      return r;
    } catch (const std::exception& e) {
      error("rank " + std::to_string(world->rank()) + ": " + e.what());
      return std::nullopt;
    }
  }

  std::unique_ptr<EventObserver> reporter(bool lead) const { return s.reporter_ ? s.reporter_(lead) : nullptr; }

  // Ranks other than 0 compute and take part in every collective but write nothing shared:
  // no run records, no artifacts, errors only on the terminal.
  int follow(const SharedRun& run, const LoadedPipeline& lp) {
    RunOptions o = opts;
    o.saveArtifacts = false;
    Executor ex(s.reg_, lp.pipeline, run.dir, run.id);
    auto console = reporter(false);
    if (console) ex.addObserver(console.get());
    Executor::Status st;
    {
      CancelOnSignals guard;
      st = ex.run(o);
    }
    if (st == Executor::Status::Finished) {
      finishTogether();
      return kOk;
    }
    return st == Executor::Status::Cancelled ? kCancelled : kRunFailed;
  }

  // Runs (or continues) `run` with its observers, and records how it ended.
  int lead(const RunStore& store, const RunInfo& run, const LoadedPipeline& lp) {
    std::vector<std::string> loggerNames;
    {
      Diagnostics ignored;  // validated when the pipeline loaded
      loggerNames = track::parseLoggers(lp.resolved.find("loggers"), ignored);
    }
    const bool mlflow = std::find(loggerNames.begin(), loggerNames.end(), "mlflow") != loggerNames.end();
    RunRecorder recorder(store, run, mlflow);
    Executor ex(s.reg_, lp.pipeline, run.dir, run.id);
    ex.addObserver(&recorder);
    auto console = reporter(true);
    if (console) ex.addObserver(console.get());
    std::vector<std::unique_ptr<EventObserver>> loggers;
    try {
      loggers = track::makeLoggers(loggerNames, run.dir);
    } catch (const std::exception& e) {
      error(e.what());
      store.finishRun(run, RunStore::Status::Failed);
      return kUsage;
    }
    // A lab's MLflow server gets a copy as the run goes (the workspace keeps the record).
    const track::MlflowServer server = track::mlflowServer(lp.resolved.find("loggers"));
    if (server.active() && mlflow) {
      if (!s.req_.quiet)
        std::fprintf(s.out_, "logging to MLflow server %s (experiment %s, from %s)\n", server.uri.c_str(),
                     server.experiment.empty() ? "Default" : server.experiment.c_str(), server.from.c_str());
      std::FILE* err = s.err_;
      loggers.push_back(std::make_unique<track::MlflowRestLogger>(
          server, store, run, [err](const std::string& m) { std::fprintf(err, "warning: %s\n", m.c_str()); }));
    }
    for (auto& l : loggers) ex.addObserver(l.get());
    Executor::Status st;
    {
      CancelOnSignals guard;
      st = ex.run(opts);
    }
    switch (st) {
      case Executor::Status::Finished:
        finishTogether();
        store.finishRun(run, RunStore::Status::Finished);
        if (!s.req_.quiet) std::fprintf(s.out_, "run %s saved in %s\n", run.id.c_str(), run.dir.c_str());
        return kOk;
      case Executor::Status::Cancelled:
        store.finishRun(run, RunStore::Status::Killed);
        return kCancelled;
      case Executor::Status::Failed:
        store.finishRun(run, RunStore::Status::Failed);
        // A bad --steps/--from name is a usage error, not a failed step.
        return ex.failedStep().empty() ? kUsage : kRunFailed;
    }
    return kRunFailed;
  }

  // Reproducibility: the resolved configuration, the file as written, the code revision of
  // the pipeline's folder, the machine and environment, how it was run, and its parameters.
  void recordProvenance(const RunStore& store, const RunInfo& run, const LoadedPipeline& lp, const fs::path& absFile) {
    const RunRequest& req = s.req_;
    if (world) store.setTag(run, "twinforge.world_size", std::to_string(world->size()));
    io::writeTextAtomic(RunStore::configFile(run.dir), cfg::toYaml(lp.resolved));
    io::writeTextAtomic(RunStore::pipelineFile(run.dir), cfg::toYaml(lp.raw));
    nlohmann::json envj = track::environment(req.commandLine);
    const track::GitInfo git = track::gitInfo(absFile.parent_path().string());
    envj["git"] = {{"commit", git.commit}, {"dirty", git.dirty}, {"branch", git.branch}};
    io::writeTextAtomic(RunStore::environmentFile(run.dir), envj.dump(2) + "\n");
    if (!git.commit.empty()) {
      store.setTag(run, "mlflow.source.git.commit", git.commit);
      store.setTag(run, "mlflow.source.git.branch", git.branch);
      store.setTag(run, "twinforge.git_dirty", git.dirty ? "true" : "false");
    }
    store.setTag(run, "twinforge.pipeline_file", absFile.string());
    store.setTag(run, "twinforge.pipeline_key", lp.pipeline.key);
    std::string overrides;
    for (const auto& o : req.overrides) overrides += o + "\n";
    store.setTag(run, "twinforge.overrides", overrides);
    store.setTag(run, "mlflow.source.name", absFile.string());
    for (const auto& st : lp.pipeline.steps) {
      std::vector<std::pair<std::string, std::string>> flat;
      flatten(st.params, st.name, flat);
      for (const auto& [k, v] : flat) store.logParam(run, k, v);
    }
  }

  // Loads a pipeline file; kOk or kInvalidPipeline after printing why.
  int load(const std::string& file, const LoadOptions& lo, LoadedPipeline& lp) const {
    try {
      lp = PipelineLoader(s.reg_).loadFile(file, lo);
    } catch (const LoadError& e) {
      std::fputs(e.diagnostics().str().c_str(), s.err_);
      return kInvalidPipeline;
    }
    return kOk;
  }

  // The earlier runs whose saved outputs feed the steps a partial run does not run.
  int planReuse(const RunStore& store, const LoadedPipeline& lp, const fs::path& absFile) {
    if (!s.req_.reuse.empty()) {
      auto r = store.findRun(s.req_.reuse);
      if (!r) {
        error("--reuse " + s.req_.reuse + ": no such run in " + store.experimentDir().string());
        return kUsage;
      }
      opts.reuseRuns.push_back(*r);
    } else if (opts.partial()) {
      opts.reuseRuns = store.runsOfPipeline(absFile.string(), lp.pipeline.key);
    }
    return kOk;
  }

  void printSelection(const std::vector<std::string>& sel) const {
    std::string names;
    for (const auto& n : sel) names += (names.empty() ? "" : ", ") + n;
    std::fprintf(s.out_, "would run: %s\n", names.c_str());
    if (opts.reuseRuns.size() == 1)
      std::fprintf(s.out_, "other steps' outputs from: %s\n", opts.reuseRuns.front().c_str());
    else if (!opts.reuseRuns.empty())
      std::fprintf(s.out_, "other steps' outputs from the newest of %zu earlier runs holding them, starting with %s\n",
                   opts.reuseRuns.size(), opts.reuseRuns.front().c_str());
    std::fprintf(s.out_, "valid.\n");
  }
};

RunSession::RunSession(const Registry& reg, RunRequest req) : reg_(reg), req_(std::move(req)) {}
RunSession::~RunSession() = default;

int RunSession::validate() {
  Impl d(*this);
  LoadedPipeline lp;
  if (int rc = d.load(req_.pipelineFile, LoadOptions{req_.pipelineKey, req_.overrides}, lp)) return rc;
  if (lp.runnable()) return kOk;
  std::fputs(lp.diagnostics.str().c_str(), err_);
  return kInvalidPipeline;
}

int RunSession::run() {
  Impl d(*this);
  LoadedPipeline lp;
  if (int rc = d.load(req_.pipelineFile, LoadOptions{req_.pipelineKey, req_.overrides}, lp)) return rc;
  if (req_.dryRun) printPlan(out_, lp);
  if (!lp.diagnostics.all().empty()) std::fputs(lp.diagnostics.str().c_str(), err_);
  if (!lp.runnable()) {
    std::fprintf(err_,
                 "%s: not runnable: fix the problems above (twinforge-run --describe CLASS shows what a component "
                 "takes)\n",
                 req_.pipelineFile.c_str());
    return kInvalidPipeline;
  }
  RunStore store(req_.workspace);
  const fs::path absFile = fs::absolute(req_.pipelineFile);
  d.opts.only = req_.steps;
  d.opts.from = req_.from;
  d.opts.to = req_.to;
  if (int rc = d.planReuse(store, lp, absFile)) return rc;
  try {  // unknown step names are a usage error, caught before a run folder is made
    auto sel = selectSteps(lp.pipeline, d.opts);
    if (req_.dryRun) {
      d.printSelection(sel);
      return kOk;
    }
  } catch (const std::exception& e) {
    d.error(e.what());
    return kUsage;
  }

  if (int rc = d.joinWorld()) return rc;
  if (!d.leader()) {
    auto shared = d.awaitRun();
    return shared ? d.follow(*shared, lp) : kRunFailed;
  }
  RunInfo run;
  try {
    fs::create_directories(req_.workspace);
    run = store.createRun(req_.runName.empty() ? lp.pipeline.key : req_.runName, req_.runId);
  } catch (const std::exception& e) {
    d.error("workspace " + req_.workspace + ": " + e.what());
    d.publish({"", "", "", std::string("workspace ") + req_.workspace + ": " + e.what()});
    return kUsage;
  }
  d.publish({run.id, run.dir.string(), lp.pipeline.key, ""});
  d.recordProvenance(store, run, lp, absFile);
  return d.lead(store, run, lp);
}

int RunSession::resume() {
  if (!req_.pipelineFile.empty() || !req_.overrides.empty() || !req_.steps.empty() || !req_.from.empty() ||
      !req_.to.empty()) {
    std::fprintf(err_,
                 "error: --resume continues a run exactly as it was configured: give no pipeline file, --set or step "
                 "selection\n");
    return kUsage;
  }
  Impl d(*this);
  d.opts.resume = true;
  if (int rc = d.joinWorld()) return rc;
  if (!d.leader()) {
    auto shared = d.awaitRun();
    if (!shared) return kRunFailed;
    LoadedPipeline lp;
    if (int rc = d.load(RunStore::configFile(shared->dir).string(), LoadOptions{shared->key, {}}, lp)) return rc;
    return d.follow(*shared, lp);
  }
  RunStore store(req_.workspace);
  RunInfo run;
  try {
    run = store.reopenRun(req_.resume);
  } catch (const std::exception& e) {
    d.error("--resume " + req_.resume + ": " + e.what());
    d.publish({"", "", "", "--resume " + req_.resume + ": " + e.what()});
    return kUsage;
  }
  // The run's own resolved configuration: later edits of the file do not change a resumed run.
  const std::string key = store.tag(run, "twinforge.pipeline_key");
  LoadedPipeline lp;
  int rc = d.load(RunStore::configFile(run.dir).string(), LoadOptions{key, {}}, lp);
  if (rc == kOk && !lp.runnable()) {
    std::fputs(lp.diagnostics.str().c_str(), err_);
    rc = kInvalidPipeline;
  }
  if (rc != kOk) {
    store.finishRun(run, RunStore::Status::Failed);
    d.publish({"", "", "", "its saved configuration does not load"});
    return rc;
  }
  d.publish({run.id, run.dir.string(), key, ""});
  if (!req_.quiet) std::fprintf(out_, "resuming run %s in %s\n", run.id.c_str(), run.dir.c_str());
  return d.lead(store, run, lp);
}

}  // namespace tf
