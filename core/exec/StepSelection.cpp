#include "exec/StepSelection.h"

#include "registry/Schema.h"

#include <set>
#include <stdexcept>

namespace tf {

std::vector<std::string> selectSteps(const Pipeline& pipeline, const StepSelection& sel) {
  const auto& steps = pipeline.steps;
  auto require = [&](const std::string& name) {
    int i = pipeline.indexOf(name);
    if (i < 0) {
      std::string known;
      for (const auto& s : steps) known += (known.empty() ? "" : ", ") + s.name;
      throw std::invalid_argument("no step '" + name + "' in pipeline " + pipeline.key + "; steps are: " + known);
    }
    return i;
  };
  const int first = sel.from.empty() ? 0 : require(sel.from);
  const int last = sel.to.empty() ? static_cast<int>(steps.size()) - 1 : require(sel.to);
  if (first > last) throw std::invalid_argument("step '" + sel.from + "' comes after '" + sel.to + "' in the run order");
  std::set<int> chosen;
  for (const auto& name : sel.only) chosen.insert(require(name));
  std::vector<std::string> out;
  for (int i = first; i <= last; ++i)
    if (sel.only.empty() || chosen.count(i)) out.push_back(steps[static_cast<std::size_t>(i)].name);
  return out;
}

std::vector<std::string> withRecomputableProducers(const Pipeline& pipeline, const std::vector<std::string>& selected) {
  // Inputs come from earlier steps, so one backward pass reaches producers' producers too.
  std::set<std::string> chosen(selected.begin(), selected.end());
  const auto& all = pipeline.steps;
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (!chosen.count(it->name)) continue;
    for (const auto& b : it->inputs) {
      const Step* from = pipeline.step(b.fromStep);
      if (from && from->info && from->info->recomputable) chosen.insert(b.fromStep);
    }
  }
  std::vector<std::string> out;
  for (const auto& st : all)
    if (chosen.count(st.name)) out.push_back(st.name);
  return out;
}

}  // namespace tf
