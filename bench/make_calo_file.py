#!/usr/bin/python3
"""Writes a 3DGAN-style calorimeter file of N events for the viewer's open-time benchmark:
ECAL (N, 51, 51, 25) float32 in GeV, chunked one event per chunk as 3DGAN's files are read,
energy (N, 1) and theta (N) in radians. Showers are smooth Gaussian blobs scaled by energy
(their look does not matter here, only their size on disk). Needs Debian's python3-h5py.

  make_calo_file.py OUT.h5 N
"""
import sys

import h5py
import numpy as np

out, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(1)
x, y, z = np.meshgrid(np.arange(51), np.arange(51), np.arange(25), indexing="ij")
blob = np.exp(-((x - 25) ** 2 + (y - 25) ** 2) / 8.0) * (z + 1) ** 2 * np.exp(-(z + 1) / 2.5)
blob = (blob / blob.sum()).astype(np.float32)
energy = rng.uniform(10, 500, size=n).astype(np.float32)
with h5py.File(out, "w") as f:
    ecal = f.create_dataset("ECAL", shape=(n, 51, 51, 25), dtype="float32", chunks=(1, 51, 51, 25))
    block = 500
    for start in range(0, n, block):
        stop = min(n, start + block)
        ecal[start:stop] = 0.02 * energy[start:stop, None, None, None] * blob[None]
    f["energy"] = energy.reshape(n, 1)
    f["theta"] = np.full(n, np.pi / 2)
