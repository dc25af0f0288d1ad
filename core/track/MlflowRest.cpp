#include "track/MlflowRest.h"

#include "config/Diagnostics.h"
#include "config/Node.h"
#include "exec/RunStore.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>

namespace fs = std::filesystem;

namespace tf::track {

namespace {

bool isHttp(const std::string& uri) { return uri.rfind("http://", 0) == 0 || uri.rfind("https://", 0) == 0; }

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// JSON has no NaN or infinity; MLflow's protobuf JSON takes them as strings.
nlohmann::json number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  return v;
}

nlohmann::json keyValues(const std::vector<std::pair<std::string, std::string>>& kv, std::size_t limit) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& [k, v] : kv) a.push_back({{"key", k}, {"value", v.size() > limit ? v.substr(0, limit) : v}});
  return a;
}

std::string statusText(RunStore::Status s) {
  switch (s) {
    case RunStore::Status::Finished: return "FINISHED";
    case RunStore::Status::Failed: return "FAILED";
    case RunStore::Status::Killed: return "KILLED";
    default: return "RUNNING";
  }
}

std::string readText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

size_t collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

struct Curl {
  Curl() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    h = curl_easy_init();
    if (!h) throw RestError("libcurl could not start a request", 0, "");
  }
  ~Curl() {
    if (headers) curl_slist_free_all(headers);
    curl_easy_cleanup(h);
  }
  CURL* h;
  curl_slist* headers = nullptr;
};

}  // namespace

namespace {

// The {mlflow: {tracking_uri, experiment_name}} item of a `loggers:` list, if any.
void fromLoggers(const cfg::Node& loggers, Diagnostics* diags, MlflowServer& s) {
  for (const auto& item : loggers.items()) {
    const cfg::Node* m = item.isMap() ? item.find("mlflow") : nullptr;
    if (!m || !m->isMap()) continue;
    s.from = "loggers";
    for (const auto& [k, v] : m->entries()) {
      if (k == "tracking_uri" && v.isScalar())
        s.uri = v.text();
      else if (k == "experiment_name" && v.isScalar())
        s.experiment = v.text();
      else if (diags)
        diags->error(m->keyLocation(k), "loggers.mlflow." + k,
                     "unknown setting of the mlflow logger; it takes tracking_uri and experiment_name");
    }
    if (s.uri.empty() || isHttp(s.uri)) continue;
    if (diags)
      diags->error(m->find("tracking_uri")->location(), "loggers.mlflow.tracking_uri",
                   "expected an http:// or https:// address of an MLflow tracking server, got '" + s.uri +
                       "' (the run itself is always kept in the workspace's mlruns folder)");
    s.uri.clear();
  }
}

}  // namespace

MlflowServer mlflowServer(const cfg::Node* loggers, Diagnostics* diags) {
  MlflowServer s;
  if (loggers && loggers->isSequence()) fromLoggers(*loggers, diags, s);
  if (s.uri.empty() && isHttp(env("MLFLOW_TRACKING_URI"))) {
    s.uri = env("MLFLOW_TRACKING_URI");
    s.from = "MLFLOW_TRACKING_URI";
  }
  if (s.experiment.empty()) s.experiment = env("MLFLOW_EXPERIMENT_NAME");
  while (!s.uri.empty() && s.uri.back() == '/') s.uri.pop_back();
  return s;
}

MlflowClient::MlflowClient(std::string uri, long timeoutMs) : uri_(std::move(uri)), timeoutMs_(timeoutMs) {}

nlohmann::json MlflowClient::request(const std::string& method, const std::string& path, const nlohmann::json& body) {
  return send(method, path, body.is_null() ? std::string() : body.dump(), "application/json");
}

