#include "pipeline/Interpolation.h"

#include "config/ComponentSyntax.h"
#include "config/Expansion.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace tf {

using cfg::Location;
using cfg::Node;

// ---------------------------------------------------------------------------
// Interpolation

namespace {

struct Interpolator {
  const Node& root;
  Diagnostics& diags;
  std::vector<std::string> stack;  // references being resolved, for cycle detection
  // Every value and byte produced is charged: references to references multiply.
  cfg::ExpansionBudget budget{"${...} references"};

  const Node* lookup(const std::string& path) const {
    const Node* cur = &root;
    std::size_t start = 0;
    while (cur && start <= path.size()) {
      auto dot = path.find('.', start);
      std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (cur->isMap()) {
        cur = cur->find(part);
      } else if (cur->isSequence()) {
        char* end = nullptr;
        long idx = std::strtol(part.c_str(), &end, 10);
        cur = (*end == '\0' && idx >= 0 && static_cast<std::size_t>(idx) < cur->items().size())
                  ? &cur->items()[static_cast<std::size_t>(idx)]
                  : nullptr;
      } else {
        cur = nullptr;
      }
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return cur;
  }

  // Value of one ${expr}; returns null node (after reporting) on failure.
  Node evaluate(const std::string& expr, const Location& at) {
    if (expr.rfind("oc.env:", 0) == 0) {
      std::string rest = expr.substr(7);
      auto comma = rest.find(',');
      std::string name = rest.substr(0, comma);
      auto trim = [](std::string s) {
        s.erase(0, s.find_first_not_of(" \t"));
        s.erase(s.find_last_not_of(" \t") + 1);
        if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front())
          s = s.substr(1, s.size() - 2);
        return s;
      };
      name = trim(name);
      if (const char* v = std::getenv(name.c_str())) return cfg::parseYamlValue(v, at);
      if (comma != std::string::npos) return cfg::parseYamlValue(trim(rest.substr(comma + 1)), at);
      diags.error(at, "", "environment variable '" + name + "' is not set and ${oc.env:" + name + "} gives no default");
      return Node();
    }
    if (expr == "itwinai.cwd:" || expr == "itwinai.cwd") {  // itwinai's resolver for the launch folder
      std::error_code ec;
      return Node::scalar(std::filesystem::current_path(ec).string(), true, at);
    }
    if (expr.find(':') != std::string::npos) {
      // OmegaConf lets projects register resolvers; keep the text so the file still loads.
      diags.warning(at, "",
                    "unknown resolver in ${" + expr +
                        "}: left as written (known: ${key.path}, ${oc.env:NAME,default}, ${itwinai.cwd:})");
      return Node::scalar("${" + expr + "}", true, at);
    }
    if (std::find(stack.begin(), stack.end(), expr) != stack.end()) {
      std::string chain;
      for (const auto& s : stack) chain += s + " -> ";
      diags.error(at, "", "circular interpolation: " + chain + expr);
      return Node();
    }
    const Node* target = lookup(expr);
    if (!target) {
      diags.error(at, "", "${" + expr + "} refers to a key that does not exist in the file");
      return Node();
    }
    stack.push_back(expr);
    Node out = resolve(*target);
    stack.pop_back();
    return out;
  }

  Node resolveScalar(const Node& n) {
    const std::string& s = n.text();
    if (s.find("${") == std::string::npos) return n;
    // Whole value is one reference: keep the referenced node's type (a number stays a number).
    if (s.rfind("${", 0) == 0 && s.find("${", 2) == std::string::npos && s.back() == '}' && s.find('}') == s.size() - 1)
      return evaluate(s.substr(2, s.size() - 3), n.location());
    std::string out;
    std::size_t i = 0;
    while (i < s.size()) {
      if (s.compare(i, 3, "\\${") == 0) {
        out += "${";
        i += 3;
        continue;
      }
      if (s.compare(i, 2, "${") == 0) {
        auto close = s.find('}', i);
        if (close == std::string::npos) {
          diags.error(n.location(), "", "unterminated ${ in \"" + s + "\"");
          return n;
        }
        Node v = evaluate(s.substr(i + 2, close - i - 2), n.location());
        if (v.isScalar()) {
          out += v.text();
          if (out.size() > budget.limits().maxBytes) budget.charge(out.size(), n.location());
        }
        else if (!v.isNull())
          diags.error(
              n.location(), "",
              "${" + s.substr(i + 2, close - i - 2) + "} is " + v.describe() + " and cannot be pasted into a string");
        i = close + 1;
        continue;
      }
      out += s[i++];
    }
    budget.charge(out.size(), n.location());
    return Node::scalar(out, true, n.location());
  }

