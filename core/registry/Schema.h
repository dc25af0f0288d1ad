// What a component is: its class path, its parameters (the schema) and its typed ports.
// The schema is the single source of truth for YAML validation, the GUI inspector and --describe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tf {

namespace cfg {
class Node;
}
class Diagnostics;
class Component;
class Params;

enum class ParamType { Int, Float, Bool, String, Path, Enum, IntList, FloatList, StringList, Component, Map, Any };
const char* paramTypeName(ParamType t);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::Any;
  std::string defaultValue;  // YAML text; empty with required=false means "no default" (null)
  bool required = false;
  std::optional<double> min, max;
  bool minExclusive = false, maxExclusive = false;
  std::vector<std::string> choices;  // for Enum
  std::string unit;
  std::string doc;
  std::string objectKind;  // for Component: which kind of object fits, e.g. "model"

  static ParamSpec Int(std::string name, std::string def = {});
  static ParamSpec Float(std::string name, std::string def = {});
  static ParamSpec Bool(std::string name, bool def);
  static ParamSpec String(std::string name, std::string def = {});
  static ParamSpec Path(std::string name, std::string def = {});
  static ParamSpec Enum(std::string name, std::vector<std::string> choices, std::string def);
  static ParamSpec IntList(std::string name, std::string def = {});
  static ParamSpec FloatList(std::string name, std::string def = {});
  static ParamSpec StringList(std::string name, std::string def = {});
  static ParamSpec Object(std::string name, std::string objectKind, std::string def = {});
  static ParamSpec Mapping(std::string name);

  ParamSpec& range(std::optional<double> lo, std::optional<double> hi) {
    min = lo;
    max = hi;
    return *this;
  }
  ParamSpec& above(double lo) {
    min = lo;
    minExclusive = true;
    return *this;
  }
  ParamSpec& atLeast(double lo) {
    min = lo;
    minExclusive = false;
    return *this;
  }
  ParamSpec& below(double hi) {
    max = hi;
    maxExclusive = true;
    return *this;
  }
  ParamSpec& atMost(double hi) {
    max = hi;
    maxExclusive = false;
    return *this;
  }
  ParamSpec& withUnit(std::string u) {
    unit = std::move(u);
    return *this;
  }
  ParamSpec& withDoc(std::string d) {
    doc = std::move(d);
    return *this;
  }
  ParamSpec& mandatory() {
    required = true;
    return *this;
  }

  // "a number > 0", "one of adam, sgd", "a list of integers >= 1"
  std::string expectation() const;
  // Checks a resolved value; reports into diags under `key`. Nested components are the
  // loader's business (they need the registry), so Component only checks the shape here.
  void validate(const cfg::Node& value, const std::string& key, Diagnostics& diags) const;
};

// Port types that flow between steps.
namespace port {
inline constexpr const char* Dataset = "Dataset";  // tensors x (features) and y (targets)
inline constexpr const char* Model = "Model";      // weights + enough metadata to rebuild
inline constexpr const char* Metrics = "Metrics";  // named scalars
inline constexpr const char* Path = "Path";        // a file or folder on disk
inline constexpr const char* TensorMap = "TensorMap";
inline constexpr const char* Any = "Any";
}  // namespace port
bool portTypesCompatible(const std::string& from, const std::string& to);

struct PortSpec {
  std::string name;
  std::string type;
  std::string doc;
  bool optional = false;
};

struct ComponentInfo {
  enum class Kind { Step, Object };  // Step: runs in a pipeline; Object: built inside a step's parameter
  std::string classPath;             // "core.MLPTrainer"
  std::string doc;                   // one line
  std::string category;              // palette group: "Data", "Training", ...
  std::string plugin = "core";
  Kind kind = Kind::Step;
  std::string objectKind;  // for Kind::Object, e.g. "model"
  std::vector<ParamSpec> params;
  std::vector<PortSpec> inputs;
  std::vector<PortSpec> outputs;
  std::function<Component*(const Params&)> factory;  // Step components only
  // Outputs that are a cheap, deterministic function of the step's inputs, parameters and files
  // (readers, splits): not stored in the run, whose folder would otherwise hold every dataset
  // twice; the step runs again whenever a later step needs them (--from, --steps, --resume).
  bool recomputable = false;

  const ParamSpec* param(const std::string& name) const;
  const PortSpec* input(const std::string& name) const;
  const PortSpec* output(const std::string& name) const;
  std::string shortName() const;  // text after the last dot
  // Multi-line description for --describe and tooltips.
  std::string describe() const;
};

}  // namespace tf
