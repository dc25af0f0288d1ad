#include "registry/Registry.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>

namespace tf {

void Registry::add(ComponentInfo info) {
  if (info.classPath.empty() || info.classPath.find('.') == std::string::npos)
    throw std::invalid_argument("component class path '" + info.classPath + "' must look like 'plugin.Name'");
  if (components_.count(info.classPath))
    throw std::invalid_argument("component '" + info.classPath + "' is registered twice (plugin '" +
                                components_[info.classPath].plugin + "' and '" + currentPlugin_ + "')");
  if (info.kind == ComponentInfo::Kind::Step && !info.factory)
    throw std::invalid_argument("component '" + info.classPath + "' has no factory");
  info.plugin = currentPlugin_;
  components_.emplace(info.classPath, std::move(info));
}

const ComponentInfo* Registry::find(const std::string& classPath) const {
  auto it = components_.find(classPath);
  return it == components_.end() ? nullptr : &it->second;
}

std::vector<const ComponentInfo*> Registry::all() const {
  std::vector<const ComponentInfo*> v;
  for (const auto& kv : components_) v.push_back(&kv.second);
  return v;
}

const FileInspector* Registry::inspect(const std::string& path, std::ostream& out) const {
  for (const auto& insp : inspectors_)
    if (insp.inspect(path, out)) return &insp;
  return nullptr;
}

void Registry::addFileInspector(FileInspector inspector) {
  inspector.plugin = currentPlugin_;
  // Plugin inspectors are more specific than core's generic ones: try them first.
  if (currentPlugin_ == "core")
    inspectors_.push_back(std::move(inspector));
  else
    inspectors_.insert(inspectors_.begin(), std::move(inspector));
}

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::size_t levenshtein(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string lastSegment(const std::string& s) {
  auto dot = s.rfind('.');
  return dot == std::string::npos ? s : s.substr(dot + 1);
}

// "TorchTrainer" -> {"torch", "trainer"}; "HDF5Reader" -> {"hdf5", "reader"}
std::set<std::string> words(const std::string& s) {
  std::set<std::string> out;
  std::string cur;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool boundary = std::isupper(static_cast<unsigned char>(c)) && !cur.empty() &&
                    (std::islower(static_cast<unsigned char>(cur.back())) ||
                     (i + 1 < s.size() && std::islower(static_cast<unsigned char>(s[i + 1]))));
    if (!std::isalnum(static_cast<unsigned char>(c)) || boundary) {
      if (cur.size() > 1) out.insert(lower(cur));
      cur.clear();
      if (!std::isalnum(static_cast<unsigned char>(c))) continue;
    }
    cur += c;
  }
  if (cur.size() > 1) out.insert(lower(cur));
  return out;
}

}  // namespace

std::vector<std::string> Registry::closest(const std::string& name, std::size_t n) const {
  struct Scored {
    std::string path;
    std::size_t shared;
    std::size_t distance;
  };
  const std::string last = lower(lastSegment(name));
  const auto nameWords = words(lastSegment(name));
  std::vector<Scored> scored;
  for (const auto& kv : components_) {
    const std::string candLast = lower(lastSegment(kv.first));
    std::size_t d = std::min(levenshtein(lower(name), lower(kv.first)), levenshtein(last, candLast));
    std::size_t shared = 0;
    for (const auto& w : words(lastSegment(kv.first))) shared += nameWords.count(w);
    const bool similar = d <= std::max<std::size_t>(2, candLast.size() / 3);
    if (shared > 0 || similar) scored.push_back({kv.first, similar ? shared + 1 : shared, d});
  }
  // Equally close: the general-purpose core component before a use case's specialised one.
  auto isCore = [](const std::string& p) { return p.rfind("core.", 0) == 0; };
  std::stable_sort(scored.begin(), scored.end(), [&](const Scored& a, const Scored& b) {
    if (a.shared != b.shared) return a.shared > b.shared;
    if (a.distance != b.distance) return a.distance < b.distance;
    return isCore(a.path) && !isCore(b.path);
  });
  std::vector<std::string> out;
  for (std::size_t i = 0; i < scored.size() && i < n; ++i) out.push_back(scored[i].path);
  return out;
}

}  // namespace tf
