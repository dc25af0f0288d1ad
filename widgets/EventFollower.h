// Follows a run's events.jsonl as it grows (like `tail -f`) and re-emits each complete line
// as a tf::Event on the UI thread. The same file is what a remote run copies back.
#pragma once

#include "exec/Event.h"

#include <QObject>
#include <QString>
#include <QTimer>

namespace tf::ui {

class EventFollower : public QObject {
  Q_OBJECT
 public:
  explicit EventFollower(QObject* parent = nullptr);
  void follow(const QString& path);  // restarts from the beginning of the file
  void stop();
  void poll();  // read what is new now (also called by the timer)
  const QString& path() const { return path_; }

 Q_SIGNALS:
  void eventReceived(const tf::Event& e);

 private:
  QTimer timer_;
  QString path_;
  qint64 offset_ = 0;
  QByteArray partial_;  // a line written only in part so far
};

}  // namespace tf::ui

Q_DECLARE_METATYPE(tf::Event)
