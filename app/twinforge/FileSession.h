// The life of the pipeline file the workbench has open: which file it is, whether the document
// differs from it, opening, saving (atomically), new documents and copies of examples, the
// crash-safe autosave (never over the user's file) and the recent-files list. No dialogs: the
// window asks the user and shows what this reports.
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>
#include <QTimer>

namespace tf::ui {

class PipelineEditor;

class FileSession : public QObject {
  Q_OBJECT
 public:
  explicit FileSession(PipelineEditor* editor, QObject* parent = nullptr);

  const QString& file() const { return file_; }  // empty: untitled
  bool isModified() const;

  // Each returns false with `error` set, leaving the open document as it was.
  bool open(const QString& path, QString* error);
  bool openExampleCopy(const QString& path, QString* error);  // untitled, unsaved
  void newDocument();
  bool saveAs(const QString& path, QString* error);

  // Autosave: unsaved changes go to a file of their own a few seconds after each edit.
  QString autosavePath() const;
  static QStringList pendingAutosaves();  // left by sessions that did not close, newest first
  static void discardAutosaves(const QStringList& files);
  void scheduleAutosave();
  void writeAutosave();
  void removeAutosave();  // closed on purpose: nothing to restore
  // Takes an autosave back as unsaved changes; `original` is the file it belongs to ("" if untitled).
  bool restoreAutosave(const QString& autosaveFile, QString* original, QString* error);

  QStringList recentFiles() const;
  void addRecent(const QString& path);  // pipelines and data files alike
  void clearRecent();

 Q_SIGNALS:
  void recentFilesChanged();

 private:
  PipelineEditor* editor_;
  QString file_;
  bool restoredDirty_ = false;  // restored from an autosave or an example: unsaved until saved
  QTimer autosave_;
};

}  // namespace tf::ui
