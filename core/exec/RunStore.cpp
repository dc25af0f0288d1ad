#include "exec/RunStore.h"

#include "exec/ArtifactFiles.h"
#include "io/AtomicFile.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <random>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace tf {

namespace {

// MLflow keys may contain '/', which maps to sub-folders; we keep names flat and safe.
std::string safeKey(const std::string& key) {
  std::string s;
  for (char c : key)
    s += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == ' ') ? c : '_';
  return s.empty() ? "_" : s;
}

std::string userName() {
  const char* u = std::getenv("USER");
  return u ? u : "unknown";
}

}  // namespace

RunStore::RunStore(fs::path workspace) : ws_(std::move(workspace)) {}

fs::path RunStore::experimentDir() const { return ws_ / "mlruns" / "0"; }

std::string RunStore::layoutText() {
  return (fs::path("mlruns") / "0" / "<run id>").string() + "/ (events in " + eventsFile("").string() + ")";
}

std::string RunStore::newRunId() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^ static_cast<std::uint64_t>(nowMs()) ^
                      static_cast<std::uint64_t>(getpid()));
  std::ostringstream ss;
  ss << std::hex;
  for (int i = 0; i < 32; ++i) ss << (gen() & 0xF);
  return ss.str();
}

RunInfo RunStore::createRun(const std::string& name, const std::string& id) const {
  const fs::path exp = experimentDir();
  if (!fs::exists(exp / "meta.yaml")) {
    std::ostringstream m;
    const auto now = nowMs();
    m << "artifact_location: file://" << fs::absolute(exp).string() << "\ncreation_time: " << now
      << "\nexperiment_id: '0'\nlast_update_time: " << now << "\nlifecycle_stage: active\nname: Default\n";
    io::writeTextAtomic(exp / "meta.yaml", m.str());
  }
  RunInfo run;
  run.id = id.empty() ? newRunId() : id;
  run.name = name;
  run.dir = exp / run.id;
  run.startMs = nowMs();
  if (fs::exists(run.dir / "meta.yaml"))
    throw std::runtime_error("run " + run.id + " already exists in " + exp.string());
  for (const char* sub : {"params", "metrics", "tags", "artifacts"}) fs::create_directories(run.dir / sub);
  writeMeta(run, Status::Running, 0);
  setTag(run, "mlflow.runName", name);
  setTag(run, "mlflow.user", userName());
  return run;
}

bool RunStore::adoptCopiedRun(const fs::path& runDir, std::string* error) {
  std::ifstream in(runDir / "meta.yaml");
  if (!in) {
    if (error) *error = (runDir / "meta.yaml").string() + ": missing; not a run folder";
    return false;
  }
  std::string text, line;
  while (std::getline(in, line)) {
    if (line.rfind("artifact_uri:", 0) == 0) line = "artifact_uri: file://" + fs::absolute(runDir / "artifacts").string();
    text += line + "\n";
  }
  io::writeTextAtomic(runDir / "meta.yaml", text);
  return true;
}

void RunStore::writeMeta(const RunInfo& run, Status status, std::int64_t endMs) const {
  std::ostringstream m;
  m << "artifact_uri: file://" << fs::absolute(run.dir / "artifacts").string() << "\n"
    << "end_time: " << (endMs ? std::to_string(endMs) : std::string("null")) << "\n"
    << "entry_point_name: ''\nexperiment_id: '0'\nlifecycle_stage: active\n"
    << "run_id: " << run.id << "\nrun_name: " << run.name << "\nrun_uuid: " << run.id << "\n"
    << "source_name: ''\nsource_type: 4\nsource_version: ''\n"
    << "start_time: " << run.startMs << "\nstatus: " << static_cast<int>(status) << "\ntags: []\n"
    << "user_id: " << userName() << "\n";
  io::writeTextAtomic(run.dir / "meta.yaml", m.str());
}

