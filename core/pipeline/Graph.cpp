#include "pipeline/Graph.h"

#include "pipeline/PipelineLoader.h"
#include "registry/Registry.h"
#include "registry/Schema.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace tf {

Graph Graph::fromPipeline(const Registry& reg, const Pipeline& p) {
  Graph g(reg);
  for (const auto& s : p.steps) {
    Node n;
    n.name = s.name;
    n.classPath = s.classPath;
    n.info = s.info;
    n.params = s.params;
    g.nodes_.push_back(std::move(n));
  }
  for (const auto& s : p.steps)
    for (const auto& b : s.inputs) g.links_.push_back({b.fromStep, b.fromPort, s.name, b.port});
  return g;
}

const Graph::Node* Graph::node(const std::string& name) const {
  for (const auto& n : nodes_)
    if (n.name == name) return &n;
  return nullptr;
}

Graph::Node* Graph::node(const std::string& name) {
  for (auto& n : nodes_)
    if (n.name == name) return &n;
  return nullptr;
}

std::string Graph::addNode(const std::string& classPath, const std::string& name) {
  std::string base = name.empty() ? defaultStepName(classPath) : name, chosen = base;
  for (int i = 2; node(chosen); ++i) chosen = base + "_" + std::to_string(i);
  Node n;
  n.name = chosen;
  n.classPath = classPath;
  n.info = reg_->find(classPath);
  n.params = cfg::Node::map();
  nodes_.push_back(std::move(n));
  return chosen;
}

bool Graph::removeNode(const std::string& name) {
  auto it = std::find_if(nodes_.begin(), nodes_.end(), [&](const Node& n) { return n.name == name; });
  if (it == nodes_.end()) return false;
  nodes_.erase(it);
  links_.erase(std::remove_if(links_.begin(), links_.end(),
                              [&](const Link& l) { return l.fromNode == name || l.toNode == name; }),
               links_.end());
  return true;
}

Graph::Check Graph::renameNode(const std::string& from, const std::string& to) {
  Node* n = node(from);
  if (!n) return {false, "no step '" + from + "'"};
  if (to.empty() || !std::all_of(to.begin(), to.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }))
    return {false, "a step name uses letters, digits and '_' only"};
  if (to != from && node(to)) return {false, "there is already a step '" + to + "'"};
  n->name = to;
  for (auto& l : links_) {
    if (l.fromNode == from) l.fromNode = to;
    if (l.toNode == from) l.toNode = to;
  }
  return {};
}

bool Graph::reaches(const std::string& from, const std::string& to) const {
  std::vector<std::string> todo{from};
  std::set<std::string> seen;
  while (!todo.empty()) {
    const std::string cur = todo.back();
    todo.pop_back();
    if (cur == to) return true;
    if (!seen.insert(cur).second) continue;
    for (const auto& l : links_)
      if (l.fromNode == cur) todo.push_back(l.toNode);
  }
  return false;
}

Graph::Check Graph::connectionPossible(const Link& l) const {
  const Node* a = node(l.fromNode);
  const Node* b = node(l.toNode);
  if (!a) return {false, "no step '" + l.fromNode + "'"};
  if (!b) return {false, "no step '" + l.toNode + "'"};
  if (a == b) return {false, "a step cannot feed itself"};
  const PortSpec* out = a->info ? a->info->output(l.fromPort) : nullptr;
  const PortSpec* in = b->info ? b->info->input(l.toPort) : nullptr;
  if (a->info && !out) return {false, a->classPath + " has no output '" + l.fromPort + "'"};
  if (b->info && !in) return {false, b->classPath + " has no input '" + l.toPort + "'"};
  if (out && in && !portTypesCompatible(out->type, in->type))
    return {false, "'" + l.toNode + "." + l.toPort + "' takes " + in->type + ", '" + l.fromNode + "." + l.fromPort +
                       "' gives " + out->type};
  for (const auto& e : links_) {
    if (e == l) return {false, "already connected"};
    if (e.toNode == l.toNode && e.toPort == l.toPort)
      return {false, "'" + l.toNode + "." + l.toPort + "' already takes '" + e.fromNode + "." + e.fromPort +
                         "'; disconnect that first"};
  }
  if (reaches(l.toNode, l.fromNode))
    return {false, "'" + l.fromNode + "' already depends on '" + l.toNode + "': this link would make a cycle"};
  return {};
}

Graph::Check Graph::connect(const Link& l) {
  Check c = connectionPossible(l);
  if (c) links_.push_back(l);
  return c;
}

bool Graph::disconnect(const Link& l) {
  auto it = std::find(links_.begin(), links_.end(), l);
  if (it == links_.end()) return false;
  links_.erase(it);
  return true;
}

std::vector<std::string> Graph::unconnectedInputs(const std::string& name) const {
  std::vector<std::string> out;
  const Node* n = node(name);
  if (!n || !n->info) return out;
  for (const auto& in : n->info->inputs) {
    if (in.optional) continue;
    const bool fed = std::any_of(links_.begin(), links_.end(),
                                 [&](const Link& l) { return l.toNode == name && l.toPort == in.name; });
    if (!fed) out.push_back(in.name);
  }
  return out;
}

std::vector<std::string> Graph::order() const {
  // Kahn's algorithm, always taking the earliest-inserted ready node: stable for the user.
  std::vector<std::string> out;
  std::set<std::string> done;
  while (out.size() < nodes_.size()) {
    bool progressed = false;
    for (const auto& n : nodes_) {
      if (done.count(n.name)) continue;
      const bool ready = std::all_of(links_.begin(), links_.end(),
                                     [&](const Link& l) { return l.toNode != n.name || done.count(l.fromNode); });
      if (!ready) continue;
      out.push_back(n.name);
      done.insert(n.name);
      progressed = true;
      break;
    }
    if (!progressed) break;  // a cycle (connect() never makes one)
  }
  return out;
}

}  // namespace tf
