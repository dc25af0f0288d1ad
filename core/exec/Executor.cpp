#include "exec/Executor.h"

#include "dist/World.h"
#include "exec/Component.h"
#include "exec/Params.h"
#include "exec/RunStore.h"
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
  Context(Executor::Impl& d, const Step& step, fs::path work, fs::path ws, int threads, const std::atomic<bool>* cancel)
      : d_(d), step_(step), work_(std::move(work)), ws_(std::move(ws)), threads_(threads), cancel_(cancel) {}
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

 private:
  Executor::Impl& d_;
  const Step& step_;
  fs::path work_, ws_;
  mutable bool workMade_ = false;
  int threads_;
  const std::atomic<bool>* cancel_;
};

}  // namespace

Executor::Executor(const Registry& reg, const Pipeline& pipeline, fs::path runDir, std::string runId)
    : d_(new Impl{reg, pipeline, std::move(runDir), std::move(runId), {}, {}}) {}

Executor::~Executor() = default;

void Executor::addObserver(EventObserver* o) { d_->observers.push_back(o); }

std::vector<std::string> Executor::selectSteps(const RunOptions& opts) const {
  const auto& steps = d_->pipeline.steps;
  auto require = [&](const std::string& name) {
    int i = d_->pipeline.indexOf(name);
    if (i < 0) {
      std::string known;
      for (const auto& s : steps) known += (known.empty() ? "" : ", ") + s.name;
      throw std::invalid_argument("no step '" + name + "' in pipeline " + d_->pipeline.key + "; steps are: " + known);
    }
    return i;
  };
  int first = opts.from.empty() ? 0 : require(opts.from);
  int last = opts.to.empty() ? static_cast<int>(steps.size()) - 1 : require(opts.to);
  if (first > last)
    throw std::invalid_argument("step '" + opts.from + "' comes after '" + opts.to + "' in the run order");
  std::set<int> chosen;
  for (const auto& name : opts.only) chosen.insert(require(name));
  std::vector<std::string> out;
  for (int i = first; i <= last; ++i)
    if (opts.only.empty() || chosen.count(i)) out.push_back(steps[static_cast<std::size_t>(i)].name);
  return out;
}

const Artifacts* Executor::outputs(const std::string& step) const {
  auto it = d_->outputs.find(step);
  return it == d_->outputs.end() ? nullptr : &it->second;
}

