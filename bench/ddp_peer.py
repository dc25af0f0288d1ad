#!/usr/bin/python3
"""Python peer of `train_bench` started with two ranks: the same models, data, batch per rank
and loop, data-parallel with PyTorch's own DistributedDataParallel over Gloo (Debian's
python3-torch 1.13). Start one process per rank with RANK, WORLD_SIZE, MASTER_ADDR and
MASTER_PORT set (Debian's torchrun 1.13 needs --redirects 1 --tee 1 on Python 3.11).

  ddp_peer.py mlp-small|mlp|cnn3d THREADS EPOCHS
"""
import os
import sys
import time

import torch
import torch.distributed as dist

import peer_models
from torch import nn
from torch.nn.parallel import DistributedDataParallel

model, threads, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
torch.manual_seed(0)
net, x, y, batch = peer_models.make(model)
ddp = DistributedDataParallel(net)  # 25 MB buckets, Gloo, like TwinForge's default
opt = torch.optim.Adam(ddp.parameters(), lr=1e-3)
n = x.shape[0]
glob = batch * world
steps = samples = 0
t0 = time.perf_counter()
for epoch in range(epochs):
    g = torch.Generator().manual_seed(epoch)
    perm = torch.randperm(n, generator=g)
    total = torch.zeros(2, dtype=torch.float64)
    for start in range(0, n, glob):
        m = min(glob, n - start)
        lo, hi = start + rank * m // world, start + (rank + 1) * m // world
        idx = perm[lo:hi]
        opt.zero_grad()
        loss = nn.functional.mse_loss(ddp(x.index_select(0, idx)), y.index_select(0, idx))
        loss.backward()
        opt.step()
        total += torch.tensor([loss.item() * idx.numel(), idx.numel()], dtype=torch.float64)
        steps += 1
    dist.all_reduce(total)  # the epoch loss over ranks, as the trainer reports it
    samples += int(total[1])
seconds = time.perf_counter() - t0
if rank == 0:
    print(f"{model} threads={threads} ranks={world}: {steps / seconds:.1f} steps/s {samples / seconds:.0f} samples/s "
          f"({steps} steps in {seconds:.2f} s, final loss {total[0] / total[1]:.4f})")
dist.barrier()
dist.destroy_process_group()
