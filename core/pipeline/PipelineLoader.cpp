#include "pipeline/PipelineLoader.h"

#include "registry/Registry.h"
#include "track/Loggers.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

namespace tf {

using cfg::Location;
using cfg::Node;

// Keys of a component node that are structure, not arguments.
static const std::set<std::string> kStructuralKeys = {"_target_", "class_path", "init_args", "inputs", "_name_"};

std::string classPathOf(const Node& n) {
  if (!n.isMap()) return {};
  if (const Node* t = n.find("_target_"); t && t->isScalar()) return t->text();
  if (const Node* c = n.find("class_path"); c && c->isScalar()) return c->text();
  return {};
}

Node argumentsOf(const Node& n) {
  if (!n.isMap()) return Node::map(n.location());
  if (n.find("class_path")) {
    if (const Node* a = n.find("init_args"); a && a->isMap()) return *a;
    return Node::map(n.location());
  }
  Node args = Node::map(n.location());
  for (const auto& [k, v] : n.entries())
    if (!kStructuralKeys.count(k)) args.set(k, v, n.keyLocation(k));
  return args;
}

const Node* stepsOf(const Node& n) {
  if (!n.isMap()) return nullptr;
  if (const Node* s = n.find("steps")) return s;
  if (const Node* a = n.find("init_args"); a && a->isMap())
    if (const Node* s = a->find("steps")) return s;
  return nullptr;
}

bool isPipelineNode(const Node& n) { return stepsOf(n) != nullptr; }

// ---------------------------------------------------------------------------
// Interpolation

namespace {

struct Interpolator {
  const Node& root;
  Diagnostics& diags;
  std::vector<std::string> stack;  // references being resolved, for cycle detection

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
        if (v.isScalar())
          out += v.text();
        else if (!v.isNull())
          diags.error(
              n.location(), "",
              "${" + s.substr(i + 2, close - i - 2) + "} is " + v.describe() + " and cannot be pasted into a string");
        i = close + 1;
        continue;
      }
      out += s[i++];
    }
    return Node::scalar(out, true, n.location());
  }

  Node resolve(const Node& n) {
    switch (n.kind()) {
      case Node::Kind::Scalar:
        return resolveScalar(n);
      case Node::Kind::Sequence: {
        Node out = Node::sequence(n.location());
        for (const auto& i : n.items()) out.push(resolve(i));
        return out;
      }
      case Node::Kind::Map: {
        Node out = Node::map(n.location());
        for (const auto& [k, v] : n.entries()) out.set(k, resolve(v), n.keyLocation(k));
        return out;
      }
      case Node::Kind::Null:
        return n;
    }
    return n;
  }
};

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

std::vector<std::string> listStepNames(const Node& steps) {
  std::vector<std::string> names;
  std::map<std::string, int> used;
  for (const auto& item : steps.items()) {
    std::string base;
    if (const Node* n = item.isMap() ? item.find("_name_") : nullptr; n && n->isScalar()) {
      base = n->text();
    } else {
      std::string cp = classPathOf(item);
      auto dot = cp.rfind('.');
      base = snakeCase(dot == std::string::npos ? cp : cp.substr(dot + 1));
    }
    int k = ++used[base];
    names.push_back(k == 1 ? base : base + "_" + std::to_string(k));
  }
  return names;
}

Node interpolate(const Node& root, Diagnostics& diags) { return Interpolator{root, diags, {}}.resolve(root); }

// ---------------------------------------------------------------------------
// Overrides

