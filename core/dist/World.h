// The processes of a data-parallel job and how they talk: a TCPStore rendezvous and one c10d
// process group per device type (Gloo for CPU tensors, NCCL for CUDA tensors where LibTorch was
// built with it), behind a small interface that compiles against Debian's LibTorch 1.13 and
// pip's 2.x alike. c10d's headers stay in World.cpp.
#pragma once

#include "dist/Environment.h"

#include <ATen/core/Tensor.h>

#include <chrono>
#include <memory>
#include <string>

namespace tf::dist {

// A collective started in the background.
class Work {
 public:
  virtual ~Work() = default;
  virtual void wait() = 0;  // throws std::runtime_error when a peer failed or timed out
};

class World {
 public:
  struct Options {
    // Gloo carries CPU tensors always; where LibTorch has CUDA and a GPU is visible an NCCL
    // group carries CUDA tensors beside it. "nccl" also demands that NCCL group.
    std::string backend = "gloo";
    // Rendezvous, and each collective: a peer silent this long is taken as dead.
    std::chrono::milliseconds timeout = std::chrono::minutes(10);
    int glooThreads = 2;
  };

  // Rank 0 serves the store at env.masterAddr:env.masterPort, the others connect to it.
  // Throws std::runtime_error with an actionable message (port in use, store unreachable).
  static std::unique_ptr<World> connect(const Environment& env, const Options& opts);
  static std::unique_ptr<World> connect(const Environment& env) { return connect(env, Options{}); }
  virtual ~World() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual const std::string& backend() const = 0;

  // In-place sum over ranks of a dense contiguous tensor, started now, finished by wait().
  virtual std::shared_ptr<Work> allreduceSum(const at::Tensor& t) = 0;
  void allreduceSumNow(const at::Tensor& t) { allreduceSum(t)->wait(); }
  // In place: every rank ends with root's values.
  virtual void broadcast(const at::Tensor& t, int root) = 0;
  virtual void barrier() = 0;
  // The store, for small strings every rank must agree on (the run id): get() waits for set().
  virtual void set(const std::string& key, const std::string& value) = 0;
  virtual std::string get(const std::string& key) = 0;
};

// Timeout from TWINFORGE_DIST_TIMEOUT (seconds) or the default; throws on a malformed value.
std::chrono::milliseconds timeoutFromEnvironment(std::chrono::milliseconds fallback);

}  // namespace tf::dist
