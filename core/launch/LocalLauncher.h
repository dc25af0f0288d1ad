// Processes on this machine: one, or `ranks` of them with the torchrun environment (RANK,
// LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR/PORT) rendezvousing on 127.0.0.1.
// Their output is read line by line; when one rank fails, the others get 2 s to fail on their
// own (a broken collective), then SIGTERM, then SIGKILL after the grace time.
#pragma once

#include "launch/Launcher.h"

namespace tf::launch {

class LocalLauncher : public Launcher {
 public:
  std::string name() const override { return "local"; }
  std::unique_ptr<Job> submit(const LaunchSpec& spec) override;
};

// A TCP port on 127.0.0.1 that nothing listens on right now.
int freePort();

}  // namespace tf::launch
