// The interface every pipeline step implements, and the context the executor gives it:
// where to write, how to report progress, logs and metrics, and whether to stop.
#pragma once

#include "exec/Artifact.h"

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace tf {
namespace dist {
class World;
}

struct Cancelled : std::runtime_error {
  Cancelled() : std::runtime_error("cancelled") {}
};

class StepContext {
 public:
  virtual ~StepContext() = default;
  virtual const std::string& stepName() const = 0;
  virtual std::filesystem::path workDir() const = 0;    // this step's folder in the run's artifacts
  virtual std::filesystem::path workspace() const = 0;  // resolves relative data paths
  virtual int threads() const = 0;                      // intra-op threads to use
  virtual void progress(double fraction, const std::string& message = {}) = 0;
  virtual void log(const std::string& line) = 0;
  virtual void metric(const std::string& name, double value, std::int64_t step) = 0;
  virtual bool cancelled() const = 0;
  // The data-parallel job this step runs in, or nullptr in a single process.
  virtual dist::World* world() const { return nullptr; }
  // True in a single process and on rank 0: the process that writes files shared by all ranks.
  bool leader() const;
  void checkCancelled() const {
    if (cancelled()) throw Cancelled();
  }
  // A data path as a user wrote it: relative paths are taken from the workspace; empty stays empty.
  std::filesystem::path resolve(const std::filesystem::path& p) const {
    return !p.empty() && p.is_relative() && !workspace().empty() ? workspace() / p : p;
  }
};

class Component {
 public:
  virtual ~Component() = default;
  // Inputs keyed by input port name; returns outputs keyed by output port name.
  // Throw std::exception with a message a user can act on to fail the step.
  virtual Artifacts run(StepContext& ctx, const Artifacts& inputs) = 0;
};

}  // namespace tf
