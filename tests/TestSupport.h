// Shared helpers for the suites: a registry with core, the shipped plugins and the test plugin.
#pragma once

#include "registry/Plugin.h"
#include "registry/Registry.h"

#include <QString>
#include <QtTest>

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

inline QString source(const QString& rel) { return QStringLiteral(TF_SOURCE_DIR "/") + rel; }
inline QString bin(const QString& name) { return QStringLiteral(TF_BIN_DIR "/") + name; }

}  // namespace tftest
