#include "exec/Executor.h"
#include "exec/Threads.h"

#include "dist/World.h"
#include "exec/ArtifactFiles.h"
#include "exec/Component.h"
#include "exec/Params.h"
#include "exec/RunStore.h"
#include "io/AtomicFile.h"
#include "registry/Registry.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

namespace fs = std::filesystem;

namespace tf {

struct Executor::Impl {
  const Registry& reg;
  const Pipeline& pipeline;
  fs::path runDir;
  std::string runId;
  std::vector<EventObserver*> observers;
  std::map<std::string, Artifacts> outputs;  // step -> its outputs, as they are produced or loaded

  void emit(Event e) {
    if (e.timeMs == 0) e.timeMs = nowMs();
    for (auto* o : observers) o->onEvent(e);
  }
};

namespace {

class Context : public StepContext {
 public:
  Context(Executor::Impl& d, const Step& step, fs::path work, const RunOptions& opts, int threads)
      : d_(d), step_(step), work_(std::move(work)), ws_(opts.workspace), threads_(threads), cancel_(opts.cancel),
        world_(opts.world) {}
  const std::string& stepName() const override { return step_.name; }
  // Created on first use: most steps never write files of their own.
  fs::path workDir() const override {
    if (!workMade_) {
      fs::create_directories(work_);
      workMade_ = true;
    }
    return work_;
  }
  fs::path workspace() const override { return ws_; }
  int threads() const override { return threads_; }
  void progress(double fraction, const std::string& message) override {
    Event e;
    e.type = Event::Type::Progress;
    e.step = step_.name;
    e.progress = std::clamp(fraction, 0.0, 1.0);
    e.message = message;
    d_.emit(e);
  }
  void log(const std::string& line) override {
    Event e;
    e.type = Event::Type::Log;
    e.step = step_.name;
    e.message = line;
    d_.emit(e);
  }
  void metric(const std::string& name, double value, std::int64_t index) override {
    Event e;
    e.type = Event::Type::Metric;
    e.step = step_.name;
    e.name = name;
    e.value = value;
    e.index = index;
    d_.emit(e);
  }
  bool cancelled() const override { return cancel_ && cancel_->load(); }
  dist::World* world() const override { return world_; }

 private:
  Executor::Impl& d_;
  const Step& step_;
  fs::path work_, ws_;
  mutable bool workMade_ = false;
  int threads_;
  const std::atomic<bool>* cancel_;
  dist::World* world_;
};

Event stepEvent(Event::Type type, const std::string& step, int index = -1, std::string message = {}) {
  Event e;
  e.type = type;
  e.step = step;
  e.index = index;
  e.message = std::move(message);
  return e;
}

}  // namespace

bool StepContext::leader() const { return !world() || world()->rank() == 0; }

Executor::Executor(const Registry& reg, const Pipeline& pipeline, fs::path runDir, std::string runId)
    : d_(new Impl{reg, pipeline, std::move(runDir), std::move(runId), {}, {}}) {}

Executor::~Executor() = default;

void Executor::addObserver(EventObserver* o) { d_->observers.push_back(o); }

const Artifacts* Executor::outputs(const std::string& step) const {
  auto it = d_->outputs.find(step);
  return it == d_->outputs.end() ? nullptr : &it->second;
}

// One run of the selected steps, with what the steps share: options, timing, where saved
// outputs are looked up.
struct Executor::Pass {
  Executor& ex;
  const RunOptions& opts;
  int threads;
  std::vector<fs::path> searchRuns;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();

  Impl& d() { return *ex.d_; }

  void finishRun(Event::Type t, const std::string& msg) {
    Event e;
    e.type = t;
    e.message = msg;
    e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    d().emit(e);
  }

  // Outputs of a step that is not run come from a saved run.
  Artifact loadSaved(const std::string& step, const std::string& port) const {
    for (const auto& r : searchRuns) {
      fs::path dir = RunStore::stepArtifactsDir(r, step) / port;
      if (fs::exists(artifactMetaFile(dir))) return Artifact::load(dir);
    }
    throw std::runtime_error("step '" + step + "' is not part of this run and no saved output '" + port +
                             "' was found (looked in " + std::to_string(searchRuns.size()) +
                             " run folder(s)); run it too, or name an earlier run to reuse with --reuse RUN_ID");
  }

