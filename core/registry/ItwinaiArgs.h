// Helpers for components registered under itwinai's class paths (itwinai's own use-case files
// run unchanged): a parameter that takes any value, and a reader of the arguments that says by
// name, with file:line, what is not honoured.
#pragma once

#include "config/Node.h"
#include "exec/Component.h"
#include "exec/Params.h"
#include "registry/Schema.h"

#include <string>
#include <utility>

namespace tf {

// A parameter of any type or shape (itwinai passes nested configs, loggers, strategies).
inline ParamSpec anyParam(std::string name, std::string doc) {
  ParamSpec s;
  s.name = std::move(name);
  s.type = ParamType::Any;
  s.doc = std::move(doc);
  return s;
}

// One itwinai component's arguments, read key by key.
class ArgReader {
 public:
  ArgReader(StepContext& ctx, const Params& p, std::string component) : ctx_(ctx), p_(p), component_(std::move(component)) {}
  const cfg::Node* get(const std::string& key) const {
    const cfg::Node* n = p_.args().find(key);
    return n && !n->isNull() ? n : nullptr;
  }
  std::string text(const std::string& key, const std::string& def) const {
    const cfg::Node* n = get(key);
    return n && n->isScalar() ? n->text() : def;
  }
  // "warning: trainer.X key = value (file:line:col) is not honoured: why"
  void warn(const std::string& key, const std::string& why) {
    const cfg::Node* n = p_.args().find(key);
    ctx_.log("warning: " + component_ + " " + key + " = " + (n ? n->describe() + " (" + n->location().str() + ")" : "?") +
             " is not honoured: " + why);
  }

 private:
  StepContext& ctx_;
  const Params& p_;
  std::string component_;
};

}  // namespace tf
