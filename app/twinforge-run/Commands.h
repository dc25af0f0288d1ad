// The sub-commands of twinforge-run, each returning the process exit code (exec/ExitCodes.h).
// Running is the RunSession's business and launching ranks the LocalLauncher's; these stay thin.
#pragma once

#include "exec/ExitCodes.h"
#include "exec/RunSession.h"

#include <string>
#include <vector>

namespace tf {

class Registry;

int listComponents(const Registry& reg);
int describeComponent(const Registry& reg, const std::string& classPath);
int inspectFiles(const Registry& reg, const std::vector<std::string>& files);
// Sends runs of the workspace (ids or folders) to an MLflow tracking server; uri/experiment
// empty: MLFLOW_TRACKING_URI / MLFLOW_EXPERIMENT_NAME.
int uploadRuns(const std::string& workspace, const std::vector<std::string>& runs, const std::string& uri,
               const std::string& experiment);
// Loads and validates without running: 0, or kInvalidPipeline after printing the problems.
int validatePipeline(const Registry& reg, const RunRequest& req);
int runPipeline(const Registry& reg, const RunRequest& req);
int resumeRun(const Registry& reg, const RunRequest& req);
// twinforge-run --nproc N: N ranks of this program with `args` on this machine, their output
// prefixed with the rank; one failing stops the others.
int launchRanks(const Registry& reg, const RunRequest& req, int nproc, int masterPort,
                const std::vector<std::string>& args);
// twinforge-run --cluster NAME: submits `args` to SLURM through the workspace's cluster profile
// NAME (clusters.yaml) and follows the job to its end, the run copied back into the workspace;
// Ctrl-C cancels the job. `detach`: print the job and return once SLURM accepted it.
int submitToCluster(const Registry& reg, const RunRequest& req, const std::string& profile, bool detach,
                    const std::vector<std::string>& args);

}  // namespace tf
