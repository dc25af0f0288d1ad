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
import torch.nn as nn
import torch.nn.functional as F

path, epochs, batch, device = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), torch.device(sys.argv[4])
preset = sys.argv[5] if len(sys.argv) > 5 else "large"
bf16 = len(sys.argv) > 6 and sys.argv[6] == "bf16"
gch, dch = (64, 32) if preset == "large" else (8, 8)
latent, power, escale, iscale, cell_thr, min_total = 256, 0.85, 0.01, 1000.0, 1e-4, 10.0
w_gan, w_energy, w_angle, w_ecal, real_label = 3.0, 0.1, 25.0, 0.1, 0.9


def scaled(shape, div):
    return tuple((e + div - 1) // div for e in shape)


def leaky(x):
    return F.leaky_relu(x, 0.2)


class Generator(nn.Module):
    def __init__(self, shape):
        super().__init__()
        self.shape, g, g2 = shape, gch, max(4, gch // 2)
        s8 = scaled(shape, 8)
        self.fc = nn.Linear(latent, g * s8[0] * s8[1] * s8[2])
        self.conv1, self.bn1 = nn.Conv3d(g, g, 3, padding=1), nn.BatchNorm3d(g)
        self.conv2, self.bn2 = nn.Conv3d(g, g2, 3, padding=1), nn.BatchNorm3d(g2)
        self.conv3 = nn.Conv3d(g2, 8, 3, padding=1)

    def forward(self, z):
        b, up = z.shape[0], lambda x, s: F.interpolate(x, size=s, mode="trilinear", align_corners=False)
        x = leaky(self.fc(z)).view(b, gch, *scaled(self.shape, 8))
        x = leaky(self.bn1(self.conv1(up(x, scaled(self.shape, 4)))))
        h = scaled(self.shape, 2)
        x = leaky(self.bn2(self.conv2(up(x, h))))
        x = self.conv3(x).view(b, 2, 2, 2, *h).permute(0, 4, 1, 5, 2, 6, 3).reshape(b, 1, 2 * h[0], 2 * h[1], 2 * h[2])
        x = F.relu(x[:, :, :self.shape[0], :self.shape[1], :self.shape[2]])
        return x * z[:, 0].clamp_min(0).pow(power).view(b, 1, 1, 1, 1)


def conv_out(n, k, s, p):
    return (n + 2 * p - k) // s + 1


class Discriminator(nn.Module):
    def __init__(self, shape):
        super().__init__()
        d = dch
        self.conv1 = nn.Conv3d(1, d, 5, stride=2, padding=2)
        self.conv2 = nn.Conv3d(d, 2 * d, 3, stride=2, padding=1)
        self.conv3 = nn.Conv3d(2 * d, 4 * d, 3, stride=2, padding=1)
        f = 4 * d
        for e in shape:
            f *= conv_out(conv_out(conv_out(e, 5, 2, 2), 3, 2, 1), 3, 2, 1)
        self.fake, self.aux = nn.Linear(f, 1), nn.Linear(f, 2)

    def forward(self, x):
        h = leaky(self.conv3(leaky(self.conv2(leaky(self.conv1(x)))))).flatten(1)
        a = self.aux(h)
        ecal = x.clamp_min(0).pow(1.0 / power).sum((1, 2, 3, 4))
        return self.fake(h).squeeze(1), a[:, 0], a[:, 1], ecal


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
gen, disc = Generator(shape).to(device), Discriminator(shape).to(device)
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
