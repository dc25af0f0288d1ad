#include "launch/ClusterProfile.h"

#include "config/Node.h"
#include "io/AtomicFile.h"

#include <functional>
#include <stdexcept>

namespace tf::launch {

namespace fs = std::filesystem;

std::vector<std::string> ClusterProfile::problems() const {
  std::vector<std::string> p;
  if (name.empty()) p.push_back("the profile has no name");
  if (kind != "ssh" && kind != "slurm") p.push_back("kind '" + kind + "': expected ssh or slurm");
  if (kind == "ssh" && host.empty()) p.push_back("no SSH host: a login node such as login.cluster.org");
  if (port < 1 || port > 65535) p.push_back("port " + std::to_string(port) + ": expected 1..65535");
  if (knownHosts != "strict" && knownHosts != "accept-new")
    p.push_back("known_hosts '" + knownHosts + "': expected strict or accept-new");
  if (remoteWorkspace.empty()) p.push_back("no remote workspace: a folder on the cluster for the runs");
  if (runner.empty()) p.push_back("no runner: the path of twinforge-run on the cluster");
  if (nodes < 1) p.push_back("nodes " + std::to_string(nodes) + ": expected at least 1");
  if (tasksPerNode < 1) p.push_back("tasks_per_node " + std::to_string(tasksPerNode) + ": expected at least 1");
  if (gpusPerNode < 0 || cpusPerTask < 0) p.push_back("GPUs and CPUs per task cannot be negative");
  if (!(pollSeconds >= 0.2)) p.push_back("poll_seconds: expected at least 0.2");
  return p;
}

fs::path profilesFile(const fs::path& workspace) { return workspace / "clusters.yaml"; }

namespace {

// One field of a profile: its key in the file and how it is read and written. The table below is
// the file format's single description.
struct Field {
  const char* key;
  std::function<void(ClusterProfile&, const cfg::Node&)> read;
  std::function<cfg::Node(const ClusterProfile&)> write;  // Null: left out
};

[[noreturn]] void bad(const cfg::Node& n, const std::string& key, const std::string& expected) {
  throw std::runtime_error(n.location().str() + ": " + key + ": expected " + expected + ", got " + n.describe());
}

Field text(const char* key, std::string ClusterProfile::*m) {
  return {key,
          [key, m](ClusterProfile& p, const cfg::Node& n) {
            if (!n.isScalar()) bad(n, key, "a string");
            p.*m = n.text();
          },
          [m](const ClusterProfile& p) { return (p.*m).empty() ? cfg::Node() : cfg::Node::scalar(p.*m, true); }};
}

Field integer(const char* key, int ClusterProfile::*m) {
  return {key,
          [key, m](ClusterProfile& p, const cfg::Node& n) {
            auto v = n.isScalar() ? n.asInt() : std::nullopt;
            if (!v) bad(n, key, "a whole number");
            p.*m = static_cast<int>(*v);
          },
          [m](const ClusterProfile& p) { return cfg::Node::scalar(std::to_string(p.*m)); }};
}

Field lines(const char* key, std::vector<std::string> ClusterProfile::*m) {
  return {key,
          [key, m](ClusterProfile& p, const cfg::Node& n) {
            (p.*m).clear();
            if (n.isScalar()) {
              (p.*m).push_back(n.text());
              return;
            }
            if (!n.isSequence()) bad(n, key, "a list of lines");
            for (const auto& i : n.items()) {
              if (!i.isScalar()) bad(i, key, "a line of text");
              (p.*m).push_back(i.text());
            }
          },
          [m](const ClusterProfile& p) {
            if ((p.*m).empty()) return cfg::Node();
            cfg::Node s = cfg::Node::sequence();
            for (const auto& l : p.*m) s.push(cfg::Node::scalar(l, true));
            return s;
          }};
}

const std::vector<Field>& fields() {
  static const std::vector<Field> f = {
      text("kind", &ClusterProfile::kind),
      text("host", &ClusterProfile::host),
      text("user", &ClusterProfile::user),
      integer("port", &ClusterProfile::port),
      text("identity_file", &ClusterProfile::identityFile),
      text("known_hosts", &ClusterProfile::knownHosts),
      text("known_hosts_file", &ClusterProfile::knownHostsFile),
      text("remote_workspace", &ClusterProfile::remoteWorkspace),
      text("runner", &ClusterProfile::runner),
      lines("setup", &ClusterProfile::setup),
      text("container", &ClusterProfile::container),
      text("partition", &ClusterProfile::partition),
      text("account", &ClusterProfile::account),
      text("qos", &ClusterProfile::qos),
      integer("nodes", &ClusterProfile::nodes),
      integer("tasks_per_node", &ClusterProfile::tasksPerNode),
      integer("gpus_per_node", &ClusterProfile::gpusPerNode),
      integer("cpus_per_task", &ClusterProfile::cpusPerTask),
      text("memory", &ClusterProfile::memory),
      text("time", &ClusterProfile::time),
      lines("extra_sbatch", &ClusterProfile::extraSbatch),
      {"poll_seconds",
       [](ClusterProfile& p, const cfg::Node& n) {
         auto v = n.isScalar() ? n.asDouble() : std::nullopt;
         if (!v || *v < 0.2) bad(n, "poll_seconds", "a number of seconds >= 0.2");
         p.pollSeconds = *v;
       },
       [](const ClusterProfile& p) { return cfg::Node::scalar(std::to_string(p.pollSeconds)); }},
  };
  return f;
}

}  // namespace

std::vector<ClusterProfile> loadProfiles(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return {};
  const cfg::Node root = cfg::parseYamlFile(file.string());
  if (root.isNull()) return {};
  const cfg::Node* clusters = root.isMap() ? root.find("clusters") : nullptr;
  if (!clusters) bad(root, "clusters", "a mapping 'clusters:' of profile names to profiles");
  if (clusters->isNull()) return {};
  if (!clusters->isMap()) bad(*clusters, "clusters", "a mapping of profile names to profiles");
  std::vector<ClusterProfile> out;
  for (const auto& [name, body] : clusters->entries()) {
    if (!body.isMap()) bad(body, "clusters." + name, "a mapping of settings");
    ClusterProfile p;
    p.name = name;
    for (const auto& [key, value] : body.entries()) {
      const Field* f = nullptr;
      for (const auto& c : fields())
        if (key == c.key) f = &c;
      if (!f) {
        std::string known;
        for (const auto& c : fields()) known += std::string(known.empty() ? "" : ", ") + c.key;
        throw std::runtime_error(body.keyLocation(key).str() + ": clusters." + name + "." + key +
                                 ": unknown setting; expected one of " + known);
      }
      f->read(p, value);
    }
    out.push_back(std::move(p));
  }
  return out;
}

void saveProfiles(const fs::path& file, const std::vector<ClusterProfile>& profiles) {
  cfg::Node clusters = cfg::Node::map();
  for (const auto& p : profiles) {
    cfg::Node body = cfg::Node::map();
    for (const auto& f : fields()) {
      cfg::Node v = f.write(p);
      if (!v.isNull()) body.append(f.key, std::move(v));
    }
    clusters.append(p.name, std::move(body));
  }
  cfg::Node root = cfg::Node::map();
  root.append("clusters", std::move(clusters));
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  io::writeTextAtomic(file,
                      "# TwinForge cluster profiles (docs/cluster.md). No secrets here: passphrases belong to\n"
                      "# ssh-agent or the OS keyring.\n" +
                          cfg::toYaml(root));
}

}  // namespace tf::launch
