// twinforge-run --nproc N: starts N ranks of the same command on this machine with the
// torchrun environment (RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, MASTER_ADDR/PORT),
// streams their output with a rank prefix, and stops them all when one fails.
#pragma once

#include <string>
#include <vector>

namespace tf {

struct LaunchRequest {
  int nproc = 1;
  int masterPort = 0;                 // 0: a free port
  std::string program;                // this executable
  std::vector<std::string> args;      // the command line without --nproc/--master-port
  double graceSeconds = 10;           // SIGTERM to SIGKILL
  bool quiet = false;
};

// Returns the exit code: 0 when every rank succeeded, 130 when interrupted, otherwise the
// failing rank's code (or 1 when it was killed by a signal).
int launchLocal(const LaunchRequest& req);

// argv without the launcher's own options (both "--opt V" and "--opt=V" forms).
std::vector<std::string> stripLauncherOptions(const std::vector<std::string>& argv);

// A TCP port on 127.0.0.1 that nothing listens on right now.
int freePort();

}  // namespace tf
