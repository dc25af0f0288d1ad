// twinforge-run: the headless runner. Runs a pipeline YAML step by step, describes components,
// and inspects data files. Links only core and plugins, so it runs where there is no Qt.
#include "Commands.h"
#include "config/Node.h"
#include "exec/RunStore.h"
#include "exec/Allocator.h"
#include "components/Builtins.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <unistd.h>

namespace {

std::string defaultWorkspace() {
  const char* env = std::getenv("TWINFORGE_WORKSPACE");
  return env && *env ? env : "twinforge-workspace";
}

std::vector<std::string> splitCommas(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const auto& s : in) {
    std::size_t start = 0;
    while (start <= s.size()) {
      auto c = s.find(',', start);
      std::string part = s.substr(start, c == std::string::npos ? std::string::npos : c - start);
      if (!part.empty()) out.push_back(part);
      if (c == std::string::npos) break;
      start = c + 1;
    }
  }
  return out;
}

// argv without the launcher's own options (both "--opt V" and "--opt=V" forms).
std::vector<std::string> stripLauncherOptions(const std::vector<std::string>& argv) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--nproc" || a == "--master-port" || a == "--cluster") {
      ++i;  // and its value
      continue;
    }
    if (a == "--detach") continue;
    if (a.rfind("--nproc=", 0) == 0 || a.rfind("--master-port=", 0) == 0 || a.rfind("--cluster=", 0) == 0) continue;
    out.push_back(a);
  }
  return out;
}

// Everything the command line can say, filled in by the parser.
struct Options {
  tf::RunRequest req;
  std::vector<std::string> steps, pluginDirs, infoFiles;
  std::string describe;
  bool list = false;
  int nproc = 1, masterPort = 0;
  std::string cluster;
  bool detach = false;
  CLI::App* info = nullptr;  // the `info` sub-command
  CLI::App* upload = nullptr;  // the `upload` sub-command
  std::vector<std::string> uploadRuns;
  std::string trackingUri, experiment;
};

std::string exitCodesText() {
  std::string s = "Exit codes:";
  int n = 0;
  for (int c : {tf::kOk, tf::kRunFailed, tf::kUsage, tf::kInvalidPipeline, tf::kDataError, tf::kCancelled})
    s += std::string(n++ == 0 ? " " : n == 4 ? ",\n           " : ", ") + std::to_string(c) + " " + tf::exitCodeMeaning(c);
  return s + ".";
}

void describeProgram(CLI::App& app) {
  app.description(
      "twinforge-run: run a TwinForge (or itwinai) pipeline YAML headless, step by step.\n\n"
      "Examples:\n"
      "  twinforge-run pipeline.yaml                        run the first pipeline in the file\n"
      "  twinforge-run pipeline.yaml --set epochs=5         change a value (type-checked)\n"
      "  twinforge-run pipeline.yaml --from trainer         re-run from a step, reusing earlier outputs\n"
      "  twinforge-run --resume RUN_ID                      continue a killed run from its checkpoint\n"
      "  twinforge-run pipeline.yaml --nproc 4              data-parallel training with 4 local ranks\n"
      "  twinforge-run pipeline.yaml --cluster hpc          submit to SLURM with the workspace's profile 'hpc'\n"
      "  twinforge-run pipeline.yaml --dry-run              validate and show the plan\n"
      "  twinforge-run --list-components                    what can go in a pipeline\n"
      "  twinforge-run --describe core.MLPTrainer           a component's parameters and ports\n"
      "  twinforge-run info data.h5                         what TwinForge sees in a data file\n"
      "  twinforge-run upload RUN_ID --tracking-uri http://mlflow.lab:5000   copy a run to an MLflow server\n");
  app.footer("Runs are saved in the workspace in MLflow's layout: " + tf::RunStore::layoutText() +
             ".\nPlugins are loaded from TWINFORGE_PLUGIN_PATH and the plugins/ folder beside the program.\n\n" +
             exitCodesText());
  app.set_version_flag("--version", "twinforge-run 0.1.0");
}

