#include "pipeline/Graph.h"

#include "registry/Registry.h"
#include "registry/Schema.h"

#include <algorithm>
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
    if (!progressed) break;  // a cycle (the loader reports it)
  }
  return out;
}

}  // namespace tf
