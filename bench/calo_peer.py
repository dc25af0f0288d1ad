#!/usr/bin/python3
"""Python peers of the calorimeter benchmarks (Debian's python3-h5py and python3-torch):

  calo_peer.py read FILE [REPS]        read ECAL, energy and theta of a 3DGAN file into memory (h5py)
  calo_peer.py generate N THREADS      the small-preset 3DGAN generator of plugins/calo/Gan3dModel.h,
                                       batch 128, eval mode, no gradients: showers per second
"""
import os
import sys
import time

import numpy as np


def read(path, reps):
    import h5py
    secs = []
    for _ in range(reps):
        t0 = time.perf_counter()
        with h5py.File(path, "r") as f:
            ecal = f["ECAL"][:]
            f["energy"][:]
            f["theta"][:]
        secs.append(time.perf_counter() - t0)
    m = sorted(secs)[len(secs) // 2]
    print(f"h5py read {ecal.shape[0]} events in {m:.3f} s: {ecal.nbytes / m / 1e6:.0f} MB/s "
          f"(sum of cells {ecal.sum(dtype=np.float64):.6g})")


def generate(n, threads):
    import torch
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peer"))
    from gan3d_models import Generator  # the same layers and operations as GeneratorImpl
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    latent, power = 256, 0.85
    gen = Generator((51, 51, 25), 8, latent, power).eval()
    energy = torch.rand(n) * 190 + 10
    theta = torch.rand(n) * (np.pi / 3) + np.pi / 3
    out = []
    with torch.no_grad():
        t0 = time.perf_counter()
        for s in range(0, n, 128):
            e, t = energy[s:s + 128], theta[s:s + 128]
            z = torch.cat([(e * 0.01).view(-1, 1), t.view(-1, 1), torch.randn(e.shape[0], latent - 2)], 1)
            x = gen(z).squeeze(1).pow(1 / power)
            out.append(x.masked_fill(x < 1e-4, 0) / 1000)
        secs = time.perf_counter() - t0
    print(f"python generated {n} showers in {secs:.3f} s ({n / secs:.1f} showers/s)")


if __name__ == "__main__":
    if sys.argv[1] == "read":
        read(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 5)
    else:
        generate(int(sys.argv[2]), int(sys.argv[3]))