void addOptions(CLI::App& app, Options& o) {
  tf::RunRequest& req = o.req;
  app.add_option("pipeline", req.pipelineFile, "Pipeline YAML file")->check(CLI::ExistingFile);
  app.add_option("-p,--pipeline", req.pipelineKey, "Which pipeline of the file to run (default: the first)");
  app.add_option("-s,--set", req.overrides,
                 "Override a value: KEY=VALUE, e.g. epochs=10 or training_pipeline.steps.trainer.lr=1e-3")
      ->take_all()
      ->allow_extra_args(false);
  app.add_option("--steps", o.steps, "Run only these steps (comma-separated); others' outputs come from an earlier run");
  app.add_option("--from", req.from, "First step to run (inclusive)");
  app.add_option("--to", req.to, "Last step to run (inclusive)");
  app.add_option("--reuse", req.reuse,
                 "Run id whose saved step outputs feed the steps not run (default: for each, the newest earlier run of this pipeline that has them)");
  app.add_option("--resume", req.resume, "Continue an interrupted run (killed, cancelled, failed) in its own folder, with its saved configuration");
  app.add_flag("--dry-run", req.dryRun, "Validate the pipeline and print the plan without running");
  app.add_option("--describe", o.describe, "Print a component's parameters and ports, then exit");
  app.add_flag("--list-components", o.list, "List every known component, then exit");
  app.add_option("-w,--workspace", req.workspace,
                 "Workspace folder for runs (default: $TWINFORGE_WORKSPACE or ./twinforge-workspace)");
  app.add_option("--run-id", req.runId, "Id for the new run (default: a fresh 32-digit hex id)");
  app.add_option("--run-name", req.runName, "Name of the run (default: the pipeline key)");
  app.add_option("--threads", req.threads, "Intra-op threads for LibTorch (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--nproc", o.nproc,
                 "Start this many ranks on this machine (data-parallel training, Gloo); each gets its share of "
                 "every batch")
      ->check(CLI::Range(1, 1024));
  app.add_option("--master-port", o.masterPort, "Port of the rendezvous store for --nproc (default: a free one)")
      ->check(CLI::Range(1, 65535));
  app.add_option("--cluster", o.cluster,
                 "Submit to SLURM with this cluster profile of the workspace (clusters.yaml; docs/cluster.md), "
                 "follow the job and copy the run back; Ctrl-C cancels the job");
  app.add_flag("--detach", o.detach, "With --cluster: return once SLURM accepted the job");
  app.add_option("--plugin-path", o.pluginDirs, "Extra folder to load plugins from (repeatable)");
  app.add_flag("-q,--quiet", req.quiet, "Print only errors");

  o.info = app.add_subcommand(
      "info", "Print what TwinForge recognises in data files: format, datasets, shapes, types, metadata");
  o.info->add_option("files", o.infoFiles, "Data files")->required();
  o.upload = app.add_subcommand("upload",
                                "Send finished runs of the workspace to an MLflow tracking server (parameters, tags, "
                                "every metric value, small records as artifacts)");
  o.upload->add_option("runs", o.uploadRuns, "Run ids (or run folders)")->required();
  o.upload->add_option("--tracking-uri", o.trackingUri, "http(s) address of the server (default: $MLFLOW_TRACKING_URI)");
  o.upload->add_option("--experiment", o.experiment,
                       "Experiment on the server, created if absent (default: $MLFLOW_EXPERIMENT_NAME, else Default)");
}


}  // namespace

int main(int argc, char** argv) {
  tf::tuneAllocatorForTraining();
  CLI::App app{"", "twinforge-run"};
  describeProgram(app);
  Options o;
  o.req.workspace = defaultWorkspace();
  addOptions(app, o);
  tf::RunRequest& req = o.req;
  const std::vector<std::string>&steps = o.steps, &pluginDirs = o.pluginDirs, &infoFiles = o.infoFiles;
  const std::string& describe = o.describe;
  const bool& list = o.list;
  const int &nproc = o.nproc, &masterPort = o.masterPort;
  CLI::App* info = o.info;

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return tf::kUsage;
  }
  req.steps = splitCommas(steps);
  req.commandLine.assign(argv, argv + argc);

  tf::Registry reg;
  for (const auto& r : tf::loadAllComponents(reg, pluginDirs))
    if (!r.ok) std::fprintf(stderr, "warning: plugin %s: %s\n", r.file.c_str(), r.error.c_str());

  if (nproc > 1) {
    if (std::getenv("WORLD_SIZE") || std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("SLURM_PROCID")) {
      std::fprintf(stderr,
                   "error: --nproc inside a job that is already data-parallel (WORLD_SIZE, Open MPI or SLURM "
                   "variables are set); drop --nproc and let the job's launcher start the ranks\n");
      return tf::kUsage;
    }
    if (!list && describe.empty() && !*info && (!req.pipelineFile.empty() || !req.resume.empty()) && !req.dryRun)
      return tf::launchRanks(reg, req, nproc, masterPort,
                             stripLauncherOptions(std::vector<std::string>(argv + 1, argv + argc)));
  }

  if (!o.cluster.empty()) {
    if (nproc > 1) {
      std::fprintf(stderr, "error: --cluster with --nproc: the cluster profile says how many ranks (nodes, tasks per node)\n");
      return tf::kUsage;
    }
    return tf::submitToCluster(reg, req, o.cluster, o.detach, stripLauncherOptions(std::vector<std::string>(argv + 1, argv + argc)));
  }
  if (list) return tf::listComponents(reg);
  if (!describe.empty()) return tf::describeComponent(reg, describe);
  if (*info) return tf::inspectFiles(reg, infoFiles);
  if (*o.upload) return tf::uploadRuns(req.workspace, o.uploadRuns, o.trackingUri, o.experiment);
  if (!req.resume.empty()) return tf::resumeRun(reg, req);
  if (req.pipelineFile.empty()) {
    std::fprintf(stderr, "error: no pipeline file given\n\n%s", app.help().c_str());
    return tf::kUsage;
  }
  return tf::runPipeline(reg, req);
}
