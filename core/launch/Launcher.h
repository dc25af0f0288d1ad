// Where a run's processes are started: on this machine (local), by SLURM, or by SLURM on a
// remote login node over SSH. Every launcher takes the same LaunchSpec and hands back a Job
// that is polled, cancelled and asked how it ended; twinforge-run --nproc and the GUI's Run
// both go through this interface, and the SLURM and SSH launchers will implement it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tf::launch {

struct LaunchSpec {
  std::string program;            // twinforge-run (an absolute path for local launches)
  std::vector<std::string> args;  // its arguments
  int ranks = 1;                  // > 1: a data-parallel job of this many processes (torchrun contract)
  int masterPort = 0;             // rendezvous port for ranks > 1; 0: a free one
  std::map<std::string, std::string> env;  // added to the inherited environment
  double graceSeconds = 10;       // cancel: SIGTERM, then SIGKILL after this long
  // For launchers that run it elsewhere (SLURM, SSH): the run it is and the local files its args
  // name. Those files are uploaded and their paths in args replaced by the copies; an arg equal to
  // `workspace` becomes the remote workspace; the run's folder is copied back when it ends.
  std::string workspace;
  std::string runId;
  std::vector<std::string> files;
};

enum class JobState { Pending, Running, Completed, Failed, Cancelled };

// One line a job printed: which rank (-1 for a single process) and on which stream.
struct OutputLine {
  int rank = -1;
  bool isError = false;
  std::string text;
};
using OutputSink = std::function<void(const OutputLine&)>;

class Job {
 public:
  virtual ~Job() = default;
  virtual std::string id() const = 0;  // pid, SLURM job id, ...
  // Where it runs, for people: "2 ranks on this machine, rendezvous on 127.0.0.1:29500".
  virtual std::string describe() const = 0;
  // Collects what the job printed since the last call (passing each line to `sink`) and notes
  // processes that ended; waits at most timeoutMs for something to happen. Never blocks longer.
  virtual void poll(int timeoutMs, const OutputSink& sink) = 0;
  virtual JobState state() const = 0;
  bool finished() const {
    const JobState s = state();
    return s == JobState::Completed || s == JobState::Failed || s == JobState::Cancelled;
  }
  // When finished: the exit code (see exec/ExitCodes.h); a job whose process was killed by a
  // signal reports 128 + signal, as a shell would.
  virtual int exitCode() const = 0;
  // Why it failed, for people ("rank 1 exited with status 1: error: ..."); empty otherwise.
  virtual std::string failure() const = 0;
  // Asks the job to stop (SIGTERM, scancel); poll() carries it through.
  virtual void cancel() = 0;
  // Empty while the job can be watched; otherwise why not, for now ("connection lost, retrying
  // in 8 s: ..."). Local jobs are always healthy.
  virtual std::string health() const { return {}; }
  // For people: SLURM's reason a job waits ("waiting: Resources"), or where and how long it runs
  // ("on node[01-02], 3:12 elapsed").
  virtual std::string detail() const { return {}; }
};

class Launcher {
 public:
  virtual ~Launcher() = default;
  virtual std::string name() const = 0;  // "local", "slurm", "ssh+slurm"
  // Starts the job; throws std::runtime_error with an actionable message when it cannot.
  virtual std::unique_ptr<Job> submit(const LaunchSpec& spec) = 0;
};

// Polls until the job ends, stopping it when *interrupt becomes true; returns its exit code.
int waitFor(Job& job, const OutputSink& sink, const std::function<bool()>& interrupted = {});

}  // namespace tf::launch
