#include "dist/World.h"

#include <torch/version.h>

#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO
#endif
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/cuda.h>
#ifdef TWINFORGE_WITH_NCCL
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <cstdlib>
#include <stdexcept>

namespace tf::dist {

namespace {

// 1.13's process groups derive from ProcessGroup; from 2.0 the backends derive from Backend.
#if TORCH_VERSION_MAJOR >= 2
using Group = ::c10d::Backend;
#else
using Group = ::c10d::ProcessGroup;
#endif

std::string shortError(const std::exception& e) {
  std::string s = e.what();
  // c10::Error appends a C++ stack trace after the first line; keep the message.
  auto nl = s.find("\nException raised from");
  if (nl != std::string::npos) s.erase(nl);
  return s;
}

bool isLoopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

class C10dWork : public Work {
 public:
  explicit C10dWork(c10::intrusive_ptr<::c10d::Work> w) : w_(std::move(w)) {}
  void wait() override {
    try {
      w_->wait();
    } catch (const std::exception& e) {
      throw std::runtime_error("a collective with the other ranks failed (a rank died or stopped answering): " +
                               shortError(e));
    }
  }

 private:
  c10::intrusive_ptr<::c10d::Work> w_;
};

// Gloo for CPU tensors, and NCCL for CUDA tensors where the build has it and a GPU is visible:
// each collective goes to the group of its tensor's device, as PyTorch's "cpu:gloo,cuda:nccl".
class C10dWorld : public World {
 public:
  C10dWorld(c10::intrusive_ptr<::c10d::Store> store, c10::intrusive_ptr<Group> cpu, c10::intrusive_ptr<Group> cuda,
            int rank, int size)
      : store_(std::move(store)), cpu_(std::move(cpu)), cuda_(std::move(cuda)), rank_(rank), size_(size),
        backend_(cuda_ ? "gloo, nccl for CUDA tensors" : "gloo") {}

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  const std::string& backend() const override { return backend_; }

  std::shared_ptr<Work> allreduceSum(const at::Tensor& t) override {
    std::vector<at::Tensor> v{t};
    return std::make_shared<C10dWork>(group(t).allreduce(v));  // AllreduceOptions default to SUM in 1.13 and 2.x
  }
  void broadcast(const at::Tensor& t, int root) override {
    std::vector<at::Tensor> v{t};
    ::c10d::BroadcastOptions o;
    o.rootRank = root;
    C10dWork(group(t).broadcast(v, o)).wait();
  }
  void barrier() override { C10dWork(cpu_->barrier()).wait(); }
  void set(const std::string& key, const std::string& value) override {
    store_->set("twinforge/" + key, std::vector<std::uint8_t>(value.begin(), value.end()));
  }
  std::string get(const std::string& key) override {
    try {
      auto v = store_->get("twinforge/" + key);
      return std::string(v.begin(), v.end());
    } catch (const std::exception& e) {
      throw std::runtime_error("waiting for rank 0 to publish '" + key + "': " + shortError(e));
    }
  }

