// A lab's MLflow tracking server, over MLflow's REST API (libcurl): the live logger of a run
// and the upload of a finished one. MLflow 3.7 made SQLite its default store and 3.13 refuses
// a file store unless MLFLOW_ALLOW_FILE_STORE=true, so many labs run `mlflow server` with a
// database; TwinForge's own record stays the run folder in the workspace (MLflow's file-store
// layout), and the server gets a copy.
//
// Where the server is, as MLflow's client and itwinai's MLFlowLogger take it:
//   loggers: [tensorboard, {mlflow: {tracking_uri: http://host:5000, experiment_name: calo}}]
// or the variables MLFLOW_TRACKING_URI (http:// or https://) and MLFLOW_EXPERIMENT_NAME, with
// MLFLOW_TRACKING_TOKEN (bearer) or MLFLOW_TRACKING_USERNAME / _PASSWORD (basic) for access.
#pragma once

#include "exec/Event.h"
#include "exec/RunStore.h"

#include <nlohmann/json.hpp>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace tf {
class Diagnostics;
namespace cfg {
class Node;
}
}  // namespace tf

namespace tf::track {

struct MlflowServer {
  std::string uri;         // http(s)://host:port[/prefix]; empty: no server
  std::string experiment;  // experiment name; empty: "Default"
  std::string from;        // where it was set: "loggers" or "MLFLOW_TRACKING_URI"
  bool active() const { return !uri.empty(); }
};

// The server of a pipeline's `loggers:` value (a {mlflow: {tracking_uri, experiment_name}}
// item), else of the environment; an MLFLOW_TRACKING_URI that is not http(s) (a local path or
// file: URI) names a file store, which the workspace already is: no server. Problems go to diags.
MlflowServer mlflowServer(const cfg::Node* loggers, Diagnostics* diags = nullptr);

// A failed request: the URL, the HTTP status or transport error, MLflow's error_code and message.
struct RestError : std::runtime_error {
  RestError(const std::string& what, long status, std::string code)
      : std::runtime_error(what), httpStatus(status), errorCode(std::move(code)) {}
  long httpStatus;        // 0: no answer (connection refused, timeout)
  std::string errorCode;  // e.g. RESOURCE_DOES_NOT_EXIST
  bool retryable() const { return httpStatus == 0 || httpStatus == 429 || httpStatus >= 500; }
};

struct MlflowMetric {
  std::string key;
  double value = 0;
  std::int64_t timestamp = 0, step = 0;
};

class MlflowClient {
 public:
  explicit MlflowClient(std::string uri, long timeoutMs = 15000);
  const std::string& uri() const { return uri_; }
  // The experiment's id, created when it does not exist yet.
  std::string experimentId(const std::string& name);
  std::string createRun(const std::string& experimentId, const std::string& runName, std::int64_t startMs,
                        const std::vector<std::pair<std::string, std::string>>& tags);
  // Metrics, parameters and tags in as many requests as MLflow's limits need (1000 items, 100 params).
  void logBatch(const std::string& runId, const std::vector<MlflowMetric>& metrics,
                const std::vector<std::pair<std::string, std::string>>& params = {},
                const std::vector<std::pair<std::string, std::string>>& tags = {});
  // status: FINISHED, FAILED or KILLED.
  void endRun(const std::string& runId, const std::string& status, std::int64_t endMs);
  // One request; the answer's JSON, or RestError.
  nlohmann::json request(const std::string& method, const std::string& path, const nlohmann::json& body = {});
  nlohmann::json send(const std::string& method, const std::string& path, const std::string& payload,
                      const std::string& contentType);

 private:
  std::string uri_;
  long timeoutMs_;
};

// The live logger: metrics of the run as they come, parameters and tags at its start, its end
// status. Requests go from a thread of their own, batched (at most one per second while
// metrics come), retried with back-off while the server is unreachable: training never waits
// on the network. At the end it waits at most `drainSeconds` for what is still queued, then
// says how much did not reach the server (the local run holds everything; `twinforge-run
// upload RUN` sends it later).
class MlflowRestLogger : public EventObserver {
 public:
  using Warn = std::function<void(const std::string&)>;
  MlflowRestLogger(MlflowServer server, RunStore store, RunInfo run, Warn warn, double drainSeconds = 30);
  ~MlflowRestLogger() override;
  void onEvent(const Event& e) override;
  // The server's id of the run, once created ("" before).
  std::string remoteRunId() const;

 private:
  void work();
  bool sendPending(std::unique_lock<std::mutex>& lock);

  MlflowServer server_;
  RunStore store_;
  RunInfo run_;
  Warn warn_;
  double drainSeconds_;
  MlflowClient client_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<MlflowMetric> pending_;
  std::string remoteId_, endStatus_;
  std::int64_t startMs_ = 0, endMs_ = 0;
  bool started_ = false, stop_ = false, ended_ = false, endSent_ = false, everReached_ = false;
  std::string lastError_;
  std::thread thread_;
};

// Sends a finished (or interrupted) local run to a server: a new run there with the local
// run's name, times, status, parameters, tags (plus twinforge.run_id) and every metric point,
// and its small text artifacts (config.yaml, pipeline.yaml, environment.json) when the server
// serves artifacts. Returns the server's run id; progress lines go to `say`.
std::string uploadRun(const std::filesystem::path& runDir, const MlflowServer& server,
                      const std::function<void(const std::string&)>& say);

}  // namespace tf::track
