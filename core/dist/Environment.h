// Who am I in a data-parallel job? Rank, world size and rendezvous address from the
// launcher's environment: torchrun, then Open MPI, then SLURM; otherwise a single process.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace tf::dist {

struct Environment {
  int rank = 0;
  int localRank = 0;
  int worldSize = 1;
  int localWorldSize = 1;
  std::string masterAddr = "127.0.0.1";
  int masterPort = 29500;
  std::string source = "single";  // single, torchrun, openmpi, slurm
  bool distributed() const { return worldSize > 1; }
  std::string describe() const;   // "rank 1 of 4 (local 1 of 2) via slurm, store node01:29500"
};

using GetEnv = std::function<const char*(const char*)>;

// Throws std::runtime_error naming the variable and what was expected for malformed values.
Environment detectEnvironment(const GetEnv& getenv = [](const char* n) { return std::getenv(n); });

// SLURM_TASKS_PER_NODE ("2(x3),1") expanded per node: {2, 2, 2, 1}.
std::vector<int> expandSlurmTasksPerNode(const std::string& value);
// First host of a SLURM node list: "node[07-09,12],gpu1" -> "node07".
std::string firstSlurmHost(const std::string& nodeList);

}  // namespace tf::dist
