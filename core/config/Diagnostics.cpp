#include "config/Diagnostics.h"

namespace tf {

std::string Diagnostic::str() const {
  std::string s = where.str() + ": ";
  if (severity == Severity::Warning) s += "warning: ";
  if (!key.empty()) s += key + ": ";
  return s + message;
}

void Diagnostics::error(cfg::Location where, std::string key, std::string message) {
  list_.push_back({Diagnostic::Severity::Error, std::move(where), std::move(key), std::move(message)});
}

void Diagnostics::warning(cfg::Location where, std::string key, std::string message) {
  list_.push_back({Diagnostic::Severity::Warning, std::move(where), std::move(key), std::move(message)});
}

bool Diagnostics::hasErrors() const {
  for (const auto& d : list_)
    if (d.severity == Diagnostic::Severity::Error) return true;
  return false;
}

std::string Diagnostics::str() const {
  std::string s;
  for (const auto& d : list_) s += d.str() + "\n";
  return s;
}

void Diagnostics::append(const Diagnostics& other) {
  list_.insert(list_.end(), other.list_.begin(), other.list_.end());
}

}  // namespace tf