void applyOverride(Node& root, const std::string& assignment, Diagnostics& diags) {
  Location where{"--set " + assignment, 0, 0};
  auto eq = assignment.find('=');
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
    auto dot = path.find('.', start);
    parts.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  Node* cur = &root;
  std::string walked;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string& part = parts[i];
    const bool last = i + 1 == parts.size();
    auto available = [&](const Node& n) {
      std::string s;
      if (n.isMap())
        for (const auto& e : n.entries()) s += (s.empty() ? "" : ", ") + e.first;
      return s.empty() ? std::string("nothing") : s;
    };
    if (cur->isSequence()) {
      // A list index, or the name of a list-form step.
      auto names = listStepNames(*cur);
      char* end = nullptr;
      long idx = std::strtol(part.c_str(), &end, 10);
      std::size_t at = names.size();
      if (*end == '\0' && !part.empty()) {
        at = static_cast<std::size_t>(idx);
      } else {
        auto it = std::find(names.begin(), names.end(), part);
        if (it != names.end()) at = static_cast<std::size_t>(it - names.begin());
      }
      if (at >= cur->items().size()) {
        std::string known;
        for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
        diags.error(where, path,
                    "no step '" + part + "' in " + (walked.empty() ? "the file" : walked) + "; steps are: " + known);
        return;
      }
      if (last) {
        cur->items()[at] = value;
        return;
      }
      cur = &cur->items()[at];
    } else if (cur->isMap()) {
      Node* next = cur->find(part);
      // `trainer.lr` reaches into init_args of a class_path-style component.
      if (!next && cur->find("class_path") && !kStructuralKeys.count(part)) {
        if (!cur->find("init_args")) cur->set("init_args", Node::map(cur->location()));
        Node* args = cur->find("init_args");
        if (args->isMap()) {
          cur = args;
          next = cur->find(part);
        }
      }
      if (last) {
        cur->set(part, value);
        return;
      }
      if (!next) {
        diags.error(
            where, path,
            "no key '" + part + "' in " + (walked.empty() ? "the file" : walked) + "; it has: " + available(*cur));
        return;
      }
      // `steps` of a class_path pipeline live in init_args too.
      cur = next;
    } else {
      diags.error(where, path,
                  "'" + walked + "' is a " + cur->kindName() + ", not a mapping, so it has no '" + part + "'");
      return;
    }
    walked += (walked.empty() ? "" : ".") + part;
  }
}

// ---------------------------------------------------------------------------
// Loading and validation

namespace {

struct Validator {
  const Registry& reg;
  Diagnostics& diags;

  // Validates the arguments of a component against its schema (recursing into nested ones).
  void validateArgs(const ComponentInfo& info, const Node& componentNode, const Node& args,
                    const std::string& keyPrefix) {
    for (const auto& [k, v] : args.entries()) {
      const ParamSpec* spec = info.param(k);
      if (!spec) {
        std::string known;
        for (const auto& p : info.params) known += (known.empty() ? "" : ", ") + p.name;
        diags.error(
            args.keyLocation(k), keyPrefix + k,
            "unknown parameter for " + info.classPath + "; it takes: " + (known.empty() ? "no parameters" : known));
        continue;
      }
      spec->validate(v, keyPrefix + k, diags);
      if (spec->type == ParamType::Component && v.isMap()) validateObject(*spec, v, keyPrefix + k);
    }
    for (const auto& p : info.params)
      if (p.required && !args.find(p.name))
        diags.error(componentNode.location(), keyPrefix + p.name, "is required: expected " + p.expectation());
  }

  void validateObject(const ParamSpec& spec, const Node& node, const std::string& key) {
    const std::string cp = classPathOf(node);
    const ComponentInfo* info = reg.find(cp);
    if (!info) {
      unknownComponent(node, key, cp);
      return;
    }
    if (info->kind != ComponentInfo::Kind::Object || info->objectKind != spec.objectKind) {
      diags.error(node.location(), key,
                  "expected a component of kind '" + spec.objectKind + "', but " + cp + " is " +
                      (info->kind == ComponentInfo::Kind::Step ? "a pipeline step" : "a '" + info->objectKind + "'"));
      return;
    }
    validateArgs(*info, node, argumentsOf(node), key + ".");
  }