nlohmann::json MlflowClient::send(const std::string& method, const std::string& path, const std::string& payload,
                                  const std::string& contentType) {
  Curl c;
  const std::string url = uri_ + path;
  std::string answer;
  curl_easy_setopt(c.h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c.h, CURLOPT_TIMEOUT_MS, timeoutMs_);
  curl_easy_setopt(c.h, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeoutMs_, 5000L));
  curl_easy_setopt(c.h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c.h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c.h, CURLOPT_WRITEDATA, &answer);
  c.headers = curl_slist_append(c.headers, ("Content-Type: " + contentType).c_str());
  if (const std::string token = env("MLFLOW_TRACKING_TOKEN"); !token.empty())
    c.headers = curl_slist_append(c.headers, ("Authorization: Bearer " + token).c_str());
  const std::string user = env("MLFLOW_TRACKING_USERNAME"), password = env("MLFLOW_TRACKING_PASSWORD");
  if (!user.empty()) {
    curl_easy_setopt(c.h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c.h, CURLOPT_USERNAME, user.c_str());
    curl_easy_setopt(c.h, CURLOPT_PASSWORD, password.c_str());
  }
  if (env("MLFLOW_TRACKING_INSECURE_TLS") == "true") curl_easy_setopt(c.h, CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(c.h, CURLOPT_HTTPHEADER, c.headers);
  if (method == "POST") {
    curl_easy_setopt(c.h, CURLOPT_POSTFIELDS, payload.c_str());
    curl_easy_setopt(c.h, CURLOPT_POSTFIELDSIZE, static_cast<long>(payload.size()));
  } else if (method != "GET") {
    curl_easy_setopt(c.h, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(c.h, CURLOPT_POSTFIELDS, payload.c_str());
    curl_easy_setopt(c.h, CURLOPT_POSTFIELDSIZE, static_cast<long>(payload.size()));
  }
  const CURLcode rc = curl_easy_perform(c.h);
  if (rc != CURLE_OK) throw RestError(method + " " + url + ": " + curl_easy_strerror(rc), 0, "");
  long status = 0;
  curl_easy_getinfo(c.h, CURLINFO_RESPONSE_CODE, &status);
  nlohmann::json j = nlohmann::json::parse(answer, nullptr, false);
  if (status >= 200 && status < 300) return j.is_discarded() ? nlohmann::json::object() : j;
  std::string code, message = answer.substr(0, 300);
  if (!j.is_discarded() && j.is_object()) {
    code = j.value("error_code", "");
    message = j.value("message", message);
  }
  throw RestError(method + " " + url + ": HTTP " + std::to_string(status) + (code.empty() ? "" : " " + code) +
                      (message.empty() ? "" : ": " + message),
                  status, code);
}

std::string MlflowClient::experimentId(const std::string& name) {
  const std::string n = name.empty() ? "Default" : name;
  char* esc = curl_easy_escape(nullptr, n.c_str(), static_cast<int>(n.size()));
  const std::string q(esc ? esc : "");
  curl_free(esc);
  try {
    return request("GET", "/api/2.0/mlflow/experiments/get-by-name?experiment_name=" + q)["experiment"]["experiment_id"];
  } catch (const RestError& e) {
    if (e.errorCode != "RESOURCE_DOES_NOT_EXIST") throw;
  }
  return request("POST", "/api/2.0/mlflow/experiments/create", {{"name", n}})["experiment_id"];
}

std::string MlflowClient::createRun(const std::string& experimentId, const std::string& runName, std::int64_t startMs,
                                    const std::vector<std::pair<std::string, std::string>>& tags) {
  const nlohmann::json r = request("POST", "/api/2.0/mlflow/runs/create",
                                   {{"experiment_id", experimentId},
                                    {"run_name", runName},
                                    {"start_time", startMs},
                                    {"tags", keyValues(tags, 8000)}});
  return r["run"]["info"]["run_id"];
}

void MlflowClient::logBatch(const std::string& runId, const std::vector<MlflowMetric>& metrics,
                            const std::vector<std::pair<std::string, std::string>>& params,
                            const std::vector<std::pair<std::string, std::string>>& tags) {
  std::size_t m = 0, p = 0, t = 0;
  while (m < metrics.size() || p < params.size() || t < tags.size()) {
    nlohmann::json body = {{"run_id", runId}};
    nlohmann::json ms = nlohmann::json::array();
    std::size_t items = 0;
    std::vector<std::pair<std::string, std::string>> ps, ts;
    for (; p < params.size() && ps.size() < 100; ++p, ++items) ps.push_back(params[p]);
    for (; t < tags.size() && ts.size() < 100; ++t, ++items) ts.push_back(tags[t]);
    for (; m < metrics.size() && items < 1000; ++m, ++items)
      ms.push_back({{"key", metrics[m].key},
                    {"value", number(metrics[m].value)},
                    {"timestamp", metrics[m].timestamp},
                    {"step", metrics[m].step}});
    body["metrics"] = ms;
    body["params"] = keyValues(ps, 6000);
    body["tags"] = keyValues(ts, 8000);
    request("POST", "/api/2.0/mlflow/runs/log-batch", body);
  }
}

void MlflowClient::endRun(const std::string& runId, const std::string& status, std::int64_t endMs) {
  request("POST", "/api/2.0/mlflow/runs/update", {{"run_id", runId}, {"status", status}, {"end_time", endMs}});
}

// ---------------------------------------------------------------------------------------------

MlflowRestLogger::MlflowRestLogger(MlflowServer server, RunStore store, RunInfo run, Warn warn, double drainSeconds)
    : server_(std::move(server)),
      store_(std::move(store)),
      run_(std::move(run)),
      warn_(std::move(warn)),
      drainSeconds_(drainSeconds),
      client_(server_.uri, 10000) {
  thread_ = std::thread([this] { work(); });
}

MlflowRestLogger::~MlflowRestLogger() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!ended_) {  // the run stopped without an end event (an exception): say so
      ended_ = true;
      endStatus_ = "FAILED";
      endMs_ = nowMs();
    }
    cv_.notify_all();
    // The end of the run: wait a bounded time for the queue to drain (briefly when the server
    // never answered: the run should not hang on its exit for a server that is down).
    const double wait = everReached_ ? drainSeconds_ : std::min(drainSeconds_, 5.0);
    cv_.wait_for(lock, std::chrono::duration<double>(wait), [&] { return endSent_; });
    stop_ = true;
    cv_.notify_all();
  }
  thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  if (!endSent_ && warn_)
    warn_("mlflow server " + server_.uri + ": " + std::to_string(pending_.size()) +
          " metric values and the run's end did not reach it" + (lastError_.empty() ? "" : " (" + lastError_ + ")") +
          "; the run in the workspace holds everything: send it with `twinforge-run upload " +
          run_.id + "`");
}

