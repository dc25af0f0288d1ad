"""TwinForge's runs read by the field's own clients: MLflow's MlflowClient on the workspace's
file store, a real `mlflow server` over its REST API (on that file store, and with its default
SQLite store receiving live logging and uploads), and TensorBoard's EventAccumulator on the
event files. Run by ctest (label `interop`) with the Python of scripts/interop-venv.sh;
TF_RUN names twinforge-run and TF_SOURCE_DIR the source tree.
"""
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
from pathlib import Path

import numpy as np
from mlflow.tracking import MlflowClient
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

RUN = os.environ["TF_RUN"]
SOURCE = Path(os.environ["TF_SOURCE_DIR"])
BIN = Path(sys.executable).parent
MLP = ["--set", "epochs=5"]
GAN = ["--set", "events=96", "--set", "test_events=40", "--set", "epochs=1", "--set", "batch_size=16"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def twinforge(args, env=None, cwd=None):
    full = dict(os.environ, **(env or {}))
    for k in ("MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_NAME"):
        if env is None or k not in env:
            full.pop(k, None)
    return subprocess.run([RUN, *args], capture_output=True, text=True, env=full, cwd=cwd, timeout=600)


def events_of(run_dir):
    """Metric points per MLflow key (step.metric), from events.jsonl: [(index, value, time_ms)]."""
    out = {}
    for line in (Path(run_dir) / "events.jsonl").read_text().splitlines():
        e = json.loads(line)
        if e["type"] == "metric":
            key = f"{e['step']}.{e['name']}" if e.get("step") else e["name"]
            out.setdefault(key, []).append((max(e.get("index", 0), 0), e["value"], e["time_ms"]))
    return out


def same_value(a, b):
    return (isinstance(a, float) and math.isnan(a) and math.isnan(b)) or a == b


class MlflowServer:
    """`mlflow server` on 127.0.0.1 with the given store, stopped with its workers."""

    def __init__(self, store, folder, file_store=False):
        self.port = free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, MLFLOW_ALLOW_FILE_STORE="true") if file_store else dict(os.environ)
        self.log = open(Path(folder) / f"mlflow-server-{self.port}.log", "w")
        cmd = [str(BIN / "mlflow"), "server", "--host", "127.0.0.1", "--port", str(self.port),
               "--backend-store-uri", store, "--workers", "1"]
        if not file_store:
            cmd += ["--artifacts-destination", str(Path(folder) / "server-artifacts")]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=folder,
                                     start_new_session=True)
        deadline = time.time() + 120
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mlflow server exited: {Path(self.log.name).read_text()[-2000:]}")
            try:
                urllib.request.urlopen(self.uri + "/health", timeout=2)
                return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError("mlflow server did not start in 120 s")

    def rest(self, path, body=None):
        req = urllib.request.Request(self.uri + path, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        return json.load(urllib.request.urlopen(req, timeout=30))

    def stop(self):
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


class Interop(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="tf-interop-")
        cls.ws = Path(cls.tmp) / "ws"
        cls.runs = {}
        for name, args in (("mlp-regression", MLP), ("calo-3dgan", GAN)):
            r = twinforge([str(SOURCE / "resources/pipelines" / f"{name}.yaml"), "-w", str(cls.ws), "--set",
                           "loggers=[mlflow, tensorboard]", "-q", *args], cwd=cls.tmp)
            assert r.returncode == 0, r.stdout + r.stderr
        for meta in (cls.ws / "mlruns/0").glob("*/meta.yaml"):
            cls.runs[meta.parent.name] = meta.parent
        assert len(cls.runs) == 2, cls.runs
        cls.sqlite = MlflowServer(f"sqlite:///{cls.tmp}/mlflow.db", cls.tmp)

    @classmethod
    def tearDownClass(cls):
        cls.sqlite.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def assert_run_equals_local(self, client, remote_id, run_dir):
        """Parameters, every metric history and the status of a server's run against the local run."""
        remote = client.get_run(remote_id)
        self.assertEqual(remote.info.status, "FINISHED")
        params = {p.name: p.read_text() for p in (run_dir / "params").iterdir()}
        self.assertEqual(remote.data.params, params)
        metrics = events_of(run_dir)
        self.assertEqual(set(remote.data.metrics), set(metrics))
        for key, points in metrics.items():
            history = sorted((m.step, m.value, m.timestamp) for m in client.get_metric_history(remote_id, key))
            self.assertEqual(len(history), len(points), key)
            for (s, v, t), (s2, v2, t2) in zip(history, sorted(points)):
                self.assertEqual((s, t), (s2, t2), key)
                self.assertTrue(same_value(v, v2), f"{key} step {s}: {v} != {v2}")

    def test_file_store_read_by_mlflow_client(self):
        os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"  # MLflow >= 3.13 asks for it
        client = MlflowClient(tracking_uri=(self.ws / "mlruns").as_uri())
        self.assertIn("Default", [e.name for e in client.search_experiments()])
        found = client.search_runs(["0"])
        self.assertEqual({r.info.run_id for r in found}, set(self.runs))
        for r in found:
            run_dir = self.runs[r.info.run_id]
            self.assertEqual(r.info.run_name, (run_dir / "tags/mlflow.runName").read_text())
            self.assert_run_equals_local(client, r.info.run_id, run_dir)
            listed = {a.path for a in client.list_artifacts(r.info.run_id)}
            self.assertTrue({"config.yaml", "pipeline.yaml", "environment.json", "steps", "tensorboard"} <= listed,
                            listed)

    def test_tensorboard_reads_the_scalars(self):
        for run_dir in self.runs.values():
            acc = EventAccumulator(str(run_dir / "artifacts/tensorboard"))
            acc.Reload()
            metrics = events_of(run_dir)
            tags = {k.replace(".", "/", 1) for k in metrics}
            self.assertEqual(set(acc.Tags()["scalars"]), tags)
            for key, points in metrics.items():
                scalars = [(s.step, s.value) for s in acc.Scalars(key.replace(".", "/", 1))]
                # TensorBoard keeps scalars as float32.
                self.assertEqual(scalars, [(i, float(np.float32(v))) for i, v, _ in points], key)

    def test_mlflow_server_serves_the_file_store(self):
        server = MlflowServer((self.ws / "mlruns").as_uri(), self.tmp, file_store=True)
        try:
            found = server.rest("/api/2.0/mlflow/runs/search", {"experiment_ids": ["0"]})["runs"]
            self.assertEqual({r["info"]["run_id"] for r in found}, set(self.runs))
            for run_id, run_dir in self.runs.items():
                for key, points in events_of(run_dir).items():
                    h = server.rest(f"/api/2.0/mlflow/metrics/get-history?run_id={run_id}&metric_key={key}")["metrics"]
                    self.assertEqual(sorted((m["step"], m["value"]) for m in h),
                                     sorted((i, v) for i, v, _ in points), key)
        finally:
            server.stop()

    def test_live_logging_to_a_server(self):
        client = MlflowClient(tracking_uri=self.sqlite.uri)
        ws = Path(self.tmp) / "live"
        r = twinforge([str(SOURCE / "resources/pipelines/mlp-regression.yaml"), "-w", str(ws), *MLP],
                      env={"MLFLOW_TRACKING_URI": self.sqlite.uri, "MLFLOW_EXPERIMENT_NAME": "twinforge-live"},
                      cwd=self.tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"logging to MLflow server {self.sqlite.uri} (experiment twinforge-live", r.stdout)
        local = next((ws / "mlruns/0").glob("*/meta.yaml")).parent
        exp = client.get_experiment_by_name("twinforge-live")
        found = client.search_runs([exp.experiment_id], f"tags.`twinforge.run_id` = '{local.name}'")
        self.assertEqual(len(found), 1)
        self.assert_run_equals_local(client, found[0].info.run_id, local)
        self.assertIn(found[0].info.run_id, (local / "tags/twinforge.mlflow_server_run").read_text())

    def test_server_named_in_the_pipeline_file(self):
        text = (SOURCE / "resources/pipelines/mlp-regression.yaml").read_text()
        text += f"\nloggers: [tensorboard, {{mlflow: {{tracking_uri: '{self.sqlite.uri}', experiment_name: from-yaml}}}}]\n"
        (Path(self.tmp) / "with-server.yaml").write_text(text)
        ws = Path(self.tmp) / "yaml"
        r = twinforge(["with-server.yaml", "-w", str(ws), *MLP], cwd=self.tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        client = MlflowClient(tracking_uri=self.sqlite.uri)
        exp = client.get_experiment_by_name("from-yaml")
        self.assertIsNotNone(exp)
        local = next((ws / "mlruns/0").glob("*/meta.yaml")).parent
        (found,) = client.search_runs([exp.experiment_id])
        self.assert_run_equals_local(client, found.info.run_id, local)

    def test_unreachable_server_warns_and_keeps_the_run(self):
        ws = Path(self.tmp) / "down"
        r = twinforge([str(SOURCE / "resources/pipelines/mlp-regression.yaml"), "-w", str(ws), *MLP],
                      env={"MLFLOW_TRACKING_URI": f"http://127.0.0.1:{free_port()}"}, cwd=self.tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("did not reach it", r.stderr)
        self.assertIn("twinforge-run upload", r.stderr)
        local = next((ws / "mlruns/0").glob("*/meta.yaml")).parent
        self.assertEqual(len(events_of(local)["train.train_loss"]), 5)

    def test_upload_a_finished_run(self):
        run_id, run_dir = next((k, v) for k, v in self.runs.items()
                               if "mlp-regression" in (v / "tags/twinforge.pipeline_file").read_text())
        r = twinforge(["-w", str(self.ws), "upload", run_id, "--tracking-uri", self.sqlite.uri, "--experiment",
                       "uploaded"], cwd=self.tmp)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("3 artifacts", r.stdout)
        client = MlflowClient(tracking_uri=self.sqlite.uri)
        exp = client.get_experiment_by_name("uploaded")
        found = client.search_runs([exp.experiment_id], f"tags.`twinforge.run_id` = '{run_id}'")
        self.assertEqual(len(found), 1)
        self.assert_run_equals_local(client, found[0].info.run_id, run_dir)
        self.assertEqual({a.path for a in client.list_artifacts(found[0].info.run_id)},
                         {"config.yaml", "pipeline.yaml", "environment.json"})
        bad = twinforge(["-w", str(self.ws), "upload", "no-such-run", "--tracking-uri", self.sqlite.uri])
        self.assertEqual(bad.returncode, 1)
        self.assertIn("no run 'no-such-run'", bad.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