  void unknownComponent(const Node& node, const std::string& key, const std::string& cp) {
    std::string msg = "unknown component '" + cp + "'";
    auto near = reg.closest(cp);
    if (!near.empty()) {
      msg += "; closest known: ";
      for (std::size_t i = 0; i < near.size(); ++i) msg += (i ? ", " : "") + near[i];
    }
    msg += " (is its plugin installed? see twinforge-run --list-components)";
    const Node* at = node.find("_target_") ? node.find("_target_") : node.find("class_path");
    diags.error(at ? at->location() : node.location(), key, msg);
  }
};

// Steps in dependency order, file order among equals (stable Kahn's algorithm).
bool topoSort(std::vector<Step>& steps, Diagnostics& diags) {
  std::map<std::string, int> index;
  for (std::size_t i = 0; i < steps.size(); ++i) index[steps[i].name] = static_cast<int>(i);
  std::vector<std::set<int>> deps(steps.size());
  for (std::size_t i = 0; i < steps.size(); ++i)
    for (const auto& b : steps[i].inputs) deps[i].insert(index.at(b.fromStep));
  std::vector<Step> out;
  std::vector<bool> done(steps.size(), false);
  while (out.size() < steps.size()) {
    bool progressed = false;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      if (done[i]) continue;
      bool ready =
          std::all_of(deps[i].begin(), deps[i].end(), [&](int d) { return done[static_cast<std::size_t>(d)]; });
      if (!ready) continue;
      done[i] = true;
      out.push_back(steps[i]);
      progressed = true;
      break;
    }
    if (!progressed) {
      std::string cycle;
      for (std::size_t i = 0; i < steps.size(); ++i)
        if (!done[i]) cycle += (cycle.empty() ? "" : ", ") + steps[i].name;
      diags.error(steps.front().where, "", "the steps' inputs form a cycle among: " + cycle);
      return false;
    }
  }
  steps = std::move(out);
  return true;
}

}  // namespace

LoadedPipeline PipelineLoader::loadFile(const std::string& path, const LoadOptions& opts) const {
  Node raw;
  try {
    raw = cfg::parseYamlFile(path);
  } catch (const cfg::ParseError& e) {
    Diagnostics d;
    d.error(e.where, "", e.message);
    throw LoadError(d);
  }
  return loadDocument(std::move(raw), path, opts);
}

LoadedPipeline PipelineLoader::loadText(const std::string& text, const std::string& fileName,
                                        const LoadOptions& opts) const {
  Node raw;
  try {
    raw = cfg::parseYaml(text, fileName);
  } catch (const cfg::ParseError& e) {
    Diagnostics d;
    d.error(e.where, "", e.message);
    throw LoadError(d);
  }
  return loadDocument(std::move(raw), fileName, opts);
}

