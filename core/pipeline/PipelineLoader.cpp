#include "pipeline/PipelineLoader.h"

#include "registry/Registry.h"

#include <algorithm>
#include <map>
#include <set>

namespace tf {

using cfg::Location;
using cfg::Node;

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
    const Node* at = syntax::classPathNode(node);
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

namespace {

// The step nodes of the chosen pipeline with their names, in file order.
std::vector<std::pair<std::string, const Node*>> namedSteps(const Node& steps, const std::string& stepsPath,
                                                            Diagnostics& diags) {
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
  return items;
}

// A step's `inputs:` as written, recorded as unresolved bindings (matched by bindInputs).
void readInputs(Step& s, const Node& in, Diagnostics& diags) {
  s.explicitInputs = true;
  auto addRef = [&](const std::string& port, const Node& ref) {
    if (!ref.isScalar()) {
      diags.error(ref.location(), s.name + "." + syntax::kInputs,
                  "expected 'step' or 'step.output', got " + ref.describe());
      return;
    }
    auto dot = ref.text().find('.');
    s.inputs.push_back({port, ref.text().substr(0, dot), dot == std::string::npos ? "" : ref.text().substr(dot + 1)});
  };
  if (in.isScalar())
    addRef("", in);
  else if (in.isSequence())
    for (const auto& r : in.items()) addRef("", r);
  else if (in.isMap())
    for (const auto& [port, r] : in.entries()) addRef(port, r);
  else if (!in.isNull())
    diags.error(in.location(), s.name + "." + syntax::kInputs,
                "expected a step name, a list, or a mapping port: step.output");
}

Step readStep(const std::string& name, const Node& node, const std::string& stepsPath, const Registry& reg,
              Validator& val, Diagnostics& diags) {
  Step s;
  s.name = name;
  s.where = node.location();
  s.docPath = stepsPath + "." + name;
  if (!node.isMap()) {
    diags.error(node.location(), name,
                "expected a component (a mapping with " + syntax::componentKeysText() + "), got " + node.describe());
    return s;
  }
  s.classPath = classPathOf(node);
  s.params = argumentsOf(node);
  if (s.classPath.empty()) {
    diags.error(node.location(), name, "step names no component: expected a key " + syntax::componentKeysText());
  } else if (const ComponentInfo* info = reg.find(s.classPath)) {
    if (info->kind != ComponentInfo::Kind::Step) {
      diags.error(node.location(), name,
                  s.classPath + " is a '" + info->objectKind + "', not a pipeline step; use it inside a step's parameter");
    } else {
      s.info = info;
      val.validateArgs(*info, node, s.params, name + ".");
    }
  } else {
    s.suggestions = reg.closest(s.classPath);
    val.unknownComponent(node, name, s.classPath);
  }
  if (const Node* in = node.find(syntax::kInputs)) readInputs(s, *in, diags);
  return s;
}

// Matches one step's references to other steps' outputs with its input ports.
struct InputBinder {
  const Pipeline& pl;
  const std::map<std::string, const Step*>& byName;
  Diagnostics& diags;

  struct Offer {  // an output a referenced step offers: (step, port, type)
    std::string step, port, type;
    bool used = false;
  };
  std::vector<Offer> offers;
  std::map<std::string, Binding> explicitPorts;
  bool unknownProducer = false;  // unknown producers offer nothing but excuse missing inputs

