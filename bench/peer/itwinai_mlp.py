#!/usr/bin/env python3
"""itwinai's own TorchTrainer (PyPI's itwinai, on PyPI's PyTorch 2.x) on train_bench's models
and data: Adam lr 1e-3, MSE, shuffled batches, the given epochs, one process on the CPU
(plus a one-batch validation set each epoch, which TorchTrainer requires).
Prints optimizer steps per second over TorchTrainer.execute (its set-up included, which a
user pays too).

  itwinai_mlp.py mlp-small|mlp|cnn3d THREADS EPOCHS
"""
import importlib.metadata
import math
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import torch  # noqa: E402
from torch.utils.data import TensorDataset  # noqa: E402

import peer_models  # noqa: E402
from itwinai.torch.trainer import TorchTrainer  # noqa: E402

model, threads, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(0)
net, x, y, batch = peer_models.make(model)
with tempfile.TemporaryDirectory() as tmp:
    os.chdir(tmp)
    trainer = TorchTrainer(
        config={"batch_size": batch, "optimizer": "adam", "optim_lr": 1e-3, "loss": "mse",
                "shuffle_train": True, "num_workers_dataloader": 0},
        epochs=epochs, model=net, disable_tqdm=True, random_seed=0,
        checkpoints_location=os.path.join(tmp, "checkpoints"))
    t0 = time.perf_counter()
    # TorchTrainer needs a validation set; one batch of the data keeps its cost negligible.
    trainer.execute(TensorDataset(x, y), TensorDataset(x[:batch], y[:batch]))
    seconds = time.perf_counter() - t0
steps = epochs * math.ceil(x.shape[0] / batch)
print(f"{model} threads={threads} itwinai {importlib.metadata.version('itwinai')}: "
      f"{steps / seconds:.1f} steps/s ({steps} steps in {seconds:.2f} s, TorchTrainer.execute)")
