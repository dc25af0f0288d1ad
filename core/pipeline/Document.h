// A pipeline file as the canvas edits it. The YAML document stays the truth: every edit
// (add, remove, rename, connect, parameter, position) changes the document tree, which is then
// validated again and turned into the Graph the canvas draws. So what the canvas shows is
// exactly what twinforge-run would run, and an untouched file saves unchanged.
// Node positions live in an optional top-level `layout:` block the engine ignores:
//   layout:
//     training_pipeline: {generate: [40, 60], read: [300, 60]}
// Qt-free: tested without a window; the GUI keeps snapshots of raw() for undo.
#pragma once

#include "config/Node.h"
#include "pipeline/Graph.h"
#include "pipeline/Pipeline.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tf {

class Registry;

class PipelineDocument {
 public:
  struct Pos {
    double x = 0, y = 0;
    bool operator==(const Pos& o) const { return x == o.x && y == o.y; }
  };
  using Check = Graph::Check;

  explicit PipelineDocument(const Registry& reg);

  // Replaces the whole document. Throws LoadError for malformed YAML or text that holds no
  // pipeline; the document is unchanged then.
  void setText(const std::string& yaml, const std::string& fileName, const std::string& pipelineKey = {});
  void loadFile(const std::string& path, const std::string& pipelineKey = {});
  void setRaw(cfg::Node raw);  // same pipeline key and header; throws LoadError
  // A new, empty pipeline.
  static std::string newDocumentText();

  const cfg::Node& raw() const { return raw_; }
  const LoadedPipeline& loaded() const { return loaded_; }
  const Graph& graph() const { return graph_; }
  const std::string& fileName() const { return file_; }
  void setFileName(const std::string& f);
  const std::string& pipelineKey() const { return loaded_.pipeline.key; }
  const std::string& header() const { return header_; }  // the file's leading comment lines
  // What Save writes: the leading comment block, then the document.
  std::string yaml() const;

  // The step's component node as written (mapping with _target_ or class_path), or null.
  const cfg::Node* stepNode(const std::string& step) const;
  // Its arguments as written (init_args for class_path style), or null.
  const cfg::Node* rawArguments(const std::string& step) const;
  // The settings the file gives the step, as written, without structural keys (inputs, _name_).
  std::vector<std::pair<std::string, const cfg::Node*>> settings(const std::string& step) const;
  // Where each step sits: from `layout:`, else a layered layout by the links.
  std::map<std::string, Pos> positions() const;
  bool hasLayout() const;

  // Edits. A refused edit (Check false, or false) leaves the document unchanged.
  Check addStep(const std::string& classPath, Pos at, std::string* name = nullptr, const std::string& wanted = {});
  bool removeSteps(const std::vector<std::string>& names);
  Check renameStep(const std::string& from, const std::string& to);
  // `path` is a parameter name or a dotted path into nested components ("model.hidden").
  Check setParam(const std::string& step, const std::string& path, const cfg::Node& value);
  bool resetParam(const std::string& step, const std::string& path);  // back to the schema default
  // Connects an output to an input; a link already feeding that input is replaced.
  Check connect(const Graph::Link& l);
  Check connectionPossible(const Graph::Link& l) const;  // as connect() would judge it
  bool disconnect(const Graph::Link& l);
  void setPositions(const std::map<std::string, Pos>& moved);
  void autoLayout();  // writes a layered layout for every step

  // Copy and paste as YAML (the clipboard format, readable in any editor):
  //   twinforge_steps: {name: {component...}, ...}
  //   layout: {name: [x, y], ...}
  std::string copySteps(const std::vector<std::string>& names) const;
  // Adds the steps of copied text, renamed where names are taken, shifted by `offset`; links
  // among them and to steps of this pipeline are kept. Throws cfg::ParseError or
  // std::runtime_error (text that holds no copied steps).
  std::vector<std::string> paste(const std::string& text, Pos offset);

  // The diagnostics that setting `value` would raise for this parameter (empty: fine).
  std::vector<Diagnostic> checkParam(const std::string& step, const std::string& path, const cfg::Node& value) const;

 private:
  void revalidate();
  std::map<std::string, Pos> layeredPositions() const;  // from the links alone
  bool commit(cfg::Node next);  // adopt `next` if it still loads; false (unchanged) otherwise
  cfg::Node* stepsIn(cfg::Node& doc) const;
  cfg::Node* stepIn(cfg::Node& doc, const std::string& step) const;
  void ensureNamedSteps(cfg::Node& doc) const;  // list-form steps become a mapping keyed by name
  cfg::Node& layoutIn(cfg::Node& doc) const;
  void freezeLayout(cfg::Node& doc) const;  // store every step's current position
  void writeInputs(cfg::Node& doc, const std::string& step, const std::vector<Graph::Link>& feeding) const;
  std::vector<Graph::Link> linksInto(const std::string& step) const;
  void prefillComponent(cfg::Node& step, const std::string& name, const std::vector<std::string>& parts) const;

  const Registry* reg_;
  cfg::Node raw_;
  LoadedPipeline loaded_;
  Graph graph_;
  std::string file_, header_, key_;
};

}  // namespace tf