  void collect(const Step& s, const std::vector<Binding>& refs) {
    for (const auto& r : refs) {
      auto it = byName.find(r.fromStep);
      if (it == byName.end() || it->second == &s) {
        diags.error(s.where, s.name + ".inputs", "refers to step '" + r.fromStep + "', which is not in pipeline " + pl.key);
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
  }

  // `inputs: {port: step[.output]}`: the named port, typed-checked.
  void bindExplicit(Step& s) {
    for (const auto& [port, b] : explicitPorts) {
      const PortSpec* in = s.info->input(port);
      if (!in) {
        diags.error(s.where, s.name + ".inputs." + port, s.classPath + " has no input '" + port + "'");
        continue;
      }
      const Step& from = *byName.at(b.fromStep);
      std::string fromPort = b.fromPort;
      if (fromPort.empty())
        for (const auto& o : from.info->outputs)
          if (portTypesCompatible(o.type, in->type)) {
            fromPort = o.name;
            break;
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
  }

  Offer* pick(const PortSpec& in) {
    for (auto& o : offers)  // same name first, then the first unused output of a fitting type
      if (!o.used && o.port == in.name && portTypesCompatible(o.type, in.type)) return &o;
    for (auto& o : offers)
      if (!o.used && portTypesCompatible(o.type, in.type)) return &o;
    return nullptr;
  }

  // The other ports, from what the referenced steps offer.
  void bindOffered(Step& s, bool first) {
    for (const auto& in : s.info->inputs) {
      if (explicitPorts.count(in.name)) continue;
      if (Offer* o = pick(in)) {
        o->used = true;
        s.inputs.push_back({in.name, o->step, o->port});
      } else if (!in.optional && !unknownProducer) {
        std::string offered;
        for (const auto& o : offers) offered += (offered.empty() ? "" : ", ") + o.step + "." + o.port + " (" + o.type + ")";
        diags.error(s.where, s.name,
                    "needs input '" + in.name + "' (" + in.type + "), but " +
                        (offers.empty() ? (first && !s.explicitInputs ? std::string("it is the first step")
                                                                      : std::string("nothing feeds it"))
                                        : "only " + offered + " is offered") +
                        "; connect it with inputs: {" + in.name + ": step.output}");
      }
    }
  }
};

// Binds inputs. A step without `inputs:` takes the previous step's outputs.
void bindInputs(Pipeline& pl, Diagnostics& diags) {
  std::map<std::string, const Step*> byName;
  for (const auto& s : pl.steps) byName[s.name] = &s;
  for (std::size_t i = 0; i < pl.steps.size(); ++i) {
    Step& s = pl.steps[i];
    pl.dag = pl.dag || s.explicitInputs;
    std::vector<Binding> refs = s.explicitInputs ? s.inputs : std::vector<Binding>{};
    if (!s.explicitInputs && i > 0) refs.push_back({"", pl.steps[i - 1].name, ""});
    s.inputs.clear();
    InputBinder b{pl, byName, diags, {}, {}, false};
    b.collect(s, refs);
    if (!s.info) continue;
    b.bindExplicit(s);
    b.bindOffered(s, i == 0);
  }
}

[[noreturn]] void fatal(const Diagnostics& so_far, const Location& at, const std::string& key, const std::string& msg) {
  Diagnostics d = so_far;
  d.error(at, key, msg);
  throw LoadError(d);
}

// The top-level key of the pipeline to load: the requested one, or the first in the file.
std::string choosePipeline(const LoadedPipeline& out, const LoadOptions& opts, const std::string& fileName) {
  if (out.pipelineKeys.empty())
    fatal(out.diagnostics, Location{fileName, 1, 1}, "",
          "no pipeline found: expected a top-level key whose value has 'steps:' (e.g. training_pipeline: {" +
              std::string(syntax::kTarget) + ": itwinai.pipeline.Pipeline, steps: [...]})");
  const std::string key = opts.pipelineKey.empty() ? out.pipelineKeys.front() : opts.pipelineKey;
  if (std::find(out.pipelineKeys.begin(), out.pipelineKeys.end(), key) == out.pipelineKeys.end()) {
    std::string known;
    for (const auto& p : out.pipelineKeys) known += (known.empty() ? "" : ", ") + p;
    fatal(out.diagnostics, Location{fileName, 0, 0}, key, "no such pipeline in the file; pipelines are: " + known);
  }
  return key;
}

}  // namespace

LoadedPipeline PipelineLoader::loadDocument(Node raw, const std::string& fileName, const LoadOptions& opts) const {
  LoadedPipeline out;
  out.file = fileName;
  Diagnostics& diags = out.diagnostics;
  if (!raw.isMap())
    fatal({}, raw.location().line ? raw.location() : Location{fileName, 1, 1}, "",
          std::string("expected a mapping of top-level values and pipelines, got ") +
              (raw.isNull() ? "an empty file" : raw.kindName()));
  out.raw = raw;

  Node effective = raw;
  for (const auto& o : opts.overrides) applyOverride(effective, o, diags);
  out.resolved = interpolate(effective, diags);
  for (const auto& [k, v] : out.resolved.entries())
    if (isPipelineNode(v)) out.pipelineKeys.push_back(k);
  const std::string key = choosePipeline(out, opts, fileName);
  // Top-level settings the registry knows (loggers: ...), each checked by its owner.
  for (const auto& setting : reg_.settings()) setting.check(out.resolved.find(setting.key), diags);

  Pipeline& pl = out.pipeline;
  pl.key = key;
  pl.file = fileName;
  const Node& pnode = *out.resolved.find(key);
  const std::string stepsPath = key + "." + syntax::stepsPath(pnode);
  Validator val{reg_, diags};
  for (const auto& [name, node] : namedSteps(*stepsOf(pnode), stepsPath, diags))
    pl.steps.push_back(readStep(name, *node, stepsPath, reg_, val, diags));
  bindInputs(pl, diags);
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

}  // namespace tf
