#include "exec/RunStore.h"

#include "io/AtomicFile.h"

#include <unistd.h>

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
  std::ofstream out(run.dir / "metrics" / safeKey(key), std::ios::app);
  out << timeMs << " " << value << " " << step << "\n";
}

std::optional<fs::path> RunStore::findRun(const std::string& id) const {
  std::error_code ec;
  const fs::path mlruns = ws_ / "mlruns";
  if (id.empty() || !fs::is_directory(mlruns, ec)) return std::nullopt;
  for (const auto& e : fs::directory_iterator(mlruns, ec))
    if (e.is_directory() && fs::exists(e.path() / id / "meta.yaml")) return e.path() / id;
  return std::nullopt;
}

RunRecorder::RunRecorder(const RunStore& store, RunInfo run, bool mlflowMetrics)
    : store_(store),
      run_(std::move(run)),
      mlflowMetrics_(mlflowMetrics),
      events_(RunStore::eventsFile(run_.dir), std::ios::app) {
  if (!events_) throw std::runtime_error("cannot write " + RunStore::eventsFile(run_.dir).string());
}

void RunRecorder::onEvent(const Event& e) {
  events_ << e.toJson() << "\n";
  events_.flush();
  if (e.type == Event::Type::Metric && mlflowMetrics_) {
    // Metric names are per step in the store so two trainers do not mix their curves.
    store_.logMetric(run_, e.step.empty() ? e.name : e.step + "." + e.name, e.value, e.index < 0 ? 0 : e.index,
                     e.timeMs);
  }
}

}  // namespace tf
