// The pipeline as a graph, built from a loaded pipeline: nodes (components with their
// parameters) and links between typed ports, with the rules a new link must pass — ports
// exist, types are compatible, an input takes one link, no cycles — each refusal saying why.
// Qt-free, so the rules are tested without a window. PipelineDocument keeps one for the canvas
// and edits the YAML itself; this graph only answers questions about it.
#pragma once

#include "config/Node.h"
#include "pipeline/Pipeline.h"

#include <string>
#include <vector>

namespace tf {

class Registry;
struct ComponentInfo;

class Graph {
 public:
  struct Node {
    std::string name;       // unique: what links and the YAML's step keys use
    std::string classPath;  // kept as written even when no plugin knows it
    const ComponentInfo* info = nullptr;  // null: a placeholder for a missing plugin's component
    cfg::Node params;
  };
  struct Link {
    std::string fromNode, fromPort, toNode, toPort;
    bool operator==(const Link& o) const {
      return fromNode == o.fromNode && fromPort == o.fromPort && toNode == o.toNode && toPort == o.toPort;
    }
  };
  struct Check {
    bool ok = true;
    std::string why;  // for a refusal: what a user reads in the canvas' tooltip
    explicit operator bool() const { return ok; }
  };

  explicit Graph(const Registry& reg) : reg_(&reg) {}
  // Nodes and links of a loaded pipeline (implicit "previous step" bindings become links).
  static Graph fromPipeline(const Registry& reg, const Pipeline& p);

  Check connectionPossible(const Link& l) const;
  bool disconnect(const Link& l);  // what-if questions: "could this link replace that one?"

  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<Link>& links() const { return links_; }
  const Node* node(const std::string& name) const;
  // Required inputs of `name` that no link feeds.
  std::vector<std::string> unconnectedInputs(const std::string& name) const;
  // Execution order: every node after the nodes feeding it, otherwise in insertion order.
  std::vector<std::string> order() const;

 private:
  bool reaches(const std::string& from, const std::string& to) const;  // a path of links from -> to
  const Registry* reg_;
  std::vector<Node> nodes_;
  std::vector<Link> links_;
};

}  // namespace tf
