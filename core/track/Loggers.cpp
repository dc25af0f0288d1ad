#include "track/Loggers.h"

#include "config/Diagnostics.h"
#include "config/Node.h"
#include "track/MlflowRest.h"
#include "track/TensorBoardWriter.h"

#include <algorithm>
#include <stdexcept>

namespace tf::track {

const std::vector<std::string>& knownLoggers() {
  static const std::vector<std::string> names{"mlflow", "tensorboard", "csv", "console"};
  return names;
}

std::vector<std::string> parseLoggers(const cfg::Node* node, Diagnostics& diags) {
  if (!node || node->isNull()) return {"mlflow"};
  std::vector<cfg::Node> items;
  if (node->isScalar())
    items.push_back(*node);
  else if (node->isSequence())
    items = node->items();
  else
    diags.error(node->location(), "loggers", "expected a list of logger names (mlflow, tensorboard, csv, console)");
  std::vector<std::string> out;
  mlflowServer(node, &diags);  // checks the {mlflow: {tracking_uri, experiment_name}} form
  for (const auto& i : items) {
    if (i.isMap() && i.size() == 1 && i.find("mlflow")) {  // the mlflow logger with a tracking server
      if (std::find(out.begin(), out.end(), "mlflow") == out.end()) out.push_back("mlflow");
      continue;
    }
    const auto& known = knownLoggers();
    if (!i.isScalar() || std::find(known.begin(), known.end(), i.text()) == known.end()) {
      diags.error(i.location(), "loggers",
                  "expected one of mlflow, tensorboard, csv, console or {mlflow: {tracking_uri: http://..., "
                  "experiment_name: ...}}, got " +
                      i.describe());
      continue;
    }
    if (std::find(out.begin(), out.end(), i.text()) == out.end()) out.push_back(i.text());
  }
  return out;
}

CsvLogger::CsvLogger(const std::filesystem::path& file) {
  std::filesystem::create_directories(file.parent_path());
  const bool fresh = !std::filesystem::exists(file);
  out_.open(file, std::ios::app);
  if (!out_) throw std::runtime_error("cannot write " + file.string());
  if (fresh) out_ << "time_ms,step,metric,index,value\n";
}

void CsvLogger::onEvent(const Event& e) {
  if (e.type != Event::Type::Metric) return;
  // Step and metric names are identifiers (no commas or quotes): no CSV quoting needed.
  out_ << e.timeMs << ',' << e.step << ',' << e.name << ',' << e.index << ',' << e.value << '\n';
  out_.flush();
}

void ConsoleMetricLogger::onEvent(const Event& e) {
  if (e.type != Event::Type::Metric) return;
  std::fprintf(out_, "metric %s/%s = %g (index %lld)\n", e.step.c_str(), e.name.c_str(), e.value,
               static_cast<long long>(e.index));
  std::fflush(out_);
}

std::vector<std::unique_ptr<EventObserver>> makeLoggers(const std::vector<std::string>& names,
                                                        const std::filesystem::path& runDir) {
  std::vector<std::unique_ptr<EventObserver>> out;
  for (const auto& n : names) {
    if (n == "tensorboard")
      out.push_back(std::make_unique<TensorBoardLogger>(runDir / "artifacts" / "tensorboard"));
    else if (n == "csv")
      out.push_back(std::make_unique<CsvLogger>(runDir / "artifacts" / "metrics.csv"));
    else if (n == "console")
      out.push_back(std::make_unique<ConsoleMetricLogger>(stdout));
  }
  return out;
}

}  // namespace tf::track