RunInfo RunStore::reopenRun(const std::string& id) const {
  auto dir = findRun(id);
  if (!dir) throw std::runtime_error("no run " + id + " in " + (ws_ / "mlruns").string());
  RunInfo run;
  run.id = id;
  run.dir = *dir;
  run.startMs = nowMs();
  std::ifstream meta(*dir / "meta.yaml");
  for (std::string line; std::getline(meta, line);) {
    if (line.rfind("start_time: ", 0) == 0) run.startMs = std::atoll(line.c_str() + 12);
    if (line.rfind("run_name: ", 0) == 0) run.name = line.substr(10);
  }
  // A killed run may have left half a line in events.jsonl; start the next event on its own line.
  const fs::path events = eventsFile(run.dir);
  std::error_code ec;
  if (fs::file_size(events, ec) > 0 && !ec) {
    std::ifstream in(events, std::ios::binary);
    in.seekg(-1, std::ios::end);
    if (in.get() != '\n') std::ofstream(events, std::ios::app) << "\n";
  }
  writeMeta(run, Status::Running, 0);
  return run;
}

std::string RunStore::tag(const RunInfo& run, const std::string& key) const {
  std::ifstream in(run.dir / "tags" / safeKey(key));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void RunStore::finishRun(const RunInfo& run, Status status) const { writeMeta(run, status, nowMs()); }

void RunStore::logParam(const RunInfo& run, const std::string& key, const std::string& value) const {
  io::writeTextAtomic(run.dir / "params" / safeKey(key), value);
}

void RunStore::setTag(const RunInfo& run, const std::string& key, const std::string& value) const {
  io::writeTextAtomic(run.dir / "tags" / safeKey(key), value);
}

void RunStore::logMetric(const RunInfo& run, const std::string& key, double value, std::int64_t step,
                         std::int64_t timeMs) const {
  // The shortest text that reads back as the same double (MLflow writes Python's repr), so a
  // metric read by MLflow equals the one in events.jsonl; a stream's default 6 digits did not.
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  const std::string line = std::to_string(timeMs) + " " + std::string(buf, ec == std::errc() ? end : buf) + " " +
                           std::to_string(step);
  std::string error;
  if (!io::appendLine(run.dir / "metrics" / safeKey(key), line, &error)) throw std::runtime_error(error);
}

std::optional<fs::path> RunStore::findRun(const std::string& id) const {
  std::error_code ec;
  const fs::path mlruns = ws_ / "mlruns";
  if (id.empty() || !fs::is_directory(mlruns, ec)) return std::nullopt;
  for (const auto& e : fs::directory_iterator(mlruns, ec))
    if (e.is_directory() && fs::exists(e.path() / id / "meta.yaml")) return e.path() / id;
  return std::nullopt;
}

const char* RunStore::statusName(Status s) {
  switch (s) {
    case Status::Running: return "running";
    case Status::Finished: return "finished";
    case Status::Failed: return "failed";
    case Status::Killed: return "killed";
    case Status::Unknown: break;
  }
  return "unknown";
}

namespace {

std::string readText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string trimmed(std::string s) {
  s.erase(0, s.find_first_not_of(" \t\r\n"));
  s.erase(s.find_last_not_of(" \t\r\n") + 1);
  return s;
}

std::map<std::string, std::string> readValues(const fs::path& dir) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file(ec)) out[e.path().filename().string()] = readText(e.path());
  return out;
}

}  // namespace

std::optional<RunStore::Record> RunStore::readRun(const fs::path& runDir) {
  std::ifstream meta(runDir / "meta.yaml");
  if (!meta) return std::nullopt;
  Record r;
  r.dir = runDir;
  r.id = runDir.filename().string();
  for (std::string line; std::getline(meta, line);) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string k = trimmed(line.substr(0, colon)), v = trimmed(line.substr(colon + 1));
    if (k == "run_name") r.name = v;
    if (k == "status") r.status = static_cast<Status>(std::atoi(v.c_str()));
    if (k == "start_time") r.startMs = std::atoll(v.c_str());
    if (k == "end_time") r.endMs = std::atoll(v.c_str());  // "null" reads as 0
  }
  if (r.status != Status::Running && r.status != Status::Finished && r.status != Status::Failed &&
      r.status != Status::Killed)
    r.status = Status::Unknown;
  for (auto& [k, v] : readValues(runDir / "params")) r.params[k] = trimmed(v);
  r.tags = readValues(runDir / "tags");
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(runDir / "metrics", ec))
    if (e.is_regular_file(ec)) r.metrics[e.path().filename().string()] = metricHistory(runDir, e.path().filename().string());
  return r;
}

