#include "EventFollower.h"

#include <QFile>

namespace tf::ui {

EventFollower::EventFollower(QObject* parent) : QObject(parent) {
  qRegisterMetaType<tf::Event>();
  timer_.setInterval(100);
  connect(&timer_, &QTimer::timeout, this, &EventFollower::poll);
}

void EventFollower::follow(const QString& path) {
  path_ = path;
  offset_ = 0;
  partial_.clear();
  timer_.start();
}

void EventFollower::stop() {
  poll();  // whatever the run wrote last
  timer_.stop();
}

void EventFollower::poll() {
  if (path_.isEmpty()) return;
  QFile f(path_);
  if (!f.open(QIODevice::ReadOnly)) return;  // not created yet
  if (f.size() < offset_) offset_ = 0;       // truncated or replaced: start over
  if (!f.seek(offset_)) return;
  QByteArray data = f.readAll();
  offset_ += data.size();
  partial_ += data;
  qsizetype nl;
  while ((nl = partial_.indexOf('\n')) >= 0) {
    const QByteArray line = partial_.left(nl);
    partial_.remove(0, nl + 1);
    if (auto e = tf::Event::fromJson(line.toStdString())) Q_EMIT eventReceived(*e);
  }
}

}  // namespace tf::ui
