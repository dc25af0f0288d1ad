// Parameters declared once, in the spirit of LibTorch's TORCH_ARG: each entry ties a YAML name
// to a member of a config struct, with its constraints and one-line doc. The member's type
// gives the parameter's type, the struct's own initialiser gives its default, and from that one
// list come the component's schema (validation, inspector, --describe) and the parsing into the
// struct. Nothing else names the parameter.
//
//   struct SplitConfig { double valFraction = 0.2; bool shuffle = true; };
//   const ParamDecls<SplitConfig>& splitParams() {
//     static const auto d = [] {
//       ParamDecls<SplitConfig> d;
//       d.add("val_fraction", &SplitConfig::valFraction).above(0).below(1).withDoc("...");
//       d.add("shuffle", &SplitConfig::shuffle).withDoc("...");
//       return d;
//     }();
//     return d;
//   }
//   c.params = splitParams().schema();   SplitConfig cfg = splitParams().parse(params);
#pragma once

#include "exec/Params.h"
#include "registry/Registry.h"
#include "registry/Schema.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

namespace tf {

namespace paramdecl {

// Shortest text that reads back as the same double: 0.001, not 0.0010000000000000000208.
inline std::string number(double v) {
  char buf[40];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

template <class T>
std::string listText(const std::vector<T>& v) {
  if (v.empty()) return {};
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) s += ", ";
    if constexpr (std::is_same_v<T, std::string>)
      s += v[i];
    else if constexpr (std::is_floating_point_v<T>)
      s += number(v[i]);
    else
      s += std::to_string(v[i]);
  }
  return s + "]";
}

// How a member type maps to a parameter: its schema entry with the default, and its getter.
template <class T>
struct Traits;
template <>
struct Traits<bool> {
  static ParamSpec spec(std::string n, bool d) { return ParamSpec::Bool(std::move(n), d); }
  static bool get(const Params& p, const std::string& n) { return p.getBool(n); }
};
template <>
struct Traits<double> {
  static ParamSpec spec(std::string n, double d) { return ParamSpec::Float(std::move(n), number(d)); }
  static double get(const Params& p, const std::string& n) { return p.getDouble(n); }
};
template <>
struct Traits<std::int64_t> {
  static ParamSpec spec(std::string n, std::int64_t d) { return ParamSpec::Int(std::move(n), std::to_string(d)); }
  static std::int64_t get(const Params& p, const std::string& n) { return p.getInt(n); }
};
template <>
struct Traits<std::uint64_t> {  // seeds: non-negative by nature
  static ParamSpec spec(std::string n, std::uint64_t d) {
    return ParamSpec::Int(std::move(n), std::to_string(d)).atLeast(0);
  }
  static std::uint64_t get(const Params& p, const std::string& n) { return static_cast<std::uint64_t>(p.getInt(n)); }
};
template <>
struct Traits<int> {
  static ParamSpec spec(std::string n, int d) { return ParamSpec::Int(std::move(n), std::to_string(d)); }
  static int get(const Params& p, const std::string& n) { return static_cast<int>(p.getInt(n)); }
};
template <>
struct Traits<std::string> {
  static ParamSpec spec(std::string n, const std::string& d) { return ParamSpec::String(std::move(n), d); }
  static std::string get(const Params& p, const std::string& n) { return p.getString(n); }
};
template <>
struct Traits<std::vector<std::int64_t>> {
  static ParamSpec spec(std::string n, const std::vector<std::int64_t>& d) {
    return ParamSpec::IntList(std::move(n), listText(d));
  }
  static std::vector<std::int64_t> get(const Params& p, const std::string& n) { return p.getIntList(n); }
};
template <>
struct Traits<std::vector<double>> {
  static ParamSpec spec(std::string n, const std::vector<double>& d) {
    return ParamSpec::FloatList(std::move(n), listText(d));
  }
  static std::vector<double> get(const Params& p, const std::string& n) { return p.getDoubleList(n); }
};
template <>
struct Traits<std::vector<std::string>> {
  static ParamSpec spec(std::string n, const std::vector<std::string>& d) {
    return ParamSpec::StringList(std::move(n), listText(d));
  }
  static std::vector<std::string> get(const Params& p, const std::string& n) { return p.getStringList(n); }
};

}  // namespace paramdecl

template <class Config>
class ParamDecls {
 public:
  // `name`, stored in `member`: type and default from the member and Config{}.
  template <class T>
  ParamSpec& add(std::string name, T Config::*member) {
    return push(paramdecl::Traits<T>::spec(name, Config{}.*member),
                [member, name](Config& c, const Params& p) { c.*member = paramdecl::Traits<T>::get(p, name); });
  }
  // A string member that takes one of `choices`.
  ParamSpec& choice(std::string name, std::string Config::*member, std::vector<std::string> choices) {
    return push(ParamSpec::Enum(name, std::move(choices), Config{}.*member),
                [member, name](Config& c, const Params& p) { c.*member = p.getString(name); });
  }
  // A string member that names a file or folder (the inspector offers a file chooser).
  ParamSpec& path(std::string name, std::string Config::*member) {
    return push(ParamSpec::Path(name, Config{}.*member),
                [member, name](Config& c, const Params& p) { c.*member = p.getString(name); });
  }
  // A parameter the schema has but the struct does not hold (a nested component, read by the
  // component itself with Params::object).
  ParamSpec& other(ParamSpec spec) { return push(std::move(spec), nullptr); }

  std::vector<ParamSpec> schema() const {
    std::vector<ParamSpec> out;
    for (const auto& e : entries_) out.push_back(e.spec);
    return out;
  }
  // The schema without the named parameters (a component that sets them itself).
  std::vector<ParamSpec> schemaWithout(const std::vector<std::string>& names) const {
    std::vector<ParamSpec> out;
    for (const auto& e : entries_)
      if (std::find(names.begin(), names.end(), e.spec.name) == names.end()) out.push_back(e.spec);
    return out;
  }
  // Config{} with every declared parameter the component's schema has read from `p`
  // (a parameter its schema leaves out keeps the struct's default).
  Config parse(const Params& p) const {
    Config c;
    for (const auto& e : entries_)
      if (e.read && (!p.info() || p.info()->param(e.spec.name))) e.read(c, p);
    return c;
  }

 private:
  struct Entry {
    ParamSpec spec;
    std::function<void(Config&, const Params&)> read;
  };
  ParamSpec& push(ParamSpec spec, std::function<void(Config&, const Params&)> read) {
    entries_.push_back({std::move(spec), std::move(read)});
    return entries_.back().spec;
  }
  std::deque<Entry> entries_;  // stable references for the chained setters
};

}  // namespace tf
