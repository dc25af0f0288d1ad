// Generated sample files are kept when they were made with the same settings: the settings are
// written as one line ("the recipe") to FILE.recipe after FILE itself, and compared next time.
#pragma once

#include "io/AtomicFile.h"

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>

namespace tf::io {

// True when FILE.recipe holds exactly `recipe` and FILE and every one of `alsoNeeded` exist.
inline bool madeWithRecipe(const std::filesystem::path& file, const std::string& recipe,
                           std::initializer_list<std::filesystem::path> alsoNeeded = {}) {
  const std::filesystem::path r = file.string() + ".recipe";
  if (!std::filesystem::exists(file) || !std::filesystem::exists(r)) return false;
  for (const auto& p : alsoNeeded)
    if (!std::filesystem::exists(p)) return false;
  std::ifstream in(r);
  std::string old;
  std::getline(in, old);
  return old == recipe;
}

// Records the recipe of FILE (written last, so a file cut short is never taken as made).
inline void writeRecipe(const std::filesystem::path& file, const std::string& recipe) {
  writeTextAtomic(file.string() + ".recipe", recipe + "\n");
}

}  // namespace tf::io
