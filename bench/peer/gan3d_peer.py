#!/usr/bin/env python3
"""Peer of calo.GAN3DTrainer's training step in plain PyTorch: the same generator and
discriminator (plugins/calo/Gan3dModel.h), the same preprocessing of a 3DGAN shower file, and
the same step (RMSprop for both networks, one-sided label smoothing, loss weights
[3, 0.1, 25, 0.1], the deposit head), batches drawn by a per-epoch permutation. Prints
optimizer steps per second over the whole loop, first step included, as the trainer reports.

  gan3d_peer.py FILE EPOCHS BATCH DEVICE [PRESET [PRECISION]]

FILE: a 3DGAN file (ECAL in GeV, energy, theta); PRESET small or large; PRECISION fp32 or bf16.
"""
import sys
import time

import h5py
import torch
import torch.nn.functional as F

from gan3d_models import Discriminator, Generator

path, epochs, batch, device = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), torch.device(sys.argv[4])
preset = sys.argv[5] if len(sys.argv) > 5 else "large"
bf16 = len(sys.argv) > 6 and sys.argv[6] == "bf16"
gch, dch = (64, 32) if preset == "large" else (8, 8)
latent, power, escale, iscale, cell_thr, min_total = 256, 0.85, 0.01, 1000.0, 1e-4, 10.0
w_gan, w_energy, w_angle, w_ecal, real_label = 3.0, 0.1, 25.0, 0.1, 0.9


def mape(pred, truth):
    return ((pred - truth).abs() / truth.abs().clamp_min(1e-6)).mean() * 100.0


with h5py.File(path, "r") as f:
    x = torch.from_numpy(f["ECAL"][:]).float() * iscale
    energy = torch.from_numpy(f["energy"][:]).float().reshape(-1)
    theta = torch.from_numpy(f["theta"][:]).float().reshape(-1)
x = x.masked_fill(x < cell_thr, 0)
keep = x.sum((1, 2, 3)) > min_total
x, energy, theta = x[keep], energy[keep], theta[keep]
ecal_ratio = (x.sum() / energy.sum()).item()
x = x.pow(power)
shape = tuple(x.shape[1:])
torch.manual_seed(1)
gen = Generator(shape, gch, latent, power).to(device)
disc = Discriminator(shape, dch, power).to(device)
opt_g = torch.optim.RMSprop(gen.parameters(), lr=1e-3)
opt_d = torch.optim.RMSprop(disc.parameters(), lr=1e-3)
x, energy, theta = x.to(device), energy.to(device), theta.to(device)
n, steps = x.shape[0], 0


def gen_input(e, t):
    return torch.cat([(e * escale).view(-1, 1), t.view(-1, 1), torch.randn(e.shape[0], latent - 2, device=device)], 1)


t0 = time.perf_counter()
epoch_seconds = []
for epoch in range(epochs):
    e0 = time.perf_counter()
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(epoch))
    for b in range(0, n, batch):  # the last batch may be smaller, as the trainer's
        idx = perm[b:b + batch].to(device)
        real, e, t = x.index_select(0, idx).unsqueeze(1), energy.index_select(0, idx), theta.index_select(0, idx)
        e_target, m = e * escale, real.shape[0]
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            opt_d.zero_grad()
            with torch.no_grad():
                fake = gen(gen_input(e, t))
            r, fk = disc(real), disc(fake)
            d_gan = 0.5 * (F.binary_cross_entropy_with_logits(r[0], torch.full((m,), real_label, device=device))
                           + F.binary_cross_entropy_with_logits(fk[0], torch.zeros(m, device=device)))
            d_loss = w_gan * d_gan + w_energy * mape(r[1], e_target) + w_angle * (r[2] - t).abs().mean()
            d_loss.backward()
            opt_d.step()
            for p in disc.parameters():
                p.requires_grad_(False)
            opt_g.zero_grad()
            o = disc(gen(gen_input(e, t)))
            ecal_target = e * ecal_ratio
            ecal_err = mape(o[3], ecal_target)
            g_loss = (w_gan * F.binary_cross_entropy_with_logits(o[0], torch.ones(m, device=device))
                      + w_energy * mape(o[1], e_target) + w_angle * (o[2] - t).abs().mean() + w_ecal * ecal_err)
            g_loss.backward()
            for p in disc.parameters():
                p.requires_grad_(True)
            opt_g.step()
        # As the trainer: the step's numbers come back to the host once per step.
        torch.stack([o[3].mean(), ecal_target.mean(), g_loss, d_loss, ecal_err]).detach().float().cpu()
        steps += 1
    epoch_seconds.append(time.perf_counter() - e0)
seconds = time.perf_counter() - t0
# Steady state: the epochs after the first (which pays for cuDNN's and cuBLAS's start-up).
steady = steps * (epochs - 1) / epochs / sum(epoch_seconds[1:]) if epochs > 1 else steps / seconds
print(f"gan3d {preset} device={device}: {steps / seconds:.2f} steps/s ({steps} steps in {seconds:.2f} s, "
      f"epochs after the first {steady:.2f} steady steps/s, "
      f"{gch}/{dch} channels, {sum(p.numel() for p in gen.parameters()) + sum(p.numel() for p in disc.parameters())} "
      f"parameters)")