LoadedPipeline PipelineLoader::loadDocument(Node raw, const std::string& fileName, const LoadOptions& opts) const {
  LoadedPipeline out;
  out.file = fileName;
  Diagnostics& diags = out.diagnostics;
  if (!raw.isMap()) {
    Diagnostics d;
    d.error(raw.location().line ? raw.location() : Location{fileName, 1, 1}, "",
            std::string("expected a mapping of top-level values and pipelines, got ") +
                (raw.isNull() ? "an empty file" : raw.kindName()));
    throw LoadError(d);
  }
  out.raw = raw;

  Node effective = raw;
  for (const auto& o : opts.overrides) applyOverride(effective, o, diags);
  out.resolved = interpolate(effective, diags);

  for (const auto& [k, v] : out.resolved.entries())
    if (isPipelineNode(v)) out.pipelineKeys.push_back(k);
  if (out.pipelineKeys.empty()) {
    Diagnostics d = diags;
    d.error(Location{fileName, 1, 1}, "",
            "no pipeline found: expected a top-level key whose value has 'steps:' (e.g. training_pipeline: {_target_: "
            "itwinai.pipeline.Pipeline, steps: [...]})");
    throw LoadError(d);
  }
  std::string key = opts.pipelineKey.empty() ? out.pipelineKeys.front() : opts.pipelineKey;
  if (std::find(out.pipelineKeys.begin(), out.pipelineKeys.end(), key) == out.pipelineKeys.end()) {
    Diagnostics d = diags;
    std::string known;
    for (const auto& p : out.pipelineKeys) known += (known.empty() ? "" : ", ") + p;
    d.error(Location{fileName, 0, 0}, key, "no such pipeline in the file; pipelines are: " + known);
    throw LoadError(d);
  }

  out.loggers = track::parseLoggers(out.resolved.find("loggers"), diags);

  Pipeline& pl = out.pipeline;
  pl.key = key;
  pl.file = fileName;
  const Node& pnode = *out.resolved.find(key);
  const Node& steps = *stepsOf(pnode);
  const std::string stepsPath = key + (pnode.find("steps") ? ".steps" : ".init_args.steps");

  // Collect the step nodes with their names.
  std::vector<std::pair<std::string, const Node*>> items;
  if (steps.isSequence()) {
    auto names = listStepNames(steps);
    for (std::size_t i = 0; i < names.size(); ++i) items.emplace_back(names[i], &steps.items()[i]);
  } else if (steps.isMap()) {
    for (const auto& [k, v] : steps.entries()) items.emplace_back(k, &v);
  } else {
    diags.error(steps.location(), stepsPath,
                std::string("expected a list of steps or a mapping of named steps, got ") + steps.kindName());
  }

  Validator val{reg_, diags};
  for (const auto& [name, node] : items) {
    Step s;
    s.name = name;
    s.where = node->location();
    s.docPath = stepsPath + "." + name;
    if (!node->isMap()) {
      diags.error(node->location(), name,
                  std::string("expected a component (a mapping with _target_ or class_path), got ") + node->describe());
      pl.steps.push_back(std::move(s));
      continue;
    }
    s.classPath = classPathOf(*node);
    s.params = argumentsOf(*node);
    if (s.classPath.empty()) {
      diags.error(node->location(), name, "step names no component: expected a '_target_' or 'class_path' key");
    } else if (const ComponentInfo* info = reg_.find(s.classPath)) {
      if (info->kind != ComponentInfo::Kind::Step) {
        diags.error(
            node->location(), name,
            s.classPath + " is a '" + info->objectKind + "', not a pipeline step; use it inside a step's parameter");
      } else {
        s.info = info;
        val.validateArgs(*info, *node, s.params, name + ".");
      }
    } else {
      s.suggestions = reg_.closest(s.classPath);
      val.unknownComponent(*node, name, s.classPath);
    }
    if (const Node* in = node->find("inputs")) {
      s.explicitInputs = true;
      // Recorded as unresolved bindings (port empty) and matched below.
      auto addRef = [&](const std::string& port, const Node& ref) {
        if (!ref.isScalar()) {
          diags.error(ref.location(), name + ".inputs", "expected 'step' or 'step.output', got " + ref.describe());
          return;
        }
        auto dot = ref.text().find('.');
        s.inputs.push_back(
            {port, ref.text().substr(0, dot), dot == std::string::npos ? "" : ref.text().substr(dot + 1)});
      };
      if (in->isScalar())
        addRef("", *in);
      else if (in->isSequence())
        for (const auto& r : in->items()) addRef("", r);
      else if (in->isMap())
        for (const auto& [port, r] : in->entries()) addRef(port, r);
      else if (!in->isNull())
        diags.error(in->location(), name + ".inputs", "expected a step name, a list, or a mapping port: step.output");
    }
    pl.steps.push_back(std::move(s));
  }

  // Bind inputs. A step without `inputs:` takes the previous step's outputs.
  std::map<std::string, const Step*> byName;
  for (const auto& s : pl.steps) byName[s.name] = &s;
  for (std::size_t i = 0; i < pl.steps.size(); ++i) {
    Step& s = pl.steps[i];
    pl.dag = pl.dag || s.explicitInputs;
    std::vector<Binding> refs = s.explicitInputs ? s.inputs : std::vector<Binding>{};
    if (!s.explicitInputs && i > 0) refs.push_back({"", pl.steps[i - 1].name, ""});
    s.inputs.clear();
    // Offered outputs: (step, port, type); unknown producers offer nothing but excuse missing inputs.
    struct Offer {
      std::string step, port, type;
      bool used = false;
    };
    std::vector<Offer> offers;
    bool unknownProducer = false;
    std::map<std::string, Binding> explicitPorts;
    for (const auto& r : refs) {
      auto it = byName.find(r.fromStep);
      if (it == byName.end() || it->second == &s) {
        diags.error(s.where, s.name + ".inputs",
                    "refers to step '" + r.fromStep + "', which is not in pipeline " + pl.key);
        continue;
      }
      const Step& from = *it->second;
      if (!from.info) {
        unknownProducer = true;
        continue;
      }
      if (!r.fromPort.empty() && !from.info->output(r.fromPort)) {
        std::string outs;
        for (const auto& o : from.info->outputs) outs += (outs.empty() ? "" : ", ") + o.name;
        diags.error(s.where, s.name + ".inputs",
                    "step '" + from.name + "' (" + from.classPath + ") has no output '" + r.fromPort +
                        "'; its outputs: " + (outs.empty() ? "none" : outs));
        continue;
      }
      if (!r.port.empty()) {
        explicitPorts[r.port] = r;
        continue;
      }
      for (const auto& o : from.info->outputs)
        if (r.fromPort.empty() || o.name == r.fromPort) offers.push_back({from.name, o.name, o.type});
    }
    if (!s.info) continue;
    for (const auto& [port, b] : explicitPorts) {
      const PortSpec* in = s.info->input(port);
      if (!in) {
        diags.error(s.where, s.name + ".inputs." + port, s.classPath + " has no input '" + port + "'");
        continue;
      }
      const Step& from = *byName[b.fromStep];
      std::string fromPort = b.fromPort;
      if (fromPort.empty()) {
        for (const auto& o : from.info->outputs)
          if (portTypesCompatible(o.type, in->type)) {
            fromPort = o.name;
            break;
          }
      }
      const PortSpec* out = from.info->output(fromPort);
      if (!out || !portTypesCompatible(out->type, in->type)) {
        diags.error(s.where, s.name + ".inputs." + port,
                    "expects " + in->type + ", but '" + b.fromStep + (fromPort.empty() ? "" : "." + fromPort) +
                        "' gives " + (out ? out->type : std::string("no compatible output")));
        continue;
      }
      s.inputs.push_back({port, b.fromStep, fromPort});
    }
    for (const auto& in : s.info->inputs) {
      if (explicitPorts.count(in.name)) continue;
      Offer* pick = nullptr;
      for (auto& o : offers)  // same name first, then the first unused output of a fitting type
        if (!o.used && o.port == in.name && portTypesCompatible(o.type, in.type)) {
          pick = &o;
          break;
        }
      if (!pick)
        for (auto& o : offers)
          if (!o.used && portTypesCompatible(o.type, in.type)) {
            pick = &o;
            break;
          }
      if (pick) {
        pick->used = true;
        s.inputs.push_back({in.name, pick->step, pick->port});
      } else if (!in.optional && !unknownProducer) {
        std::string offered;
        for (const auto& o : offers)
          offered += (offered.empty() ? "" : ", ") + o.step + "." + o.port + " (" + o.type + ")";
        diags.error(s.where, s.name,
                    "needs input '" + in.name + "' (" + in.type + "), but " +
                        (offers.empty() ? (i == 0 && !s.explicitInputs ? std::string("it is the first step")
                                                                       : std::string("nothing feeds it"))
                                        : "only " + offered + " is offered") +
                        "; connect it with inputs: {" + in.name + ": step.output}");
      }
    }
  }
  if (!diags.hasErrors() && pl.dag) topoSort(pl.steps, diags);
  return out;
}

const Step* Pipeline::step(const std::string& name) const {
  for (const auto& s : steps)
    if (s.name == name) return &s;
  return nullptr;
}

int Pipeline::indexOf(const std::string& name) const {
  for (std::size_t i = 0; i < steps.size(); ++i)
    if (steps[i].name == name) return static_cast<int>(i);
  return -1;
}

bool Pipeline::hasUnknownComponents() const {
  return std::any_of(steps.begin(), steps.end(), [](const Step& s) { return !s.info; });
}

std::string defaultStepName(const std::string& classPath) {
  const auto dot = classPath.rfind('.');
  return snakeCase(dot == std::string::npos ? classPath : classPath.substr(dot + 1));
}

}  // namespace tf
