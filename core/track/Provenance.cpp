#include "track/Provenance.h"

#include <torch/version.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <thread>

extern char** environ;

namespace tf::track {

namespace {
std::string capture(const std::string& cmd) {
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof(buf), p)) out += buf;
    pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

std::string quote(const std::string& s) {  // for a shell command line
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}
}  // namespace

GitInfo gitInfo(const std::string& folder) {
  GitInfo g;
  const std::string git = "git -C " + quote(folder) + " ";
  g.commit = capture(git + "rev-parse HEAD 2>/dev/null");
  if (g.commit.size() != 40) return GitInfo{};
  g.dirty = !capture(git + "status --porcelain --untracked-files=no 2>/dev/null").empty();
  g.branch = capture(git + "rev-parse --abbrev-ref HEAD 2>/dev/null");
  return g;
}

nlohmann::json environment(const std::vector<std::string>& commandLine) {
  nlohmann::json j;
  char host[256] = "";
  gethostname(host, sizeof(host) - 1);
  j["hostname"] = host;
  j["user"] = std::getenv("USER") ? std::getenv("USER") : "";
  std::error_code ec;
  j["cwd"] = std::filesystem::current_path(ec).string();
  j["twinforge_version"] = "0.1.0";
  j["libtorch_version"] = TORCH_VERSION;
  j["hardware_threads"] = std::thread::hardware_concurrency();
  j["command_line"] = commandLine;
  nlohmann::json env = nlohmann::json::object();
  static const char* prefixes[] = {"SLURM_", "TWINFORGE_", "OMP_", "MKL_", "CUDA_", "MASTER_", "OMPI_COMM_WORLD_"};
  static const char* exact[] = {"RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "PATH", "LD_LIBRARY_PATH"};
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq == std::string::npos) continue;
    const std::string k = kv.substr(0, eq);
    bool keep = false;
    for (const char* p : prefixes) keep = keep || k.rfind(p, 0) == 0;
    for (const char* x : exact) keep = keep || k == x;
    if (keep) env[k] = kv.substr(eq + 1);
  }
  j["environment"] = env;
  return j;
}

}  // namespace tf::track
