// Problems found while loading or validating a pipeline, each tied to a place in a file.
// Loading collects all of them so the user fixes a file in one pass, not one error per run.
#pragma once

#include "config/Node.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace tf {

struct Diagnostic {
  enum class Severity { Error, Warning };
  Severity severity = Severity::Error;
  cfg::Location where;
  std::string key;      // dotted path of the value concerned, e.g. "trainer.lr"
  std::string message;  // what was expected and what was found
  // "pipeline.yaml:14:7: trainer.lr: expected a number > 0, got "fast""
  std::string str() const;
};

class Diagnostics {
 public:
  void error(cfg::Location where, std::string key, std::string message);
  void warning(cfg::Location where, std::string key, std::string message);
  bool hasErrors() const;
  const std::vector<Diagnostic>& all() const { return list_; }
  std::string str() const;  // one line per diagnostic
  void append(const Diagnostics& other);

 private:
  std::vector<Diagnostic> list_;
};

// Thrown when a file cannot be used at all; carries every diagnostic found.
class LoadError : public std::runtime_error {
 public:
  explicit LoadError(Diagnostics d) : std::runtime_error(d.str()), diags_(std::move(d)) {}
  const Diagnostics& diagnostics() const { return diags_; }

 private:
  Diagnostics diags_;
};

}  // namespace tf