 private:
  Group& group(const at::Tensor& t) {
    if (!t.is_cuda()) return *cpu_;
    if (!cuda_)
      throw std::runtime_error("a collective on a CUDA tensor, but this job has no NCCL group (" +
                               std::string(kNcclAbsent) + ")");
    return *cuda_;
  }

#ifdef TWINFORGE_WITH_NCCL
  static constexpr const char* kNcclAbsent = "no GPU was visible when the ranks connected";
#else
  static constexpr const char* kNcclAbsent = "this build's LibTorch has no CUDA";
#endif
  c10::intrusive_ptr<::c10d::Store> store_;
  c10::intrusive_ptr<Group> cpu_, cuda_;
  int rank_, size_;
  std::string backend_;
};

c10::intrusive_ptr<Group> glooGroup(const c10::intrusive_ptr<::c10d::Store>& store, const Environment& env,
                                    const World::Options& opts) {
  auto o = ::c10d::ProcessGroupGloo::Options::create(opts.timeout);
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
    o->devices.push_back(::c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
  else if (isLoopback(env.masterAddr))
    o->devices.push_back(::c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  else
    o->devices.push_back(::c10d::ProcessGroupGloo::createDefaultDevice());
  o->threads = opts.glooThreads;
  return c10::make_intrusive<::c10d::ProcessGroupGloo>(c10::make_intrusive<::c10d::PrefixStore>("gloo", store),
                                                       env.rank, env.worldSize, o);
}

// The NCCL group, where the build has NCCL and a GPU is visible; null otherwise. NCCL makes its
// communicators at the first collective, so a job that stays on the CPU pays nothing for it.
c10::intrusive_ptr<Group> ncclGroup(const c10::intrusive_ptr<::c10d::Store>& store, const Environment& env,
                                    const World::Options& opts) {
#ifdef TWINFORGE_WITH_NCCL
  if (torch::cuda::device_count() == 0) return {};
  auto n = ::c10d::ProcessGroupNCCL::Options::create();
  n->timeout = opts.timeout;
  return c10::make_intrusive<::c10d::ProcessGroupNCCL>(c10::make_intrusive<::c10d::PrefixStore>("nccl", store),
                                                       env.rank, env.worldSize, n);
#else
  (void)store, (void)env, (void)opts;
  return {};
#endif
}

// Rank 0 serves the TCPStore, the others reach it; errors say which and what to check.
c10::intrusive_ptr<::c10d::Store> rendezvousStore(const Environment& env, const World::Options& opts,
                                                  const std::string& where) {
  if (env.masterPort <= 0 || env.masterPort > 65535)
    throw std::runtime_error("MASTER_PORT=" + std::to_string(env.masterPort) + ": expected a port in 1..65535");
  ::c10d::TCPStoreOptions so;
  so.port = static_cast<std::uint16_t>(env.masterPort);
  so.isServer = env.rank == 0;
  so.numWorkers = static_cast<std::size_t>(env.worldSize);
  so.waitWorkers = true;
  so.timeout = opts.timeout;
  c10::intrusive_ptr<::c10d::Store> store;
  try {
    store = c10::make_intrusive<::c10d::TCPStore>(env.masterAddr, so);
  } catch (const std::exception& e) {
    const std::string msg = shortError(e);
    if (env.rank == 0 && (msg.find("in use") != std::string::npos || msg.find("EADDRINUSE") != std::string::npos))
      throw std::runtime_error("rank 0 cannot serve the rendezvous store on " + where +
                               ": the port is already in use; choose another with --master-port or MASTER_PORT (" +
                               msg + ")");
    throw std::runtime_error(std::string(env.rank == 0 ? "serving" : "reaching") + " the rendezvous store on " + where +
                             " failed for rank " + std::to_string(env.rank) + " of " + std::to_string(env.worldSize) +
                             " (" + msg + "); check that every rank was started with the same MASTER_ADDR/PORT");
  }
  return store;
}

}  // namespace

std::chrono::milliseconds timeoutFromEnvironment(std::chrono::milliseconds fallback) {
  const char* v = std::getenv("TWINFORGE_DIST_TIMEOUT");
  if (!v || !*v) return fallback;
  char* end = nullptr;
  double s = std::strtod(v, &end);
  if (*end != '\0' || !(s > 0))
    throw std::runtime_error(std::string("TWINFORGE_DIST_TIMEOUT='") + v + "': expected a positive number of seconds");
  return std::chrono::milliseconds(static_cast<long long>(s * 1000));
}

std::unique_ptr<World> World::connect(const Environment& env, const Options& opts) {
  const std::string where = env.masterAddr + ":" + std::to_string(env.masterPort);
  const c10::intrusive_ptr<::c10d::Store> store = rendezvousStore(env, opts, where);

  // Each group rendezvouses under its own prefix of the one store.
  c10::intrusive_ptr<Group> cpu, cuda;
  try {
    if (opts.backend != "gloo" && opts.backend != "nccl")
      throw std::runtime_error("unknown backend '" + opts.backend + "': expected gloo or nccl");
    cpu = glooGroup(store, env, opts);
    cuda = ncclGroup(store, env, opts);
    if (opts.backend == "nccl" && !cuda)
#ifdef TWINFORGE_WITH_NCCL
      throw std::runtime_error("backend nccl: no CUDA GPU is visible to rank " + std::to_string(env.rank));
#else
      throw std::runtime_error("this build of TwinForge has no NCCL (LibTorch without CUDA); use backend gloo");
#endif
  } catch (const std::runtime_error&) {
    throw;
  } catch (const std::exception& e) {
    throw std::runtime_error("connecting rank " + std::to_string(env.rank) + " to the others (" + opts.backend +
                             ", store " + where + "): " + shortError(e));
  }
  return std::make_unique<C10dWorld>(store, cpu, cuda, env.rank, env.worldSize);
}

}  // namespace tf::dist