Executor::Status Executor::run(const RunOptions& opts) {
  error_.clear();
  failedStep_.clear();
  std::vector<std::string> selected;
  try {
    selected = selectSteps(opts);
  } catch (const std::exception& e) {
    error_ = e.what();
    Event ev;
    ev.type = Event::Type::RunFailed;
    ev.message = error_;
    d_->emit(ev);
    return Status::Failed;
  }
  // Recomputable steps feeding a chosen step run again (their outputs are not stored). Inputs
  // come from earlier steps, so one backward pass reaches their producers' producers too.
  {
    std::set<std::string> chosen(selected.begin(), selected.end());
    const auto& all = d_->pipeline.steps;
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
      if (!chosen.count(it->name)) continue;
      for (const auto& b : it->inputs) {
        const int i = d_->pipeline.indexOf(b.fromStep);
        if (i >= 0 && all[static_cast<std::size_t>(i)].info && all[static_cast<std::size_t>(i)].info->recomputable)
          chosen.insert(b.fromStep);
      }
    }
    selected.clear();
    for (const auto& st : all)
      if (chosen.count(st.name)) selected.push_back(st.name);
  }
  const int threads =
      opts.threads > 0 ? opts.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // Debian's LibTorch starts with one intra-op thread; set it from the run's configuration.
  at::set_num_threads(threads);

  Event start;
  start.type = Event::Type::RunStarted;
  start.message = d_->pipeline.key;
  start.steps = selected;
  start.runId = d_->runId;
  d_->emit(start);
  const auto runStart = std::chrono::steady_clock::now();

  auto finishRun = [&](Event::Type t, const std::string& msg) {
    Event e;
    e.type = t;
    e.message = msg;
    e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - runStart).count();
    d_->emit(e);
  };

  const std::set<std::string> selectedSet(selected.begin(), selected.end());
  std::vector<fs::path> searchRuns{d_->runDir};
  for (const auto& r : opts.reuseRuns) searchRuns.push_back(r);

  // Outputs of a step that is not run come from a saved run.
  auto loadSaved = [&](const std::string& step, const std::string& port) -> Artifact {
    for (const auto& r : searchRuns) {
      fs::path dir = RunStore::stepArtifactsDir(r, step) / port;
      if (fs::exists(dir / "meta.json")) return Artifact::load(dir);
    }
    throw std::runtime_error("step '" + step + "' is not part of this run and no saved output '" + port +
                             "' was found (looked in " + std::to_string(searchRuns.size()) +
                             " run folder(s)); run it too, or name an earlier run to reuse with --reuse RUN_ID");
  };

  int position = 0;
  for (const auto& step : d_->pipeline.steps) {
    if (!selectedSet.count(step.name)) continue;
    ++position;
    if (opts.cancel && opts.cancel->load()) {
      finishRun(Event::Type::RunCancelled, "cancelled before step '" + step.name + "'");
      return Status::Cancelled;
    }
    const fs::path doneMarker = RunStore::stepArtifactsDir(d_->runDir, step.name) / ".done";
    if (opts.resume && fs::exists(doneMarker)) {
      Event skipped;
      skipped.type = Event::Type::StepSkipped;
      skipped.step = step.name;
      skipped.index = position;
      skipped.message = "finished before the interruption; its saved outputs are used";
      d_->emit(skipped);
      continue;
    }
    Event started;
    started.type = Event::Type::StepStarted;
    started.step = step.name;
    started.index = position;
    started.message = step.classPath;
    d_->emit(started);
    const auto t0 = std::chrono::steady_clock::now();
    try {
      if (!step.info) throw std::runtime_error("unknown component '" + step.classPath + "': its plugin is not loaded");
      Artifacts inputs;
      for (const auto& b : step.inputs) {
        auto produced = d_->outputs.find(b.fromStep);
        if (produced != d_->outputs.end() && produced->second.count(b.fromPort))
          inputs[b.port] = produced->second.at(b.fromPort);
        else
          inputs[b.port] = loadSaved(b.fromStep, b.fromPort);
      }
      Params params(&d_->reg, step.info, step.params);
      std::unique_ptr<Component> comp(step.info->factory(params));
      const fs::path work = RunStore::stepArtifactsDir(d_->runDir, step.name);
      Context ctx(*d_, step, work, opts.workspace, threads, opts.cancel);
      Artifacts out = comp->run(ctx, inputs);
      for (const auto& port : step.info->outputs)
        if (!out.count(port.name) && !port.optional)
          throw std::logic_error(step.classPath + " did not produce its output '" + port.name + "'");
      if (opts.saveArtifacts && !step.info->recomputable) {
        for (const auto& [port, a] : out) a.save(work / port);
        std::ofstream(doneMarker) << "done\n";  // written last: marks complete outputs for --resume
      }
      // Data-parallel runs: what rank 0 wrote in this step is there before any rank goes on.
      if (auto* world = dist::World::current()) world->barrier();
      d_->outputs[step.name] = std::move(out);
    } catch (const Cancelled&) {
      Event f;
      f.type = Event::Type::StepFailed;
      f.step = step.name;
      f.message = "cancelled";
      d_->emit(f);
      finishRun(Event::Type::RunCancelled, "cancelled during step '" + step.name + "'");
      return Status::Cancelled;
    } catch (const std::exception& e) {
      error_ = e.what();
      failedStep_ = step.name;
      Event f;
      f.type = Event::Type::StepFailed;
      f.step = step.name;
      f.message = error_;
      d_->emit(f);
      finishRun(Event::Type::RunFailed, "step '" + step.name + "' failed: " + error_);
      return Status::Failed;
    }
    Event done;
    done.type = Event::Type::StepFinished;
    done.step = step.name;
    done.index = position;
    done.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    d_->emit(done);
  }
  finishRun(Event::Type::RunFinished, "");
  return Status::Finished;
}

}  // namespace tf
