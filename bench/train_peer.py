#!/usr/bin/python3
"""Python peer of train_bench: the same models, data sizes, optimizer and loop
(per-epoch randperm, index batches, Adam, MSE) with Debian's python3-torch, or any PyTorch
(PyPI's 2.x in bench/run.sh, the GPU machine's in bench/gpu-check.sh).

  train_peer.py mlp-small|mlp|cnn3d THREADS EPOCHS [DEVICE [PRECISION]]

DEVICE: cpu (default) or cuda; PRECISION: fp32 (default) or bf16 (autocast), as train_bench.
"""
import sys
import time

import torch

import peer_models
from torch import nn

model, threads, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
device = torch.device(sys.argv[4] if len(sys.argv) > 4 else "cpu")
bf16 = len(sys.argv) > 5 and sys.argv[5] == "bf16"
torch.set_num_threads(threads)
torch.manual_seed(0)
net, x, y, batch = peer_models.make(model)
# As TwinForge's trainer: the model and the data go to the device once, indices per batch.
net, x, y = net.to(device), x.to(device), y.to(device)
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
n = x.shape[0]
steps = 0
t0 = time.perf_counter()
for epoch in range(epochs):
    g = torch.Generator().manual_seed(epoch)
    perm = torch.randperm(n, generator=g)
    total = 0.0
    for b in range(0, n, batch):
        idx = perm[b:b + batch].to(device)
        opt.zero_grad()
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            loss = nn.functional.mse_loss(net(x.index_select(0, idx)), y.index_select(0, idx))
        loss.backward()
        opt.step()
        total += loss.item() * idx.numel()
        steps += 1
    net.eval()  # the trainer's loop reports the epoch loss; keep the same per-epoch work
    net.train()
seconds = time.perf_counter() - t0
print(f"{model} threads={threads} device={device}: {steps / seconds:.1f} steps/s ({steps} steps in {seconds:.2f} s, final loss {total / n:.4f})")
