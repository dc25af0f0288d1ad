// What a run needs to be reproduced: the git revision of the pipeline's folder, the
// machine, the software versions, the command line and the relevant environment.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace tf::track {

struct GitInfo {
  std::string commit;  // empty outside a git work tree
  bool dirty = false;
  std::string branch;
};
GitInfo gitInfo(const std::string& folder);

// hostname, user, cwd, versions, threads, command line, and environment variables whose
// names start with SLURM_, TWINFORGE_, OMP_, MKL_, CUDA_, MASTER_ or are RANK/WORLD_SIZE/...
nlohmann::json environment(const std::vector<std::string>& commandLine);

}  // namespace tf::track
