// The cyclone twin through twinforge-run: the example pipeline at its small preset (fixed seed)
// trains a CNN whose held-out centre error is well inside the patch and compares it with the
// TempestExtremes-style baseline in report.json; `info` describes fields and track tables;
// itwinai's cyclones pipeline (laid out as use-cases/cyclones/pipeline.yaml is) runs with
// dataset_root set and warns by name about what is not honoured; bad input names the file.
#include "TestSupport.h"

#include <QDirIterator>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

namespace {

using tftest::findFile;
using tftest::runTool;
using Result = tftest::ToolResult;

}  // namespace

class TestCyclone : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;

 private Q_SLOTS:
  void examplePipelineBeatsHalfAPatchAndReportsBothDetectors() {
    const QString ws = tmp_.filePath("ws");
    Result r = runTool({tftest::source("resources/pipelines/cyclone-detection.yaml"), "-w", ws});
    QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
    const QString report = findFile(ws + "/mlruns", "report.json");
    QVERIFY(!report.isEmpty());
    QFile f(report);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QJsonObject j = QJsonDocument::fromJson(f.readAll()).object();
    // Held-out patches: the median centre error is far below the half-width (20 cells).
    const QJsonObject patches = j["cnn_patches"].toObject();
    const double err = patches["val_median_centre_error_cells"].toDouble(-1);
    QVERIFY2(err >= 0 && err < 10, qPrintable(QString::number(err)));
    QCOMPARE(patches["patch_half_width_cells"].toDouble(), 20.0);
    // Over the held-out period's whole fields both detectors find cyclones, with few false alarms.
    const QJsonObject cnn = j["detectors"].toObject()["cnn"].toObject();
    const QJsonObject base = j["detectors"].toObject()["baseline"].toObject();
    QVERIFY2(cnn["probability_of_detection"].toDouble() > 0.6, qPrintable(QJsonDocument(cnn).toJson()));
    QVERIFY2(cnn["false_alarm_rate"].toDouble() < 0.3, qPrintable(QJsonDocument(cnn).toJson()));
    QVERIFY2(base["probability_of_detection"].toDouble() > 0.3, qPrintable(QJsonDocument(base).toJson()));
    QVERIFY2(base["false_alarm_rate"].toDouble() < 0.3, qPrintable(QJsonDocument(base).toJson()));
    QVERIFY2(base["median_centre_error_km"].toDouble() < 100, qPrintable(QJsonDocument(base).toJson()));
    QCOMPARE(j["match_distance_km"].toDouble(), 300.0);
    // The detections are beside the fields, where the viewer finds them.
    QVERIFY(QFile::exists(ws + "/data/cyclones-test.cnn.tracks.csv"));
    QVERIFY(QFile::exists(ws + "/data/cyclones-test.baseline.tracks.csv"));

    Result info = runTool({"info", ws + "/data/cyclones-test.nc"});
    QVERIFY2(info.code == 0, qPrintable(info.err));
    for (const char* want : {"netCDF-4 climate fields", "grid: 161 x 321", "stored north to south", "32 steps, 2001-09-01 00:00",
                             "msl [Pa]", "packed (scale_factor/add_offset)", "Tracks:"})
      QVERIFY2(info.out.contains(want), qPrintable(want + QString(" in:\n") + info.out));
    Result tracks = runTool({"info", ws + "/data/cyclones-test.tracks.csv"});
    QVERIFY2(tracks.code == 0 && tracks.out.contains("cyclone track table") && tracks.out.contains("6 tracks"), qPrintable(tracks.out + tracks.err));
  }

  void itwinaiCyclonesPipelineRunsWithDatasetRoot() {
    // A small dataset_root first (3 days), so the 3.7 M-parameter VGG_V1 trains in seconds.
    const QString data = tmp_.filePath("cmcc");
    const QString gen = tftest::writeFile(tmp_, "gen.yaml", R"(
gen_pipeline:
  _target_: itwinai.pipeline.Pipeline
  steps:
    fields:
      _target_: cyclone.Synthetic
      days: 3
      cyclones: 4
      lat_min: 0
      lat_max: 30
      lon_min: 120
      lon_max: 170
)");
    Result g = runTool({gen, "-q", "-w", tmp_.path(), "--set", "gen_pipeline.steps.fields.file=" + data + "/era5-2000.nc"});
    QVERIFY2(g.code == 0, qPrintable(g.err));
    // The structure and values of itwinai's use-cases/cyclones/pipeline.yaml.
    const QByteArray itwinai = R"(
epochs: 1
micro_batch_size: 32
dataset_url: https://drive.google.com/drive/folders/example
dataset_root: tmp_cyclones_data
verbose: auto
global_config: null

training_pipeline:
  class_path: itwinai.pipeline.Pipeline
  init_args:
    steps:
      download-step:
        class_path: dataloader.CyclonesDataGetter
        init_args:
          dataset_url: ${dataset_url}
          dataset_root: ${dataset_root}
          global_config: ${global_config}
          patch_type: NEAREST
          shuffle: False
          split_ratio: [0.75, 0.25]
          augment: True
          epochs: ${epochs}
          target_scale: False
          label_no_cyclone: NONE
          aug_type: ONLY_TCS
          experiment: {
            'DRV_VARS_1': ['fg10', 'msl', 't_500', 't_300'],
            'COO_VARS_1': ['patch_cyclone'],
            'MSK_VAR_1': None
          }
      training-step:
        class_path: trainer.CyclonesTrainer
        init_args:
          epochs: ${epochs}
          micro_batch_size: ${micro_batch_size}
          global_config: ${global_config}
          network: VGG_V1
          activation: LINEAR
          regularization_strength: NONE
          learning_rate: 0.0001
          loss: MAE
          verbose: ${verbose}
)";
    const QString yaml = tftest::writeFile(tmp_, "pipeline.yaml", itwinai);
    Result r = runTool({yaml, "-w", tmp_.path(), "--set", "dataset_root=" + data});
    QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
    const QString all = r.out + r.err;
    QVERIFY2(all.contains("3749699 parameters") && all.contains("linear"), qPrintable(all));
    QVERIFY2(all.contains("dataset_url is not fetched"), qPrintable(all));
    QVERIFY2(!all.contains("warning:"), qPrintable(all));  // every value of the file is honoured
    QVERIFY2(all.contains("era5-2000.nc"), qPrintable(all));  // the folder's file, nothing generated

    // Values TwinForge does not honour are named.
    QByteArray changed = itwinai;
    changed.replace("network: VGG_V1", "network: VGG_V2").replace("regularization_strength: NONE", "regularization_strength: WEAK");
    const QString yaml2 = tftest::writeFile(tmp_, "pipeline2.yaml", changed);
    Result w = runTool({yaml2, "-w", tmp_.path(), "--set", "dataset_root=" + data, "--set", "epochs=1"});
    QVERIFY2(w.code == 0, qPrintable(w.err));
    const QString wall = w.out + w.err;
    QVERIFY2(wall.contains("warning: trainer.CyclonesTrainer network = \"VGG_V2\""), qPrintable(wall));
    QVERIFY2(wall.contains("warning: trainer.CyclonesTrainer regularization_strength = \"WEAK\""), qPrintable(wall));
  }

  void badInputNamesTheFileAndTheVariable() {
    const QString gen = tftest::writeFile(tmp_, "bad.yaml", R"(
p:
  _target_: itwinai.pipeline.Pipeline
  steps:
    fields:
      _target_: cyclone.Synthetic
      file: data/small.nc
      days: 1
      cyclones: 1
      lat_min: 0
      lat_max: 20
      lon_min: 130
      lon_max: 160
    patch:
      _target_: cyclone.Patches
      variables: [msl, vo_850]
)");
    Result r = runTool({gen, "-q", "-w", tmp_.path()});
    QVERIFY(r.code != 0);
    QVERIFY2(r.err.contains("small.nc") && r.err.contains("no variable 'vo_850'") && r.err.contains("msl, fg10, t_500, t_300"), qPrintable(r.err));
    std::ofstream(tmp_.filePath("not.nc").toStdString()) << "CDF garbage";
    Result i = runTool({"info", tmp_.filePath("not.nc")});
    QVERIFY(i.code != 0);
    QVERIFY2(i.err.contains("not.nc") && i.err.contains("not a netCDF file"), qPrintable(i.err));
  }
};

QTEST_GUILESS_MAIN(TestCyclone)
#include "test_cyclone.moc"