std::vector<MetricPoint> RunStore::metricHistory(const fs::path& runDir, const std::string& key) {
  std::vector<MetricPoint> out;
  std::ifstream in(runDir / "metrics" / safeKey(key));
  for (std::string line; std::getline(in, line);) {
    std::istringstream ls(line);  // timestamp_ms value step
    MetricPoint p;
    if (ls >> p.timeMs >> p.value >> p.step) out.push_back(p);
  }
  return out;
}

std::vector<RunStore::Record> RunStore::listRuns() const {
  std::vector<Record> out;
  std::error_code ec;
  for (const auto& exp : fs::directory_iterator(ws_ / "mlruns", ec)) {
    if (!exp.is_directory(ec)) continue;
    for (const auto& run : fs::directory_iterator(exp.path(), ec))
      if (run.is_directory(ec))
        if (auto r = readRun(run.path())) out.push_back(std::move(*r));
  }
  std::sort(out.begin(), out.end(), [](const Record& a, const Record& b) { return a.startMs > b.startMs; });
  return out;
}

std::vector<fs::path> RunStore::runsOfPipeline(const std::string& file, const std::string& key) const {
  std::vector<std::pair<fs::file_time_type, fs::path>> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(experimentDir(), ec)) {
    if (!e.is_directory(ec)) continue;
    RunInfo run;
    run.dir = e.path();
    if (tag(run, "twinforge.pipeline_file") != file || tag(run, "twinforge.pipeline_key") != key) continue;
    found.push_back({fs::last_write_time(e.path() / "meta.yaml", ec), e.path()});
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<fs::path> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

std::vector<fs::path> RunStore::stepOutputFiles(const fs::path& runDir, const std::string& step) {
  std::vector<fs::path> out;
  std::error_code ec;
  std::vector<fs::path> ports;
  for (const auto& e : fs::directory_iterator(stepArtifactsDir(runDir, step), ec))
    if (e.is_directory(ec)) ports.push_back(e.path());
  std::sort(ports.begin(), ports.end());
  for (const auto& port : ports) {
    const auto m = readArtifactMeta(port);
    if (!m) continue;
    const auto meta = m->value("meta", nlohmann::json::object());
    for (const char* key : {"path", "report"})
      if (meta.is_object() && meta.contains(key) && meta[key].is_string()) out.emplace_back(meta[key].get<std::string>());
  }
  return out;
}

bool RunStore::deleteRun(const fs::path& runDir, std::string* error) const {
  std::error_code ec;
  const fs::path mlruns = fs::weakly_canonical(ws_ / "mlruns", ec);
  const fs::path dir = fs::weakly_canonical(runDir, ec);
  if (dir.parent_path().parent_path() != mlruns || !fs::exists(dir / "meta.yaml")) {
    if (error) *error = runDir.string() + " is not a run of the workspace " + ws_.string();
    return false;
  }
  fs::remove_all(dir, ec);
  if (ec && error) *error = runDir.string() + ": " + ec.message();
  return !ec;
}

RunRecorder::RunRecorder(const RunStore& store, RunInfo run, bool mlflowMetrics)
    : store_(store),
      run_(std::move(run)),
      mlflowMetrics_(mlflowMetrics) {
  if (!std::ofstream(RunStore::eventsFile(run_.dir), std::ios::app))
    throw std::runtime_error("cannot write " + RunStore::eventsFile(run_.dir).string());
}

void RunRecorder::onEvent(const Event& e) {
  std::string error;
  if (!io::appendLine(RunStore::eventsFile(run_.dir), e.toJson(), &error)) {
    if (e.type == Event::Type::Metric) throw std::runtime_error(error);
    if (!eventsLost_) std::fprintf(stderr, "warning: %s; events from here on are not recorded\n", error.c_str());
    eventsLost_ = true;
  }
  if (e.type == Event::Type::Metric && mlflowMetrics_) {
    // Metric names are per step in the store so two trainers do not mix their curves.
    store_.logMetric(run_, e.step.empty() ? e.name : e.step + "." + e.name, e.value, e.index < 0 ? 0 : e.index,
                     e.timeMs);
  }
}

}  // namespace tf