  Node resolve(const Node& n) {
    switch (n.kind()) {
      case Node::Kind::Scalar:
        if (n.text().find("${") == std::string::npos) budget.charge(n.text().size(), n.location());
        return resolveScalar(n);
      case Node::Kind::Sequence: {
        Node out = Node::sequence(n.location());
        cfg::ExpansionBudget::Level level(budget, n.location());
        for (const auto& i : n.items()) out.push(resolve(i));
        return out;
      }
      case Node::Kind::Map: {
        Node out = Node::map(n.location());
        cfg::ExpansionBudget::Level level(budget, n.location());
        for (const auto& [k, v] : n.entries()) out.set(k, resolve(v), n.keyLocation(k));
        return out;
      }
      case Node::Kind::Null:
        budget.charge(0, n.location());
        return n;
    }
    return n;
  }
};

}  // namespace

Node interpolate(const Node& root, Diagnostics& diags) {
  try {
    return Interpolator{root, diags, {}}.resolve(root);
  } catch (const cfg::ParseError& e) {
    // The document stays as written; the error says which value multiplied.
    diags.error(e.where, "", e.message);
    return root;
  }
}

// ---------------------------------------------------------------------------
// Overrides

namespace {

// One `--set a.b.c=value`, walked down the document a key (or list step) at a time.
struct Override {
  Location where;
  std::string path;
  Node value;
  Diagnostics& diags;
  std::string walked;  // the part of the path already found

  std::string here() const { return walked.empty() ? "the file" : walked; }

  // A list index, or the name of a list-form step; null (after reporting) when there is none.
  Node* item(Node& list, const std::string& part) {
    const auto names = listStepNames(list);
    char* end = nullptr;
    const long idx = std::strtol(part.c_str(), &end, 10);
    std::size_t at = names.size();
    if (*end == '\0' && !part.empty() && idx >= 0) {
      at = static_cast<std::size_t>(idx);
    } else if (auto it = std::find(names.begin(), names.end(), part); it != names.end()) {
      at = static_cast<std::size_t>(it - names.begin());
    }
    if (at < list.items().size()) return &list.items()[at];
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
    diags.error(where, path, "no step '" + part + "' in " + here() + "; steps are: " + known);
    return nullptr;
  }

  // The mapping that holds `part`: the node, or the init_args of a class_path-style component
  // (`trainer.lr` reaches into them).
  static Node* holder(Node& map, const std::string& part) {
    if (!map.find(part) && syntax::styleOf(map) == syntax::Style::JsonArgParse && !syntax::isStructuralKey(part))
      if (Node* args = syntax::argumentsNode(map, true)) return args;
    return &map;
  }

  void apply(Node& root, const std::vector<std::string>& parts) {
    Node* cur = &root;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      const std::string& part = parts[i];
      const bool last = i + 1 == parts.size();
      if (cur->isSequence()) {
        Node* next = item(*cur, part);
        if (!next) return;
        if (last) {
          *next = value;
          return;
        }
        cur = next;
      } else if (cur->isMap()) {
        cur = holder(*cur, part);
        if (last) {
          cur->set(part, value);
          return;
        }
        Node* next = cur->find(part);
        if (!next) {
          std::string keys;
          for (const auto& e : cur->entries()) keys += (keys.empty() ? "" : ", ") + e.first;
          diags.error(where, path,
                      "no key '" + part + "' in " + here() + "; it has: " + (keys.empty() ? "nothing" : keys));
          return;
        }
        cur = next;
      } else {
        diags.error(where, path, "'" + walked + "' is a " + cur->kindName() + ", not a mapping, so it has no '" + part + "'");
        return;
      }
      walked += (walked.empty() ? "" : ".") + part;
    }
  }
};

}  // namespace

void applyOverride(Node& root, const std::string& assignment, Diagnostics& diags) {
  const Location where{"--set " + assignment, 0, 0};
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    diags.error(where, "", "expected KEY=VALUE, e.g. --set epochs=10 or --set training_pipeline.steps.trainer.lr=1e-3");
    return;
  }
  const std::string path = assignment.substr(0, eq);
  Node value;
  try {
    value = cfg::parseYamlValue(assignment.substr(eq + 1), where);
  } catch (const cfg::ParseError& e) {
    diags.error(where, path, e.message);
    return;
  }
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    const auto dot = path.find('.', start);
    parts.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  Override{where, path, std::move(value), diags, {}}.apply(root, parts);
}

}  // namespace tf
