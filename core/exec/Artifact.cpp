#include "exec/Artifact.h"

#include "exec/ArtifactFiles.h"
#include "io/AtomicFile.h"
#include "io/Hdf5Tensor.h"

#include <fstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace tf {

void Artifact::save(const fs::path& dir) const {
  fs::create_directories(dir);
  nlohmann::json m;
  m["type"] = type;
  m["meta"] = meta;
  m["tensors"] = nlohmann::json::array();
  if (!tensors.empty()) {
    // HDF5 rather than torch's archive: any tool (h5ls, h5py) can open a step's output, and
    // this file compiles without torch's serialization headers.
    io::writeAtomic(dir / "tensors.h5", [&](const fs::path& tmp) {
      h5::File f = h5::File::create(tmp.string());
      for (const auto& [name, t] : tensors) {
        h5::writeTensor(f, "/" + name, t);
        m["tensors"].push_back(name);
      }
    });
  }
  io::writeTextAtomic(artifactMetaFile(dir), m.dump(2) + "\n");
}

Artifact Artifact::load(const fs::path& dir) {
  if (!std::filesystem::exists(artifactMetaFile(dir)))
    throw std::runtime_error("no saved artifact in " + dir.string() + " (meta.json missing)");
  const auto found = readArtifactMeta(dir);
  if (!found || !found->contains("type"))
    throw std::runtime_error(artifactMetaFile(dir).string() + ": not an artifact description");
  const nlohmann::json& m = *found;
  Artifact a;
  a.type = m["type"].get<std::string>();
  a.meta = m.value("meta", nlohmann::json::object());
  const auto names = m.value("tensors", nlohmann::json::array());
  if (!names.empty()) {
    h5::File f = h5::File::open((dir / "tensors.h5").string());
    for (const auto& n : names) a.tensors[n.get<std::string>()] = h5::readTensor(f, "/" + n.get<std::string>());
  }
  return a;
}

const at::Tensor& Artifact::tensor(const std::string& name) const {
  auto it = tensors.find(name);
  if (it == tensors.end()) throw std::runtime_error(type + " artifact has no tensor '" + name + "'");
  return it->second;
}

}  // namespace tf
