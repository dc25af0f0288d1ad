#!/usr/bin/python3
"""Python peer of train_bench: the same models, data sizes, optimizer and loop
(per-epoch randperm, index batches, Adam, MSE) with Debian's python3-torch.

  train_peer.py mlp-small|mlp|cnn3d THREADS EPOCHS
"""
import sys
import time

import torch
from torch import nn

model, threads, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(0)
if model == "mlp-small":
    net = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
    x, y, batch = torch.randn(4096, 8), torch.randn(4096, 1), 64
elif model == "mlp":
    net = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 1))
    x, y, batch = torch.randn(4096, 64), torch.randn(4096, 1), 128
else:
    net = nn.Sequential(nn.Conv3d(1, 8, 3, padding=1), nn.ReLU(), nn.Conv3d(8, 16, 3, stride=2, padding=1), nn.ReLU(),
                        nn.AdaptiveAvgPool3d(1), nn.Flatten(), nn.Linear(16, 1))
    x, y, batch = torch.randn(512, 1, 16, 16, 16), torch.randn(512, 1), 32
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
n = x.shape[0]
steps = 0
t0 = time.perf_counter()
for epoch in range(epochs):
    g = torch.Generator().manual_seed(epoch)
    perm = torch.randperm(n, generator=g)
    total = 0.0
    for b in range(0, n, batch):
        idx = perm[b:b + batch]
        opt.zero_grad()
        loss = nn.functional.mse_loss(net(x.index_select(0, idx)), y.index_select(0, idx))
        loss.backward()
        opt.step()
        total += loss.item() * idx.numel()
        steps += 1
    net.eval()  # the trainer's loop reports the epoch loss; keep the same per-epoch work
    net.train()
seconds = time.perf_counter() - t0
print(f"{model} threads={threads}: {steps / seconds:.1f} steps/s ({steps} steps in {seconds:.2f} s, final loss {total / n:.4f})")
