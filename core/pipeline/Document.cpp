#include "pipeline/Document.h"

#include "config/ComponentSyntax.h"
#include "pipeline/PipelineLoader.h"
#include "registry/Registry.h"
#include "registry/Schema.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace tf {

using cfg::Node;

namespace {

constexpr double kColumn = 280, kRow = 150;  // automatic layout spacing, in scene units

using syntax::argumentsNode;
using syntax::kInputs;
using syntax::kLayout;
using syntax::kName;

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> out;
  std::stringstream ss(path);
  for (std::string part; std::getline(ss, part, '.');) out.push_back(part);
  return out;
}

Node position(const PipelineDocument::Pos& p) {
  Node n = Node::sequence();
  auto num = [](double v) {
    std::ostringstream s;
    s << std::lround(v);
    return Node::scalar(s.str());
  };
  n.push(num(p.x));
  n.push(num(p.y));
  return n;
}

std::optional<PipelineDocument::Pos> readPosition(const Node& n) {
  if (!n.isSequence() || n.items().size() != 2) return std::nullopt;
  auto x = n.items()[0].asDouble(), y = n.items()[1].asDouble();
  if (!x || !y) return std::nullopt;
  return PipelineDocument::Pos{*x, *y};
}

bool validName(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

}  // namespace

PipelineDocument::PipelineDocument(const Registry& reg) : reg_(&reg), graph_(reg) {
  setText(newDocumentText(), "untitled.yaml");
}

std::string PipelineDocument::newDocumentText() {
  Node pipeline = syntax::makeComponent("itwinai.pipeline.Pipeline");
  pipeline.set(syntax::kSteps, Node::map());
  Node doc = Node::map();
  doc.set("pipeline", std::move(pipeline));
  return cfg::toYaml(doc);
}

void PipelineDocument::setText(const std::string& yaml, const std::string& fileName, const std::string& pipelineKey) {
  PipelineLoader loader(*reg_);
  LoadOptions opts;
  opts.pipelineKey = pipelineKey;
  LoadedPipeline lp = loader.loadText(yaml, fileName, opts);  // throws: nothing changes
  // Keep the leading comment block: it usually says what the pipeline is and how to run it.
  std::string header;
  std::istringstream in(yaml);
  for (std::string line; std::getline(in, line);) {
    const auto first = line.find_first_not_of(" \t\r");
    if (first != std::string::npos && line[first] != '#') break;
    header += line + "\n";
  }
  while (!header.empty() && (header.back() == '\n' || header.back() == '\r' || header.back() == ' '))
    header.pop_back();  // yaml() puts one blank line between the comments and the document
  if (!header.empty()) header += "\n";
  raw_ = lp.raw;
  loaded_ = std::move(lp);
  file_ = fileName;
  header_ = header;
  key_ = loaded_.pipeline.key;
  graph_ = Graph::fromPipeline(*reg_, loaded_.pipeline);
}

void PipelineDocument::loadFile(const std::string& path, const std::string& pipelineKey) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    Diagnostics d;
    d.error(cfg::Location{path, 0, 0}, "", "cannot open file for reading");
    throw LoadError(d);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  setText(ss.str(), path, pipelineKey);
}

void PipelineDocument::setRaw(Node raw) {
  PipelineLoader loader(*reg_);
  LoadOptions opts;
  opts.pipelineKey = key_;
  loaded_ = loader.loadDocument(raw, file_, opts);
  raw_ = std::move(raw);
  graph_ = Graph::fromPipeline(*reg_, loaded_.pipeline);
}

void PipelineDocument::setFileName(const std::string& f) {
  file_ = f;
  loaded_.file = f;
  loaded_.pipeline.file = f;
}

std::string PipelineDocument::yaml() const {
  std::string out = header_;
  if (!out.empty()) out += "\n";
  return out + cfg::toYaml(raw_);
}

void PipelineDocument::revalidate() {
  PipelineLoader loader(*reg_);
  LoadOptions opts;
  opts.pipelineKey = key_;
  loaded_ = loader.loadDocument(raw_, file_, opts);
  graph_ = Graph::fromPipeline(*reg_, loaded_.pipeline);
}

