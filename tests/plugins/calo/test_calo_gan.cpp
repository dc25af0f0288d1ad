// The calorimeter twin end to end through twinforge-run, on real files and real training:
// resources/pipelines/calo-3dgan.yaml at a small size trains a 3DGAN whose validation score
// against held-out Monte Carlo clearly beats the same, untrained generator; the report lands
// in the run store; saved weights and their TorchScript copy regenerate the same showers; bad inputs fail
// with the file, dataset or parameter named.
#include "TestSupport.h"
#include "io/Hdf5.h"
#include "io/Hdf5Tensor.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>

#include <QDateTime>
#include <QDir>
#include <QDirIterator>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

namespace {

using Result = tftest::ToolResult;
Result runTool(const QStringList& args, const QString& cwd) {
  tftest::ToolOptions o;
  o.cwd = cwd;
  return tftest::runTool(args, o);
}

nlohmann::json readJson(const QString& path) {
  std::ifstream in(path.toStdString());
  if (!in) return {};
  return nlohmann::json::parse(in, nullptr, false);
}

}  // namespace

class TestCaloGan : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;
  // The example pipeline at a size that trains in about a minute on 2 cores.
  const QStringList small_{"--set", "events=400", "--set", "test_events=200", "--set", "seed=3"};

  Result example(const QStringList& extra) {
    return runTool(
        QStringList{tftest::source("resources/pipelines/calo-3dgan.yaml"), "-w", tmp_.path()} + small_ + extra,
        tmp_.path());
  }
  QString inRun(const Result& r, const QString& rel) {
    QDir d(r.runDir());
    if (d.isRelative()) d.setPath(QDir(tmp_.path()).filePath(r.runDir()));
    return d.filePath(rel);
  }

 private Q_SLOTS:
  void trainingClearlyBeatsTheUntrainedGenerator() {
    // epochs 0: the same seeded generator, never trained: the baseline.
    const Result untrained = example({"--set", "epochs=0"});
    QVERIFY2(untrained.code == 0, qPrintable(untrained.err + untrained.out));
    const nlohmann::json before = readJson(inRun(untrained, "artifacts/steps/validate/report.json"));
    QVERIFY2(before.contains("score"), qPrintable(inRun(untrained, "artifacts/steps/validate/report.json")));

    const Result trained = example({"--set", "epochs=5"});
    QVERIFY2(trained.code == 0, qPrintable(trained.err + trained.out));
    // The Monte Carlo files were made with the same settings: kept, not remade.
    QVERIFY2(trained.out.contains("keeping existing"), qPrintable(trained.out));
    const QString reportPath = inRun(trained, "artifacts/steps/validate/report.json");
    const nlohmann::json after = readJson(reportPath);
    QVERIFY2(after.contains("score"), qPrintable(reportPath));
    const double s0 = before["score"].get<double>(), s1 = after["score"].get<double>();
    qInfo("validation score (mean separation power): untrained %.3f, trained %.3f, Monte Carlo floor %.3f", s0, s1,
          after["mc_vs_mc"]["score"].get<double>());
    QVERIFY2(s1 < 0.8 * s0, qPrintable(QString("untrained %1, trained %2").arg(s0).arg(s1)));
    // Energy response: the deposited fraction is learnt.
    const double r0 = before["all"]["observables"]["energy_ratio"]["separation_power"].get<double>();
    const double r1 = after["all"]["observables"]["energy_ratio"]["separation_power"].get<double>();
    QVERIFY2(r1 < r0, qPrintable(QString("energy ratio separation %1 -> %2").arg(r0).arg(r1)));
    // The classifier test ran on held-out showers.
    QVERIFY(after["classifier"]["auc"].get<double>() >= 0.5 && after["classifier"]["test_showers"].get<int>() > 100);
    // The statistical floor is below what the generator reaches.
    QVERIFY(after["mc_vs_mc"]["score"].get<double>() < s1);

    // The report: per energy bin, the three distances, and plots beside it.
    QCOMPARE(after["energy_bins"].size(), std::size_t(3));
    for (const auto& b : after["energy_bins"]) QVERIFY(b.contains("score") || b.contains("skipped"));
    const auto& ratio = after["all"]["observables"]["energy_ratio"];
    QVERIFY(ratio.contains("jensen_shannon") && ratio.contains("wasserstein_1") && ratio.contains("edges"));
    for (const char* svg : {"report.svg", "layers.svg"}) {
      QFile f(inRun(trained, QString("artifacts/steps/validate/") + svg));
      QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(f.fileName()));
      const QByteArray text = f.readAll();
      QVERIFY(text.startsWith("<svg") && text.contains("<path") && text.contains("S = "));
    }
    // Training curves in the run store: the validation score per epoch and the GAN's losses.
    QVERIFY(QFile::exists(inRun(trained, "metrics/train.val_loss")));
    QVERIFY(QFile::exists(inRun(trained, "metrics/train.d_loss")));
    const nlohmann::json m = readJson(inRun(trained, "artifacts/steps/train/metrics/meta.json"))["meta"];
    QVERIFY2(m.contains("initial_val_loss") && m.contains("final_val_loss"),
             qPrintable(QString::fromStdString(m.dump())));

    // The generated file: as many showers as the held-out set, on the same grid, with its conditions.
    auto gen = tf::h5::File::open(QDir(tmp_.path()).filePath("data/calo-3dgan-generated.h5").toStdString());
    auto mc = tf::h5::File::open(QDir(tmp_.path()).filePath("data/calo-mc-test.h5").toStdString());
    QCOMPARE(QString::fromStdString(gen.dataset("ECAL").shapeString()), QString("(200, 51, 51, 25)"));
    QVERIFY(tf::h5::readTensor(gen, "energy").equal(tf::h5::readTensor(mc, "energy")));
  }

  void savedWeightsRegenerateTheSameShowers() {
    // Uses the run of the previous test (same workspace).
    QDir runs(tmp_.path());
    const QString generated = runs.filePath("data/calo-3dgan-generated.h5");
    QVERIFY(QFile::exists(generated));
    QString weights;
    QDirIterator it(runs.path(), {"calo-3dgan.pt"}, QDir::Files, QDirIterator::Subdirectories);
    QDateTime newest;
    while (it.hasNext()) {
      const QString f = it.next();
      if (!newest.isValid() || QFileInfo(f).lastModified() > newest) {
        newest = QFileInfo(f).lastModified();
        weights = f;
      }
    }
    QVERIFY(!weights.isEmpty());
    const QString yaml = tftest::writeFile(tmp_, "regen.yaml",
                                           QString(R"(
regen:
  steps:
    mc:
      _target_: calo.ToyMC
      file: data/calo-mc-test.h5
      events: 200
      energy_min: 10
      energy_max: 200
      theta_min: 60
      theta_max: 120
      seed: 1000
      overwrite: false
    generate:
      _target_: calo.Generate
      inputs: {conditions: mc.path}
      weights: %1
      events: 200
      file: data/regenerated.h5
      format: both
      seed: 3
    scripted:
      _target_: calo.Generate
      inputs: {conditions: mc.path}
      weights: %2
      events: 200
      file: data/regenerated-torchscript.h5
      seed: 3
)")
                                               .arg(weights, QString(weights).replace(".pt", ".torchscript.pt"))
                                               .toUtf8());
    const Result r = runTool({yaml, "-w", tmp_.path()}, tmp_.path());
    QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
    QVERIFY2(r.out.contains("keeping existing"), qPrintable(r.out));
    auto a = tf::h5::File::open(generated.toStdString());
    auto b = tf::h5::File::open(runs.filePath("data/regenerated.h5").toStdString());
    QVERIFY(tf::h5::readTensor(a, "ECAL").equal(tf::h5::readTensor(b, "ECAL")));
    // The TorchScript copy (what Python users load with torch.jit.load) generates the same showers.
    auto ts = tf::h5::File::open(runs.filePath("data/regenerated-torchscript.h5").toStdString());
    QVERIFY(tf::h5::readTensor(a, "ECAL").equal(tf::h5::readTensor(ts, "ECAL")));
    // The CaloChallenge copy: the same energies in MeV, cells flattened layer-slowest.
    auto cc = tf::h5::File::open(runs.filePath("data/regenerated.calochallenge.h5").toStdString());
    QCOMPARE(QString::fromStdString(cc.dataset("showers").shapeString()), QString("(200, 65025)"));
    const at::Tensor ecal = tf::h5::readTensor(a, "ECAL");
    const at::Tensor showers = tf::h5::readTensor(cc, "showers");
    QVERIFY(at::allclose(showers.sum(1), ecal.sum({1, 2, 3}) * 1000, 1e-4, 1e-3));
    QVERIFY(at::allclose(showers.select(1, 0), ecal.select(3, 0).select(1, 0).select(1, 0) * 1000));
    QVERIFY(at::allclose(tf::h5::readTensor(cc, "incident_energies").reshape({-1}),
                         tf::h5::readTensor(a, "energy") * 1000));
  }

  void trainsDataParallelOverTwoRanks() {
    // The GAN's two optimizers and alternating updates on the distributed engine (Gloo).
    QTemporaryDir ws;
    const Result r =
        runTool({tftest::source("resources/pipelines/calo-3dgan.yaml"), "-w", ws.path(), "--nproc", "2", "--set",
                 "events=96", "--set", "test_events=40", "--set", "epochs=1", "--set", "batch_size=16"},
                ws.path());
    QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
    QVERIFY2(r.out.contains("data parallel over 2 ranks"), qPrintable(r.out));
    // Rank 0 wrote the model and the report; the run records two ranks.
    QVERIFY(r.out.contains("saved") && r.out.contains("validation score"));
    QVERIFY(QFile::exists(inRun(r, "artifacts/steps/save/calo-3dgan.pt")));
    QVERIFY(QFile::exists(inRun(r, "artifacts/steps/validate/report.json")));
  }

  void caloChallengeFilesValidateWithTheirBinning() {
    // Two CaloChallenge-style files (MeV) of a dataset-1-like binning with 10 voxels.
    tftest::writeFile(tmp_, "bins.xml", R"(<Bins>
  <Bin pid="22" name="photon">
    <Layer id="0" r_edges="0,5,10" n_bin_alpha="1" />
    <Layer id="1" r_edges="0" n_bin_alpha="1" />
    <Layer id="2" r_edges="0,2,4" n_bin_alpha="4" />
  </Bin>
  <Bin pid="211" name="pion"><Layer id="0" r_edges="0,1" n_bin_alpha="1" /></Bin>
</Bins>
)");
    for (const char* name : {"cc-a.h5", "cc-b.h5"}) {
      auto gen = at::make_generator<at::CPUGeneratorImpl>(name[3]);
      auto f = tf::h5::File::create(tmp_.filePath(name).toStdString());
      tf::h5::writeTensor(f, "showers", at::rand({60, 10}, gen) * 100);
      tf::h5::writeTensor(f, "incident_energies", at::full({60, 1}, 20000.0f));
    }
    const QString yaml = tftest::writeFile(tmp_, "cc.yaml", R"(
cc:
  steps:
    validate:
      _target_: calo.Validate
      generated_file: cc-a.h5
      reference_file: cc-b.h5
)");
    Result r = runTool({yaml, "-w", tmp_.path()}, tmp_.path());
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("10 voxels per shower") && r.err.contains("set 'binning'"), qPrintable(r.err));
    r = runTool({yaml, "-w", tmp_.path(), "--set", "cc.steps.validate.binning=bins.xml", "--set",
                 "cc.steps.validate.particle=pion"},
                tmp_.path());
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("describes 1 voxels (pion)") && r.err.contains("has 10 per shower"), qPrintable(r.err));
    r = runTool({yaml, "-w", tmp_.path(), "--set", "cc.steps.validate.binning=bins.xml"}, tmp_.path());
    QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
    const nlohmann::json rep = readJson(inRun(r, "artifacts/steps/validate/report.json"));
    QVERIFY(QString::fromStdString(rep["geometry"].get<std::string>()).contains("bins.xml (photon)"));
    const auto& obs = rep["all"]["observables"];
    QVERIFY(obs.contains("layer_02_energy") && obs.contains("layer_00_energy") && !obs.contains("layer_01_energy"));
    // Same distribution, different samples: close, but not identical.
    QVERIFY(rep["score"].get<double>() > 0 && rep["score"].get<double>() < 0.5);
  }

  void caloChallengeProtocolWritesTheOfficialNames() {
    // Two dataset-2 files (6480 voxels, MeV); the binning is built in.
    for (const char* name : {"ds2-a.h5", "ds2-b.h5"}) {
      auto gen = at::make_generator<at::CPUGeneratorImpl>(name[4]);
      auto f = tf::h5::File::create(tmp_.filePath(name).toStdString());
      const at::Tensor einc = at::full({40, 1}, 50000.0f);
      tf::h5::writeTensor(f, "showers", at::rand({40, 6480}, gen).pow(8) * 40);
      tf::h5::writeTensor(f, "incident_energies", einc);
    }
    const QString yaml = tftest::writeFile(tmp_, "ds2.yaml", R"(
ds2:
  steps:
    validate:
      _target_: calo.Validate
      generated_file: ds2-a.h5
      reference_file: ds2-b.h5
      protocol: calochallenge
      classifier: false
)");
    Result r = runTool({yaml, "-w", tmp_.path()}, tmp_.path());
    QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
    QVERIFY2(r.out.contains("CaloChallenge (dataset 2): Etot / Einc"), qPrintable(r.out));
    const nlohmann::json rep = readJson(inRun(r, "artifacts/steps/validate/report.json"));
    QCOMPARE(QString::fromStdString(rep["protocol"].get<std::string>()), QString("calochallenge"));
    const auto& sep = rep["calochallenge_separation_power"];
    // evaluate.py's 227 histograms for dataset 2 (E_tot/E_inc, 45 layers x 5, voxels) and 45 sparsities.
    QCOMPARE(int(sep.size()), 227 + 45);
    for (const char* key : {"Etot / Einc", "E layer 0", "E layer 44", "EC Eta layer 7", "EC Phi layer 7",
                            "Width Eta layer 44", "Width Phi layer 0", "voxel distribution", "Sparsity layer 3"})
      QVERIFY2(sep.contains(key), key);
    QVERIFY(sep["Etot / Einc"].is_number() && sep["Etot / Einc"].get<double>() > 0);
    QCOMPARE(QString::fromStdString(rep["calochallenge"]["dataset"].get<std::string>()), QString("2"));
    // A 3DGAN file is not a challenge file: the message says what to do.
    {
      auto f = tf::h5::File::create(tmp_.filePath("grid.h5").toStdString());
      tf::h5::writeTensor(f, "ECAL", at::rand({4, 5, 5, 5}));
      tf::h5::writeTensor(f, "energy", at::full({4}, 10.0f));
    }
    r = runTool({yaml, "-w", tmp_.path(), "--set", "ds2.steps.validate.generated_file=grid.h5", "--set",
                 "ds2.steps.validate.reference_file=grid.h5"},
                tmp_.path());
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("protocol 'calochallenge' compares CaloChallenge files") && r.err.contains("grid.h5") &&
                 r.err.contains("protocol: twinforge"),
             qPrintable(r.err));
  }

  void itwinaisOwn3dganConfigurationTrainsAndGenerates() {
    // A configuration laid out as itwinai's use-cases/3dgan/config.yaml is: top-level values,
    // a shared data-loading step pulled into both pipelines by interpolation, Lightning's
    // trainer/model/data sections under `config:`, the model loader nested in the predictor.
    const QString yaml = tftest::writeFile(tmp_, "itwinai-3dgan.yaml", R"(
dataset_location: exp_data/
dataset_url: https://example.org/3dgan-showers
hw_accelerators: auto
distributed_strategy: ddp_find_unused_parameters_true
devices: auto
num_nodes: 1
checkpoints_path: checkpoints
batch_size: 4
train_dataset_proportion: 0.7
num_workers_dataloader: 0
max_epochs: 1
max_dataset_size: 24
random_seed: 4231162351
inference_results_location: 3dgan-generated-data/
inference_model_uri: 3dgan-inference.pth
aggregate_predictions: false

dataloading_step:
  _target_: dataloader.Lightning3DGANDownloader
  data_path: ${dataset_location}
  data_url: ${dataset_url}

training_pipeline:
  _target_: itwinai.pipeline.Pipeline
  steps:
    dataloading_step: ${dataloading_step}
    training_step:
      _target_: trainer.Lightning3DGANTrainer
      config:
        seed_everything: ${random_seed}
        trainer:
          accelerator: ${hw_accelerators}
          devices: ${devices}
          num_nodes: ${num_nodes}
          strategy: ${distributed_strategy}
          accumulate_grad_batches: 1
          gradient_clip_val: null
          enable_progress_bar: null
          log_every_n_steps: 1
          max_epochs: ${max_epochs}
          overfit_batches: 0.0
        model:
          class_path: model.ThreeDGAN
          init_args:
            latent_size: 256
            loss_weights: [3, 0.1, 25, 0.1]
            power: 0.85
            lr: 0.001
            checkpoints_dir: ${checkpoints_path}
        data:
          class_path: dataloader.ParticlesDataModule
          init_args:
            datapath: ${dataset_location}
            batch_size: ${batch_size}
            num_workers: ${num_workers_dataloader}
            max_samples: ${max_dataset_size}
            train_proportion: ${train_dataset_proportion}

inference_pipeline:
  _target_: itwinai.pipeline.Pipeline
  steps:
    dataloading_step: ${dataloading_step}
    inference_step:
      _target_: trainer.Lightning3DGANPredictor
      model:
        _target_: trainer.LightningModelLoader
        model_uri: ${inference_model_uri}
      config:
        seed_everything: ${random_seed}
        trainer:
          accelerator: ${hw_accelerators}
          max_steps: 20
          logger:
            _target_: lightning.pytorch.loggers.MLFlowLogger
            experiment_name: 3DGAN
        model:
          class_path: model.ThreeDGAN
          init_args: {latent_size: 256, power: 0.85}
        data:
          class_path: dataloader.ParticlesDataModule
          init_args: {datapath: "${dataset_location}", batch_size: "${batch_size}", max_samples: "${max_dataset_size}"}
    saver_step:
      _target_: saver.ParticleImagesSaver
      save_dir: ${inference_results_location}
      aggregate_predictions: ${aggregate_predictions}
)");
    // The folder without showers: the downloader says it does not download, and what to do.
    QDir(tmp_.path()).mkpath("empty-data");
    Result r = runTool({yaml, "-w", tmp_.path(), "--set", "dataset_location=empty-data"}, tmp_.path());
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("holds no .h5 shower files, and TwinForge does not download") &&
                 r.err.contains("https://example.org/3dgan-showers is not fetched") &&
                 r.err.contains("--set dataset_location=DIR"),
             qPrintable(r.err));
    // 3DGAN files made by calo.ToyMC.
    r = runTool({tftest::source("resources/pipelines/calo-toymc.yaml"), "-w", tmp_.path(), "--set", "events=30", "--set",
                 "toymc_pipeline.steps.showers.file=showers/toy.h5"},
                tmp_.path());
    QVERIFY2(r.code == 0, qPrintable(r.err));
    // Training; a Lightning key that would change the results is warned about by name.
    r = runTool({yaml, "-w", tmp_.path(), "--set", "dataset_location=showers", "--set",
                 "training_pipeline.steps.training_step.config.trainer.gradient_clip_val=0.5"},
                tmp_.path());
    QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
    QVERIFY2(r.out.contains("read 24 showers") && r.out.contains("split 24 samples into 17 train and 7 validation") &&
                 r.out.contains("1 epochs, batch 4, lr 0.001000, latent 256"),
             qPrintable(r.out));
    QVERIFY2(r.out.contains("warning: trainer.Lightning3DGANTrainer config.trainer.gradient_clip_val = 0.5") &&
                 r.out.contains("is not honoured"),
             qPrintable(r.out));
    QVERIFY2(!r.out.contains("accumulate_grad_batches") && !r.out.contains("config.trainer.devices"), qPrintable(r.out));
    QVERIFY(QFile::exists(tmp_.filePath("checkpoints/3dgan-inference.pt")));
    // Inference with the trained generator; the saver keeps the showers as one 3DGAN file.
    r = runTool({yaml, "-w", tmp_.path(), "-p", "inference_pipeline", "--set", "dataset_location=showers", "--set",
                 "inference_model_uri=checkpoints/3dgan-inference.pt"},
                tmp_.path());
    QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
    const QString generated = tmp_.filePath("3dgan-generated-data/generated.h5");
    QVERIFY(QFile::exists(generated));
    auto f = tf::h5::File::open(generated.toStdString());
    QCOMPARE(QString::fromStdString(f.dataset("ECAL").shapeString()), QString("(24, 51, 51, 25)"));
    QVERIFY2(!r.out.contains("warning"), qPrintable(r.out));  // prediction: max_steps and the logger change nothing
    // A model file that is not there is named.
    r = runTool({yaml, "-w", tmp_.path(), "-p", "inference_pipeline", "--set", "dataset_location=showers"}, tmp_.path());
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("model_uri") && r.err.contains("3dgan-inference.pth' does not exist"), qPrintable(r.err));
  }

  void badInputsNameTheFileAndWhatWasExpected() {
    // A 3-D ECAL dataset.
    {
      auto f = tf::h5::File::create(tmp_.filePath("flat.h5").toStdString());
      tf::h5::writeTensor(f, "ECAL", at::zeros({4, 51, 51}));
      tf::h5::writeTensor(f, "energy", at::ones({4}));
    }
    const QString readYaml = tftest::writeFile(tmp_, "read.yaml", R"(
read:
  steps:
    read:
      _target_: calo.ShowerReader
      file: flat.h5
)");
    Result r = runTool({readYaml, "-w", tmp_.path()}, tmp_.path());
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("flat.h5") && r.err.contains("'ECAL' has shape (4, 51, 51)") &&
                 r.err.contains("expected (events, x, y, layers)"),
             qPrintable(r.err));
    // Energies with the wrong number of rows.
    {
      auto f = tf::h5::File::create(tmp_.filePath("rows.h5").toStdString());
      tf::h5::writeTensor(f, "ECAL", at::zeros({4, 5, 5, 5}));
      tf::h5::writeTensor(f, "energy", at::ones({3}));
    }
    r = runTool({readYaml, "-w", tmp_.path(), "--set", "read.steps.read.file=rows.h5"}, tmp_.path());
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("rows.h5") && r.err.contains("'/energy'") && r.err.contains("4 events"), qPrintable(r.err));
    // A small file that declares a million showers it never wrote (chunked): the selection is
    // refused with the memory it needs and what bounds it, not a bare bad_alloc.
    {
      auto f = tf::h5::File::create(tmp_.filePath("declared.h5").toStdString());
      hsize_t dims[4] = {1000000, 51, 51, 25}, chunk[4] = {1, 51, 51, 25};
      hid_t space = H5Screate_simple(4, dims, nullptr), plist = H5Pcreate(H5P_DATASET_CREATE);
      H5Pset_chunk(plist, 4, chunk);
      H5Dclose(H5Dcreate2(f.id(), "ECAL", H5T_NATIVE_FLOAT, space, H5P_DEFAULT, plist, H5P_DEFAULT));
      H5Sclose(space);
      H5Pclose(plist);
      tf::h5::writeTensor(f, "energy", at::full({1000000}, 50.0f));
    }
    r = runTool({readYaml, "-w", tmp_.path(), "--set", "read.steps.read.file=declared.h5"}, tmp_.path());
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("declared.h5") && r.err.contains("GiB of memory") && r.err.contains("`events`"),
             qPrintable(r.err));
    // A weights file without the summary that describes it.
    tftest::writeFile(tmp_, "lonely.pt", "not really weights");
    const QString genYaml = tftest::writeFile(tmp_, "gen.yaml", R"(
gen:
  steps:
    generate:
      _target_: calo.Generate
      weights: lonely.pt
      events: 2
      file: out.h5
)");
    r = runTool({genYaml, "-w", tmp_.path()}, tmp_.path());
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("lonely.summary.json") && r.err.contains("core.ModelSaver"), qPrintable(r.err));
  }
};

QTEST_GUILESS_MAIN(TestCaloGan)
#include "test_calo_gan.moc"
