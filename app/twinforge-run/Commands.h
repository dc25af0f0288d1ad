// The sub-commands of twinforge-run, each returning the process exit code.
#pragma once

#include <string>
#include <vector>

namespace tf {

class Registry;

// Exit codes: documented in --help and docs/cli.md.
enum ExitCode : int {
  kOk = 0,
  kRunFailed = 1,        // a step failed
  kUsage = 2,            // bad command line: unknown option, unknown step or run id
  kInvalidPipeline = 3,  // the pipeline file cannot be read or does not validate
  kDataError = 4,        // `info`: a file TwinForge cannot read
  kCancelled = 130,      // interrupted (Ctrl-C, SIGTERM, GUI cancel)
};

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

int listComponents(const Registry& reg);
int describeComponent(const Registry& reg, const std::string& classPath);
int inspectFiles(const Registry& reg, const std::vector<std::string>& files);
// Loads and validates without running: 0, or kInvalidPipeline after printing the problems.
int validatePipeline(const Registry& reg, const RunRequest& req);
int runPipeline(const Registry& reg, const RunRequest& req);
int resumeRun(const Registry& reg, const RunRequest& req);

}  // namespace tf