  Artifacts inputsOf(const Step& step) {
    Artifacts inputs;
    for (const auto& b : step.inputs) {
      auto produced = d().outputs.find(b.fromStep);
      if (produced != d().outputs.end() && produced->second.count(b.fromPort))
        inputs[b.port] = produced->second.at(b.fromPort);
      else
        inputs[b.port] = loadSaved(b.fromStep, b.fromPort);
    }
    return inputs;
  }

  // Runs one step; throws what the component threw.
  void execute(const Step& step, const fs::path& doneMarker) {
    if (!step.info) throw std::runtime_error("unknown component '" + step.classPath + "': its plugin is not loaded");
    Artifacts inputs = inputsOf(step);
    Params params(&d().reg, step.info, step.params);
    std::unique_ptr<Component> comp(step.info->factory(params));
    const fs::path work = RunStore::stepArtifactsDir(d().runDir, step.name);
    Context ctx(d(), step, work, opts, threads);
    Artifacts out = comp->run(ctx, inputs);
    for (const auto& port : step.info->outputs)
      if (!out.count(port.name) && !port.optional)
        throw std::logic_error(step.classPath + " did not produce its output '" + port.name + "'");
    if (opts.saveArtifacts && !step.info->recomputable) {
      for (const auto& [port, a] : out) a.save(work / port);
      io::writeTextAtomic(doneMarker, "done\n");  // written last: marks complete outputs for --resume
    }
    // Data-parallel runs: what rank 0 wrote in this step is there before any rank goes on.
    if (opts.world) opts.world->barrier();
    d().outputs[step.name] = std::move(out);
  }

  // Runs (or, resuming, skips) one step and reports it; Finished to go on.
  Status step(const Step& step, int position) {
    const fs::path doneMarker = RunStore::stepArtifactsDir(d().runDir, step.name) / ".done";
    if (opts.resume && fs::exists(doneMarker)) {
      d().emit(stepEvent(Event::Type::StepSkipped, step.name, position,
                         "finished before the interruption; its saved outputs are used"));
      return Status::Finished;
    }
    d().emit(stepEvent(Event::Type::StepStarted, step.name, position, step.classPath));
    const auto t0 = std::chrono::steady_clock::now();
    try {
      execute(step, doneMarker);
    } catch (const Cancelled&) {
      d().emit(stepEvent(Event::Type::StepFailed, step.name, -1, "cancelled"));
      finishRun(Event::Type::RunCancelled, "cancelled during step '" + step.name + "'");
      return Status::Cancelled;
    } catch (const std::exception& e) {
      ex.error_ = e.what();
      ex.failedStep_ = step.name;
      d().emit(stepEvent(Event::Type::StepFailed, step.name, -1, ex.error_));
      finishRun(Event::Type::RunFailed, "step '" + step.name + "' failed: " + ex.error_);
      return Status::Failed;
    }
    Event done = stepEvent(Event::Type::StepFinished, step.name, position);
    done.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    d().emit(done);
    return Status::Finished;
  }
};

Executor::Status Executor::run(const RunOptions& opts) {
  error_.clear();
  failedStep_.clear();
  std::vector<std::string> selected;
  try {
    selected = withRecomputableProducers(d_->pipeline, selectSteps(d_->pipeline, opts));
  } catch (const std::exception& e) {
    error_ = e.what();
    Event ev;
    ev.type = Event::Type::RunFailed;
    ev.message = error_;
    d_->emit(ev);
    return Status::Failed;
  }
  const int threads =
      opts.threads > 0 ? opts.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // Debian's LibTorch starts with one intra-op thread; set it from the run's configuration, and
  // OpenBLAS's beside it so the two pools do not oversubscribe the cores.
  setComputeThreads(threads);

  Event start;
  start.type = Event::Type::RunStarted;
  start.message = d_->pipeline.key;
  start.steps = selected;
  start.runId = d_->runId;
  d_->emit(start);
  Pass pass{*this, opts, threads, {d_->runDir}};
  for (const auto& r : opts.reuseRuns) pass.searchRuns.push_back(r);

  const std::set<std::string> selectedSet(selected.begin(), selected.end());
  int position = 0;
  for (const auto& step : d_->pipeline.steps) {
    if (!selectedSet.count(step.name)) continue;
    ++position;
    if (opts.cancel && opts.cancel->load()) {
      pass.finishRun(Event::Type::RunCancelled, "cancelled before step '" + step.name + "'");
      return Status::Cancelled;
    }
    if (Status st = pass.step(step, position); st != Status::Finished) return st;
  }
  pass.finishRun(Event::Type::RunFinished, "");
  return Status::Finished;
}

}  // namespace tf
