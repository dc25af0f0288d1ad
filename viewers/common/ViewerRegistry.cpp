#include "ViewerRegistry.h"


namespace tf::viewers {

ViewerRegistry& ViewerRegistry::instance() {
  static ViewerRegistry reg = [] {
    ViewerRegistry r;
    registerBuiltInViewers(r);
    return r;
  }();
  return reg;
}

void ViewerRegistry::add(ViewerInfo v) { viewers_.push_back(std::move(v)); }

const ViewerInfo* ViewerRegistry::find(const QString& path, const QString& name) const {
  for (const auto& v : viewers_) {
    if (!name.isEmpty()) {
      if (v.name == name) return &v;
      continue;
    }
    if (v.recognises && v.recognises(path)) return &v;
  }
  return nullptr;
}

QString ViewerRegistry::fileDialogFilter() const {
  QStringList parts;
  for (const auto& v : viewers_) {
    QStringList globs;
    for (const auto& s : v.suffixes) globs << QStringLiteral("*.") + s;
    parts << QStringLiteral("%1 (%2)").arg(v.description, globs.join(' '));
  }
  return parts.join(QStringLiteral(";;"));
}

}  // namespace tf::viewers
