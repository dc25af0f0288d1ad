// A cluster profile: where a run goes (SLURM on this machine, or SLURM on a login node over SSH),
// how TwinForge is found there and what the job asks SLURM for. Profiles live in the workspace's
// clusters.yaml (owner: this file); secrets never do — an identity file's passphrase belongs to
// ssh-agent or the OS keyring.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace tf::launch {

struct ClusterProfile {
  std::string name;
  std::string kind = "ssh";  // "slurm": sbatch on this machine; "ssh": on `host` over SSH
  // SSH (kind ssh)
  std::string host, user;
  int port = 22;
  std::string identityFile;
  std::string knownHosts = "strict";  // strict | accept-new; a changed key is always refused
  std::string knownHostsFile;         // empty: ~/.ssh/known_hosts
  // The cluster side
  std::string remoteWorkspace;        // where runs live there (created when missing)
  std::string runner = "twinforge-run";  // path of twinforge-run there
  std::vector<std::string> setup;     // lines run first: "module load twinforge", "source env.sh"
  std::string container;              // a command that prefixes the runner: "apptainer exec tf.sif"
  // SLURM
  std::string partition, account, qos;
  int nodes = 1;
  int tasksPerNode = 1;
  int gpusPerNode = 0;
  int cpusPerTask = 0;                // 0: SLURM's default
  std::string memory;                 // "16G"; empty: SLURM's default
  std::string time = "01:00:00";
  std::vector<std::string> extraSbatch;  // whole lines or options: "--constraint=a100"
  double pollSeconds = 5;             // how often squeue is asked (one call for all jobs)

  int ranks() const { return nodes * tasksPerNode; }
  // Problems a person can fix, one per line; empty when the profile can be used.
  std::vector<std::string> problems() const;
};

// <workspace>/clusters.yaml
std::filesystem::path profilesFile(const std::filesystem::path& workspace);
// Every profile in the file, in file order; none when it does not exist. Throws with
// file:line:col and the key for a malformed file.
std::vector<ClusterProfile> loadProfiles(const std::filesystem::path& file);
// Writes them atomically (the file is replaced, never half-written).
void saveProfiles(const std::filesystem::path& file, const std::vector<ClusterProfile>& profiles);

}  // namespace tf::launch
