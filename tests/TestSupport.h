// Shared helpers for the suites: a registry with core, the shipped plugins and the test plugin.
#pragma once

#include "components/Builtins.h"
#include "launch/Host.h"
#include "registry/Registry.h"

#include <QDirIterator>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QString>
#include <QTemporaryDir>
#include <QtTest>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

namespace tftest {

inline tf::Registry& registry() {
  static tf::Registry reg = [] {
    tf::Registry r;
    tf::registerBuiltins(r);
    for (const auto& res : tf::loadPlugins(r, {TF_PLUGIN_DIR, TF_TEST_PLUGIN_DIR}))
      if (!res.ok) qFatal("test setup: plugin %s failed: %s", res.file.c_str(), res.error.c_str());
    return r;
  }();
  return reg;
}

// The cluster fixture's cluster.env (tests/fixtures/cluster.sh: export KEY='value' lines),
// from the folder in TWINFORGE_TEST_CLUSTER_DIR; empty without it.
inline std::map<QString, QString> clusterEnv() {
  std::map<QString, QString> env;
  QFile f(qEnvironmentVariable("TWINFORGE_TEST_CLUSTER_DIR") + "/cluster.env");
  if (!f.open(QIODevice::ReadOnly)) return env;
  for (const QString& line : QString::fromUtf8(f.readAll()).split('\n')) {
    const auto eq = line.indexOf('=');
    if (!line.startsWith("export ") || eq < 0) continue;
    QString v = line.mid(eq + 1);
    if (v.startsWith('\'') && v.endsWith('\'')) v = v.mid(1, v.size() - 2);
    env[line.mid(7, eq - 7)] = v;
  }
  return env;
}

// A cluster job's environment comes from the login shell, not from the test: the sanitizer
// settings (scripts/sanitize.sh) go to it as setup lines of the profile, as a user loads modules.
inline std::vector<std::string> sanitizerSetupLines() {
  std::vector<std::string> lines;
  for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"})
    if (const char* v = std::getenv(name)) lines.push_back(std::string("export ") + name + "=" + tf::launch::shellQuote(v));
  return lines;
}

// twinforge-run as a user runs it: its exit code and what it printed.
struct ToolResult {
  int code = -1;  // -1 when it crashed or hung
  QString out, err;
  QString runDir() const {  // from "run ID saved in DIR"
    auto m = QRegularExpression("saved in (\\S+)").match(out + err);
    return m.hasMatch() ? m.captured(1) : QString();
  }
};
struct ToolOptions {
  QString cwd;  // empty: the test's
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  int hangGuardMs = 590000;  // a hang guard under ctest's 600 s, not a performance limit
};
inline ToolResult runTool(const QStringList& args, const ToolOptions& o = {});
// The first file called `name` below `dir`, or "".
inline QString findFile(const QString& dir, const QString& name) {
  QDirIterator it(dir, {name}, QDir::Files, QDirIterator::Subdirectories);
  return it.hasNext() ? it.next() : QString();
}

inline QString source(const QString& rel) { return QStringLiteral(TF_SOURCE_DIR "/") + rel; }
inline QString bin(const QString& name) { return QStringLiteral(TF_BIN_DIR "/") + name; }

inline ToolResult runTool(const QStringList& args, const ToolOptions& o) {
  QProcess p;
  p.setProcessEnvironment(o.env);
  if (!o.cwd.isEmpty()) p.setWorkingDirectory(o.cwd);
  p.start(bin("twinforge-run"), args);
  p.waitForFinished(o.hangGuardMs);
  return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(), p.readAllStandardError()};
}

// Writes `text` to `name` inside `dir` and returns the file's path.
inline QString writeFile(const QTemporaryDir& dir, const QString& name, const QByteArray& text) {
  QFile f(dir.filePath(name));
  if (!f.open(QIODevice::WriteOnly) || f.write(text) != text.size())
    qFatal("cannot write %s", qPrintable(f.fileName()));
  return f.fileName();
}

// "Billion laughs": nine levels of nine YAML aliases, 387 million values once expanded.
inline std::string nestedAliases() {
  std::string text = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'i'; ++c) {
    text += std::string(1, c) + ": &" + std::string(1, c) + " [";
    for (int k = 0; k < 9; ++k) text += std::string(k ? ", " : "") + "*" + std::string(1, char(c - 1));
    text += "]\n";
  }
  return text;
}

}  // namespace tftest
