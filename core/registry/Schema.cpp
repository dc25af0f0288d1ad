#include "registry/Schema.h"

#include "config/ComponentSyntax.h"
#include "config/Diagnostics.h"
#include "config/Node.h"

#include <cmath>
#include <sstream>

namespace tf {

const char* paramTypeName(ParamType t) {
  switch (t) {
    case ParamType::Int:
      return "int";
    case ParamType::Float:
      return "float";
    case ParamType::Bool:
      return "bool";
    case ParamType::String:
      return "string";
    case ParamType::Path:
      return "path";
    case ParamType::Enum:
      return "enum";
    case ParamType::IntList:
      return "list[int]";
    case ParamType::FloatList:
      return "list[float]";
    case ParamType::StringList:
      return "list[string]";
    case ParamType::Component:
      return "component";
    case ParamType::Map:
      return "mapping";
    case ParamType::Any:
      return "any";
  }
  return "?";
}

namespace {
ParamSpec make(std::string name, ParamType t, std::string def) {
  ParamSpec p;
  p.name = std::move(name);
  p.type = t;
  p.defaultValue = std::move(def);
  return p;
}

std::string fmtNum(double v) {
  std::ostringstream ss;
  ss << v;
  return ss.str();
}
}  // namespace

ParamSpec ParamSpec::Int(std::string n, std::string d) { return make(std::move(n), ParamType::Int, std::move(d)); }
ParamSpec ParamSpec::Float(std::string n, std::string d) { return make(std::move(n), ParamType::Float, std::move(d)); }
ParamSpec ParamSpec::Bool(std::string n, bool d) { return make(std::move(n), ParamType::Bool, d ? "true" : "false"); }
ParamSpec ParamSpec::String(std::string n, std::string d) {
  return make(std::move(n), ParamType::String, std::move(d));
}
ParamSpec ParamSpec::Path(std::string n, std::string d) { return make(std::move(n), ParamType::Path, std::move(d)); }
ParamSpec ParamSpec::Enum(std::string n, std::vector<std::string> c, std::string d) {
  ParamSpec p = make(std::move(n), ParamType::Enum, std::move(d));
  p.choices = std::move(c);
  return p;
}
ParamSpec ParamSpec::IntList(std::string n, std::string d) {
  return make(std::move(n), ParamType::IntList, std::move(d));
}
ParamSpec ParamSpec::FloatList(std::string n, std::string d) {
  return make(std::move(n), ParamType::FloatList, std::move(d));
}
ParamSpec ParamSpec::StringList(std::string n, std::string d) {
  return make(std::move(n), ParamType::StringList, std::move(d));
}
ParamSpec ParamSpec::Object(std::string n, std::string kind, std::string d) {
  ParamSpec p = make(std::move(n), ParamType::Component, std::move(d));
  p.objectKind = std::move(kind);
  return p;
}
ParamSpec ParamSpec::Mapping(std::string n) { return make(std::move(n), ParamType::Map, {}); }

std::string ParamSpec::expectation() const {
  std::string bounds;
  if (min) bounds += std::string(minExclusive ? " > " : " >= ") + fmtNum(*min);
  if (max) bounds += std::string(min ? " and" : "") + (maxExclusive ? " < " : " <= ") + fmtNum(*max);
  switch (type) {
    case ParamType::Int:
      return "an integer" + bounds;
    case ParamType::Float:
      return "a number" + bounds;
    case ParamType::Bool:
      return "true or false";
    case ParamType::String:
      return "a string";
    case ParamType::Path:
      return "a file path";
    case ParamType::Enum: {
      std::string s = "one of ";
      for (std::size_t i = 0; i < choices.size(); ++i) s += (i ? ", " : "") + choices[i];
      return s;
    }
    case ParamType::IntList:
      return "a list of integers" + bounds;
    case ParamType::FloatList:
      return "a list of numbers" + bounds;
    case ParamType::StringList:
      return "a list of strings";
    case ParamType::Component:
      return "a component (" + syntax::componentKeysText() + ") of kind '" + objectKind + "'";
    case ParamType::Map:
      return "a mapping";
    case ParamType::Any:
      return "any value";
  }
  return "?";
}

namespace {
bool inBounds(const ParamSpec& p, double v) {
  if (std::isnan(v)) return false;
  if (p.min && (p.minExclusive ? !(v > *p.min) : !(v >= *p.min))) return false;
  if (p.max && (p.maxExclusive ? !(v < *p.max) : !(v <= *p.max))) return false;
  return true;
}
}  // namespace

void ParamSpec::validate(const cfg::Node& value, const std::string& key, Diagnostics& diags) const {
  auto fail = [&](const cfg::Node& at) {
    diags.error(at.location(), key, "expected " + expectation() + ", got " + at.describe());
  };
  if (value.isNull()) {
    if (required) diags.error(value.location(), key, "is required: expected " + expectation());
    return;
  }
  auto checkNumber = [&](const cfg::Node& v, bool integer) {
    if (integer ? !v.asInt().has_value() : !v.asDouble().has_value()) return fail(v);
    if (!inBounds(*this, integer ? static_cast<double>(*v.asInt()) : *v.asDouble())) fail(v);
  };
  switch (type) {
    case ParamType::Int:
      checkNumber(value, true);
      break;
    case ParamType::Float:
      checkNumber(value, false);
      break;
    case ParamType::Bool:
      if (!value.asBool()) fail(value);
      break;
    case ParamType::String:
    case ParamType::Path:
      if (!value.isScalar()) fail(value);
      break;
    case ParamType::Enum: {
      bool ok = value.isScalar();
      if (ok) {
        ok = false;
        for (const auto& c : choices) ok = ok || c == value.text();
      }
      if (!ok) fail(value);
      break;
    }
    case ParamType::IntList:
    case ParamType::FloatList:
    case ParamType::StringList:
      if (!value.isSequence()) return fail(value);
      for (const auto& item : value.items()) {
        if (type == ParamType::StringList) {
          if (!item.isScalar()) fail(item);
        } else {
          checkNumber(item, type == ParamType::IntList);
        }
      }
      break;
    case ParamType::Component:
      if (!syntax::isComponent(value)) fail(value);
      break;
    case ParamType::Map:
      if (!value.isMap()) fail(value);
      break;
    case ParamType::Any:
      break;
  }
}

bool portTypesCompatible(const std::string& from, const std::string& to) {
  return from == to || from == port::Any || to == port::Any;
}

const ParamSpec* ComponentInfo::param(const std::string& name) const {
  for (const auto& p : params)
    if (p.name == name) return &p;
  return nullptr;
}

const PortSpec* ComponentInfo::input(const std::string& name) const {
  for (const auto& p : inputs)
    if (p.name == name) return &p;
  return nullptr;
}

const PortSpec* ComponentInfo::output(const std::string& name) const {
  for (const auto& p : outputs)
    if (p.name == name) return &p;
  return nullptr;
}

std::string ComponentInfo::shortName() const {
  auto dot = classPath.rfind('.');
  return dot == std::string::npos ? classPath : classPath.substr(dot + 1);
}

std::string ComponentInfo::describe() const {
  std::ostringstream o;
  o << classPath << "  (" << (kind == Kind::Step ? "step" : "object: " + objectKind) << ", plugin " << plugin << ")\n  "
    << doc << "\n";
  auto ports = [&](const char* title, const std::vector<PortSpec>& list) {
    if (list.empty()) return;
    o << "\n" << title << ":\n";
    for (const auto& p : list)
      o << "  " << p.name << " : " << p.type << (p.optional ? " (optional)" : "")
        << (p.doc.empty() ? "" : "  - " + p.doc) << "\n";
  };
  ports("Inputs", inputs);
  ports("Outputs", outputs);
  if (!params.empty()) {
    o << "\nParameters:\n";
    for (const auto& p : params) {
      o << "  " << p.name << " : " << paramTypeName(p.type);
      if (p.required)
        o << "  (required)";
      else if (!p.defaultValue.empty())
        o << " = " << p.defaultValue;
      if (!p.unit.empty()) o << " [" << p.unit << "]";
      o << "\n      " << p.doc;
      if (p.type != ParamType::String && p.type != ParamType::Path && p.type != ParamType::Any)
        o << " (" << p.expectation() << ")";
      o << "\n";
    }
  }
  return o.str();
}

}  // namespace tf