std::string MlflowRestLogger::remoteRunId() const {
  std::lock_guard<std::mutex> lock(mu_);
  return remoteId_;
}

void MlflowRestLogger::onEvent(const Event& e) {
  std::lock_guard<std::mutex> lock(mu_);
  switch (e.type) {
    case Event::Type::RunStarted:
      started_ = true;
      startMs_ = e.timeMs;
      break;
    case Event::Type::Metric:
      pending_.push_back({e.step.empty() ? e.name : e.step + "." + e.name, e.value, e.timeMs, e.index < 0 ? 0 : e.index});
      break;
    case Event::Type::RunFinished:
    case Event::Type::RunFailed:
    case Event::Type::RunCancelled:
      ended_ = true;
      endMs_ = e.timeMs;
      endStatus_ = e.type == Event::Type::RunFinished ? "FINISHED" : e.type == Event::Type::RunFailed ? "FAILED" : "KILLED";
      break;
    default:
      return;
  }
  cv_.notify_all();
}

// One round of requests with the lock released; false when the server did not take them.
bool MlflowRestLogger::sendPending(std::unique_lock<std::mutex>& lock) {
  try {
    if (remoteId_.empty()) {
      const std::int64_t start = startMs_ ? startMs_ : nowMs();
      lock.unlock();
      const auto rec = RunStore::readRun(run_.dir);  // its parameters and tags, written before it started
      std::vector<std::pair<std::string, std::string>> tags, params;
      if (rec) {
        tags.assign(rec->tags.begin(), rec->tags.end());
        params.assign(rec->params.begin(), rec->params.end());
      }
      tags.emplace_back("twinforge.run_id", run_.id);
      tags.emplace_back("twinforge.local_run", run_.dir.string());
      const std::string exp = client_.experimentId(server_.experiment);
      const std::string id = client_.createRun(exp, run_.name, start, tags);
      client_.logBatch(id, {}, params);
      lock.lock();
      remoteId_ = id;
      store_.setTag(run_, "twinforge.mlflow_server_run", server_.uri + "/#/experiments/" + exp + "/runs/" + id);
    }
    if (!pending_.empty()) {
      std::vector<MlflowMetric> batch(pending_.begin(), pending_.end());
      const std::string id = remoteId_;
      lock.unlock();
      client_.logBatch(id, batch);
      lock.lock();
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(batch.size()));
    }
    if (ended_ && pending_.empty() && !endSent_) {
      const std::string id = remoteId_, status = endStatus_;
      const std::int64_t end = endMs_;
      lock.unlock();
      client_.endRun(id, status, end);
      lock.lock();
      endSent_ = true;
    }
    lastError_.clear();
    everReached_ = true;
    return true;
  } catch (const std::exception& e) {
    if (!lock.owns_lock()) lock.lock();
    if (lastError_.empty() && warn_) warn_("mlflow server " + server_.uri + ": " + e.what() + "; retrying");
    lastError_ = e.what();
    return false;
  }
}

