#include "config/ComponentSyntax.h"

#include <cctype>
#include <map>

namespace tf {

using cfg::Node;

namespace syntax {

bool isStructuralKey(const std::string& key) {
  return key == kTarget || key == kClassPath || key == kInitArgs || key == kInputs || key == kName;
}

const Node* classPathNode(const Node& n) {
  if (!n.isMap()) return nullptr;
  if (const Node* t = n.find(kTarget)) return t;
  return n.find(kClassPath);
}

bool isComponent(const Node& n) { return classPathNode(n) != nullptr; }

Style styleOf(const Node& n) {
  return n.isMap() && !n.find(kTarget) && n.find(kClassPath) ? Style::JsonArgParse : Style::Hydra;
}

std::string componentKeysText() { return std::string(kTarget) + " or " + kClassPath; }

std::string componentFlow(const std::string& classPath) { return std::string("{") + kTarget + ": " + classPath + "}"; }

Node makeComponent(const std::string& classPath, Style style) {
  Node n = Node::map();
  n.set(style == Style::JsonArgParse ? kClassPath : kTarget, Node::scalar(classPath));
  return n;
}

Node* argumentsNode(Node& component, bool create) {
  if (!component.isMap()) return nullptr;
  if (styleOf(component) == Style::Hydra) return &component;
  Node* a = component.find(kInitArgs);
  if (!a && create) {
    component.set(kInitArgs, Node::map());
    a = component.find(kInitArgs);
  }
  if (a && a->isNull() && create) *a = Node::map();
  return a && a->isMap() ? a : nullptr;
}

const Node* argumentsNode(const Node& component) { return argumentsNode(const_cast<Node&>(component), false); }

std::vector<std::pair<std::string, const Node*>> settingsOf(const Node& component) {
  std::vector<std::pair<std::string, const Node*>> out;
  if (const Node* a = argumentsNode(component))
    for (const auto& [k, v] : a->entries())
      if (!isStructuralKey(k)) out.emplace_back(k, &v);
  return out;
}

std::string stepsPath(const Node& pipeline) {
  return pipeline.isMap() && pipeline.find(kSteps) ? kSteps : std::string(kInitArgs) + "." + kSteps;
}

Node* stepsOf(Node& n) { return const_cast<Node*>(tf::stepsOf(static_cast<const Node&>(n))); }

Node* stepNamed(Node& steps, const std::string& name) {
  if (steps.isMap()) return steps.find(name);
  if (steps.isSequence()) {
    auto names = listStepNames(steps);
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == name) return &steps.items()[i];
  }
  return nullptr;
}

}  // namespace syntax

std::string classPathOf(const Node& n) {
  const Node* c = syntax::classPathNode(n);
  return c && c->isScalar() ? c->text() : std::string();
}

Node argumentsOf(const Node& n) {
  Node args = Node::map(n.location());
  const Node* a = syntax::argumentsNode(n);
  if (!a) return args;
  for (const auto& [k, v] : a->entries())
    if (a != &n || !syntax::isStructuralKey(k)) args.set(k, v, a->keyLocation(k));
  return args;
}

const Node* stepsOf(const Node& n) {
  if (!n.isMap()) return nullptr;
  if (const Node* s = n.find(syntax::kSteps)) return s;
  if (const Node* a = n.find(syntax::kInitArgs); a && a->isMap())
    if (const Node* s = a->find(syntax::kSteps)) return s;
  return nullptr;
}

bool isPipelineNode(const Node& n) { return stepsOf(n) != nullptr; }

namespace {

std::string snakeCase(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (std::isupper(c)) {
      bool prevLower = i > 0 && (std::islower(static_cast<unsigned char>(s[i - 1])) ||
                                 std::isdigit(static_cast<unsigned char>(s[i - 1])));
      bool nextLower = i + 1 < s.size() && std::islower(static_cast<unsigned char>(s[i + 1]));
      bool prevUpper = i > 0 && std::isupper(static_cast<unsigned char>(s[i - 1]));
      if (!out.empty() && (prevLower || (prevUpper && nextLower))) out += '_';
      out += static_cast<char>(std::tolower(c));
    } else if (std::isalnum(c)) {
      out += static_cast<char>(c);
    } else if (!out.empty() && out.back() != '_') {
      out += '_';
    }
  }
  return out.empty() ? "step" : out;
}

}  // namespace

std::string defaultStepName(const std::string& classPath) {
  const auto dot = classPath.rfind('.');
  return snakeCase(dot == std::string::npos ? classPath : classPath.substr(dot + 1));
}

std::vector<std::string> listStepNames(const Node& steps) {
  std::vector<std::string> names;
  std::map<std::string, int> used;
  for (const auto& item : steps.items()) {
    std::string base;
    if (const Node* n = item.isMap() ? item.find(syntax::kName) : nullptr; n && n->isScalar())
      base = n->text();
    else
      base = defaultStepName(classPathOf(item));
    int k = ++used[base];
    names.push_back(k == 1 ? base : base + "_" + std::to_string(k));
  }
  return names;
}

}  // namespace tf
