// SLURM, on this machine (a LocalHost: the user is on a login node) or on a remote login node
// (an SshHost): the launcher writes a batch script from the cluster profile, uploads the pipeline
// and the files it names (skipping those already there unchanged), submits with
// `sbatch --parsable` and hands back a job that
//   - asks SLURM about all of this launcher's active jobs with one squeue call per interval,
//     and a finished job once (scontrol show job, else sacct);
//   - follows the run's events.jsonl and the per-rank logs from where it last read them, and
//     appends to the local run folder's events.jsonl, so the GUI follows a remote run exactly as
//     a local one;
//   - copies the run folder (metrics, checkpoints, artifacts) and the job's script and logs back
//     into the local run store when it ends;
//   - keeps going through a dropped connection, retrying with back-off.
// Remote layout: <remote workspace>/mlruns/... as locally, and
// <remote workspace>/.twinforge/jobs/<run id>/{job.sh, slurm-<job>.out, rank-<N>.log}.
#pragma once

#include "launch/ClusterProfile.h"
#include "launch/Host.h"
#include "launch/Launcher.h"

#include <atomic>
#include <map>
#include <mutex>
#include <memory>
#include <optional>
#include <set>

namespace tf::launch {

// Where a cluster run keeps its job's files locally: <run>/artifacts/slurm/ (job.sh, job.txt,
// and, once copied back, slurm-<job>.out and rank-<N>.log).
std::filesystem::path jobFilesDir(const std::filesystem::path& localRunDir);

// The batch script for `spec` (already mapped to the cluster's paths). Every value from the
// profile or the spec that is data is quoted; setup lines and the container prefix are shell
// code the user wrote and go in as they are.
std::string batchScript(const ClusterProfile& profile, const LaunchSpec& remoteSpec, const std::string& jobDir);

// SLURM's job states, one answer for all of a host's active jobs. Shared by every launcher made
// for the same cluster login (launcherFor) and safe to use from several threads: jobs followed
// from different threads still cost one squeue per interval together.
class SlurmMonitor {
 public:
  struct Status {
    std::string state;   // PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, ...
    std::string reason;  // pending reason, or why it failed
    std::string elapsed, nodes;
    int exitCode = 0;    // the batch script's, when finished
    bool known = false;
    std::string source;  // who said it ended: scontrol, sacct or jobcomp (the completion file)
  };
  SlurmMonitor(std::shared_ptr<Host> host, double intervalSeconds) : host_(std::move(host)), interval_(intervalSeconds) {}
  void add(const std::string& id) {
    std::lock_guard lock(mutex_);
    active_.insert(id);
  }
  // Asks SLURM when the last answer is older than the interval; throws ConnectionError.
  void refresh(bool force = false);
  Status status(const std::string& id) const;
  Host& host() { return *host_; }
  int queries() const { return queries_; }  // squeue calls so far

 private:
  void askFinished(const std::string& id);
  mutable std::mutex mutex_;
  std::atomic<int> queries_{0};
  std::shared_ptr<Host> host_;
  double interval_;
  std::set<std::string> active_;
  std::map<std::string, Status> status_;
  std::chrono::steady_clock::time_point last_{};
};

class SlurmLauncher : public Launcher {
 public:
  SlurmLauncher(ClusterProfile profile, std::shared_ptr<Host> host);
  SlurmLauncher(ClusterProfile profile, std::shared_ptr<SlurmMonitor> monitor);
  std::string name() const override { return profile_.kind == "ssh" ? "ssh+slurm" : "slurm"; }
  std::unique_ptr<Job> submit(const LaunchSpec& spec) override;
  // Follows a job submitted earlier (after a restart): the job id and the spec it was run with.
  std::unique_ptr<Job> attach(const std::string& jobId, const LaunchSpec& spec);
  const ClusterProfile& profile() const { return profile_; }
  Host& host() { return monitor_->host(); }
  SlurmMonitor& monitor() { return *monitor_; }
  // Files uploaded and files found unchanged there, since this launcher was made.
  int uploadedFiles() const { return uploaded_; }
  int unchangedFiles() const { return skipped_; }

 private:
  std::string resolveWorkspace();
  std::string upload(const std::string& localFile, const std::string& workspace);
  ClusterProfile profile_;
  std::shared_ptr<SlurmMonitor> monitor_;
  int uploaded_ = 0, skipped_ = 0;
};

// What submit() saved with the local run (artifacts/slurm/job.txt) to find the job again.
struct JobRecord {
  std::string jobId, profile, host, remoteWorkspace;
};
std::optional<JobRecord> readJobRecord(const std::filesystem::path& localRunDir);

// The script submitting `spec` with `profile` would write, for showing before submission: no
// connection, no launcher (the remote workspace as the profile spells it).
std::string previewScript(const ClusterProfile& profile, const LaunchSpec& spec);

// The profile called `name` in <workspace>/clusters.yaml; throws naming the file and the profiles
// it has when there is none.
ClusterProfile findProfile(const std::filesystem::path& workspace, const std::string& name);

// A launcher for a profile: SLURM here (kind slurm) or over SSH (kind ssh). Launchers for the same
// login (host, port, user, key, setup) share one connection and one SlurmMonitor while any of
// them lives. Throws with the profile's problems when it cannot be used.
// `passphrase`: the identity file's, from the OS keyring (never from a file); empty for none.
std::unique_ptr<SlurmLauncher> launcherFor(const ClusterProfile& profile, const std::string& passphrase = {});

}  // namespace tf::launch
