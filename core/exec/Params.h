// A component's arguments as it sees them: the values from the file, with the schema's
// defaults for what the file leaves out. Typed getters; nested components as Params too.
#pragma once

#include "config/Node.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tf {

class Registry;
struct ComponentInfo;

class Params {
 public:
  Params() = default;
  Params(const Registry* reg, const ComponentInfo* info, cfg::Node args);

  const std::string& classPath() const;
  const ComponentInfo* info() const { return info_; }
  // The registry the parameters were checked against: components that build others ask it.
  const Registry* registry() const { return reg_; }
  const cfg::Node& args() const { return args_; }

  // Value given in the file, else the schema's default (null if it has none).
  cfg::Node value(const std::string& name) const;
  bool has(const std::string& name) const;  // given in the file, or has a default
  std::int64_t getInt(const std::string& name) const;
  double getDouble(const std::string& name) const;
  bool getBool(const std::string& name) const;
  std::string getString(const std::string& name) const;
  std::vector<std::int64_t> getIntList(const std::string& name) const;
  std::vector<double> getDoubleList(const std::string& name) const;
  std::vector<std::string> getStringList(const std::string& name) const;
  Params object(const std::string& name) const;  // a nested component parameter

 private:
  [[noreturn]] void fail(const std::string& name, const std::string& expected) const;
  const Registry* reg_ = nullptr;
  const ComponentInfo* info_ = nullptr;
  cfg::Node args_;
};

}  // namespace tf
