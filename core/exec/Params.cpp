#include "exec/Params.h"

#include "config/ComponentSyntax.h"
#include "registry/Registry.h"

#include <stdexcept>

namespace tf {

Params::Params(const Registry* reg, const ComponentInfo* info, cfg::Node args)
    : reg_(reg), info_(info), args_(std::move(args)) {}

const std::string& Params::classPath() const {
  static const std::string none;
  return info_ ? info_->classPath : none;
}

void Params::fail(const std::string& name, const std::string& expected) const {
  cfg::Node v = value(name);
  throw std::runtime_error(v.location().str() + ": " + classPath() + "." + name + ": expected " + expected + ", got " +
                           v.describe());
}

cfg::Node Params::value(const std::string& name) const {
  if (const cfg::Node* v = args_.find(name)) return *v;
  const ParamSpec* spec = info_ ? info_->param(name) : nullptr;
  if (!spec) throw std::logic_error(classPath() + " has no parameter '" + name + "'");
  if (spec->defaultValue.empty()) return cfg::Node();
  return cfg::parseYamlValue(spec->defaultValue, cfg::Location{"default of " + classPath() + "." + name, 0, 0});
}

bool Params::has(const std::string& name) const { return !value(name).isNull(); }

std::int64_t Params::getInt(const std::string& name) const {
  auto v = value(name).asInt();
  if (!v) fail(name, "an integer");
  return *v;
}

double Params::getDouble(const std::string& name) const {
  auto v = value(name).asDouble();
  if (!v) fail(name, "a number");
  return *v;
}

bool Params::getBool(const std::string& name) const {
  auto v = value(name).asBool();
  if (!v) fail(name, "true or false");
  return *v;
}

std::string Params::getString(const std::string& name) const {
  cfg::Node v = value(name);
  if (v.isNull()) return {};
  if (!v.isScalar()) fail(name, "a string");
  return v.text();
}

std::vector<std::int64_t> Params::getIntList(const std::string& name) const {
  cfg::Node v = value(name);
  std::vector<std::int64_t> out;
  if (v.isNull()) return out;
  if (!v.isSequence()) fail(name, "a list of integers");
  for (const auto& i : v.items()) {
    if (!i.asInt()) fail(name, "a list of integers");
    out.push_back(*i.asInt());
  }
  return out;
}

std::vector<double> Params::getDoubleList(const std::string& name) const {
  cfg::Node v = value(name);
  std::vector<double> out;
  if (v.isNull()) return out;
  if (!v.isSequence()) fail(name, "a list of numbers");
  for (const auto& i : v.items()) {
    if (!i.asDouble()) fail(name, "a list of numbers");
    out.push_back(*i.asDouble());
  }
  return out;
}

std::vector<std::string> Params::getStringList(const std::string& name) const {
  cfg::Node v = value(name);
  std::vector<std::string> out;
  if (v.isNull()) return out;
  if (!v.isSequence()) fail(name, "a list of strings");
  for (const auto& i : v.items()) out.push_back(i.text());
  return out;
}

Params Params::object(const std::string& name) const {
  cfg::Node v = value(name);
  std::string cp = classPathOf(v);
  const ComponentInfo* info = reg_ ? reg_->find(cp) : nullptr;
  if (!info) fail(name, "a known component");
  return Params(reg_, info, argumentsOf(v));
}

}  // namespace tf
