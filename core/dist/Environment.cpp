#include "dist/Environment.h"

#include <cstdlib>
#include <stdexcept>

namespace tf::dist {

namespace {

int toInt(const GetEnv& env, const char* name, int min) {
  const char* v = env(name);
  if (!v) throw std::runtime_error(std::string(name) + " is not set");
  char* end = nullptr;
  long x = std::strtol(v, &end, 10);
  if (*v == '\0' || *end != '\0' || x < min || x > 1000000)
    throw std::runtime_error(std::string(name) + "='" + v + "': expected an integer >= " + std::to_string(min));
  return static_cast<int>(x);
}

bool has(const GetEnv& env, const char* name) {
  const char* v = env(name);
  return v && *v;
}

void checkRank(const Environment& e, const char* rankVar) {
  if (e.rank >= e.worldSize)
    throw std::runtime_error(std::string(rankVar) + "=" + std::to_string(e.rank) + " is not below the world size " +
                             std::to_string(e.worldSize));
}

}  // namespace

std::vector<int> expandSlurmTasksPerNode(const std::string& value) {
  std::vector<int> out;
  std::size_t i = 0;
  auto fail = [&] { throw std::runtime_error("SLURM_TASKS_PER_NODE='" + value + "': expected a form like 2(x3),1"); };
  while (i < value.size()) {
    std::size_t j = i;
    while (j < value.size() && std::isdigit(static_cast<unsigned char>(value[j]))) ++j;
    if (j == i) fail();
    const int tasks = std::stoi(value.substr(i, j - i));
    int repeat = 1;
    if (j < value.size() && value[j] == '(') {
      if (value.compare(j, 2, "(x") != 0) fail();
      std::size_t k = j + 2, close = value.find(')', k);
      if (close == std::string::npos || close == k) fail();
      repeat = std::stoi(value.substr(k, close - k));
      j = close + 1;
    }
    for (int r = 0; r < repeat; ++r) out.push_back(tasks);
    if (j < value.size() && value[j] != ',') fail();
    i = j + 1;
  }
  if (out.empty()) fail();
  return out;
}

std::string firstSlurmHost(const std::string& nodeList) {
  const auto comma = nodeList.find(',');
  const auto bracket = nodeList.find('[');
  if (bracket == std::string::npos || (comma != std::string::npos && comma < bracket)) return nodeList.substr(0, comma);
  // prefix[01-04,07]suffix -> prefix01suffix
  const std::string prefix = nodeList.substr(0, bracket);
  const auto close = nodeList.find(']', bracket);
  if (close == std::string::npos) throw std::runtime_error("SLURM_JOB_NODELIST='" + nodeList + "': unbalanced '['");
  const std::string inside = nodeList.substr(bracket + 1, close - bracket - 1);
  const std::string first = inside.substr(0, inside.find_first_of(",-"));
  std::string suffix = nodeList.substr(close + 1);
  suffix = suffix.substr(0, suffix.find(','));
  return prefix + first + suffix;
}

std::string Environment::describe() const {
  return "rank " + std::to_string(rank) + " of " + std::to_string(worldSize) + " (local " + std::to_string(localRank) +
         " of " + std::to_string(localWorldSize) + ") via " + source + ", store " + masterAddr + ":" +
         std::to_string(masterPort);
}

Environment detectEnvironment(const GetEnv& env) {
  Environment e;
  if (has(env, "MASTER_ADDR")) e.masterAddr = env("MASTER_ADDR");
  const bool explicitPort = has(env, "MASTER_PORT");
  if (explicitPort) e.masterPort = toInt(env, "MASTER_PORT", 1);

  // torchrun (and our local launcher) first, then Open MPI: the same four facts, other names.
  struct Scheme {
    const char *source, *rank, *size, *localRank, *localSize;
  };
  static const Scheme schemes[] = {
      {"torchrun", "RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE"},
      {"openmpi", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK",
       "OMPI_COMM_WORLD_LOCAL_SIZE"},
  };
  const Scheme* scheme = nullptr;
  for (const auto& sc : schemes)
    if (!scheme && has(env, sc.rank) && has(env, sc.size)) scheme = &sc;
  if (scheme) {
    e.source = scheme->source;
    e.rank = toInt(env, scheme->rank, 0);
    e.worldSize = toInt(env, scheme->size, 1);
    // Without local variables, torchrun's defaults are a single node; Open MPI's are unknown (0 of 1).
    const bool torchrun = e.source == "torchrun";
    e.localRank = has(env, scheme->localRank) ? toInt(env, scheme->localRank, 0) : (torchrun ? e.rank : 0);
    e.localWorldSize = has(env, scheme->localSize) ? toInt(env, scheme->localSize, 1) : (torchrun ? e.worldSize : 1);
    checkRank(e, scheme->rank);
  } else if (has(env, "SLURM_PROCID") && has(env, "SLURM_NTASKS")) {
    e.source = "slurm";
    e.rank = toInt(env, "SLURM_PROCID", 0);
    e.worldSize = toInt(env, "SLURM_NTASKS", 1);
    e.localRank = has(env, "SLURM_LOCALID") ? toInt(env, "SLURM_LOCALID", 0) : 0;
    // SLURM_NTASKS_PER_NODE is often unset; SLURM_TASKS_PER_NODE ("2(x3),1") always is.
    if (has(env, "SLURM_NTASKS_PER_NODE")) {
      e.localWorldSize = toInt(env, "SLURM_NTASKS_PER_NODE", 1);
    } else if (has(env, "SLURM_TASKS_PER_NODE")) {
      const auto perNode = expandSlurmTasksPerNode(env("SLURM_TASKS_PER_NODE"));
      const int node = has(env, "SLURM_NODEID") ? toInt(env, "SLURM_NODEID", 0) : 0;
      if (node >= static_cast<int>(perNode.size()))
        throw std::runtime_error("SLURM_NODEID=" + std::to_string(node) + " but SLURM_TASKS_PER_NODE describes " +
                                 std::to_string(perNode.size()) + " node(s)");
      e.localWorldSize = perNode[static_cast<std::size_t>(node)];
    }
    if (!has(env, "MASTER_ADDR")) {
      const char* list = has(env, "SLURM_JOB_NODELIST") ? env("SLURM_JOB_NODELIST") : env("SLURM_NODELIST");
      if (list && *list) e.masterAddr = firstSlurmHost(list);
    }
    // Jobs sharing a node must not share a store port: derive it from the job id.
    if (!explicitPort && has(env, "SLURM_JOB_ID")) e.masterPort = 20000 + toInt(env, "SLURM_JOB_ID", 0) % 20000;
    checkRank(e, "SLURM_PROCID");
  }
  if (e.localRank >= e.localWorldSize)
    throw std::runtime_error("local rank " + std::to_string(e.localRank) + " is not below the local world size " +
                             std::to_string(e.localWorldSize) + " (" + e.source + " environment)");
  return e;
}

}  // namespace tf::dist
