#include "exec/RunProgress.h"

#include "registry/Schema.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>

namespace tf {

const char* stepStatusName(StepStatus s) {
  switch (s) {
    case StepStatus::Idle: return "idle";
    case StepStatus::Queued: return "queued";
    case StepStatus::Running: return "running";
    case StepStatus::Done: return "done";
    case StepStatus::Failed: return "failed";
    case StepStatus::Cancelled: return "cancelled";
    case StepStatus::Unknown: return "unknown";
    case StepStatus::Invalid: return "invalid";
  }
  return "";
}

void RunProgress::addObserver(Observer* o) { observers_.push_back(o); }

void RunProgress::removeObserver(Observer* o) {
  observers_.erase(std::remove(observers_.begin(), observers_.end(), o), observers_.end());
}

StepProgress* RunProgress::find(const std::string& name) {
  for (auto& s : steps_)
    if (s.step == name) return &s;
  return nullptr;
}

const StepProgress* RunProgress::step(const std::string& name) const {
  return const_cast<RunProgress*>(this)->find(name);
}

StepStatus RunProgress::status(const std::string& name) const {
  const StepProgress* s = step(name);
  return s ? s->status : StepStatus::Idle;
}

void RunProgress::set(StepProgress& s, StepStatus st, std::string info, std::string detail, double fraction) {
  s.status = st;
  s.info = std::move(info);
  s.detail = std::move(detail);
  s.fraction = fraction;
  for (auto* o : observers_) o->stepChanged(s);
}

void RunProgress::setPipeline(const Pipeline& p, const Diagnostics* diags) {
  std::vector<StepProgress> before = std::move(steps_);
  steps_.clear();
  for (const auto& st : p.steps) {
    StepProgress s;
    s.step = st.name;
    s.classPath = st.classPath;
    for (const auto& b : st.inputs) s.inputs.push_back(b.port + " \u2190 " + b.fromStep + "." + b.fromPort);
    std::vector<std::string> problems;
    if (diags)
      for (const auto& d : diags->all())
        if (d.severity == Diagnostic::Severity::Error && (d.key == st.name || d.key.rfind(st.name + ".", 0) == 0))
          problems.push_back((d.key == st.name ? std::string() : d.key.substr(st.name.size() + 1) + ": ") + d.message);
    if (!st.info) {
      s.status = StepStatus::Unknown;
      s.info = "placeholder: no plugin provides " + st.classPath;
      for (const auto& n : st.suggestions) s.detail += (s.detail.empty() ? "Closest known components: " : ", ") + n;
    } else if (!problems.empty()) {
      s.status = StepStatus::Invalid;
      s.info = problems.front();
      for (const auto& pr : problems) s.detail += (s.detail.empty() ? "" : "\n") + pr;
    } else {
      for (const auto& old : before)
        if (old.step == s.step && old.classPath == s.classPath && old.status != StepStatus::Unknown &&
            old.status != StepStatus::Invalid)
          std::tie(s.status, s.info, s.detail, s.fraction) = std::tie(old.status, old.info, old.detail, old.fraction);
    }
    steps_.push_back(std::move(s));
  }
  for (auto* o : observers_) o->pipelineChanged();
}

void RunProgress::resetStatuses() {
  for (auto& s : steps_)
    if (s.status != StepStatus::Unknown && s.status != StepStatus::Invalid) set(s, StepStatus::Idle);
}

void RunProgress::runEnded(const std::string& why) {
  for (auto& s : steps_) {
    if (s.status == StepStatus::Running) set(s, StepStatus::Failed, why, why);
    if (s.status == StepStatus::Queued) set(s, StepStatus::Idle);
  }
}

void RunProgress::apply(const Event& e) {
  StepProgress* s = find(e.step);
  switch (e.type) {
    case Event::Type::RunStarted:
      resetStatuses();
      for (const auto& name : e.steps)
        if (StepProgress* q = find(name)) set(*q, StepStatus::Queued);
      break;
    case Event::Type::StepStarted:
      if (s) set(*s, StepStatus::Running, "started", {}, 0);
      break;
    case Event::Type::Progress:
      if (s) {
        char pct[16];
        std::snprintf(pct, sizeof pct, "%d%%  ", static_cast<int>(std::lround(e.progress * 100)));
        set(*s, StepStatus::Running, pct + e.message, {}, e.progress);
      }
      break;
    case Event::Type::StepFinished:
      if (s) {
        char msg[64];
        std::snprintf(msg, sizeof msg, "finished in %.2f s", e.seconds);
        set(*s, StepStatus::Done, msg);
      }
      break;
    case Event::Type::StepFailed:
      if (s) set(*s, e.message == "cancelled" ? StepStatus::Cancelled : StepStatus::Failed, e.message, e.message);
      break;
    case Event::Type::RunFailed:
    case Event::Type::RunCancelled:
      for (auto& q : steps_)  // steps still queued will not run now
        if (q.status == StepStatus::Queued) set(q, StepStatus::Idle, "not run");
      break;
    default:
      break;
  }
}

}  // namespace tf
