// Where a saved artifact keeps its description, readable without LibTorch (the GUI looks at
// a finished step's outputs through this): <dir>/meta.json with type, meta and tensor names.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

namespace tf {

// A Model artifact's architecture (meta["arch"]) names its class as a pipeline names a
// component; exporters, loaders and summaries find it here.
inline nlohmann::json modelArch(const std::string& classPath) { return {{"class_path", classPath}}; }
inline std::string modelArchClass(const nlohmann::json& arch) {
  return arch.is_object() && arch.contains("class_path") && arch["class_path"].is_string()
             ? arch["class_path"].get<std::string>()
             : std::string();
}

inline std::filesystem::path artifactMetaFile(const std::filesystem::path& dir) { return dir / "meta.json"; }

// The description of the artifact saved in `dir`, or nullopt when there is none or it is not JSON.
inline std::optional<nlohmann::json> readArtifactMeta(const std::filesystem::path& dir) {
  std::ifstream in(artifactMetaFile(dir));
  if (!in) return std::nullopt;
  auto m = nlohmann::json::parse(in, nullptr, false);
  if (m.is_discarded() || !m.is_object()) return std::nullopt;
  return m;
}

}  // namespace tf
