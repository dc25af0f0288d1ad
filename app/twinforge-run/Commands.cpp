#include "Commands.h"

#include "ConsoleReporter.h"
#include "dist/World.h"
#include "exec/Executor.h"
#include "exec/RunStore.h"
#include "pipeline/PipelineLoader.h"
#include "registry/Registry.h"
#include "track/Loggers.h"
#include "track/Provenance.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

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

namespace {

std::atomic<bool> gCancel{false};
void onSignal(int) { gCancel.store(true); }

void printPlan(const LoadedPipeline& lp) {
  const Pipeline& p = lp.pipeline;
  std::printf("pipeline %s (%s) from %s: %zu step(s)%s\n", p.key.c_str(), p.dag ? "graph" : "linear", p.file.c_str(),
              p.steps.size(), lp.pipelineKeys.size() > 1 ? "" : "");
  if (lp.pipelineKeys.size() > 1) {
    std::string others;
    for (const auto& k : lp.pipelineKeys) others += (others.empty() ? "" : ", ") + k;
    std::printf("  pipelines in the file: %s (choose with --pipeline)\n", others.c_str());
  }
  int i = 0;
  for (const auto& s : p.steps) {
    std::printf("  %d. %s: %s%s\n", ++i, s.name.c_str(), s.classPath.c_str(), s.info ? "" : "  [unknown component]");
    for (const auto& b : s.inputs)
      std::printf("       %s <- %s.%s\n", b.port.c_str(), b.fromStep.c_str(), b.fromPort.c_str());
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

// The most recent run of the same pipeline in the workspace: what --from/--steps reuse by default.
// Earlier runs of the same file and pipeline, newest first: a partial run takes each step it
// does not run from the newest of them that holds that step's outputs.
std::vector<fs::path> runsOf(const RunStore& store, const std::string& file, const std::string& key) {
  std::vector<std::pair<fs::file_time_type, fs::path>> found;
  std::error_code ec;
  if (!fs::is_directory(store.experimentDir(), ec)) return {};
  for (const auto& e : fs::directory_iterator(store.experimentDir(), ec)) {
    if (!e.is_directory()) continue;
    RunInfo run;
    run.dir = e.path();
    if (store.tag(run, "twinforge.pipeline_file") != file || store.tag(run, "twinforge.pipeline_key") != key) continue;
    found.push_back({fs::last_write_time(e.path() / "meta.yaml", ec), e.path()});
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<fs::path> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

// Runs (or continues) `run` with its observers, and records how it ended.
// The ranks of a data-parallel job, joined before the run starts. Rank 0 owns the run folder
// and tells the others where it is through the rendezvous store.
struct DistSession {
  dist::Environment env;
  std::unique_ptr<dist::World> world;
  bool leader() const { return !world || world->rank() == 0; }
  ~DistSession() { dist::World::setCurrent(nullptr); }
  // Every rank waits here at the end, so none tears the group down under another's feet.
  void finishTogether() {
    if (!world) return;
    try {
      world->barrier();
    } catch (const std::exception&) {
      // a peer failed; its own error is what matters
    }
  }
};

// 0, or the exit code of a malformed launcher environment or a failed rendezvous.
int joinWorld(DistSession& ds, RunOptions& opts) {
  try {
    ds.env = dist::detectEnvironment();
    if (!ds.env.distributed()) return kOk;
    dist::World::Options o;
    o.timeout = dist::timeoutFromEnvironment(o.timeout);
    ds.world = dist::World::connect(ds.env, o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: data-parallel start-up: %s\n", e.what());
    return kUsage;
  }
  dist::World::setCurrent(ds.world.get());
  // Ranks on one machine share its cores unless told otherwise.
  if (opts.threads == 0)
    opts.threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / ds.env.localWorldSize);
  return kOk;
}

struct SharedRun {
  std::string id, dir, key, error;
};

void publishRun(DistSession& ds, const SharedRun& r) {
  if (!ds.world) return;
  ds.world->set("run", nlohmann::json{{"id", r.id}, {"dir", r.dir}, {"key", r.key}, {"error", r.error}}.dump());
}

std::optional<SharedRun> awaitRun(DistSession& ds) {
  try {
    auto j = nlohmann::json::parse(ds.world->get("run"));
    SharedRun r{j.at("id"), j.at("dir"), j.at("key"), j.at("error")};
    if (!r.error.empty()) {
      std::fprintf(stderr, "error: rank 0 could not start the run: %s\n", r.error.c_str());
      return std::nullopt;
    }
    return r;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: rank %d: %s\n", ds.world->rank(), e.what());
    return std::nullopt;
  }
}

// Ranks other than 0 compute and take part in every collective but write nothing shared:
// no run records, no artifacts, errors only on the terminal.
int executeFollower(const Registry& reg, DistSession& ds, const SharedRun& run, const LoadedPipeline& lp,
                    RunOptions opts) {
  opts.saveArtifacts = false;
  ConsoleReporter console(stderr, false, true);
  Executor ex(reg, lp.pipeline, run.dir, run.id);
  ex.addObserver(&console);
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  Executor::Status st = ex.run(opts);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  if (st == Executor::Status::Finished) {
    ds.finishTogether();
    return kOk;
  }
  return st == Executor::Status::Cancelled ? kCancelled : kRunFailed;
}

int execute(const Registry& reg, const RunStore& store, const RunInfo& run, const LoadedPipeline& lp,
            const RunOptions& opts, bool quiet, DistSession& ds) {
  const bool mlflow = std::find(lp.loggers.begin(), lp.loggers.end(), "mlflow") != lp.loggers.end();
  RunRecorder recorder(store, run, mlflow);
  ConsoleReporter console(stdout, isatty(fileno(stdout)) != 0, quiet);
  Executor ex(reg, lp.pipeline, run.dir, run.id);
  ex.addObserver(&recorder);
  ex.addObserver(&console);
  std::vector<std::unique_ptr<EventObserver>> loggers;
  try {
    loggers = track::makeLoggers(lp.loggers, run.dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    store.finishRun(run, RunStore::Status::Failed);
    return kUsage;
  }
  for (auto& l : loggers) ex.addObserver(l.get());
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  Executor::Status st = ex.run(opts);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);

  switch (st) {
    case Executor::Status::Finished:
      ds.finishTogether();
      store.finishRun(run, RunStore::Status::Finished);
      if (!quiet) std::printf("run %s saved in %s\n", run.id.c_str(), run.dir.c_str());
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

}  // namespace

int validatePipeline(const Registry& reg, const RunRequest& req) {
  try {
    LoadedPipeline lp = PipelineLoader(reg).loadFile(req.pipelineFile, LoadOptions{req.pipelineKey, req.overrides});
    if (lp.runnable()) return kOk;
    std::fputs(lp.diagnostics.str().c_str(), stderr);
  } catch (const LoadError& e) {
    std::fputs(e.diagnostics().str().c_str(), stderr);
  }
  return kInvalidPipeline;
}

int runPipeline(const Registry& reg, const RunRequest& req) {
  PipelineLoader loader(reg);
  LoadedPipeline lp;
  try {
    lp = loader.loadFile(req.pipelineFile, LoadOptions{req.pipelineKey, req.overrides});
  } catch (const LoadError& e) {
    std::fputs(e.diagnostics().str().c_str(), stderr);
    return kInvalidPipeline;
  }
  if (req.dryRun) printPlan(lp);
  if (!lp.diagnostics.all().empty()) std::fputs(lp.diagnostics.str().c_str(), stderr);
  if (!lp.runnable()) {
    std::fprintf(
        stderr,
        "%s: not runnable: fix the problems above (twinforge-run --describe CLASS shows what a component takes)\n",
        req.pipelineFile.c_str());
    return kInvalidPipeline;
  }

  RunStore store(req.workspace);
  const fs::path absFile = fs::absolute(req.pipelineFile);
  RunOptions opts;
  opts.only = req.steps;
  opts.from = req.from;
  opts.to = req.to;
  opts.threads = req.threads;
  opts.cancel = &gCancel;
  opts.workspace = fs::absolute(req.workspace);
  const bool partial = !req.steps.empty() || !req.from.empty() || !req.to.empty();
  if (!req.reuse.empty()) {
    auto r = store.findRun(req.reuse);
    if (!r) {
      std::fprintf(stderr, "error: --reuse %s: no such run in %s\n", req.reuse.c_str(), store.experimentDir().c_str());
      return kUsage;
    }
    opts.reuseRuns.push_back(*r);
  } else if (partial) {
    opts.reuseRuns = runsOf(store, absFile.string(), lp.pipeline.key);
  }

  {
    // Unknown step names are a usage error, caught before a run folder is made.
    Executor probe(reg, lp.pipeline, store.experimentDir() / "dry-run");
    try {
      auto sel = probe.selectSteps(opts);
      if (req.dryRun) {
        std::string s;
        for (const auto& n : sel) s += (s.empty() ? "" : ", ") + n;
        std::printf("would run: %s\n", s.c_str());
        if (opts.reuseRuns.size() == 1)
          std::printf("other steps' outputs from: %s\n", opts.reuseRuns.front().c_str());
        else if (!opts.reuseRuns.empty())
          std::printf("other steps' outputs from the newest of %zu earlier runs holding them, starting with %s\n",
                      opts.reuseRuns.size(), opts.reuseRuns.front().c_str());
        std::printf("valid.\n");
        return kOk;
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "error: %s\n", e.what());
      return kUsage;
    }
  }

  DistSession ds;
  if (int rc = joinWorld(ds, opts)) return rc;
  if (!ds.leader()) {
    auto shared = awaitRun(ds);
    return shared ? executeFollower(reg, ds, *shared, lp, opts) : kRunFailed;
  }

  RunInfo run;
  try {
    fs::create_directories(req.workspace);
    run = store.createRun(req.runName.empty() ? lp.pipeline.key : req.runName, req.runId);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: workspace %s: %s\n", req.workspace.c_str(), e.what());
    publishRun(ds, {"", "", "", std::string("workspace ") + req.workspace + ": " + e.what()});
    return kUsage;
  }
  publishRun(ds, {run.id, run.dir.string(), lp.pipeline.key, ""});
  if (ds.world) store.setTag(run, "twinforge.world_size", std::to_string(ds.world->size()));
  // Reproducibility: the resolved configuration, the file as written, the code revision of
  // the pipeline's folder, the machine and environment, and how it was run.
  {
    std::ofstream(run.dir / "artifacts" / "config.yaml") << cfg::toYaml(lp.resolved);
    std::ofstream(run.dir / "artifacts" / "pipeline.yaml") << cfg::toYaml(lp.raw);
    nlohmann::json env = track::environment(req.commandLine);
    const track::GitInfo git = track::gitInfo(absFile.parent_path().string());
    env["git"] = {{"commit", git.commit}, {"dirty", git.dirty}, {"branch", git.branch}};
    std::ofstream(run.dir / "artifacts" / "environment.json") << env.dump(2) << "\n";
    if (!git.commit.empty()) {
      store.setTag(run, "mlflow.source.git.commit", git.commit);
      store.setTag(run, "mlflow.source.git.branch", git.branch);
      store.setTag(run, "twinforge.git_dirty", git.dirty ? "true" : "false");
    }
  }
  store.setTag(run, "twinforge.pipeline_file", absFile.string());
  store.setTag(run, "twinforge.pipeline_key", lp.pipeline.key);
  std::string overrides;
  for (const auto& o : req.overrides) overrides += o + "\n";
  store.setTag(run, "twinforge.overrides", overrides);
  store.setTag(run, "mlflow.source.name", absFile.string());
  for (const auto& s : lp.pipeline.steps) {
    std::vector<std::pair<std::string, std::string>> flat;
    flatten(s.params, s.name, flat);
    for (const auto& [k, v] : flat) store.logParam(run, k, v);
  }

  return execute(reg, store, run, lp, opts, req.quiet, ds);
}

}  // namespace tf

namespace tf {

int resumeRun(const Registry& reg, const RunRequest& req) {
  if (!req.pipelineFile.empty() || !req.overrides.empty() || !req.steps.empty() || !req.from.empty() ||
      !req.to.empty()) {
    std::fprintf(stderr,
                 "error: --resume continues a run exactly as it was configured: give no pipeline file, --set or step "
                 "selection\n");
    return kUsage;
  }
  RunOptions opts;
  opts.resume = true;
  opts.threads = req.threads;
  opts.cancel = &gCancel;
  opts.workspace = fs::absolute(req.workspace);
  DistSession ds;
  if (int rc = joinWorld(ds, opts)) return rc;
  if (!ds.leader()) {
    auto shared = awaitRun(ds);
    if (!shared) return kRunFailed;
    LoadedPipeline lp;
    try {
      lp = PipelineLoader(reg).loadFile((fs::path(shared->dir) / "artifacts" / "config.yaml").string(),
                                        LoadOptions{shared->key, {}});
    } catch (const LoadError& e) {
      std::fputs(e.diagnostics().str().c_str(), stderr);
      return kInvalidPipeline;
    }
    return executeFollower(reg, ds, *shared, lp, opts);
  }

  RunStore store(req.workspace);
  RunInfo run;
  try {
    run = store.reopenRun(req.resume);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: --resume %s: %s\n", req.resume.c_str(), e.what());
    publishRun(ds, {"", "", "", "--resume " + req.resume + ": " + e.what()});
    return kUsage;
  }
  // The run's own resolved configuration: later edits of the file do not change a resumed run.
  const fs::path config = run.dir / "artifacts" / "config.yaml";
  LoadedPipeline lp;
  try {
    lp = PipelineLoader(reg).loadFile(config.string(), LoadOptions{store.tag(run, "twinforge.pipeline_key"), {}});
  } catch (const LoadError& e) {
    std::fputs(e.diagnostics().str().c_str(), stderr);
    store.finishRun(run, RunStore::Status::Failed);
    publishRun(ds, {"", "", "", "its saved configuration does not load"});
    return kInvalidPipeline;
  }
  if (!lp.runnable()) {
    std::fputs(lp.diagnostics.str().c_str(), stderr);
    store.finishRun(run, RunStore::Status::Failed);
    publishRun(ds, {"", "", "", "its saved configuration does not load"});
    return kInvalidPipeline;
  }
  publishRun(ds, {run.id, run.dir.string(), store.tag(run, "twinforge.pipeline_key"), ""});
  if (!req.quiet) std::printf("resuming run %s in %s\n", run.id.c_str(), run.dir.c_str());
  return execute(reg, store, run, lp, opts, req.quiet, ds);
}

}  // namespace tf
