// Running a pipeline, as one object: load and validate it, choose the steps, join the
// data-parallel job when there is one, create the run (or reopen it to resume), snapshot the
// resolved configuration, record provenance, tags and parameters, then lead or follow the
// execution and record how it ended. twinforge-run and every launcher's ranks run through it.
#pragma once

#include "exec/ExitCodes.h"

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tf {

class EventObserver;
class Registry;

struct RunRequest {
  std::string pipelineFile;
  std::string pipelineKey;
  std::vector<std::string> overrides;
  std::vector<std::string> steps;
  std::string from, to;
  std::string reuse;
  std::string resume;  // run id to continue
  std::string workspace;
  std::string runId, runName;
  int threads = 0;
  bool dryRun = false;
  bool quiet = false;
  std::vector<std::string> commandLine;  // recorded with the run
};

class RunSession {
 public:
  // How the session shows a run's events: made once per execution, for the leader (rank 0 or
  // a single process) or a follower rank. May return null.
  using ReporterFactory = std::function<std::unique_ptr<EventObserver>(bool leader)>;

  RunSession(const Registry& reg, RunRequest req);
  ~RunSession();
  void setReporter(ReporterFactory make) { reporter_ = std::move(make); }
  // Where messages go (default stdout and stderr).
  void setStreams(std::FILE* out, std::FILE* err) {
    out_ = out;
    err_ = err;
  }

  // Loads and validates without running: kOk, or kInvalidPipeline after printing the problems.
  int validate();
  // Runs the request's pipeline (or prints the plan with dryRun); returns an ExitCode.
  int run();
  // Continues the run req.resume in its own folder, with its saved configuration.
  int resume();

 private:
  struct Impl;
  const Registry& reg_;
  RunRequest req_;
  ReporterFactory reporter_;
  std::FILE* out_ = stdout;
  std::FILE* err_ = stderr;
};

}  // namespace tf