void MlflowRestLogger::work() {
  std::unique_lock<std::mutex> lock(mu_);
  double backoff = 0.5;
  for (;;) {
    // Wake for the end of the run or a full batch, else once a second (the lock is released
    // while waiting, so events keep coming in).
    cv_.wait_for(lock, std::chrono::seconds(1),
                 [&] { return stop_ || (ended_ && !endSent_) || pending_.size() >= 500; });
    if (stop_) break;
    const bool due = (started_ || ended_) && !endSent_ &&
                     (remoteId_.empty() || !pending_.empty() || ended_);
    if (!due) continue;
    if (sendPending(lock)) {
      backoff = 0.5;
      if (endSent_) cv_.notify_all();
      continue;
    }
    cv_.wait_for(lock, std::chrono::duration<double>(backoff), [&] { return stop_; });
    backoff = std::min(backoff * 2, 30.0);
  }
}

// ---------------------------------------------------------------------------------------------

std::string uploadRun(const fs::path& runDir, const MlflowServer& server,
                      const std::function<void(const std::string&)>& say) {
  if (!server.active())
    throw std::runtime_error(
        "no MLflow tracking server: give --tracking-uri http://HOST:PORT or set MLFLOW_TRACKING_URI");
  const auto rec = RunStore::readRun(runDir);
  if (!rec) throw std::runtime_error("'" + runDir.string() + "' is not a run folder (no readable meta.yaml)");
  MlflowClient client(server.uri);
  const std::string exp = client.experimentId(server.experiment);
  std::vector<std::pair<std::string, std::string>> tags(rec->tags.begin(), rec->tags.end());
  tags.emplace_back("twinforge.run_id", rec->id);
  tags.emplace_back("twinforge.uploaded_from", runDir.string());
  const std::string id = client.createRun(exp, rec->name, rec->startMs, tags);
  say("run " + rec->id + " -> " + server.uri + " experiment " + (server.experiment.empty() ? "Default" : server.experiment) +
      " (" + exp + "), run " + id);
  std::vector<MlflowMetric> metrics;
  for (const auto& [key, points] : rec->metrics)
    for (const auto& p : points) metrics.push_back({key, p.value, p.timeMs, p.step});
  client.logBatch(id, metrics, std::vector<std::pair<std::string, std::string>>(rec->params.begin(), rec->params.end()));
  say(std::to_string(rec->params.size()) + " parameters, " + std::to_string(rec->tags.size()) + " tags, " +
      std::to_string(metrics.size()) + " metric values");
  // Small records as artifacts, where the server serves artifacts (mlflow-artifacts:/ URIs).
  const nlohmann::json run = client.request("GET", "/api/2.0/mlflow/runs/get?run_id=" + id)["run"];
  const std::string artifactUri = run["info"].value("artifact_uri", "");
  const std::string scheme = "mlflow-artifacts:/";
  if (artifactUri.rfind(scheme, 0) == 0) {
    int sent = 0;
    for (const fs::path& f : {RunStore::configFile(runDir), RunStore::pipelineFile(runDir), RunStore::environmentFile(runDir)}) {
      std::error_code ec;
      if (!fs::is_regular_file(f, ec)) continue;
      try {
        client.send("PUT", "/api/2.0/mlflow-artifacts/artifacts/" + artifactUri.substr(scheme.size()) + "/" +
                               f.filename().string(),
                    readText(f), "application/octet-stream");
        ++sent;
      } catch (const RestError& e) {
        say(std::string("artifact not sent: ") + e.what());
      }
    }
    say(std::to_string(sent) + " artifacts (config.yaml, pipeline.yaml, environment.json)");
  } else {
    say("artifacts not sent: the server stores them at '" + artifactUri + "', which it does not serve");
  }
  const bool ended = rec->endMs > 0;
  client.endRun(id, ended ? statusText(rec->status) : "KILLED", ended ? rec->endMs : nowMs());
  return id;
}

}  // namespace tf::track