bool PipelineDocument::commit(Node next) {
  Node before = raw_;
  raw_ = std::move(next);
  try {
    revalidate();
  } catch (const LoadError&) {
    raw_ = std::move(before);
    revalidate();
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Finding things in the document

Node* PipelineDocument::stepsIn(Node& doc) const {
  Node* p = doc.find(key_);
  if (!p || !p->isMap()) return nullptr;
  return syntax::stepsOf(*p);
}

Node* PipelineDocument::stepIn(Node& doc, const std::string& step) const {
  Node* steps = stepsIn(doc);
  return steps ? syntax::stepNamed(*steps, step) : nullptr;
}

const Node* PipelineDocument::stepNode(const std::string& step) const {
  return stepIn(const_cast<Node&>(raw_), step);
}

const Node* PipelineDocument::rawArguments(const std::string& step) const {
  Node* s = stepIn(const_cast<Node&>(raw_), step);
  return s ? argumentsNode(*s, false) : nullptr;
}

std::vector<std::pair<std::string, const Node*>> PipelineDocument::settings(const std::string& step) const {
  const Node* s = stepNode(step);
  return s ? syntax::settingsOf(*s) : std::vector<std::pair<std::string, const Node*>>{};
}

void PipelineDocument::ensureNamedSteps(Node& doc) const {
  Node* steps = stepsIn(doc);
  if (!steps) return;
  if (steps->isNull()) *steps = Node::map();
  if (!steps->isSequence()) return;
  Node named = Node::map(steps->location());
  auto names = listStepNames(*steps);
  for (std::size_t i = 0; i < names.size(); ++i) {
    Node item = steps->items()[i];
    if (item.isMap()) item.erase(kName);
    named.set(names[i], std::move(item));
  }
  *steps = std::move(named);
}

Node& PipelineDocument::layoutIn(Node& doc) const {
  Node* l = doc.find(kLayout);
  if (!l || !l->isMap()) {
    doc.set(kLayout, Node::map());
    l = doc.find(kLayout);
  }
  Node* mine = l->find(key_);
  if (!mine || !mine->isMap()) {
    l->set(key_, Node::map());
    mine = l->find(key_);
  }
  return *mine;
}

bool PipelineDocument::hasLayout() const {
  const Node* l = raw_.find(kLayout);
  const Node* mine = l && l->isMap() ? l->find(key_) : nullptr;
  return mine && mine->isMap() && mine->size() > 0;
}

std::map<std::string, PipelineDocument::Pos> PipelineDocument::layeredPositions() const {
  std::map<std::string, Pos> out;
  // Layered layout: a step's column is the longest chain of links leading to it; rows follow
  // the execution order within a column.
  std::map<std::string, int> depth;
  for (const auto& name : graph_.order()) {
    int d = 0;
    for (const auto& l : graph_.links())
      if (l.toNode == name && depth.count(l.fromNode)) d = std::max(d, depth[l.fromNode] + 1);
    depth[name] = d;
  }
  std::map<int, int> rows;
  for (const auto& name : graph_.order()) {
    const int d = depth[name];
    out[name] = Pos{40 + d * kColumn, 40 + rows[d]++ * kRow};
  }
  return out;
}

std::map<std::string, PipelineDocument::Pos> PipelineDocument::positions() const {
  auto out = layeredPositions();
  const Node* l = raw_.find(kLayout);
  const Node* mine = l && l->isMap() ? l->find(key_) : nullptr;
  if (mine && mine->isMap())
    for (const auto& [name, v] : mine->entries())
      if (auto p = readPosition(v); p && out.count(name)) out[name] = *p;
  return out;
}

void PipelineDocument::freezeLayout(Node& doc) const {
  Node& lay = layoutIn(doc);
  for (const auto& [name, p] : positions())
    if (!lay.find(name)) lay.set(name, position(p));
}

std::vector<Graph::Link> PipelineDocument::linksInto(const std::string& step) const {
  std::vector<Graph::Link> out;
  for (const auto& l : graph_.links())
    if (l.toNode == step) out.push_back(l);
  return out;
}

void PipelineDocument::writeInputs(Node& doc, const std::string& step, const std::vector<Graph::Link>& feeding) const {
  Node* s = stepIn(doc, step);
  if (!s || !s->isMap()) return;
  Node inputs = Node::map();
  const Graph::Node* gn = graph_.node(step);
  auto add = [&](const Graph::Link& l) { inputs.set(l.toPort, Node::scalar(l.fromNode + "." + l.fromPort)); };
  if (gn && gn->info) {  // in the component's port order, so the file reads the same way each time
    for (const auto& in : gn->info->inputs)
      for (const auto& l : feeding)
        if (l.toPort == in.name) add(l);
  } else {
    for (const auto& l : feeding) add(l);
  }
  s->set(kInputs, std::move(inputs));
}

// ---------------------------------------------------------------------------------------------
// Edits

PipelineDocument::Check PipelineDocument::addStep(const std::string& classPath, Pos at, std::string* name,
                                                  const std::string& wanted) {
  const ComponentInfo* info = reg_->find(classPath);
  if (info && info->kind != ComponentInfo::Kind::Step)
    return {false, classPath + " is a '" + info->objectKind + "', not a pipeline step; use it inside a step's parameter"};
  if (!wanted.empty() && !validName(wanted)) return {false, "a step name uses letters, digits, '_' and '-' only"};
  Node next = raw_;
  ensureNamedSteps(next);
  freezeLayout(next);
  Node* steps = stepsIn(next);
  if (!steps) return {false, "the document has no steps to add to"};
  std::string base = wanted.empty() ? defaultStepName(classPath) : wanted, chosen = base;
  for (int i = 2; steps->find(chosen); ++i) chosen = base + "_" + std::to_string(i);
  // Same style as the steps already there (Hydra's _target_ unless the file uses class_path).
  bool jsonarg = false;
  for (const auto& [k, v] : steps->entries())
    if (v.isMap()) {
      jsonarg = syntax::styleOf(v) == syntax::Style::JsonArgParse;
      break;
    }
  Node step = syntax::makeComponent(classPath, jsonarg ? syntax::Style::JsonArgParse : syntax::Style::Hydra);
  // A new step starts unconnected (not silently fed by whichever step happens to be last).
  if (info && !info->inputs.empty()) step.set(kInputs, Node::map());
  steps->set(chosen, std::move(step));
  layoutIn(next).set(chosen, position(at));
  if (!commit(std::move(next))) return {false, "the pipeline could not take the step"};
  if (name) *name = chosen;
  return {};
}

bool PipelineDocument::removeSteps(const std::vector<std::string>& names) {
  std::set<std::string> gone(names.begin(), names.end());
  bool any = false;
  for (const auto& n : names) any = any || graph_.node(n);
  if (!any) return false;
  Node next = raw_;
  ensureNamedSteps(next);
  freezeLayout(next);
  // Steps that were fed by a removed one, or took the previous step's outputs implicitly,
  // keep exactly the links the user sees.
  const auto& steps = loaded_.pipeline.steps;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    if (gone.count(s.name)) continue;
    bool touched = !s.explicitInputs && i > 0 && gone.count(steps[i - 1].name);
    std::vector<Graph::Link> keep;
    for (const auto& l : linksInto(s.name)) {
      if (gone.count(l.fromNode))
        touched = true;
      else
        keep.push_back(l);
    }
    if (touched && (s.explicitInputs || !keep.empty() || (s.info && !s.info->inputs.empty())))
      writeInputs(next, s.name, keep);
  }
  Node* st = stepsIn(next);
  Node& lay = layoutIn(next);
  for (const auto& n : gone) {
    st->erase(n);
    lay.erase(n);
  }
  return commit(std::move(next));
}

PipelineDocument::Check PipelineDocument::renameStep(const std::string& from, const std::string& to) {
  if (from == to) return {};
  if (!graph_.node(from)) return {false, "no step '" + from + "'"};
  if (!validName(to)) return {false, "a step name uses letters, digits, '_' and '-' only"};
  if (graph_.node(to)) return {false, "there is already a step '" + to + "'"};
  Node next = raw_;
  ensureNamedSteps(next);
  freezeLayout(next);
  Node* st = stepsIn(next);
  for (auto& [k, v] : st->entries()) {
    if (k == from) k = to;
    // References in other steps' inputs follow the new name.
    if (Node* in = v.isMap() ? v.find(kInputs) : nullptr) {
      auto fix = [&](Node& ref) {
        if (!ref.isScalar()) return;
        const std::string& t = ref.text();
        if (t == from || t.rfind(from + ".", 0) == 0) ref = Node::scalar(to + t.substr(from.size()));
      };
      if (in->isScalar()) fix(*in);
      for (auto& i : in->items()) fix(i);
      for (auto& e : in->entries()) fix(e.second);
    }
  }
  Node& lay = layoutIn(next);
  for (auto& [k, v] : lay.entries())
    if (k == from) k = to;
  if (!commit(std::move(next))) return {false, "the pipeline could not take the new name"};
  return {};
}

namespace {
// Walks to the mapping that holds the last part of `path`, creating nested mappings.
Node* holderOf(Node& step, const std::vector<std::string>& parts, bool create) {
  Node* cur = argumentsNode(step, create);
  for (std::size_t i = 0; cur && i + 1 < parts.size(); ++i) {
    Node* child = cur->find(parts[i]);
    if (!child) {
      if (!create) return nullptr;
      cur->set(parts[i], Node::map());
      child = cur->find(parts[i]);
    }
    cur = argumentsNode(*child, create);
  }
  return cur;
}
}  // namespace

// Setting "model.hidden" on a step whose `model` is not written yet starts from the schema's
// default component ({_target_: core.MLP}), not from an empty mapping that names no component.
void PipelineDocument::prefillComponent(Node& step, const std::string& name, const std::vector<std::string>& parts) const {
  if (parts.size() < 2) return;
  Node* args = argumentsNode(step, true);
  const Graph::Node* gn = graph_.node(name);
  if (!args || args->find(parts[0]) || !gn || !gn->info) return;
  const ParamSpec* spec = gn->info->param(parts[0]);
  if (!spec || spec->defaultValue.empty()) return;
  try {
    Node def = cfg::parseYamlValue(spec->defaultValue, {});
    if (def.isMap()) args->set(parts[0], std::move(def));
  } catch (const cfg::ParseError&) {
  }
}

PipelineDocument::Check PipelineDocument::setParam(const std::string& step, const std::string& path,
                                                   const Node& value) {
  const auto parts = split(path);
  if (parts.empty() || syntax::isStructuralKey(parts.back()))
    return {false, "'" + path + "' is not a parameter (use the canvas to connect steps)"};
  Node next = raw_;
  Node* s = stepIn(next, step);
  if (!s || !s->isMap()) return {false, "no step '" + step + "'"};
  prefillComponent(*s, step, parts);
  Node* holder = holderOf(*s, parts, true);
  if (!holder) return {false, "'" + path + "' is not inside a component"};
  if (const Node* old = holder->find(parts.back()); old && *old == value) return {};
  holder->set(parts.back(), value);
  if (!commit(std::move(next))) return {false, "the pipeline could not take the value"};
  return {};
}

bool PipelineDocument::resetParam(const std::string& step, const std::string& path) {
  const auto parts = split(path);
  Node next = raw_;
  Node* s = stepIn(next, step);
  if (!s || parts.empty()) return false;
  Node* holder = holderOf(*s, parts, false);
  if (!holder || !holder->erase(parts.back())) return false;
  return commit(std::move(next));
}

std::vector<Diagnostic> PipelineDocument::checkParam(const std::string& step, const std::string& path,
                                                     const Node& value) const {
  std::vector<Diagnostic> out;
  Node next = raw_;
  Node* s = stepIn(next, step);
  const auto parts = split(path);
  if (s && !parts.empty()) prefillComponent(*s, step, parts);
  Node* holder = s && !parts.empty() ? holderOf(*s, parts, true) : nullptr;
  if (!holder) return out;
  holder->set(parts.back(), value);
  try {
    PipelineLoader loader(*reg_);
    LoadOptions opts;
    opts.pipelineKey = key_;
    LoadedPipeline lp = loader.loadDocument(next, file_, opts);
    const std::string key = step + "." + path;
    for (const auto& d : lp.diagnostics.all())
      if (d.key == key || d.key.rfind(key + ".", 0) == 0 || d.key.rfind(key + "[", 0) == 0) out.push_back(d);
  } catch (const LoadError& e) {
    for (const auto& d : e.diagnostics().all()) out.push_back(d);
  }
  return out;
}

PipelineDocument::Check PipelineDocument::connectionPossible(const Graph::Link& l) const {
  Graph g = graph_;
  for (const auto& e : graph_.links())  // dropping a link on a fed input replaces that link
    if (e.toNode == l.toNode && e.toPort == l.toPort && !(e == l)) g.disconnect(e);
  return g.connectionPossible(l);
}

PipelineDocument::Check PipelineDocument::connect(const Graph::Link& l) {
  Check c = connectionPossible(l);
  if (!c) return c;
  std::vector<Graph::Link> feeding;
  for (const auto& e : linksInto(l.toNode))
    if (e.toPort != l.toPort) feeding.push_back(e);
  feeding.push_back(l);
  Node next = raw_;
  ensureNamedSteps(next);
  writeInputs(next, l.toNode, feeding);
  if (!commit(std::move(next))) return {false, "the pipeline could not take the link"};
  return {};
}

bool PipelineDocument::disconnect(const Graph::Link& l) {
  auto feeding = linksInto(l.toNode);
  auto it = std::find(feeding.begin(), feeding.end(), l);
  if (it == feeding.end()) return false;
  feeding.erase(it);
  Node next = raw_;
  ensureNamedSteps(next);
  writeInputs(next, l.toNode, feeding);
  return commit(std::move(next));
}

void PipelineDocument::setPositions(const std::map<std::string, Pos>& moved) {
  Node next = raw_;
  freezeLayout(next);
  Node& lay = layoutIn(next);
  for (const auto& [name, p] : moved)
    if (graph_.node(name)) lay.set(name, position(p));
  commit(std::move(next));
}

void PipelineDocument::autoLayout() {
  Node next = raw_;
  if (Node* l = next.find(kLayout); l && l->isMap()) l->erase(key_);
  Node& lay = layoutIn(next);
  for (const auto& [name, p] : layeredPositions()) lay.set(name, position(p));
  commit(std::move(next));
}

// ---------------------------------------------------------------------------------------------
// Copy and paste

std::string PipelineDocument::copySteps(const std::vector<std::string>& names) const {
  Node out = Node::map();
  Node steps = Node::map();
  Node lay = Node::map();
  const auto pos = positions();
  for (const auto& n : names) {
    const Node* s = stepNode(n);
    if (!s) continue;
    Node copy = *s;
    if (copy.isMap()) {
      copy.erase(kName);
      // Links made explicit so they survive the trip; paste drops those it cannot keep.
      Node inputs = Node::map();
      for (const auto& l : linksInto(n)) inputs.set(l.toPort, Node::scalar(l.fromNode + "." + l.fromPort));
      const Graph::Node* gn = graph_.node(n);
      if (inputs.size() > 0 || (gn && gn->info && !gn->info->inputs.empty())) copy.set(kInputs, inputs);
    }
    steps.set(n, std::move(copy));
    if (auto it = pos.find(n); it != pos.end()) lay.set(n, position(it->second));
  }
  out.set("twinforge_steps", std::move(steps));
  out.set(kLayout, std::move(lay));
  return cfg::toYaml(out);
}

std::vector<std::string> PipelineDocument::paste(const std::string& text, Pos offset) {
  Node in = cfg::parseYaml(text, "clipboard");
  const Node* steps = in.isMap() ? in.find("twinforge_steps") : nullptr;
  if (!steps || !steps->isMap() || steps->size() == 0)
    throw std::runtime_error("the clipboard holds no copied steps (expected a 'twinforge_steps:' mapping)");
  const Node* lay = in.find(kLayout);
  Node next = raw_;
  ensureNamedSteps(next);
  freezeLayout(next);
  Node* mine = stepsIn(next);
  Node& layout = layoutIn(next);
  // New names first, so links among the pasted steps follow them.
  std::map<std::string, std::string> rename;
  std::set<std::string> taken;
  for (const auto& [k, v] : mine->entries()) taken.insert(k);
  for (const auto& [k, v] : steps->entries()) {
    std::string base = validName(k) ? k : "step", chosen = base;
    for (int i = 2; taken.count(chosen); ++i) chosen = base + "_" + std::to_string(i);
    taken.insert(chosen);
    rename[k] = chosen;
  }
  std::vector<std::string> added;
  int i = 0;
  for (const auto& [k, v] : steps->entries()) {
    Node s = v;
    if (Node* inputs = s.isMap() ? s.find(kInputs) : nullptr; inputs && inputs->isMap()) {
      Node kept = Node::map();
      for (const auto& [port, ref] : inputs->entries()) {
        if (!ref.isScalar()) continue;
        const std::string from = ref.text().substr(0, ref.text().find('.'));
        const std::string rest = ref.text().substr(from.size());
        if (rename.count(from))
          kept.set(port, Node::scalar(rename[from] + rest));
        else if (graph_.node(from))
          kept.set(port, ref);
      }
      *inputs = std::move(kept);
    }
    const std::string name = rename[k];
    mine->set(name, std::move(s));
    Pos p{40.0 + 30 * i, 40.0 + 30 * i};
    if (const Node* pv = lay && lay->isMap() ? lay->find(k) : nullptr)
      if (auto rp = readPosition(*pv)) p = *rp;
    layout.set(name, position(Pos{p.x + offset.x, p.y + offset.y}));
    added.push_back(name);
    ++i;
  }
  if (!commit(std::move(next))) throw std::runtime_error("the pasted steps do not fit this pipeline");
  return added;
}

}  // namespace tf
